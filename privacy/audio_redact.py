"""An audio copy with the redacted spans muted, for QA listening without hearing card numbers.

The redacted document's `redactions` carry word-level start/end times; each span (padded a
little, because word timestamps are approximate) is replaced by silence in every channel.
"""

from __future__ import annotations

import os

import numpy as np

from hotline.document import CallDocument, Redaction

MUTE_PAD_S = 0.15   # seconds of extra silence each side of a redacted span


def mute_spans(samples: np.ndarray, rate: int, redactions: list[Redaction],
               pad: float = MUTE_PAD_S) -> np.ndarray:
    """A copy of `samples` ((n,) or (channels, n)) with every redacted span set to zero."""
    out = np.array(samples, dtype=np.float32, copy=True)
    n = out.shape[-1]
    for r in redactions:
        a = max(0, int((r.start - pad) * rate))
        b = min(n, int(np.ceil((r.end + pad) * rate)))
        if b > a:
            out[..., a:b] = 0.0
    return out


def export_redacted_audio(source: str | os.PathLike, doc: CallDocument,
                          out_path: str | os.PathLike, audio=None) -> str:
    """Decode `source` (or take the already decoded `audio`), mute `doc.redactions`, write a
    16 kHz WAV (all channels) to `out_path`."""
    import soundfile as sf

    from hotline.audio import decode_audio

    audio = audio if audio is not None else decode_audio(source)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    rate = 16000
    muted = mute_spans(audio.samples, rate, doc.redactions)
    sf.write(str(out_path), muted.T if muted.ndim == 2 else muted, rate, subtype="PCM_16")
    return str(out_path)
