"""Hybrid retrieval over the knowledge graph: utterance -> ranked suggestions with graph context.

Score per intent = semantic (best MiniLM cosine over the intent's phrasings) blended with
lexical BM25 (English words + jieba/bigrams for Chinese), plus the conversation so far (earlier
customer turns, down-weighted) and a small graph bonus for intents related to the previous one.
MiniLM is English-trained, so Chinese leans on BM25. Network intents join the caller's area
(metadata, or an area named in the call) to the live facts.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from hotline import defaults
from hotline.assist import text as T
from hotline.assist.bm25 import BM25
from hotline.assist.embed import cached_encode
from hotline.assist.facts import FactsStore
from hotline.assist.graph import KnowledgeGraph, Node
from hotline.embed import Embedder
from hotline.settings import Settings
from hotline.text import has_cjk, text_language

# Tunables (documented in docs/assist.md).
WEIGHT_SEM = {"en": 0.65, "zh": 0.30}   # semantic share of the blend per language
LEX_FLOOR = 6.0                         # BM25 normaliser floor: a weak lexical hit stays < 1
CONTEXT_WEIGHT = 0.30                   # earlier customer turns, relative to this utterance
RELATED_BONUS = 0.04                    # graph: intents related to the previous top intent
MIN_SCORE = 0.35                        # below this nothing is suggested
TAG_SCORE = 0.45                        # call_intents: a turn must reach this to tag the call
TOP_K = 3
ANGER_CUES = re.compile(
    r"ridiculous|unacceptable|fed up|sick of|furious|angry|useless|joke|rubbish service|"
    r"manager|supervisor|complain|regulator|scam|投诉|太过分|受够|气死|垃圾|骗子|领导|什么破",
    re.IGNORECASE)


@dataclass
class Suggestion:
    intent: str
    title: str
    answer: str
    steps: list[str]
    facts: list[dict[str, Any]]
    score: float
    why: list[str] = field(default_factory=list)
    scripts: list[dict[str, str]] = field(default_factory=list)
    policies: list[dict[str, str]] = field(default_factory=list)
    escalation: list[dict[str, str]] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    area: str | None = None
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PhraseIndex:
    """Every intent's title and phrasings (EN + ZH): unit vectors, owner intent, BM25 docs."""

    vecs: np.ndarray
    owners: np.ndarray
    bm25: BM25

    @classmethod
    def build(cls, intents: list[Node], embedder: Embedder, cache_dir: str | None,
              digest: str) -> PhraseIndex:
        phrases, owners, docs = [], [], []
        for i, node in enumerate(intents):
            doc: list[str] = []
            for lang in ("en", "zh"):
                for p in [node.text("title", lang), *node.data["phrasings"][lang]]:
                    phrases.append(p)
                    owners.append(i)
                    doc.extend(T.tokens(p))
                doc.extend(T.tokens(" ".join(map(str, node.data.get("keywords", {}).get(lang, [])))))
            docs.append(doc)
        vecs = cached_encode(embedder, [T.normalize(p) for p in phrases], cache_dir,
                             f"{digest}_{len(phrases)}")
        return cls(vecs, np.array(owners), BM25(docs))


