"""Train the behaviour recognisers (analytics/recognise.py) and write analytics/models/recognisers.npz.

    .venv/bin/python scripts/build_recognisers.py [--cv] [--emb-cache FILE]

Training material, DEV ONLY (tests/data/eval/dev, and dev2 when present; never frozen):
- every agent sentence of the written calls, labelled by the default rulebook's own keyword /
  regex / fuzzy conditions (its `recognise` and `semantic` parts stripped), corrected by what the
  call's labels say for sure (a clean greeting, no account action in the call, a noticed hold,
  empathy right after a complaint in a clean call);
- the same turns as tiny.en heard them (asr_cache.json), with the written turn's labels, so the
  recognisers learn the garbled forms;
- customer turns with their gold emotion: angry or not (`anger`), negative or angry or not
  (`complaint`, what calls for empathy);
- hand-written seed phrasings and near misses (scripts/data/recogniser_seed.yaml);
- the train half of dev3 (a third writer's labelled phrase bank, split by scripts/eval_dev3.py;
  its other half is the held-out check), each phrase with the labels its dev3 label settles.
Deterministic (liblinear, fixed order). `--cv` prints out-of-fold precision/recall per label
(folds by call), the honest number for choosing thresholds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_dev3 import load as dev3_phrases  # noqa: E402

from hotline.analytics.conditions import Compiler, Pred, Where  # noqa: E402
from hotline.analytics.context import CallContext  # noqa: E402
from hotline.analytics.recognise import MODEL_PATH, features, prepare, split_sentences  # noqa: E402
from hotline.analytics.rulebook import DEFAULT_RULEBOOK  # noqa: E402
from hotline.document import Turn  # noqa: E402
from hotline.embed import Embedder  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval"
DEV_SPLITS = ("dev", "dev2", "dev3")   # dev3: its train half only (add_dev3)
SEED = ROOT / "scripts" / "data" / "recogniser_seed.yaml"
C_REG = 4.0
# a dev3 phrase counts this many dev-call sentences: ~25 phrasings per label and language
# against hundreds of call sentences written by two writers, and the only ones that tell a
# greeting's halves, an offer or a routine apology apart
DEV3_WEIGHT = 3.0
CV_AT = (0.3, 0.5, 0.7)        # thresholds the out-of-fold report shows
# label -> (rule id, rule key, index in a require list); the condition's `any` list labels
SOURCES: dict[str, tuple[str, str, int]] = {
    "greeting_company": ("greeting.missing", "require", 0),
    "own_name": ("greeting.missing", "require", 1),
    "anything_else": ("closing.missing", "require", 0),
    "thanks": ("closing.missing", "require", 1),
    "account_action": ("verification.missing", "before", 0),
    "verification": ("verification.missing", "expect", 0),
    "empathy": ("empathy.missing", "expect", 0),
    "deflection": ("language.forbidden", "forbid", 0),
    "hold_notice": ("hold.no_notice", "expect", 0),
}
AGENT_LABELS = list(SOURCES)
# per-turn tags of a set's annotations.jsonl (dev2) -> the labels a tagged turn has
TAG_LABELS = {"greet_full": ("greeting_company", "own_name"), "ask_else": ("anything_else",),
              "thanks_close": ("thanks",), "verify_ask": ("verification",),
              "verified": ("verification",), "action": ("account_action",),
              "empathy": ("empathy",), "deflect": ("deflection",), "hold_notice": ("hold_notice",)}
# greeting kind of a partial greeting -> (company said, own name said)
PARTIAL_GREETINGS = {"name_only": (0, 1), "company_only": (1, 0), "gh_only": (0, 0), "none": (0, 0)}
# labels an untagged turn of such a set does not have ("thanks" also thanks for holding)
TAGGED_NEGATIVE = [lab for labs in TAG_LABELS.values() for lab in labs if lab != "thanks"]
# customer labels: the gold emotions that make a turn one
CUSTOMER_LABELS = {"anger": {"angry"}, "complaint": {"angry", "negative"}}
LABELS = [*AGENT_LABELS, *CUSTOMER_LABELS]
# dev3 label -> the recogniser labels it settles (1 has it, 0 has not; others unknown): the
# halves of a greeting apart, an offer or information is no action, a routine apology is no
# empathy, a return from hold no hold notice, a calm complaint or distress is no anger;
# information, offers and "let me check" show no empathy, and "let me check"
# (a brief look, no hold) is no hold notice to the recogniser (the rule's keywords still take
# "let me check" before a long silence). Whether a mid-call thanks is a thanks stays unknown.
DEV3_LABELS: dict[str, dict[str, int]] = {
    "greeting_full": {"greeting_company": 1, "own_name": 1},
    "company_only": {"greeting_company": 1, "own_name": 0},
    "name_only": {"greeting_company": 0, "own_name": 1},
    "bare": {"greeting_company": 0, "own_name": 0},
    "anything_else_ask": {"anything_else": 1, "greeting_company": 0},
    "closing_thanks": {"thanks": 1, "anything_else": 0},
    "farewell_no_thanks": {"thanks": 0, "anything_else": 0, "greeting_company": 0},
    "verification_ask": {"verification": 1, "account_action": 0},
    "verification_done": {"verification": 1, "account_action": 0},
    "verification_failed": {"verification": 0, "account_action": 0},
    "account_action": {"account_action": 1, "verification": 0},
    "action_offer": {"account_action": 0, "verification": 0, "empathy": 0},
    "info_only": {"account_action": 0, "verification": 0, "empathy": 0},
    "empathy": {"empathy": 1, "deflection": 0},
    "apology_not_empathy": {"empathy": 0, "deflection": 0},
    "deflection": {"deflection": 1, "empathy": 0},
    "harmless_trigger": {"deflection": 0},
    "hold_notice": {"hold_notice": 1},
    "let_me_check": {"empathy": 0, "hold_notice": 0},
    "back_from_hold": {"hold_notice": 0},
    "angry": {"anger": 1, "complaint": 1},
    # whether a calm complaint or distress calls for empathy is where the call sets' writers
    # draw the line ("I've been charged twice for the same month" is neutral there): unknown
    "calm_complaint": {"anger": 0},
    "distress": {"anger": 0},
    "positive": {"anger": 0, "complaint": 0},
    "neutral_customer": {"anger": 0, "complaint": 0},
}
# behaviours dev3 labels on their own: an agent phrase with another label does not do them ...
DEV3_EXCLUSIVE = ("greeting_company", "own_name", "anything_else", "account_action",
                  "verification", "empathy", "deflection", "hold_notice")
# ... unless its label leaves room ("thanks for calling Vantel", "thanks for confirming that",
# "I'll put you through to billing, one moment", "back again, I've reset it now")
DEV3_MAYBE: dict[str, tuple[str, ...]] = {
    "closing_thanks": ("greeting_company", "own_name"),
    "thanks_not_closing": ("verification", "hold_notice"),
    "harmless_trigger": ("account_action", "hold_notice", "empathy"),
    "back_from_hold": ("account_action",),
    "let_me_check": ("verification",),
}


@dataclass
class Data:
    texts: list[str] = field(default_factory=list)
    y: list[dict[str, int]] = field(default_factory=list)   # label -> 0/1 (absent = unknown)
    group: list[str] = field(default_factory=list)          # call id (folds), "seed" for seeds
    kind: list[str] = field(default_factory=list)           # written | asr | seed
    weight: list[float] = field(default_factory=list)       # sample weight in the fit

    def add(self, text: str, labels: dict[str, int], group: str, kind: str,
            weight: float = 1.0) -> None:
        if text.strip():
            self.texts.append(text)
            self.y.append(labels)
            self.group.append(group)
            self.kind.append(kind)
            self.weight.append(weight)


def labellers() -> dict[str, Pred]:
    """The rulebook's keyword/regex/fuzzy conditions per label (no role, window or meaning)."""
    book = yaml.safe_load(DEFAULT_RULEBOOK.read_text(encoding="utf-8"))
    comp = Compiler(str(DEFAULT_RULEBOOK), {})
    where = Where(str(DEFAULT_RULEBOOK), 0, 0)
    for name, value in book["phrases"].items():
        comp.phrase_sets[name] = comp.phrases(value, where)
    rules = {r["id"]: r for r in book["rules"]}
    out = {}
    for label, (rule, key, idx) in SOURCES.items():
        node = rules[rule][key]
        node = node[idx] if isinstance(node, list) else node
        parts = [p for p in node["any"] if not set(p) & {"semantic", "recognise"}]
        out[label] = comp.compile({"any": parts}, where)
    return out


