"""Ground truth helpers: convert to a CallDocument, re-derive violations, load/save JSON."""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

from hotline.document import CallDocument, Emotion, Speaker, Turn, Violation, Word
from hotline.synth import content as C

TOKEN_RE = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9@._'\-]+")
SYNTH_VERSION = "synth-truth-1"


def tokens(text: str) -> list[str]:
    """Words as an ASR would give them: CJK characters one by one, latin words/numbers whole,
    trailing punctuation kept on the word before it."""
    out: list[tuple[int, int]] = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    words = []
    for i, (s, e) in enumerate(out):
        nxt = out[i + 1][0] if i + 1 < len(out) else len(text)
        tail = text[e:nxt].strip()
        words.append(text[s:e] + tail)
    return words


def spread_words(text: str, start: float, end: float) -> list[Word]:
    """Words with times spread over [start, end] in proportion to their length."""
    toks = tokens(text)
    if not toks:
        return []
    total = sum(len(t) for t in toks)
    t, out = start, []
    for tok in toks:
        dur = (end - start) * len(tok) / total
        out.append(Word(word=tok, start=round(t, 3), end=round(t + dur, 3), probability=1.0))
        t += dur
    return out


def call_id_of(truth: dict[str, Any]) -> str:
    """The rendered file's content id when known, else a stable hash of name + text."""
    if truth.get("call_id"):
        return truth["call_id"]
    h = hashlib.sha256(truth["name"].encode())
    for turn in truth["turns"]:
        h.update(turn["text"].encode())
    return h.hexdigest()[:16]


def to_call_document(truth: dict[str, Any], with_violations: bool = False) -> CallDocument:
    """Ground truth as a CallDocument (S0 agent, S1 customer; emotion left None).

    with_violations=True also fills doc.violations from the truth (one per rule id, times of
    the call) for tests of stores/search/reports that need violations without the analyzer.
    """
    stereo = truth.get("channels", 1) == 2
    agent_ch = truth.get("agent_channel_index", 0)
    speakers = [
        Speaker(id="S0", role="agent", role_confidence=1.0,
                channel=agent_ch if stereo else None),
        Speaker(id="S1", role="customer", role_confidence=1.0,
                channel=(1 - agent_ch) if stereo else None),
    ]
    turns = [Turn(speaker=t["speaker"], role=t["role"], start=t["start"], end=t["end"],
                  text=t["text"], words=spread_words(t["text"], t["start"], t["end"]),
                  emotion=None)
             for t in truth["turns"]]
    violations = []
    if with_violations:
        violations = [Violation(rule=r, severity="major", start=0.0, end=truth["duration"],
                                turn=None, evidence="synthetic ground truth")
                      for r in truth["violations"]]
    return CallDocument(
        call_id=call_id_of(truth), source=truth.get("audio") or f"synth://{truth['name']}",
        duration=truth["duration"], sample_rate=truth.get("sample_rate", 8000),
        channels=truth.get("channels", 1), language=truth["language"],
        pipeline_version=SYNTH_VERSION, speakers=speakers, turns=turns,
        violations=violations, intents=list(truth.get("intents", [])),
        metadata=dict(truth.get("metadata", {})))


def to_index_document(truth: dict[str, Any]) -> CallDocument:
    """Ground truth as the search index sees a call: violations and gold emotions filled in,
    word timings dropped (they are not indexed). Unredacted: redact it for a stored call."""
    doc = to_call_document(truth, with_violations=True)
    for t, tt in zip(doc.turns, truth["turns"], strict=True):
        t.emotion = Emotion(label=tt.get("emotion") or "neutral", score=0.9)
        t.words = []
    return doc


def expected_violations(truth: dict[str, Any], greeting_window_s: float = 15.0,
                        hold_s: float = 20.0, overtalk_limit: int = 3) -> list[str]:
    """Re-derive the violated rule ids from turn acts, texts and times (a reference oracle)."""
    turns = truth["turns"]
    agent = [i for i, t in enumerate(turns) if t["role"] == "agent"]
    acts = [set(t.get("acts", [])) for t in turns]
    out = set()
    if not any("greeting" in acts[i] and turns[i]["start"] < greeting_window_s for i in agent):
        out.add("greeting.missing")
    if not (any("anything_else" in acts[i] for i in agent)
            and any("thanks_close" in acts[i] for i in agent)):
        out.add("closing.missing")
    verified = next((i for i in agent if "verified" in acts[i]), None)
    changed = next((i for i in agent if acts[i] & {"account_change", "disclose"}), None)
    if changed is not None and (verified is None or verified > changed):
        out.add("verification.missing")
    for i, t in enumerate(turns):
        if t["role"] == "customer" and (t["emotion"] == "angry" or "complaint" in acts[i]):
            nxt = [j for j in agent if j > i][:2]
            if not any("empathy" in acts[j] for j in nxt):
                out.add("empathy.missing")
    if any(p in turns[i]["text"].lower() for i in agent for p in C.FORBIDDEN_PHRASES):
        out.add("language.forbidden")
    t_end, last_agent = 0.0, None
    for i, t in enumerate(turns):
        if t["start"] - t_end > hold_s and not (last_agent is not None
                                                 and "hold_request" in acts[last_agent]):
            out.add("hold.no_notice")
        t_end = max(t_end, t["end"])
        if t["role"] == "agent":
            last_agent = i
    overtalk = sum(1 for i in agent
                   if any(turns[j]["role"] == "customer" and turns[j]["start"] < turns[i]["start"]
                          < turns[j]["end"] for j in range(i)))
    if overtalk >= overtalk_limit:
        out.add("interruption.excessive")
    return sorted(out)


def save_truth(truth: dict[str, Any], path: str | os.PathLike) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1)


def load_truth(path: str | os.PathLike) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
