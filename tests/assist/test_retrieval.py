"""Retrieval quality on a labelled set written independently of the graph's own phrasings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hotline.assist.text import normalize

DATA = Path(__file__).parent / "data" / "utterances.yaml"


@pytest.fixture(scope="module")
def labelled():
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return [(intent, u) for intent, utts in data.items() for u in utts]


def test_labelled_set_is_not_copied_from_graph(graph, labelled):
    phrasings = {normalize(p) for n in graph.intents for lang in ("en", "zh")
                 for p in n.data["phrasings"][lang]}
    copied = [u for _, u in labelled if normalize(u) in phrasings]
    assert not copied, copied
    assert {i for i, _ in labelled} == {n.id for n in graph.intents}
    assert sum(1 for _, u in labelled if any("\u4e00" <= c <= "\u9fff" for c in u)) >= 45


def test_top1_and_top3_accuracy(assistant, labelled):
    top1 = top3 = 0
    misses = []
    for intent, utt in labelled:
        ranked = [n.id for n, _, _ in assistant.rank(utt)]
        top1 += ranked[0] == intent
        top3 += intent in ranked[:3]
        if ranked[0] != intent:
            misses.append((intent, utt, ranked[:3]))
    n = len(labelled)
    print(f"\ntop-1 {top1 / n:.3f}  top-3 {top3 / n:.3f}  (n={n})")
    assert top1 / n >= 0.90, misses
    assert top3 / n >= 0.97, misses


@pytest.mark.parametrize("text, intent", [
    ("my five gee signal's rubbish", "network.weak_signal"),
    ("how do I get vol tee working", "network.volte_hd_calls"),
    ("I want an easy sim for my watch", "account.esim_activation"),
    ("set the a p n on my phone", "device.apn_settings"),
])
def test_asr_noisy_terms(assistant, text, intent):
    assert assistant.suggest(text)[0].intent == intent


def test_facts_join_5g_complaint_with_area(assistant):
    # area from call metadata
    s = assistant.suggest("my 5G signal is terrible at home", area="Haidian")[0]
    assert s.intent == "network.weak_signal" and s.area == "Haidian"
    assert {(f["site_id"], f["status"]) for f in s.facts} == {("HD-5G-017", "maintenance"), ("HD-5G-018", "ok")}
    # area said in the call (Chinese alias), no metadata
    s = assistant.suggest("我在海淀，5G信号特别差")[0]
    assert s.intent == "network.weak_signal" and s.area == "Haidian" and len(s.facts) == 2
    assert s.language == "zh" and "基站" in s.answer
    # non-network intents carry no facts even with an area
    s = assistant.suggest("please refund the wrong charge", area="Haidian")[0]
    assert s.intent == "billing.refund_request" and s.facts == []


def test_context_disambiguates_short_followup(assistant):
    alone = assistant.suggest("it's still not working")
    with_ctx = assistant.suggest("it's still not working",
                                 context=["the router at home has a red light, no internet"])
    assert with_ctx and with_ctx[0].intent == "network.broadband_outage"
    assert not alone or alone[0].score < with_ctx[0].score + 0.5


def test_suggestion_carries_graph_context(assistant):
    s = assistant.suggest("I want to make a complaint, this is unacceptable")[0]
    assert s.intent == "service.complaint_escalation"
    assert any(x["kind"] == "soothing" for x in s.scripts)
    assert any("24" in p["text"] for p in s.policies) and s.escalation and s.why


def test_small_talk_gets_no_suggestion(assistant):
    assert assistant.suggest("hello, good morning") == []
    assert assistant.suggest("") == []


def test_call_intents_tags_customer_turns(assistant):
    from hotline.document import CallDocument, Turn

    doc = CallDocument(call_id="x", source="x", duration=30, sample_rate=8000, channels=1,
                       language="en", pipeline_version="t", turns=[
                           Turn("S0", "agent", 0, 3, "Thanks for calling, I can help you upgrade your plan."),
                           Turn("S1", "customer", 3, 6, "Hi, my mobile data is painfully slow today."),
                           Turn("S1", "customer", 6, 9, "Also I was charged for something I never ordered."),
                           Turn("S1", "customer", 9, 10, "Okay thanks."),
                       ])
    assert assistant.call_intents(doc) == ["network.slow_data", "billing.unexpected_charge"]


def test_heldout_set_never_used_for_tuning(assistant, graph):
    """Written after the last graph edit and not tuned on: 0.88 / 0.98 when written."""
    data = yaml.safe_load((DATA.parent / "heldout.yaml").read_text(encoding="utf-8"))
    pairs = [(i, u) for i, us in data.items() for u in us]
    assert len(pairs) == 50 and set(data) == {n.id for n in graph.intents}
    ranked = [[n.id for n, _, _ in assistant.rank(u)] for _, u in pairs]
    top1 = sum(r[0] == i for (i, _), r in zip(pairs, ranked, strict=True)) / len(pairs)
    top3 = sum(i in r[:3] for (i, _), r in zip(pairs, ranked, strict=True)) / len(pairs)
    print(f"\nheld-out top-1 {top1:.2f} top-3 {top3:.2f}")
    assert top1 >= 0.80 and top3 >= 0.95
