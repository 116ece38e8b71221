"""The one embedder: the lean BERT path gives the same vectors as sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest

from hotline import bert
from hotline.embed import Embedder, bundled_model_path
from hotline.errors import ConfigError
from hotline.settings import load_settings

TEXTS = ["My 5G signal keeps dropping at home", "I want a refund for the roaming charge",
         "我的手机没信号了", "请帮我办理携号转网", "", "ok"]


def test_lean_encoder_matches_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    path = bundled_model_path()
    assert bert.supports(path)
    ours = Embedder(path).encode(TEXTS)
    ref = SentenceTransformer(path, device="cpu").encode(TEXTS, normalize_embeddings=True)
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, ref, atol=2e-5)


def test_long_text_is_truncated_not_rejected() -> None:
    vec = Embedder().encode(["signal " * 2000])
    assert vec.shape == (1, 384) and np.isfinite(vec).all()


def test_model_loads_once_and_only_when_used() -> None:
    emb = Embedder()
    assert not emb.loaded
    first = emb.load()
    assert emb.load() is first and emb.loaded
    assert emb.encode([]).shape == (0, 384)


def test_configured_model_dir_is_checked(tmp_path) -> None:
    with pytest.raises(ConfigError, match="HOTLINE_EMBED_MODEL"):
        Embedder.from_settings(load_settings({"HOTLINE_EMBED_MODEL": str(tmp_path / "missing")}))
    assert not bert.supports(tmp_path)          # an unknown layout goes to sentence-transformers
