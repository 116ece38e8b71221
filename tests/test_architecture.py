"""The shape of the code base: one namespace in the wheel, layers that only import downwards,
and documentation links that resolve."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
CORE = {"hotline.errors", "hotline.defaults", "hotline.settings", "hotline.document",
        "hotline.audio", "hotline.text", "hotline.zh_cut", "hotline.embed", "hotline.bert"}
APP_AREAS = {"hotline.worker", "hotline.web"}
APP_MODULES = {"hotline.pipeline", "hotline.cli", "hotline.transcribe_cli", "hotline.logs"}


def _package_dirs() -> dict[str, Path]:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return {pkg: ROOT / d for pkg, d in cfg["package-dir"].items()}


def _modules() -> dict[str, Path]:
    """Every shipped module name -> file, from the package-dir map (what the wheel holds)."""
    out: dict[str, Path] = {}
    for pkg, folder in _package_dirs().items():
        for path in folder.glob("*.py"):
            name = pkg if path.stem == "__init__" else f"{pkg}.{path.stem}"
            out[name] = path
    return out


def _layer(module: str) -> str:
    if module in CORE:
        return "core"
    if module in APP_MODULES or module.endswith(".cli") or module.startswith(
            tuple(a + "." for a in APP_AREAS)) or module in APP_AREAS:
        return "app"
    if module == "hotline":
        return "core"
    return "area"


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every hotline import, at any depth (function bodies included)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            out += [(node.lineno, n) for n in names if n.startswith("hotline")]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("hotline")]
    return out


def test_layers_import_only_downwards() -> None:
    """The core imports only the core; areas never import the app layer (pipeline, CLI, web,
    worker). No import inside a function can dodge this: every import is checked."""
    modules = _modules()
    rank = {"core": 0, "area": 1, "app": 2}
    bad = []
    for name, path in modules.items():
        for line, target in _imports(path):
            target = target if target in modules else target.rsplit(".", 1)[0]
            if target in modules and rank[_layer(target)] > rank[_layer(name)]:
                bad.append(f"{path.relative_to(ROOT)}:{line} {name} ({_layer(name)}) imports "
                           f"{target} ({_layer(target)})")
    assert not bad, "\n".join(bad)


def test_no_shipped_module_imports_tests_or_scripts() -> None:
    """Test helpers (local services, the stand-in worker) stay out of the shipped package."""
    bad = []
    for path in _modules().values():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names] if isinstance(node, ast.Import) else []
            if any(n.split(".")[0] in ("tests", "scripts") for n in names):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, bad


@pytest.mark.slow
def test_wheel_holds_exactly_one_top_level_name(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("hotline-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith((".dist-info", ".data"))}
    assert top == {"hotline"}
    shipped = {n for n in names if n.endswith(".py")}
    expected = {f"{pkg.replace('.', '/')}/{p.name}" for pkg, folder in _package_dirs().items()
                for p in folder.glob("*.py")}
    assert expected <= shipped, sorted(expected - shipped)[:10]
    for data in ("hotline/analytics/rulebooks/", "hotline/assist/graph/", "hotline/web/templates/"):
        assert any(n.startswith(data) for n in names), data
    assert not any(n.startswith("hotline/tests") or "localnet" in n for n in names)


def _doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_every_relative_link_in_readme_and_docs_resolves() -> None:
    bad = []
    for doc in _doc_files():
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
            if re.match(r"^[a-z]+:|^#", target):
                continue
            path = (doc.parent / target.split("#", 1)[0]).resolve()
            if not path.exists():
                bad.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not bad, bad


def test_readme_stays_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


def test_configuration_page_is_generated_from_the_settings() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_config_doc.py"), "--check"])
    assert done.returncode == 0, "docs/configuration.md is stale: run scripts/gen_config_doc.py"
