"""Phrase embeddings of the knowledge graph, cached on disk keyed by the graph digest and the
model, so a restart does not re-encode every phrasing (the embedder is hotline.embed's)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from hotline.embed import Embedder


def cached_encode(embedder: Embedder, texts: list[str], cache_dir: str | os.PathLike | None,
                  key: str) -> np.ndarray:
    """Encode `texts`, reusing `<cache_dir>/assist_emb_<key>_<model>.npy` when it matches."""
    if not cache_dir:
        return embedder.encode(texts)
    path = Path(cache_dir) / f"assist_emb_{key}_{embedder.cache_key}.npy"
    if path.exists():
        try:
            vecs = np.load(path)
            if vecs.shape[0] == len(texts):
                return vecs
        except (OSError, ValueError):
            pass
    vecs = embedder.encode(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, vecs)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only data dir only costs the re-encode next time
    return vecs
