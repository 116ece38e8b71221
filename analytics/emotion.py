"""Per-turn emotion: text (lexicon or a local transformers model) fused with acoustic arousal.

Labels follow the contract: neutral | positive | negative | angry, each with score (confidence
of the label), valence [-1, 1] and arousal [0, 1]. Anger needs a negative reading of the words
or of a local model; a raised voice only strengthens it (excited happy customers are not angry),
except when the voice alone is far above the speaker's own baseline while the words are negative.
"""

from __future__ import annotations

import copy
import json
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from hotline import defaults
from hotline.analytics import acoustic
from hotline.analytics.lexicon import LexiconScorer, TextEmotion
from hotline.document import EMOTIONS, CallDocument, Emotion, Turn
from hotline.errors import ConfigError
from hotline.settings import Settings
from hotline.text import count_words, text_language, zh_words

ANGRY_THRESHOLD = 0.5       # fused anger evidence at or above which a raised turn is "angry"
CALM_ANGRY_THRESHOLD = 0.75 # the same for a turn said calmly (no "!", capitals, raised voice):
                            # "I want to cancel, your prices went up" is a complaint, not anger
SHOUT_INTENSITY = 0.25      # text intensity (one "!", capitals) that counts as a raised voice
SHOUT_MAX_VALENCE = 0.15    # ... unless it reads positive ("Sent one! Cheers.")
SHOUT_ANGER = 0.55          # anger evidence of a raised, not-positive turn ("It's always down!")
NEGATIVE_VALENCE = -0.2     # valence at or below which a turn is "negative"
POSITIVE_VALENCE = 0.3
AROUSAL_ANGER_GAIN = 1.4    # anger added per unit of arousal above AROUSAL_FLOOR (negative words only)
AROUSAL_FLOOR = 0.55        # 0.5 = the speaker's usual voice
MODEL_WEIGHT = 0.6          # share of a plugged-in model in the text evidence (rest: lexicon)
SNOWNLP_WEIGHT = 0.15       # share of snownlp sentiment in Mandarin valence (alone it cannot flip a label)
VADER_WEIGHT = 0.5          # share of VADER's compound score in English valence (rest: telecom lexicon)
VADER_HOSTILE = -0.6        # VADER compound at or below which a turn with any anger cue or
VADER_HOSTILE_ANGER = 0.55  # shouting (intensity) counts as this much anger evidence

# How a model's labels map onto the contract's four (lower-cased, first match wins).
_LABEL_MAP = (
    ("ang", "angry"), ("rage", "angry"), ("annoy", "angry"), ("disgust", "angry"),
    ("neu", "neutral"), ("calm", "neutral"),
    ("pos", "positive"), ("joy", "positive"), ("hap", "positive"), ("love", "positive"),
    ("surpris", "positive"), ("neg", "negative"), ("sad", "negative"), ("fear", "negative"),
)


def map_label(label: str) -> str:
    """A model's label name ('anger', 'LABEL_joy', 'NEGATIVE') -> one of the contract's four."""
    low = label.lower()
    return next((ours for key, ours in _LABEL_MAP if key in low), "neutral")


