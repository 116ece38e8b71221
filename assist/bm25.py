"""A tiny Okapi BM25 (no dependency): the lexical half of hybrid retrieval."""

from __future__ import annotations

import math
from collections import Counter


class BM25:
    """BM25 over pre-tokenised documents; `scores(query)` returns one score per document."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.len = [len(d) for d in docs]
        self.avg = sum(self.len) / max(len(docs), 1) or 1.0
        df: Counter[str] = Counter()
        for tf in self.tf:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: list[str]) -> list[float]:
        terms = [t for t in set(query) if t in self.idf]
        out = []
        for tf, length in zip(self.tf, self.len, strict=False):
            norm = self.k1 * (1 - self.b + self.b * length / self.avg)
            s = 0.0
            for t in terms:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            out.append(s)
        return out
