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


def test_vector_caches_are_named_per_model(tmp_path) -> None:
    """Cached phrase vectors of one model are never served for another (HOTLINE_EMBED_MODEL)."""
    from hotline.assist.embed import cached_encode

    bundled, other = Embedder(), Embedder(str(tmp_path / "another-model"))
    assert bundled.cache_key != other.cache_key
    vecs = cached_encode(bundled, ["roaming in Spain"], tmp_path, "graph1")
    assert [p.name for p in tmp_path.glob("assist_emb_*")] == [
        f"assist_emb_graph1_{bundled.cache_key}.npy"]
    np.testing.assert_array_equal(cached_encode(bundled, ["roaming in Spain"], tmp_path, "graph1"),
                                  vecs)


def test_one_minilm_per_server_process(tmp_path) -> None:
    """The web server's embedder serves the live assistant, the live rules' semantic conditions
    and "similar calls": one MiniLM in the process, not three."""
    from hotline.web.services import open_services

    settings = load_settings({}, data_dir=str(tmp_path), db_url=f"sqlite:///{tmp_path / 'h.db'}")
    services = open_services(settings)
    try:
        from hotline.assist.live import LiveEngine

        engine = LiveEngine.load(settings, with_asr=False, embedder=services.embedder)
        rules = engine.rules_factory("auto")
        assert engine.assistant.embedder is services.embedder
        assert rules.rulebook.embedder is services.embedder
        assert services.similar_index().embedder is services.embedder
        engine.close()
    finally:
        services.close()