class Assistant:
    """Loaded once (graph + embedder + phrase embeddings); `suggest` is cheap and thread-safe."""

    def __init__(self, graph: KnowledgeGraph, embedder: Embedder, facts: FactsStore | None = None,
                 cache_dir: str | None = None, warm: bool = True):
        """`warm` pays first-call costs (jieba dictionary, model load, torch kernels) now: the
        live server wants its first suggestion fast; a batch pipeline starts leaner without."""
        self.graph, self.embedder, self.facts = graph, embedder, facts
        self.intents: list[Node] = graph.intents
        self._index = {n.id: i for i, n in enumerate(self.intents)}
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        self._phrase_index: PhraseIndex | None = None
        self._aliases = graph.area_aliases()
        if warm:
            self.rank("warm up 5g 信号")

    def _phrases(self) -> PhraseIndex:
        """The phrasings' vectors and BM25 index, built on first use: jieba's dictionary and
        the embedder load then, not when a batch worker starts."""
        with self._lock:
            if self._phrase_index is None:
                self._phrase_index = PhraseIndex.build(self.intents, self.embedder,
                                                       self._cache_dir, self.graph.digest)
        return self._phrase_index

    @classmethod
    def load(cls, settings: Settings, with_facts: bool = True, threads: int | None = None,
             embedder: Embedder | None = None, warm: bool = True) -> Assistant:
        """Graph from settings.knowledge_dir (or the bundled one), MiniLM, facts from the DB."""
        from hotline.store.db import Database

        graph = KnowledgeGraph.load(settings.knowledge_dir or None)
        facts = FactsStore(Database(settings.db_url)) if with_facts else None
        embedder = embedder or Embedder.from_settings(settings, threads=threads)
        return cls(graph, embedder, facts, cache_dir=settings.data_dir, warm=warm)

    # --- scoring ------------------------------------------------------------------------
    def _scores(self, texts: list[str], language: str) -> np.ndarray:
        """(len(texts), n_intents) blended scores in about [0, 1]."""
        phrases = self._phrases()
        vecs = self.embedder.encode([T.normalize(t) for t in texts])
        sims = vecs @ phrases.vecs.T
        n = len(self.intents)
        sem = np.full((len(texts), n), -1.0, dtype=np.float32)
        for k in range(len(texts)):
            np.maximum.at(sem[k], phrases.owners, sims[k])
        lex = np.array([phrases.bm25.scores(T.tokens(t)) for t in texts], dtype=np.float32)
        lex = lex / np.maximum(lex.max(axis=1, keepdims=True), LEX_FLOOR)
        w = WEIGHT_SEM["zh" if language == "zh" else "en"]
        return w * np.clip(sem, 0, 1) + (1 - w) * lex

    def rank(self, text: str, context: list[str] | None = None,
             language: str | None = None, previous: str | None = None) -> list[tuple[Node, float, list[str]]]:
        """Intents best first with their score and the reasons."""
        language = language or text_language(text)
        ctx = [c for c in (context or [])[-3:] if c and c.strip()]
        texts = [text] + ([" ".join(ctx)] if ctx else [])
        scores = self._scores(texts, language)
        total = scores[0] + (CONTEXT_WEIGHT * scores[1] if ctx else 0)
        if ctx:
            total = total / (1 + CONTEXT_WEIGHT)
        if previous in self._index:
            for rel in self.graph.nodes[previous].edges.get("related_to", []):
                total[self._index[rel]] += RELATED_BONUS
        order = np.argsort(-total)
        out = []
        for i in order[:TOP_K * 2]:
            why = [f"utterance={scores[0][i]:.2f}"]
            if ctx:
                why.append(f"context={scores[1][i]:.2f}")
            out.append((self.intents[i], float(total[i]), why))
        return out

    # --- public API ---------------------------------------------------------------------
    def suggest(self, text: str, context: list[str] | None = None, area: str | None = None,
                language: str | None = None, previous: str | None = None,
                k: int = TOP_K) -> list[Suggestion]:
        """Best-first suggestions for one customer utterance (empty when nothing fits)."""
        if not text or not text.strip() or T.is_small_talk(text):
            return []
        language = text_language(text, language or "auto")
        spoken_area = self.find_area(" ".join([*(context or []), text]))
        area = self.canonical_area(area) or spoken_area
        out = []
        for node, score, why in self.rank(text, context, language, previous)[:k]:
            if score < MIN_SCORE:
                break
            out.append(self._card(node, score, why, area, language))
        if out and ANGER_CUES.search(text) and not out[0].scripts:
            soothing = self.graph.script("soothing")
            if soothing:
                out[0].scripts.append({"kind": "soothing", "text": soothing.text("text", language)})
        return out

    def call_intents(self, doc: Any) -> list[str]:
        """Intents raised by the customer turns of a call document, first-raised first."""
        found: list[str] = []
        context: list[str] = []
        turns = [t for t in doc.turns if t.role in ("customer", "unknown")] or list(doc.turns)
        for turn in turns:
            if len(turn.text.strip()) < 2 or T.is_small_talk(turn.text):
                continue
            ranked = self.rank(turn.text, context, previous=found[-1] if found else None)
            node, score, _ = ranked[0]
            if score >= TAG_SCORE and node.id not in found:
                found.append(node.id)
            context.append(turn.text)
        return found

    # --- graph context ------------------------------------------------------------------
    def _card(self, node: Node, score: float, why: list[str], area: str | None,
              language: str) -> Suggestion:
        g = self.graph
        steps: list[str] = []
        for sol in g.targets(node, "solved_by"):
            steps.extend(sol.text("steps", language))
        facts: list[dict[str, Any]] = []
        if node.data.get("network") and area:
            if self.facts is not None:
                facts = [f.to_dict() for f in self.facts.for_area(
                    area, limit=defaults.MAX_FACTS_PER_SUGGESTION)]
            why.append(f"area={area} facts={len(facts)}")
        return Suggestion(
            intent=node.id, title=node.text("title", language), answer=node.text("answer", language),
            steps=steps, facts=facts, score=round(score, 4), why=why,
            scripts=[{"kind": s.data["kind"], "text": s.text("text", language)}
                     for s in g.targets(node, "answered_by")],
            policies=[{"id": p.id, "title": p.text("title", language), "text": p.text("text", language)}
                      for p in g.targets(node, "governed_by")],
            escalation=[{"id": e.id, "title": e.text("title", language), "text": e.text("text", language)}
                        for e in g.targets(node, "escalates_to")],
            causes=[c.text("title", language) for c in g.targets(node, "has_cause")],
            products=[p.text("title", language) for p in g.targets(node, "offers")],
            area=area, language=language)

    def canonical_area(self, area: str | None) -> str | None:
        if not area:
            return None
        return self._aliases.get(area.strip().lower(), area.strip())

    def find_area(self, text: str) -> str | None:
        """An area named in the text: graph names/aliases, then areas present in the facts."""
        low = text.lower()
        names = dict(self._aliases)
        if self.facts is not None:
            names.update({a.lower(): a for a in self._fact_areas()})
        best = None
        for alias, name in names.items():
            pos = _find_word(low, alias)
            if pos >= 0 and (best is None or pos > best[0]):
                best = (pos, name)   # the last area mentioned wins
        return best[1] if best else None

    def _fact_areas(self) -> list[str]:
        now = time.monotonic()
        cached = getattr(self, "_areas_cache", None)
        if cached is None or now - cached[0] > 5.0:
            cached = (now, self.facts.areas() if self.facts else [])
            self._areas_cache = cached
        return cached[1]


def _find_word(text: str, needle: str) -> int:
    if has_cjk(needle):
        return text.rfind(needle)
    hits = [m.start() for m in re.finditer(rf"\b{re.escape(needle)}\b", text)]
    return hits[-1] if hits else -1
