"""What one call becomes in the index: turn rows, the call row, tags and vocabulary words.

A pure function of the document (no database, no model), so bulk loads can prepare calls in
worker processes while the database writes (`hotline.search.bulk`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hotline.document import CallDocument
from hotline.privacy.inert import stream_is_inert
from hotline.privacy.redact import RedactionFailed, residual_pii
from hotline.search import text as T
from hotline.store.results import call_date_of

TURN_COLUMNS = ("call_id", "turn", "role", "speaker", "t_start", "t_end", "text", "seg", "norm",
                "grams", "emotion", "call_date", "agent_id", "duration")
CALL_COLUMNS = ("call_id", "call_date", "agent_id", "duration", "language", "n_turns",
                "indexed_at", "seg", "grams")
SEG, GRAMS = TURN_COLUMNS.index("seg"), TURN_COLUMNS.index("grams")


@dataclass
class PreparedCall:
    call_id: str
    call: tuple                     # CALL_COLUMNS
    rows: list[tuple]               # TURN_COLUMNS, one per turn
    tags: list[tuple[str, str]]     # (kind, value): rules violated, intents, language
    vocab: dict[str, str]           # word -> stem, for close spellings
    vector: Any = None              # MiniLM call vector, when an embedder is given
    copy: Any = None                # bulk.CopyText of the rows, made by a worker process for
                                    # PostgreSQL (its `rows`, `call` and `tags` are then left
                                    # out: see `for_copy`)

    def for_copy(self, text: Any) -> PreparedCall:
        """This call carrying its rows as COPY text `text` instead of tuples (what a worker
        process hands back for a PostgreSQL load: three strings pickle in a fraction of the
        time a tuple per turn does). The call row and tags are in `text` too, so they are
        not sent again (the call's `seg`/`grams` were a quarter of what was pickled)."""
        self.copy, self.rows, self.call, self.tags = text, [], (), []
        return self


def prepare(doc: CallDocument) -> PreparedCall:
    """The index rows of `doc`; refuses (RedactionFailed) a document whose indexed text still
    holds PII."""
    meta = doc.metadata or {}
    day, agent = call_date_of(meta, doc.source), meta.get("agent_id")
    assert_indexable(doc, agent)
    duration = float(doc.duration or 0.0)
    rows, words = [], {}
    for i, t in enumerate(doc.turns):
        text = t.text or ""
        emotion = t.emotion.label if t.emotion else None
        seg, norm, grams, turn_words = T.index_columns(text)
        rows.append((doc.call_id, i, t.role, t.speaker, float(t.start), float(t.end), text,
                     seg, norm, grams, emotion, day, agent, duration))
        words.update(dict.fromkeys(turn_words))
    tags = [("rule", r) for r in sorted({v.rule for v in doc.violations})]
    tags += [("intent", i) for i in sorted(set(doc.intents))]
    if doc.language:
        tags.append(("language", doc.language))
    call = (doc.call_id, day, agent, duration, doc.language, len(doc.turns),
            dt.datetime.now(dt.timezone.utc).isoformat(),
            " ".join(r[SEG] for r in rows), " ".join(r[GRAMS] for r in rows if r[GRAMS]))
    return PreparedCall(doc.call_id, call, rows, tags, {w: w for w in words})


def assert_indexable(doc: CallDocument, agent: Any) -> None:
    """What the index keeps of `doc` must be free of PII: the turns' text (scanned per speaker
    across turns, as the pipeline's own re-check scans it) and the strings it copies (agent,
    speakers, rules, intents, language). Word timings, evidence, the recording's path and the
    rest of the metadata are not indexed, so they are not scanned again here (they were half
    of the check on a document with words; `hotline export` still checks whole documents).
    A stream that provably holds no number or e-mail worth a look is not scanned
    (`hotline.privacy.inert`)."""
    kept = [str(agent or ""), doc.language or "", *(v.rule for v in doc.violations),
            *doc.intents, *{t.speaker or "" for t in doc.turns}]
    left = residual_pii(doc, words=False, fields=kept, inert=stream_is_inert)
    if left:
        raise RedactionFailed(f"document {doc.call_id} holds unredacted PII: "
                              f"{sorted({k for k, _ in left})}")


def vocab(segs: Iterable[str]) -> dict[str, str]:
    """term -> stem for the fuzzy vocabulary (the seg column already holds stems)."""
    return {w: w for seg in segs for w in T.vocab_words(seg)}
