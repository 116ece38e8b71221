"""decode_audio on real files made by sox/ffmpeg: formats, rates, channels and every rejection."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import time

import numpy as np
import pytest

from hotline import audio as audio_mod
from hotline.audio import PcmStream, content_id, decode_audio, pcm_to_float
from hotline.errors import (
    EmptyFile,
    MissingFile,
    RecordingRejected,
    TooLong,
    UndecodableAudio,
    ZeroDuration,
)

from .conftest import ffmpeg_tone, sine


def peak_hz(x: np.ndarray, rate: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * rate / x.size)


def band_db(x: np.ndarray, lo: float, hi: float, rate: int = 16000) -> float:
    """Energy in [lo, hi] Hz relative to the whole signal, in dB."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / rate)
    band = spectrum[(freqs >= lo) & (freqs <= hi)].sum()
    return 10 * np.log10(band / spectrum.sum() + 1e-20)


def check(a, seconds: float, channels: int = 1, source_rate: int | None = None, tol: float = 0.08):
    assert a.samples.dtype == np.float32
    assert a.samples.ndim == 2 and a.samples.shape[0] == channels
    assert a.duration == pytest.approx(seconds, abs=tol)
    assert a.samples.shape[1] == pytest.approx(seconds * 16000, abs=tol * 16000)
    assert np.abs(a.samples).max() <= 1.0
    if source_rate:
        assert a.source_rate == source_rate
    assert not a.is_silent


@pytest.mark.parametrize("encoding", ["u-law", "a-law"])
def test_g711_8k_wav_is_resampled_keeping_its_frequency(gen, encoding):
    path = sine(gen, f"tone_{encoding}.wav", 1000, 8000, 2.0, "-e", encoding)
    a = decode_audio(path)
    check(a, 2.0, 1, 8000, tol=0.01)
    assert a.source_channels == 1
    assert peak_hz(a.mono) == pytest.approx(1000, abs=5)
    # Proper band-limited resampling: no image of the tone at 8000 - 1000 Hz (naive sample
    # repetition leaves one at about -15 dB), nothing at all above the 4 kHz telephone band.
    assert band_db(a.mono, 6800, 7200) < -50
    assert band_db(a.mono, 4200, 8000) < -45


@pytest.mark.parametrize(
    "name, codec, rate, extra",
    [
        ("tone.mp3", "libmp3lame", 8000, ()),
        ("tone.m4a", "aac", 8000, ()),
        ("tone.opus", "libopus", 8000, ()),
        ("tone.ogg", "libopus", 16000, ()),
        ("tone.flac", "flac", 44100, ()),
    ],
)
def test_compressed_formats(gen, name, codec, rate, extra):
    a = decode_audio(ffmpeg_tone(gen, name, codec, rate, 3.0, 1000, extra))
    check(a, 3.0, 1, tol=0.1)
    assert peak_hz(a.mono) == pytest.approx(1000, abs=8)


def test_amr_nb(gen):
    """AMR-NB (mobile-network codec): the system ffmpeg only decodes it, sox encodes it."""
    path = gen("tone.amr", "sox", "-n", "-r", "8000", "-c", "1", "-t", "amr-nb", "{out}",
               "synth", "2", "sine", "800", "vol", "0.5")
    a = decode_audio(path)
    check(a, 2.0, 1, 8000, tol=0.05)
    assert peak_hz(a.mono) == pytest.approx(800, abs=10)


def test_stereo_keeps_channels_apart(gen):
    path = gen("stereo.wav", "sox", "-n", "-r", "8000", "-c", "2", "-e", "u-law", "{out}",
               "synth", "2", "sine", "440", "sine", "1300", "vol", "0.5")
    a = decode_audio(path)
    check(a, 2.0, channels=2, source_rate=8000, tol=0.01)
    assert a.source_channels == 2
    assert peak_hz(a.samples[0]) == pytest.approx(440, abs=5)
    assert peak_hz(a.samples[1]) == pytest.approx(1300, abs=5)
    assert a.mono.shape == (a.samples.shape[1],)


def test_real_clips(data_dir):
    jfk = decode_audio(data_dir / "jfk.flac")
    assert jfk.duration == pytest.approx(11.0, abs=0.05)
    stereo = decode_audio(data_dir / "stereo_diarization.wav")
    assert stereo.samples.shape[0] == 2 and stereo.duration == pytest.approx(5.0, abs=0.05)
    mp3 = decode_audio(data_dir / "hotwords.mp3")
    assert mp3.duration == pytest.approx(4.0, abs=0.1) and mp3.source_rate == 44100


# --- rejections: typed, with a message that names the file and the reason --------------------


def test_missing_file(tmp_path):
    with pytest.raises(MissingFile, match="no such file"):
        decode_audio(tmp_path / "nope.wav")
    with pytest.raises(MissingFile, match="not a regular file"):
        decode_audio(tmp_path)


def test_zero_bytes(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile, match="0 bytes"):
        decode_audio(path)


@pytest.mark.parametrize("payload", [b"this is not audio at all\n" * 40, bytes(range(256)) * 64])
def test_undecodable(tmp_path, payload):
    path = tmp_path / "garbage.wav"
    path.write_bytes(payload)
    with pytest.raises(UndecodableAudio) as err:
        decode_audio(path)
    assert str(path) in str(err.value) and "Traceback" not in str(err.value)
    assert err.value.permanent


def test_video_without_audio_stream(gen):
    path = gen("video.mkv", "ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
               "testsrc=duration=1:size=64x64:rate=5", "-an", "{out}")
    with pytest.raises(UndecodableAudio, match="no audio stream"):
        decode_audio(path)