def _holds(pred: Pred, text: str, lang: str) -> int:
    ctx = CallContext(lang, 10.0)
    ctx.add_turn(Turn("A", "agent", 0.0, 5.0, text), 0)
    return int(pred.test(ctx, 0) is not None)


def tag_overrides(note: dict[str, Any], agent: list[int]) -> dict[int, dict[str, int | None]]:
    """Labels from a set's per-turn tags (dev2's annotations.jsonl): what each agent turn does;
    a partial greeting has the part the call's greeting kind names."""
    out: dict[int, dict[str, int | None]] = {}
    for i in agent:
        tags = set(note["turn_tags"][i])
        fixed: dict[str, int | None] = {lab: 0 for lab in TAGGED_NEGATIVE}
        for tag in tags & set(TAG_LABELS):
            fixed.update({lab: 1 for lab in TAG_LABELS[tag]})
        if "greet_partial" in tags:
            company, name = PARTIAL_GREETINGS.get(note.get("greeting", ""), (None, None))
            fixed.update(greeting_company=company, own_name=name)
        out[i] = fixed
    return out


def call_overrides(call: dict[str, Any], note: dict[str, Any] | None = None
                   ) -> dict[int, dict[str, int | None]]:
    """Labels the call's gold annotations settle (turn -> label -> 1/0, None = unknown)."""
    turns, gold, tags = call["turns"], set(call["violations"]), set(call.get("behaviours", []))
    agent = [i for i, t in enumerate(turns) if t["role"] == "agent"]
    if note is not None:
        return tag_overrides(note, agent)
    out: dict[int, dict[str, int | None]] = {i: {} for i in agent}
    if agent and "greeting.missing" not in gold:
        out[agent[0]].update(greeting_company=1, own_name=1)
    for i in agent:
        if "account_action" not in tags:
            out[i]["account_action"] = 0
        if "language.forbidden" not in gold and "deflection" not in tags:
            out[i]["deflection"] = 0
    for k, t in enumerate(turns):
        prev = [i for i in agent if i < k]
        if t["role"] == "agent" and t.get("pause_before_s", 0) > 20 and prev and \
                "hold.no_notice" not in gold:
            out[prev[-1]]["hold_notice"] = 1
        nxt = [i for i in agent if i > k]
        if t["role"] == "customer" and t.get("emotion") in ("angry", "negative") and nxt and \
                "empathy.missing" not in gold:
            out[nxt[0]]["empathy"] = 1
    return out