class TransformersEmotion:
    """A local transformers text- or audio-classification model (Settings.emotion_model_path).

    Loaded once from a directory (no hub access). `predict_text` / `predict_audio` return, per
    input, probabilities over the contract's four labels (model labels are mapped by name).
    """

    def __init__(self, path: str, device: str = "cpu") -> None:
        if not os.path.isdir(path):
            raise ConfigError(f"emotion_model_path {path!r} is not a directory")
        import torch
        from transformers import AutoConfig

        self.path, self.device, self._torch = path, device, torch
        config = AutoConfig.from_pretrained(path, local_files_only=True)
        archs = " ".join(config.architectures or [])
        self.kind = "audio" if "AudioClassification" in archs or _has_feature_extractor(path) else "text"
        if self.kind == "audio":
            from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

            self.processor = AutoFeatureExtractor.from_pretrained(path, local_files_only=True)
            self.model = AutoModelForAudioClassification.from_pretrained(path, local_files_only=True)
        else:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            self.processor = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True)
        self.model.eval().to(device)
        self.labels = [map_label(config.id2label[i]) for i in range(config.num_labels)]

    def _to_ours(self, probs: np.ndarray) -> list[dict[str, float]]:
        out = []
        for row in probs:
            dist = dict.fromkeys(EMOTIONS, 0.0)
            for label, p in zip(self.labels, row, strict=True):
                dist[label] += float(p)
            out.append(dist)
        return out

    def predict_text(self, texts: list[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        with self._torch.inference_mode():
            batch = self.processor(texts, padding=True, truncation=True, max_length=128,
                                   return_tensors="pt").to(self.device)
            logits = self.model(**batch).logits
        return self._to_ours(logits.softmax(-1).cpu().numpy())

    def predict_audio(self, clips: list[np.ndarray]) -> list[dict[str, float]]:
        if not clips:
            return []
        with self._torch.inference_mode():
            batch = self.processor(clips, sampling_rate=acoustic.SR, padding=True,
                                   return_tensors="pt").to(self.device)
            logits = self.model(**batch).logits
        return self._to_ours(logits.softmax(-1).cpu().numpy())


def _has_feature_extractor(path: str) -> bool:
    cfg = os.path.join(path, "preprocessor_config.json")
    if not os.path.exists(cfg):
        return False
    with open(cfg, encoding="utf-8") as fh:
        return "feature_extractor_type" in json.load(fh) and not os.path.exists(
            os.path.join(path, "tokenizer_config.json"))


@dataclass
class _Evidence:
    valence: float
    anger: float
    intensity: float
    cues: list[str]
    shout_trust: float = 1.0    # < 1 when the anger recogniser doubts that "!" / capitals mean anger


class EmotionScorer:
    """Scores turns of a call; one instance is reused across calls (models load once)."""

    def __init__(self, model: TransformersEmotion | None = None, use_snownlp: bool = True,
                 lexicon: LexiconScorer | None = None) -> None:
        self.lexicon = lexicon or LexiconScorer()
        self.model = model
        self.use_snownlp = use_snownlp
        self._snownlp: Any = None
        self._vader: Any = None
        self.recognisers: Any = None    # analytics.recognise.Recognisers (its `anger`), or None

    def with_recognisers(self, recognisers: Any) -> EmotionScorer:
        """This scorer reading the rulebook's recognisers too (one embedder, one model): a
        shallow copy, so the caller's scorer is left as it was; itself when it has some or
        none are given."""
        if self.recognisers is not None or recognisers is None:
            return self
        out = copy.copy(self)
        out.recognisers = recognisers
        return out

    @classmethod
    def load(cls, settings: Settings | None = None, warm: bool = True) -> EmotionScorer:
        """Default offline scorer, plus the transformers model at settings.emotion_model_path.
        `warm` pays the first-call costs now (the live server); a batch starts leaner without,
        and never loads snownlp when no Mandarin turn comes."""
        path = settings.emotion_model_path if settings is not None else ""
        scorer = cls(model=TransformersEmotion(path) if path else None)
        return scorer.warm_up() if warm else scorer

    def warm_up(self) -> EmotionScorer:
        """Pay the one-time costs now, not on the first call: librosa import and its numba
        compilation, jieba dictionary, snownlp model (~2-10 s together on a busy 2-core machine)."""
        noise = np.random.default_rng(0).standard_normal(acoustic.SR).astype(np.float32) * 0.1
        acoustic.turn_features(noise, 0.0, 1.0, 3)
        self.score_text("您好，谢谢", "zh")
        self.score_text("thanks", "en")
        return self

    # --- text ------------------------------------------------------------------------------
    def text_evidence(self, texts: list[str], language: str = "auto",
                      roles: list[str] | None = None) -> list[_Evidence]:
        """Lexicon, VADER / snownlp, a plugged-in model and the anger recogniser (not on agent
        turns: it learned customers) per text."""
        langs = [text_language(t, language) for t in texts]
        lex = [self.lexicon.score(t, lang) for t, lang in zip(texts, langs, strict=True)]
        out = [_from_lexicon(e) for e in lex]
        for i, (t, lang) in enumerate(zip(texts, langs, strict=True)):
            if lang == "zh" and self.use_snownlp and len(t) >= 4:
                v = 2.0 * self._snow(t) - 1.0
                out[i].valence = (1 - SNOWNLP_WEIGHT) * out[i].valence + SNOWNLP_WEIGHT * v
            elif lang == "en" and t.strip():
                _blend_vader(out[i], self._vader_compound(t))
        if self.model is not None and self.model.kind == "text":
            for ev, dist in zip(out, self.model.predict_text(texts), strict=True):
                _blend_model(ev, dist)
        self._recognised_anger(out, texts, roles or ["customer"] * len(texts), langs)
        return out

    def _recognised_anger(self, out: list[_Evidence], texts: list[str], roles: list[str],
                          langs: list[str]) -> None:
        keep = [k for k, (t, r) in enumerate(zip(texts, roles, strict=True)) if r != "agent" and t.strip()]
        if self.recognisers is None or not keep:
            return
        col = self.recognisers.index("anger")
        probs = self.recognisers.scores([texts[k] for k in keep])[:, col]
        for k, p in zip(keep, probs, strict=True):
            _blend_recognised(out[k], float(p), langs[k])

    def _snow(self, text: str) -> float:
        """snownlp's sentiment Bayes classifier over jieba words (its own segmenter is ~20x slower)."""
        if self._snownlp is None:
            from snownlp import normal, sentiment

            self._snownlp = (sentiment.classifier.classifier, normal.filter_stop)
        bayes, filter_stop = self._snownlp
        words = filter_stop(zh_words(text))
        if not words:
            return 0.5
        label, prob = bayes.classify(words)
        return float(prob if label == "pos" else 1.0 - prob)

    def _vader_compound(self, text: str) -> float:
        """VADER's compound sentiment in [-1, 1]: a maintained general English lexicon with
        negation, intensifiers, capitals and "!" (the telecom lexicon knows the domain words)."""
        if self._vader is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._vader = SentimentIntensityAnalyzer()
        return float(self._vader.polarity_scores(text)["compound"])

    def score_text(self, text: str, language: str = "auto") -> Emotion:
        """Text only (live calls, documents without audio)."""
        return fuse(self.text_evidence([text], language)[0], None)

    # --- a whole call ----------------------------------------------------------------------
    def score_call(self, doc: CallDocument, audio: Any = None) -> list[Emotion]:
        """Set turn.emotion for every turn (text + arousal vs the speaker's baseline) and return them."""
        if not doc.turns:
            return []
        evidence = self.text_evidence([t.text for t in doc.turns], doc.language,
                                      [t.role for t in doc.turns])
        arousal = self.turn_arousal(doc, audio) if audio is not None else [None] * len(doc.turns)
        if audio is not None and self.model is not None and self.model.kind == "audio":
            clips = [_clip(audio, doc, t) for t in doc.turns]
            for ev, dist in zip(evidence, self.model.predict_audio(clips), strict=True):
                _blend_model(ev, dist)
        emotions = [fuse(ev, ar) for ev, ar in zip(evidence, arousal, strict=True)]
        for turn, emo in zip(doc.turns, emotions, strict=True):
            turn.emotion = emo
        return emotions

    def turn_arousal(self, doc: CallDocument, audio: Any) -> list[float | None]:
        """Acoustic arousal per turn from the turn's channel (stereo) or the mono mix."""
        samples = np.atleast_2d(audio.samples)
        channels = {s.id: s.channel for s in doc.speakers}
        signals: dict[Any, np.ndarray] = {}
        feats: list[acoustic.TurnAcoustics | None] = []
        for turn in doc.turns:
            ch = channels.get(turn.speaker) if samples.shape[0] > 1 else None
            if ch not in signals:
                signals[ch] = np.ascontiguousarray(acoustic.channel_for(samples, ch), dtype=np.float32)
            n_words = len(turn.words) or count_words(turn.text, doc.language)
            feats.append(acoustic.turn_features(signals[ch], turn.start, turn.end, n_words))
        return acoustic.arousal_scores(feats, [t.speaker for t in doc.turns])


def _clip(audio: Any, doc: CallDocument, turn: Turn) -> np.ndarray:
    samples = np.atleast_2d(audio.samples)
    ch = next((s.channel for s in doc.speakers if s.id == turn.speaker), None)
    sig = acoustic.channel_for(samples, ch if samples.shape[0] > 1 else None)
    return sig[int(turn.start * acoustic.SR): int(turn.end * acoustic.SR)]


def _from_lexicon(e: TextEmotion) -> _Evidence:
    return _Evidence(valence=e.valence, anger=e.anger, intensity=e.intensity, cues=e.cues)


def _blend_vader(ev: _Evidence, compound: float) -> None:
    """English valence = lexicon and VADER together; VADER alone never makes a turn angry, but a
    very negative reading with an anger cue or shouting does (calm complaints stay negative)."""
    ev.valence = (1 - VADER_WEIGHT) * ev.valence + VADER_WEIGHT * compound
    if compound <= VADER_HOSTILE and ev.intensity >= SHOUT_INTENSITY:
        ev.anger = max(ev.anger, VADER_HOSTILE_ANGER)


def _blend_recognised(ev: _Evidence, p: float, lang: str) -> None:
    """The anger recogniser (angry vs calm customer turns, written and as ASR heard them) makes
    anger of threats, sarcasm and exasperation said without "!" or capitals count as anger.
    Sure of itself it overrides the words' reading only in English (sarcasm reads positive:
    "oh brilliant, again"); in Mandarin it rests on character n-grams alone and is overconfident
    ("什么时候能修好？" 0.95)."""
    lo = defaults.ANGER_RECOGNISED_P
    sure = p >= defaults.ANGER_SURE_P and lang == "en"
    if p >= lo and (sure or ev.valence < defaults.ANGER_RECOGNISED_MAX_VALENCE or ev.anger > 0):
        # words that read negative at all; from "angry if raised" at lo to "angry even when
        # said calmly" near 0.8
        lift = ANGRY_THRESHOLD + (1.0 - ANGRY_THRESHOLD) * (p - lo) / (1.0 - lo)
        ev.anger = max(ev.anger, lift)
        ev.cues.append(f"anger recogniser {p:.2f}")
    elif p < defaults.ANGER_DOUBT_P:
        ev.anger *= defaults.ANGER_DOUBT_FACTOR
        ev.shout_trust = defaults.ANGER_DOUBT_FACTOR


def _blend_model(ev: _Evidence, dist: dict[str, float]) -> None:
    """Mix a model's label distribution into the lexicon evidence."""
    w = MODEL_WEIGHT
    model_valence = dist["positive"] - dist["negative"] - dist["angry"]
    ev.valence = (1 - w) * ev.valence + w * model_valence
    ev.anger = (1 - w) * ev.anger + w * dist["angry"]


def fuse(ev: _Evidence, arousal: float | None) -> Emotion:
    """Text evidence + acoustic arousal (None = no audio) -> contract Emotion."""
    anger = ev.anger
    shouted = ev.intensity >= SHOUT_INTENSITY and ev.valence < SHOUT_MAX_VALENCE
    if shouted:
        anger = max(anger, (SHOUT_ANGER + 0.3 * max(0.0, -ev.valence)) * ev.shout_trust)
    raised = shouted or (arousal is not None and arousal > AROUSAL_FLOOR)
    if arousal is not None and arousal > AROUSAL_FLOOR and (ev.valence < 0 or anger > 0):
        negativity = 1.0 if anger > 0 else min(1.0, -2.0 * ev.valence)
        anger = min(1.0, anger + AROUSAL_ANGER_GAIN * (arousal - AROUSAL_FLOOR) * negativity)
    if arousal is None:
        arousal = min(1.0, 0.3 + 0.45 * anger + 0.25 * ev.intensity + 0.1 * abs(ev.valence))
    valence = max(-1.0, min(1.0, ev.valence))
    if anger >= (ANGRY_THRESHOLD if raised else CALM_ANGRY_THRESHOLD):
        label, score = "angry", anger
    elif valence <= NEGATIVE_VALENCE:
        label, score = "negative", min(1.0, 0.5 + abs(valence) / 2)
    elif valence >= POSITIVE_VALENCE:
        label, score = "positive", min(1.0, 0.5 + valence / 2)
    else:
        label, score = "neutral", 1.0 - abs(valence)
    return Emotion(label=label, score=round(score, 3), valence=round(valence, 3),
                   arousal=round(float(arousal), 3))


def summarize(doc: CallDocument, role: str = "customer") -> dict[str, Any]:
    """Customer emotion trajectory, start vs end, and escalation (turn where anger rose)."""
    turns = [(i, t) for i, t in enumerate(doc.turns) if t.role == role and t.emotion is not None]
    if not turns:
        return {"role": role, "trajectory": [], "start": None, "end": None, "escalation": False,
                "escalation_turn": None}
    traj = [{"turn": i, "start": round(t.start, 2), "label": t.emotion.label,
             "score": t.emotion.score, "valence": t.emotion.valence, "arousal": t.emotion.arousal}
            for i, t in turns]
    k = max(1, math.ceil(len(traj) / 3))
    head, tail = traj[:k], traj[-k:]
    angry = [p for p in traj if p["label"] == "angry"]
    first_angry = angry[0] if angry else None
    start_v = sum(p["valence"] for p in head) / len(head)
    end_v = sum(p["valence"] for p in tail) / len(tail)
    return {
        "role": role,
        "trajectory": traj,
        "start": _majority(head), "end": _majority(tail),
        "start_valence": round(start_v, 3), "end_valence": round(end_v, 3),
        "trend": "improved" if end_v - start_v > 0.15 else "worsened" if start_v - end_v > 0.15 else "stable",
        "angry_turns": [p["turn"] for p in angry],
        "escalation": first_angry is not None,
        "escalation_turn": first_angry["turn"] if first_angry else None,
        "escalation_time": first_angry["start"] if first_angry else None,
        "recommendation": ("transfer to a senior agent and use the soothing script"
                           if first_angry else None),
    }


def _majority(points: list[dict[str, Any]]) -> str:
    """Most severe frequent label: angry beats negative beats the rest on ties."""
    order = {"angry": 3, "negative": 2, "positive": 1, "neutral": 0}
    counts: dict[str, int] = {}
    for p in points:
        counts[p["label"]] = counts.get(p["label"], 0) + 1
    return max(counts, key=lambda lab: (counts[lab], order[lab]))
