"""Audio in: one decode function owns the contract (16 kHz float32, per channel, typed rejections).

Modelled on faster-whisper's `audio.py`: PyAV (bundled FFmpeg) decodes any container/codec, its
`AudioResampler` (libswresample, windowed-sinc) converts rate and sample format in one streaming
pass, so 8 kHz telephone audio is band-limited and interpolated properly, never sample-repeated.
Samples go straight into one preallocated float32 buffer sized from the container's duration, so a
4-hour recording never exists as several float64 copies.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hotline import defaults
from hotline.errors import EmptyFile, MissingFile, TooLong, UndecodableAudio, ZeroDuration

SAMPLE_RATE = defaults.SAMPLE_RATE
_GROUP_SAMPLES = 500_000   # resample in large groups: fewer Python round trips per hour of audio
_SLACK_S = 2.0             # headroom over the container's duration estimate for the first buffer
_TOLERANCE_S = 0.05        # container rounding / resampler tails before a file counts as too long
SILENCE_PEAK = defaults.SILENCE_PEAK


@dataclass
class Audio:
    """Decoded recording: float32, shape (channels, n), 16 kHz, values in [-1, 1]."""

    samples: np.ndarray
    source: str
    source_rate: int
    source_channels: int
    duration: float

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def mono(self) -> np.ndarray:
        """(n,) float32 mix of all channels (a view, no copy, for mono recordings)."""
        if self.samples.shape[0] == 1:
            return self.samples[0]
        return self.samples.mean(axis=0, dtype=np.float32)

    @cached_property
    def rms(self) -> float:
        """RMS over all channels, accumulated in chunks (no full-size temporary copy)."""
        return rms(self.samples)

    @cached_property
    def peak(self) -> float:
        """Largest absolute sample, in chunks."""
        return _peak(self.samples)

    @property
    def is_silent(self) -> bool:
        """All silence: not an error, the pipeline returns a document with no turns."""
        return self.rms < defaults.SILENCE_RMS or self.peak < SILENCE_PEAK


def decode_audio(path: str | os.PathLike, max_duration: float = defaults.MAX_DURATION_S) -> Audio:
    """Decode any file PyAV/FFmpeg reads to 16 kHz float32 per channel, or raise a typed rejection.

    Raises MissingFile, EmptyFile, UndecodableAudio, ZeroDuration or TooLong (checked from the
    container's metadata before decoding, and again while decoding).
    """
    import av

    source = os.fspath(path)
    _check_file(source)
    try:
        container = av.open(source, mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise UndecodableAudio(f"{source}: not a readable audio file ({_reason(exc)})") from exc
    with container:
        if not container.streams.audio:
            raise UndecodableAudio(f"{source}: the file has no audio stream")
        stream = container.streams.audio[0]
        source_rate = int(stream.codec_context.sample_rate or stream.rate or 0)
        source_channels = int(stream.codec_context.channels or 0)
        meta = _metadata_duration(container, stream)
        if meta is not None and meta > max_duration + _TOLERANCE_S:
            raise TooLong(_too_long_message(source, meta, max_duration))
        samples = _decode_stream(container, stream, source, meta, max_duration)
    n = samples.shape[1]
    if n == 0:
        raise ZeroDuration(f"{source}: the recording contains no audio samples (zero duration)")
    return Audio(
        samples=samples,
        source=source,
        source_rate=source_rate or SAMPLE_RATE,
        source_channels=source_channels or samples.shape[0],
        duration=n / SAMPLE_RATE,
    )


def pcm_to_float(data: bytes, encoding: str = "s16le", rate: int = SAMPLE_RATE) -> np.ndarray:
    """Raw live-stream bytes (s16le, G.711 mu-law or A-law) to (n,) float32 at 16 kHz.

    Each call resamples its chunk independently; for a continuous stream prefer `PcmStream`,
    which keeps the resampler's state across chunks.
    """
    samples = _pcm_samples(data, encoding)
    if rate == SAMPLE_RATE or samples.size == 0:
        return samples
    import soxr

    return soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ").astype(np.float32, copy=False)


class PcmStream:
    """Stateful `pcm_to_float` for a live call: no clicks at chunk edges when resampling."""

    def __init__(self, encoding: str = "s16le", rate: int = SAMPLE_RATE) -> None:
        _pcm_samples(b"", encoding)  # validate the encoding up front
        self.encoding, self.rate = encoding, rate
        self._stream = None
        if rate != SAMPLE_RATE:
            import soxr

            self._stream = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")

    def feed(self, data: bytes, last: bool = False) -> np.ndarray:
        """Convert one chunk; `last=True` flushes the resampler's tail."""
        samples = _pcm_samples(data, self.encoding)
        if self._stream is None:
            return samples
        return self._stream.resample_chunk(samples, last=last)


def content_id(path: str | os.PathLike) -> str:
    """The call id: sha256 of the file bytes, first 16 hex digits (same bytes, same id)."""
    source = os.fspath(path)
    _check_file(source, allow_empty=True)
    digest = hashlib.sha256()
    with open(source, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


# --- helpers -----------------------------------------------------------------------------------


def _check_file(source: str, allow_empty: bool = False) -> None:
    if not os.path.exists(source):
        raise MissingFile(f"{source}: no such file")
    if not os.path.isfile(source):
        raise MissingFile(f"{source}: not a regular file")
    if not allow_empty and os.path.getsize(source) == 0:
        raise EmptyFile(f"{source}: the file is empty (0 bytes)")
    if not os.access(source, os.R_OK):
        raise UndecodableAudio(f"{source}: the file is not readable (permission denied)")


def _metadata_duration(container, stream) -> float | None:
    """Duration in seconds from the container/stream header, or None when it is not known."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


def _decode_stream(container, stream, source: str, meta: float | None, max_duration: float):
    """Decode + resample into one growing float32 buffer; TooLong as soon as the limit is passed."""
    import av

    limit = int(math.ceil((max_duration + _TOLERANCE_S) * SAMPLE_RATE))
    buffer: np.ndarray | None = None
    n = 0
    try:
        for block in _resampled(container, stream):
            if buffer is None:
                buffer = np.empty((block.shape[0], _initial_capacity(meta, limit)), np.float32)
            end = n + block.shape[1]
            if end > limit:
                raise TooLong(_too_long_message(source, end / SAMPLE_RATE, max_duration))
            if end > buffer.shape[1]:
                buffer = _grow(buffer, n, end, limit)
            buffer[:, n:end] = block
            n = end
    except av.error.FFmpegError as exc:
        if n == 0:
            raise UndecodableAudio(f"{source}: the audio cannot be decoded ({_reason(exc)})") from exc
    if buffer is None:
        return np.zeros((max(1, stream.codec_context.channels or 1), 0), np.float32)
    return buffer[:, :n]


def _resampled(container, stream) -> Iterator[np.ndarray]:
    """(channels, k) float32 blocks at 16 kHz, like faster-whisper's grouped resampling."""
    import av

    resampler = None
    fifo = av.audio.fifo.AudioFifo()
    for frame in _valid_frames(container.decode(stream)):
        frame.pts = None  # ignore timestamp gaps; we want the samples
        fifo.write(frame)
        if fifo.samples >= _GROUP_SAMPLES:
            resampler = resampler or _resampler(frame)
            yield from _run(resampler, fifo.read())
    if fifo.samples > 0:
        group = fifo.read()
        resampler = resampler or _resampler(group)
        yield from _run(resampler, group)
    if resampler is not None:
        yield from _run(resampler, None)  # flush the filter's tail


def _resampler(frame):
    import av

    channels = len(frame.layout.channels)
    layout = {1: "mono", 2: "stereo"}.get(channels, frame.layout.name)
    return av.audio.resampler.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)


def _run(resampler, frame) -> Iterator[np.ndarray]:
    for out in resampler.resample(frame):
        block = out.to_ndarray()
        yield block.reshape(1, -1) if block.ndim == 1 else block


def _valid_frames(frames):
    """Skip corrupt packets (as faster-whisper does) instead of failing the whole recording."""
    import av

    iterator = iter(frames)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def _initial_capacity(meta: float | None, limit: int) -> int:
    if meta is None:
        return min(limit, 60 * SAMPLE_RATE)
    return min(limit, int((meta + _SLACK_S) * SAMPLE_RATE))


def _grow(buffer: np.ndarray, n: int, needed: int, limit: int) -> np.ndarray:
    """Metadata underestimated the length (VBR mp3, streams): grow by 50 %, once per shortfall."""
    capacity = min(limit, max(needed, int(buffer.shape[1] * 1.5)))
    grown = np.empty((buffer.shape[0], capacity), np.float32)
    grown[:, :n] = buffer[:, :n]
    return grown


def as_mono(samples: np.ndarray) -> np.ndarray:
    """Accept (n,) or (1, n); mix (c, n) down; always float32 contiguous (what models take)."""
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples[0] if samples.shape[0] == 1 else samples.mean(axis=0)
    if samples.ndim != 1:
        raise ValueError(f"expected samples of shape (n,), got {samples.shape}")
    return np.ascontiguousarray(samples, dtype=np.float32)


def rms(samples: np.ndarray, chunk: int = 1 << 20) -> float:
    """Per row, in chunks: rows of the trimmed buffer are contiguous even when the whole is not."""
    if samples.size == 0:
        return 0.0
    total = 0.0
    for row in samples.reshape(-1, samples.shape[-1]):
        for start in range(0, row.size, chunk):
            part = row[start : start + chunk]
            total += float(np.dot(part, part))
    return math.sqrt(total / samples.size)


def _peak(samples: np.ndarray, chunk: int = 1 << 20) -> float:
    peak = 0.0
    for row in samples.reshape(-1, samples.shape[-1]):
        for start in range(0, row.size, chunk):
            part = row[start : start + chunk]
            peak = max(peak, float(part.max()), -float(part.min()))
    return peak


def _pcm_samples(data: bytes, encoding: str) -> np.ndarray:
    if encoding == "s16le":
        if len(data) % 2:
            raise UndecodableAudio("s16le audio must have an even number of bytes")
        return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    if encoding in ("mulaw", "ulaw", "pcm_mulaw"):
        return _MULAW[np.frombuffer(data, dtype=np.uint8)]
    if encoding in ("alaw", "pcm_alaw"):
        return _ALAW[np.frombuffer(data, dtype=np.uint8)]
    raise UndecodableAudio(f"unknown PCM encoding {encoding!r}; use 's16le', 'mulaw' or 'alaw'")


def _mulaw_table() -> np.ndarray:
    """G.711 mu-law byte -> float32 (ITU-T reference expansion, 14-bit magnitudes)."""
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    value = np.where(u & 0x80, -magnitude, magnitude)
    return (value / 32768.0).astype(np.float32)


def _alaw_table() -> np.ndarray:
    """G.711 A-law byte -> float32."""
    a = np.arange(256, dtype=np.int32) ^ 0x55
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    )
    value = np.where(a & 0x80, magnitude, -magnitude)
    return (value / 32768.0).astype(np.float32)


_MULAW = _mulaw_table()
_ALAW = _alaw_table()


def _too_long_message(source: str, seconds: float, max_duration: float) -> str:
    return (
        f"{source}: recording is {_hms(seconds)} long, over the limit of {_hms(max_duration)} "
        "(raise HOTLINE_MAX_DURATION to accept it)"
    )


def _hms(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