def agent_labels(call: dict[str, Any], preds: dict[str, Pred],
                 note: dict[str, Any] | None = None) -> dict[int, tuple[list, dict]]:
    """turn -> (per-sentence labels, turn labels) for the agent turns of one written call."""
    lang, over = call["language"], call_overrides(call, note)
    out = {}
    for i, fixed in over.items():
        sents = split_sentences(call["turns"][i]["text"]) or [call["turns"][i]["text"]]
        per = [{lab: _holds(p, s, lang) for lab, p in preds.items()} for s in sents]
        turn = {lab: max(d[lab] for d in per) for lab in preds}
        for lab, v in fixed.items():
            _settle(turn, per, lab, v)
        out[i] = (per, turn)
    _mask_unfound(call, out, "account_action", "account_action" in call.get("behaviours", []))
    _mask_unfound(call, out, "deflection", "language.forbidden" in call["violations"])
    return out


def _settle(turn: dict[str, int], per: list[dict[str, int]], lab: str, v: int | None) -> None:
    """Impose a known turn label: 0 = no sentence has it; 1 = the turn has it, sentences the
    labeller did not see it in are unknown (a one-sentence turn is the turn); None = unknown."""
    if v is None:
        turn.pop(lab, None)
        for d in per:
            d.pop(lab, None)
        return
    turn[lab] = v
    if v == 0 or len(per) == 1:
        for d in per:
            d[lab] = v
        return
    for d in per:
        if not d.get(lab):
            d.pop(lab, None)


