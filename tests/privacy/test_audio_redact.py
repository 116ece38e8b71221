"""Muting redacted spans in a real recording."""

from __future__ import annotations

import numpy as np

from hotline.document import Redaction
from hotline.privacy.audio_redact import export_redacted_audio, mute_spans


def test_mute_spans_on_real_audio(data_dir, tmp_path, make_doc) -> None:
    from hotline.audio import decode_audio

    audio = decode_audio(data_dir / "jfk.flac")
    span = Redaction(type="card_number", turn=0, start=2.0, end=3.0)
    muted = mute_spans(audio.samples, 16000, [span], pad=0.1)
    a, b = int(1.9 * 16000), int(3.1 * 16000)
    assert np.abs(audio.samples[..., a:b]).max() > 0.01      # speech was there
    assert not muted[..., a:b].any()
    assert np.array_equal(muted[..., :a - 1], audio.samples[..., :a - 1])
    assert np.array_equal(muted[..., b + 1:], audio.samples[..., b + 1:])

    doc = make_doc([("customer", "card 4111 1111 1111 1111")])
    doc.redactions = [span]
    out = export_redacted_audio(data_dir / "jfk.flac", doc, tmp_path / "muted.wav")
    back = decode_audio(out)
    assert abs(back.duration - audio.duration) < 0.05
    assert np.abs(back.mono[int(2.0 * 16000):int(3.0 * 16000)]).max() < 1e-3
    assert np.abs(back.mono[int(0.5 * 16000):int(1.5 * 16000)]).max() > 0.01
