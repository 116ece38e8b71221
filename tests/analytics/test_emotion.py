"""Emotion: text lexicon (en/zh), acoustic arousal on real espeak-ng audio, transformers plug-in."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from hotline.analytics.emotion import EmotionScorer, TransformersEmotion, fuse, map_label
from hotline.document import Speaker
from hotline.errors import ConfigError
from hotline.settings import Settings


@pytest.mark.parametrize("text, label", [
    ("This is ridiculous, it's the third time I call about this!", "angry"),
    ("I'm absolutely fed up with you people, I want to cancel everything!", "angry"),
    ("That's not good enough, I've been waiting for days!", "angry"),
    ("My internet is slow since yesterday.", "negative"),
    ("I am not happy with this at all.", "negative"),
    ("Great, thank you, that works now.", "positive"),
    ("Thank you for calling Skyline Mobile, my name is Emma.", "neutral"),
    ("Could you tell me the APN settings?", "neutral"),
    ("太离谱了，我要投诉！", "angry"),
    ("这已经是我第三次打电话了，你们到底管不管？", "angry"),
    ("我的网速很慢。", "negative"),
    ("好的，谢谢，问题解决了。", "positive"),
    ("您好，欢迎致电天翼通信，请问有什么可以帮您？", "neutral"),
    ("不好意思，请您稍等。", "neutral"),
])
def test_text_labels(scorer, text, label):
    emo = scorer.score_text(text)
    assert emo.label == label, (text, emo)
    assert 0 <= emo.score <= 1 and -1 <= emo.valence <= 1 and 0 <= emo.arousal <= 1


def test_negation_and_shouting(scorer):
    assert scorer.score_text("I'm not angry, just asking.").label != "angry"
    calm = scorer.score_text("this is ridiculous")
    loud = scorer.score_text("THIS IS RIDICULOUS!!!")
    assert loud.arousal > calm.arousal and loud.score >= calm.score


def test_raised_voice_strengthens_negative_words_only(scorer):
    ev = scorer.text_evidence(["The bill is wrong again."])[0]
    assert fuse(ev, None).label == "negative"
    assert fuse(ev, 0.95).label == "angry"            # negative words + far above own baseline
    happy = scorer.text_evidence(["Great, that works now!"])[0]
    assert fuse(happy, 0.95).label == "positive"      # excited, not angry


def _espeak(text: str, path, *args: str) -> None:
    subprocess.run(["espeak-ng", *args, "-w", str(path), text], check=True, capture_output=True)


@pytest.mark.skipif(not shutil.which("espeak-ng") or not shutil.which("sox"),
                    reason="needs espeak-ng and sox (make apt installs them)")
def test_acoustic_arousal_on_real_speech(tmp_path, scorer, call):
    """Same sentence, same voice: calm, then loud/fast/high-pitched, then calm, in one file."""
    from hotline.audio import decode_audio

    sentence = "I have been waiting for the technician since Monday and nobody came."
    _espeak(sentence, tmp_path / "calm.wav")
    _espeak(sentence, tmp_path / "loud.wav", "-a", "200", "-s", "230", "-p", "80")
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", str(tmp_path / "gap.wav"), "trim", "0", "0.6"],
                   check=True)
    parts = ["calm.wav", "gap.wav", "loud.wav", "gap.wav", "calm.wav"]
    subprocess.run(["sox", *[str(tmp_path / p) for p in parts], "-r", "16000",
                    str(tmp_path / "call.wav")], check=True, capture_output=True)
    audio = decode_audio(tmp_path / "call.wav")
    # turn spans from the parts' durations
    lengths = [float(subprocess.check_output(["soxi", "-D", str(tmp_path / p)])) for p in parts]
    edges = np.cumsum([0.0, *lengths])
    spans = [(edges[k], edges[k + 1]) for k in (0, 2, 4)]
    doc = call([("customer", s, e, sentence) for s, e in spans])
    doc.speakers = [Speaker("S1", "customer", 1.0)]
    arousal = scorer.turn_arousal(doc, audio)
    assert arousal[1] > arousal[0] + 0.2 and arousal[1] > arousal[2] + 0.2, arousal
    emotions = scorer.score_call(doc, audio)
    assert emotions[1].arousal == pytest.approx(arousal[1], abs=1e-3)
    # stereo: the turn's own channel is used (the loud turn on the customer channel only)
    stereo = type(audio)(samples=np.stack([audio.samples[0] * 0.0, audio.samples[0]]),
                         source="x", source_rate=16000, source_channels=2,
                         duration=audio.duration)
    doc.speakers = [Speaker("S1", "customer", 1.0, channel=1)]
    assert scorer.turn_arousal(doc, stereo)[1] == pytest.approx(arousal[1], abs=1e-6)


def test_label_mapping():
    assert [map_label(x) for x in ("anger", "LABEL_joy", "NEGATIVE", "neutral", "sadness", "other")] == [
        "angry", "positive", "negative", "neutral", "negative", "neutral"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A tiny BERT text classifier with RANDOM weights, built here: tests loading/wiring only."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    path = tmp_path_factory.mktemp("tiny_emotion")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "this", "is", "ridiculous", "thank",
             "you", "the", "bill", "wrong", "太", "离", "谱"]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(str(path / "vocab.txt")).save_pretrained(path)
    labels = ["anger", "joy", "neutral", "sadness"]
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                        num_labels=4, id2label=dict(enumerate(labels)),
                        label2id={v: k for k, v in enumerate(labels)})
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path)
    return str(path)


def test_transformers_model_loads_from_local_path_and_is_wired_in(tiny_model, call):
    model = TransformersEmotion(tiny_model)
    assert model.kind == "text" and model.labels == ["angry", "positive", "neutral", "negative"]
    dists = model.predict_text(["this is ridiculous", "thank you", "太离谱"])
    assert len(dists) == 3
    for d in dists:
        assert set(d) == {"neutral", "positive", "negative", "angry"}
        assert sum(d.values()) == pytest.approx(1.0, abs=1e-5)
    scorer = EmotionScorer.load(Settings(emotion_model_path=tiny_model))
    assert scorer.model is not None and scorer.model.kind == "text"
    doc = call([("customer", 0.0, 2.0, "this is ridiculous"), ("agent", 2.5, 4.0, "thank you")])
    emotions = scorer.score_call(doc)
    # random weights: only the wiring is checked (model output moves the lexicon's valence)
    lexicon_only = EmotionScorer().score_call(call([("customer", 0.0, 2.0, "this is ridiculous"),
                                                    ("agent", 2.5, 4.0, "thank you")]))
    assert all(e.label in ("neutral", "positive", "negative", "angry") for e in emotions)
    assert [e.valence for e in emotions] != [e.valence for e in lexicon_only]


def test_bad_model_path_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="emotion_model_path"):
        TransformersEmotion(str(tmp_path / "missing"))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "nonsense"}))
    with pytest.raises(Exception):  # noqa: B017 - transformers' own error for an unknown type
        TransformersEmotion(str(tmp_path))


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs espeak-ng (make apt installs it)")
def test_rendered_angry_calls_with_audio(tmp_path, analyzer):
    """synth-rendered calls (angry customers louder/faster/higher): audio path end to end."""
    from hotline.audio import decode_audio
    from hotline.synth.render import render_call
    from hotline.synth.scenarios import build_scenarios
    from hotline.synth.truth import to_call_document

    for i, scenario in enumerate(build_scenarios(seed=4, kinds=["angry"])):
        truth = render_call(scenario, tmp_path, stereo=bool(i % 2))
        doc = analyzer.analyze(to_call_document(truth), decode_audio(tmp_path / truth["audio"]))
        assert {v.rule for v in doc.violations} == set(truth["violations"])
        cust = [(g, t) for g, t in zip(truth["turns"], doc.turns, strict=True) if g["role"] == "customer"]
        angry = [t.emotion.arousal for g, t in cust if g["emotion"] == "angry"]
        other = [t.emotion.arousal for g, t in cust if g["emotion"] != "angry"]
        assert min(angry) > max(other), (truth["name"], angry, other)
        assert all(t.emotion.label == "angry" for g, t in cust if g["emotion"] == "angry")
        assert doc.emotion_summary["escalation"] is True


def test_transformers_audio_model_loading_path(tmp_path, call):
    """A tiny wav2vec2 audio classifier with RANDOM weights: loading and wiring only."""
    import torch
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForSequenceClassification,
    )

    labels = ["neu", "hap", "ang", "sad"]
    config = Wav2Vec2Config(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                            intermediate_size=32, conv_dim=(8, 8), conv_stride=(5, 4),
                            conv_kernel=(10, 4), num_conv_pos_embeddings=8,
                            num_conv_pos_embedding_groups=2, classifier_proj_size=8,
                            num_labels=4, id2label=dict(enumerate(labels)),
                            label2id={v: k for k, v in enumerate(labels)})
    torch.manual_seed(0)
    Wav2Vec2ForSequenceClassification(config).save_pretrained(tmp_path)
    Wav2Vec2FeatureExtractor(sampling_rate=16000).save_pretrained(tmp_path)
    model = TransformersEmotion(str(tmp_path))
    assert model.kind == "audio" and model.labels == ["neutral", "positive", "angry", "negative"]
    rng = np.random.default_rng(0)
    clips = [rng.standard_normal(16000).astype(np.float32) * 0.1,
             rng.standard_normal(8000).astype(np.float32) * 0.1]
    dists = model.predict_audio(clips)
    assert len(dists) == 2 and all(sum(d.values()) == pytest.approx(1.0, abs=1e-5) for d in dists)
    from hotline.audio import Audio

    audio = Audio(samples=np.concatenate(clips)[None, :], source="x", source_rate=16000,
                  source_channels=1, duration=1.5)
    doc = call([("customer", 0.0, 1.0, "the bill is wrong"), ("customer", 1.0, 1.5, "okay")])
    emotions = EmotionScorer(model=model).score_call(doc, audio)
    assert len(emotions) == 2 and all(e.label in ("neutral", "positive", "negative", "angry")
                                      for e in emotions)