def _mask_unfound(call: dict[str, Any], labels: dict[int, tuple[list, dict]], lab: str,
                  present: bool) -> None:
    """A behaviour the call is known to have but no labeller found: its turns are unknown."""
    if present and not any(turn.get(lab) for _per, turn in labels.values()):
        for per, turn in labels.values():
            turn.pop(lab, None)
            for d in per:
                d.pop(lab, None)


def add_call(data: Data, call: dict[str, Any], heard: list[str] | None, preds: dict[str, Pred],
             note: dict[str, Any] | None = None) -> None:
    """One dev call's written sentences and turns, and what ASR heard of each turn."""
    labels = agent_labels(call, preds, note)
    for i, t in enumerate(call["turns"]):
        if t["role"] == "customer" and t.get("emotion"):
            y = {lab: int(t["emotion"] in gold) for lab, gold in CUSTOMER_LABELS.items()}
            data.add(t["text"], y, call["id"], "written")
            if heard:
                data.add(heard[i], y, call["id"], "asr")
        if i not in labels:
            continue
        per, turn = labels[i]
        sents = split_sentences(t["text"]) or [t["text"]]
        for s, d in zip(sents, per, strict=True):
            data.add(s, d, call["id"], "written")
        if len(sents) > 1:
            data.add(t["text"], turn, call["id"], "written")
        if heard:
            data.add(heard[i], turn, call["id"], "asr")


def add_seeds(data: Data) -> None:
    """Hand-written phrasings: `pos` lines are the label, `neg` lines are not (near misses)."""
    seeds = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    for label, sides in seeds.items():
        for side, value in (("pos", 1), ("neg", 0)):
            for lang_lines in (sides.get(side) or {}).values():
                for line in lang_lines:
                    data.add(line, {label: value}, "seed", "seed")


def dev3_labels(label: str, role: str) -> dict[str, int]:
    """The recogniser labels one dev3 label settles: its own (DEV3_LABELS), and for an agent
    phrase 0 for each behaviour dev3 gives a label of its own (one label per phrase), except
    where the phrase may well do it too (DEV3_MAYBE)."""
    out = {} if role != "agent" else {
        lab: 0 for lab in DEV3_EXCLUSIVE if lab not in DEV3_MAYBE.get(label, ())}
    out.update(DEV3_LABELS.get(label, {}))
    return out


def add_dev3(data: Data, which: str = "train") -> None:
    """dev3's phrases of one half, with the labels their dev3 label settles (kind asr/written,
    folded by the clean phrase so a phrase and its ASR variant share a fold)."""
    for item in dev3_phrases(which):
        labels = dev3_labels(item["label"], item["role"])
        if labels:
            data.add(item["text"], labels, "dev3:" + (item.get("of") or item["id"]),
                     "asr" if item["asr"] else "written", DEV3_WEIGHT)


def collect(splits: tuple[str, ...] = DEV_SPLITS) -> Data:
    """All training rows from the dev splits that exist, plus the seeds."""
    assert "frozen" not in splits, "the frozen set is never trained on"
    data, preds = Data(), labellers()
    for split in splits:
        path = EVAL / split / "calls.jsonl"
        if not path.exists():
            continue
        calls = [json.loads(line) for line in path.open(encoding="utf-8")]
        cache = EVAL / split / "asr_cache.json"
        asr = json.loads(cache.read_text(encoding="utf-8"))["calls"] if cache.exists() else {}
        notes = EVAL / split / "annotations.jsonl"
        tags = {a["id"]: a for a in map(json.loads, notes.open(encoding="utf-8"))
                } if notes.exists() else {}
        for call in calls:
            add_call(data, call, asr.get(call["id"], {}).get("texts"), preds, tags.get(call["id"]))
    if "dev3" in splits:
        add_dev3(data)
    add_seeds(data)
    return data


