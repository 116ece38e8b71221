"""Write docs/configuration.md from the Settings fields (names, defaults, descriptions).

The settings object is the single source: this page is generated, and a test fails when it is
out of date (`python scripts/gen_config_doc.py` rewrites it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from hotline.settings import BatchSettings, Settings

OUT = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
HEADER = """# Configuration

Generated from `hotline/settings.py` by `scripts/gen_config_doc.py` — do not edit by hand.

Every setting comes from a command-line flag where one exists, then the `HOTLINE_*` environment
variable, then the default below. Values are validated when a process starts: a bad value stops
it with a message that names the variable (`HOTLINE_NUM_SPEAKERS='two': Input should be a valid
integer…`). Booleans accept 1/0, true/false, yes/no, on/off. Paths to models are local: nothing is
downloaded at run time.
"""


def _default(field) -> str:
    value = field.default
    if isinstance(value, tuple):
        value = ",".join(map(str, value))
    if value == "":
        return "(empty)"
    return f"`{value}`"


def _table(model: type, prefix: str) -> list[str]:
    rows = ["| variable | default | what it sets |", "|---|---|---|"]
    for name, field in model.model_fields.items():
        if field.default_factory is not None:       # a nested group, listed in its own table
            continue
        default = _default(field).replace(str(Path.home()), "~")
        rows.append(f"| `{prefix}{name.upper()}` | {default} | {field.description or ''} |")
    return rows


def render() -> str:
    parts = [HEADER, "## Settings (`HOTLINE_*`)", "", *_table(Settings, "HOTLINE_"), "",
             "## Batch tunables (`HOTLINE_BATCH_*`)", "",
             (BatchSettings.__doc__ or "").split("\n\n")[0].replace("\n    ", " ").strip(), "",
             *_table(BatchSettings, "HOTLINE_BATCH_"), ""]
    return "\n".join(parts) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if OUT.exists() and OUT.read_text() == text else 1
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