def test_zero_duration(gen):
    path = gen("zero.wav", "sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", "{out}", "trim", "0", "0")
    assert path.stat().st_size > 0
    with pytest.raises(ZeroDuration, match="zero duration"):
        decode_audio(path)


def test_too_long_from_metadata_before_decoding(tmp_path):
    """A real 5-hour 8 kHz WAV (sparse file, instant to make) is rejected from its header alone:
    decoding 5 h of audio would take many seconds, the rejection takes well under one."""
    rate, seconds = 8000, 5 * 3600
    size = rate * 2 * seconds
    header = b"RIFF" + struct.pack("<I", 36 + size) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", size)
    path = tmp_path / "five_hours.wav"
    with open(path, "wb") as fh:
        fh.write(header)
        fh.truncate(len(header) + size)
    start = time.perf_counter()
    with pytest.raises(TooLong, match=r"5:00:00 long, over the limit of 4:00:00"):
        decode_audio(path)
    assert time.perf_counter() - start < 1.0


def test_too_long_configurable(gen):
    path = sine(gen, "three.wav", 440, 8000, 3.0, "-e", "u-law")
    with pytest.raises(TooLong, match="HOTLINE_MAX_DURATION"):
        decode_audio(path, max_duration=2.0)
    assert decode_audio(path, max_duration=3.0).duration == pytest.approx(3.0, abs=0.01)


def test_too_long_while_decoding_when_metadata_is_missing(gen):
    """Streams without a duration header are still cut off once decoding passes the limit."""
    import av

    path = sine(gen, "three_b.wav", 440, 8000, 3.0, "-e", "u-law")
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        with pytest.raises(TooLong):
            audio_mod._decode_stream(container, stream, str(path), None, max_duration=1.0)


def test_all_rejections_are_recording_rejected(tmp_path):
    for exc in (MissingFile, EmptyFile, UndecodableAudio, ZeroDuration, TooLong):
        assert issubclass(exc, RecordingRejected)


def test_all_silence_is_not_an_error(gen):
    exact = gen("silence.wav", "sox", "-n", "-D", "-r", "8000", "-c", "1", "-e", "u-law", "{out}", "trim", "0", "3")
    a = decode_audio(exact)
    assert a.duration == pytest.approx(3.0, abs=0.01)
    assert a.rms == 0.0 and a.is_silent
    # sox dithers by default: +-1 LSB of G.711 flicker (about -72 dBFS) is still silence.
    dithered = gen("dithered.wav", "sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", "{out}", "trim", "0", "3")
    b = decode_audio(dithered)
    assert b.rms > 0 and b.is_silent


def test_quiet_speech_band_noise_is_not_silent(gen):
    path = gen("hiss.wav", "sox", "-n", "-r", "8000", "-c", "1", "{out}", "synth", "2", "pinknoise", "vol", "0.01")
    assert not decode_audio(path).is_silent


# --- live PCM and ids -------------------------------------------------------------------------


def test_pcm_s16le():
    values = np.array([0, 16384, -16384, 32767, -32768], dtype="<i2")
    out = pcm_to_float(values.tobytes(), "s16le", 16000)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, values / 32768.0)
    with pytest.raises(UndecodableAudio, match="even number"):
        pcm_to_float(b"\x00\x01\x02", "s16le")
    with pytest.raises(UndecodableAudio, match="unknown PCM encoding"):
        pcm_to_float(b"", "opus")


@pytest.mark.parametrize("sox_type, encoding", [("ul", "mulaw"), ("al", "alaw")])
def test_g711_bytes_match_sox(tmp_path, sox_type, encoding):
    """Our G.711 tables give exactly what sox's reference expansion gives, for all 256 codes."""
    raw = tmp_path / f"all.{sox_type}"
    raw.write_bytes(bytes(range(256)))
    linear = subprocess.run(
        ["sox", "-t", sox_type, "-r", "8000", "-c", "1", str(raw), "-t", "s16", "-"],
        check=True, capture_output=True,
    ).stdout
    expected = np.frombuffer(linear, dtype="<i2") / 32768.0
    np.testing.assert_array_equal(pcm_to_float(raw.read_bytes(), encoding, 16000), expected)


def test_pcm_mulaw_8k_resampled_to_16k(gen):
    path = sine(gen, "tone.ul", 1000, 8000, 2.0)
    out = pcm_to_float(path.read_bytes(), "mulaw", 8000)
    assert out.shape[0] == pytest.approx(32000, abs=2)
    assert peak_hz(out) == pytest.approx(1000, abs=5)
    assert band_db(out, 6800, 7200) < -50


def test_pcm_stream_matches_one_shot(gen):
    data = sine(gen, "tone2.ul", 700, 8000, 2.0).read_bytes()
    stream = PcmStream("mulaw", 8000)
    chunks = [stream.feed(data[i : i + 320]) for i in range(0, len(data), 320)]
    chunks.append(stream.feed(b"", last=True))
    joined = np.concatenate(chunks)
    whole = pcm_to_float(data, "mulaw", 8000)
    assert joined.shape[0] == pytest.approx(whole.shape[0], abs=2)
    n = min(joined.size, whole.size)
    assert np.abs(joined[:n] - whole[:n]).max() < 1e-3


def test_content_id(data_dir, tmp_path):
    path = data_dir / "jfk.flac"
    assert content_id(path) == hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    assert len(content_id(str(path))) == 16
    with pytest.raises(MissingFile):
        content_id(tmp_path / "missing.wav")
