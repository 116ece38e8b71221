"""Print the project's dependencies (plus the given extras) without torch, one per line.

Why: pyproject pins the CPU torch wheel of the development box (torch==2.13.0), but the
pyannote venv (`make test-pyannote`) and the GPU image (Dockerfile.gpu) need the PyPI torch
that matches torchaudio. They install torch first, then these requirements under a constraints
file that keeps it, then the package itself with --no-deps.

    python scripts/deps_without_torch.py [pyproject.toml] [--extra test ...]
"""

from __future__ import annotations

import argparse
import re

import tomllib


def requirements(pyproject: str, extras: list[str]) -> list[str]:
    """`project.dependencies` + the named optional groups, torch left out."""
    with open(pyproject, "rb") as fh:
        project = tomllib.load(fh)["project"]
    deps = list(project["dependencies"])
    for extra in extras:
        deps += project["optional-dependencies"][extra]
    return [d for d in deps if re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0].lower() != "torch"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pyproject", nargs="?", default="pyproject.toml")
    parser.add_argument("--extra", action="append", default=[], help="optional group to add")
    args = parser.parse_args()
    print("\n".join(requirements(args.pyproject, args.extra)))


if __name__ == "__main__":
    main()
