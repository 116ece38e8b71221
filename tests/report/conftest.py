"""Report fixtures: make the dev-only `synth` package importable (it is not installed)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:       # synth/ is a top-level dev package, not installed
    sys.path.insert(0, str(ROOT))
