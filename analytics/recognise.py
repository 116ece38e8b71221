"""Behaviour recognisers: per-sentence classifiers for what a turn *does*, by meaning.

Keyword lists fitted to one set of calls miss the next set's phrasings and ASR's mishearings
("North Wayne Pelicom"). Each recogniser is a logistic regression over two views of a sentence:
the MiniLM embedding the product already has (`hotline.embed`, meaning) and hashed character
n-grams (spelling, robust to misheard words, and the view that carries Mandarin, where MiniLM is
weak). `scripts/build_recognisers.py` trains them on the dev sets (written text and what tiny.en
heard of it), the train half of dev3's labelled phrases and hand-written seed phrasings, and
writes `analytics/models/recognisers.npz`; here they are loaded once and passed in. Rule
conditions use them as `recognise: LABEL`, the emotion scorer uses `anger` for customer turns.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from hotline import defaults
from hotline.embed import Embedder
from hotline.errors import ConfigError

MODEL_PATH = Path(__file__).parent / "models" / "recognisers.npz"
CHAR_NGRAMS = (2, 4)
CHAR_FEATURES = 1 << 13
CHAR_WEIGHT = 1.0        # scale of the n-gram block against the unit-length embedding
_SENTENCE = re.compile(r"(?<=[.!?。！？；;])\s*")
_BANG = re.compile(r"[!！]+")


def split_sentences(text: str) -> list[str]:
    """Sentences of a turn (ASR run-ons stay one piece)."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


def pieces(text: str) -> list[str]:
    """What a unit is scored on: each sentence, and the whole text when it has several (ASR
    sentence breaks fall anywhere, so a behaviour may straddle two pieces)."""
    sents = split_sentences(text) or [text]
    return sents if len(sents) == 1 else [*sents, text]


def prepare(texts: list[str]) -> list[str]:
    """What the recognisers read: "!" becomes "." (ASR drops exclamation marks, so anger must
    be learned from the words) and case is ignored."""
    return [_BANG.sub(".", t).lower() for t in texts]


def char_features(texts: list[str]) -> Any:
    """Hashed character 2-4-grams, l2-normalised (sparse); stateless, so train == serve."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, n_features=CHAR_FEATURES,
                            alternate_sign=False, norm="l2", lowercase=False)
    return vec.transform(texts)


def features(embeddings: np.ndarray, texts: list[str]) -> Any:
    """[embedding | n-grams] rows as one sparse matrix."""
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(embeddings), CHAR_WEIGHT * char_features(texts)],
                         format="csr")


@functools.lru_cache(maxsize=4)
def recogniser_labels(path: str | None = None) -> tuple[str, ...]:
    """The labels the shipped (or given) artefact knows; rulebooks are checked against them."""
    file = Path(path) if path else MODEL_PATH
    if not file.is_file():
        return ()
    with np.load(file, allow_pickle=False) as data:
        return tuple(str(x) for x in data["labels"])


class Recognisers:
    """The trained recognisers; `.scores(texts)` -> (n, labels) probabilities in 0..1.

    Weights load on first use from `path` (the shipped artefact by default); vectors come from
    the process's one `embedder`."""

    def __init__(self, embedder: Embedder, path: str | Path | None = None) -> None:
        self.embedder = embedder
        self.path = Path(path) if path else MODEL_PATH
        self._lock = threading.Lock()
        self._weights: tuple[np.ndarray, np.ndarray] | None = None
        self.labels: list[str] = []
        # probabilities per prepared text: the emotion scorer and the rule conditions both ask
        # about a call's customer turns, and short lines ("Thank you.") recur across calls
        self._seen: dict[str, np.ndarray] = {}

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """(coef (labels, features), intercept (labels,)), read once."""
        with self._lock:
            if self._weights is None:
                self._weights = self._read()
        return self._weights

    def _read(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.path.is_file():
            raise ConfigError(f"recogniser model {self.path} is missing "
                              "(run scripts/build_recognisers.py)")
        with np.load(self.path, allow_pickle=False) as data:
            self.labels = [str(x) for x in data["labels"]]
            return data["coef"].astype(np.float32), data["intercept"].astype(np.float32)

    def index(self, label: str) -> int:
        """Column of `label` (ConfigError for an unknown one, so a rulebook typo is caught)."""
        self.load()
        if label not in self.labels:
            raise ConfigError(f"unknown recogniser {label!r}; known: {', '.join(self.labels)}")
        return self.labels.index(label)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Probabilities per text and label; each distinct text is embedded once."""
        coef, intercept = self.load()
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        texts = prepare(texts)
        with self._lock:
            known = {t: self._seen[t] for t in texts if t in self._seen}
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            logits = features(self.embedder.encode(todo), todo) @ coef.T + intercept
            fresh = dict(zip(todo, 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float32))),
                             strict=True))
            known.update(fresh)
            with self._lock:
                if len(self._seen) + len(fresh) > defaults.RECOGNISER_CACHE:
                    self._seen.clear()            # bounded: a long batch never grows it
                self._seen.update(fresh)
        return np.stack([known[t] for t in texts])

    def unit_scores(self, texts: list[str]) -> list[np.ndarray]:
        """Per text, the best probability over its pieces (one embedding batch for all)."""
        parts = [pieces(t) if t.strip() else [""] for t in texts]
        flat = [p for ps in parts for p in ps]
        probs = self.scores(flat)
        out, k = [], 0
        for ps in parts:
            out.append(probs[k:k + len(ps)].max(axis=0))
            k += len(ps)
        return out