def embed(texts: list[str], cache: Path | None) -> np.ndarray:
    """MiniLM vectors, optionally cached on disk by text (development speed only)."""
    known: dict[str, np.ndarray] = {}
    if cache and cache.exists():
        with np.load(cache) as z:
            known = dict(zip([str(k) for k in z["keys"]], z["vecs"], strict=True))
    key = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    todo = sorted({k: t for k, t in zip(key, texts, strict=True) if k not in known}.items())
    if todo:
        vecs = Embedder(threads=None).encode([t for _k, t in todo])
        known.update({k: v for (k, _t), v in zip(todo, vecs, strict=True)})
        if cache:
            np.savez(cache, keys=np.array(list(known)), vecs=np.stack(list(known.values())))
    return np.stack([known[k] for k in key])


def fit(x: Any, y: np.ndarray, w: np.ndarray | None = None) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C_REG, class_weight="balanced", solver="liblinear",
                              max_iter=2000, random_state=0).fit(x, y, sample_weight=w)


def rows(data: Data, label: str) -> np.ndarray:
    return np.array([i for i, y in enumerate(data.y) if label in y])


def train(data: Data, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """(coef, intercept) per label, in LABELS order."""
    coef, intercept = [], []
    for label in LABELS:
        idx = rows(data, label)
        model = fit(x[idx], np.array([data.y[i][label] for i in idx]),
                    np.array([data.weight[i] for i in idx]))
        coef.append(model.coef_[0])
        intercept.append(model.intercept_[0])
    return np.array(coef, dtype=np.float32), np.array(intercept, dtype=np.float32)


def cross_validate(data: Data, x: Any, folds: int = 5) -> None:
    """Out-of-fold precision / recall at 0.5 per label, written and ASR rows apart."""
    from sklearn.model_selection import GroupKFold

    for label in LABELS:
        idx = rows(data, label)
        y = np.array([data.y[i][label] for i in idx])
        groups = np.array([data.group[i] for i in idx])
        prob = np.zeros(len(idx))
        for tr, te in GroupKFold(n_splits=folds).split(idx, y, groups):
            w = np.array([data.weight[i] for i in idx[tr]])
            prob[te] = fit(x[idx[tr]], y[tr], w).predict_proba(x[idx[te]])[:, 1]
        for kind in ("written", "asr"):
            m = np.array([data.kind[i] == kind for i in idx])
            t = y[m] == 1
            pr = [((prob[m] >= thr) & t).sum() / max(1, (prob[m] >= thr).sum()) for thr in CV_AT]
            rc = [((prob[m] >= thr) & t).sum() / max(1, t.sum()) for thr in CV_AT]
            print(f"{label:18s} {kind:8s} n={m.sum():5d} pos={t.sum():4d} " + "  ".join(
                f"@{thr}: P={p:.2f} R={r:.2f}" for thr, p, r in zip(CV_AT, pr, rc, strict=True)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="print out-of-fold scores per label")
    ap.add_argument("--emb-cache", type=Path, default=None,
                    help="reuse MiniLM vectors (development only: vectors embedded in other "
                         "batches differ in the last digits, so the shipped artefact is built "
                         "without it)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--splits", default=",".join(DEV_SPLITS),
                    help="dev splits to train on (one alone: score the other held out)")
    args = ap.parse_args()
    data = collect(tuple(args.splits.split(",")))
    texts = prepare(data.texts)
    x = features(embed(texts, args.emb_cache), texts)
    if args.cv:
        cross_validate(data, x)
    coef, intercept = train(data, x)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, labels=np.array(LABELS), coef=coef, intercept=intercept)
    print(f"{len(data.texts)} rows -> {args.out} ({', '.join(LABELS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
