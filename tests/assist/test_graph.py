"""Knowledge graph: the bundled graph covers the contract, and bad YAML fails naming file + node."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hotline.assist.graph import DEFAULT_GRAPH_DIR, KnowledgeGraph
from hotline.errors import ConfigError

CONTRACT_INTENTS = """network.weak_signal network.no_service network.slow_data network.call_drops
network.broadband_outage network.volte_hd_calls billing.unexpected_charge billing.refund_request
billing.payment_failed billing.explain_bill plan.upgrade plan.downgrade plan.data_addon plan.roaming
plan.contract_end account.sim_lost account.number_port_out account.esim_activation
account.password_reset account.identity_change device.apn_settings device.phone_setup
service.complaint_escalation service.cancel_service care.elderly_mode""".split()


def test_default_graph_covers_contract_both_languages(graph):
    ids = {n.id for n in graph.intents}
    assert set(CONTRACT_INTENTS) <= ids
    for node in graph.intents:
        assert len(node.data["phrasings"]["en"]) >= 5 and len(node.data["phrasings"]["zh"]) >= 4, node.id
        assert node.edges.get("solved_by"), f"{node.id} has no solution"


def test_typed_edges_and_policies(graph):
    weak = graph.nodes["network.weak_signal"]
    assert [n.type for n in graph.targets(weak, "has_cause")] == ["causes"] * len(weak.edges["has_cause"])
    complaint = graph.nodes["service.complaint_escalation"]
    sla = graph.targets(complaint, "governed_by")[0]
    assert sla.data["sla"] == {"respond_h": 1, "solution_h": 24, "follow_up_h": 72}
    assert graph.targets(complaint, "answered_by")[0].data["kind"] == "soothing"
    assert graph.script("soothing").text("text", "zh")
    assert graph.area_aliases()["海淀"] == "Haidian"


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "graph"
    shutil.copytree(DEFAULT_GRAPH_DIR, dst)
    return dst


def test_dangling_edge_names_file_and_node(tmp_path):
    d = _copy(tmp_path)
    f = d / "network.yaml"
    f.write_text(f.read_text().replace("solved_by: [solution.signal_basic]",
                                       "solved_by: [solution.does_not_exist]"))
    with pytest.raises(ConfigError) as err:
        KnowledgeGraph.load(d)
    msg = str(err.value)
    assert "network.yaml" in msg and "network.weak_signal" in msg and "solution.does_not_exist" in msg


def test_missing_field_names_file_and_node(tmp_path):
    d = _copy(tmp_path)
    (d / "extra.yaml").write_text(
        "solutions:\n  - id: solution.half_written\n    title: {en: Half, zh: 半}\n")
    with pytest.raises(ConfigError) as err:
        KnowledgeGraph.load(d)
    msg = str(err.value)
    assert "extra.yaml" in msg and "solution.half_written" in msg and "steps" in msg


def test_missing_language_and_wrong_edge_type(tmp_path):
    d = _copy(tmp_path)
    (d / "extra.yaml").write_text(
        "causes:\n  - id: cause.only_english\n    title: {en: Only English}\n")
    with pytest.raises(ConfigError, match=r"extra.yaml.*cause.only_english.*'zh'"):
        KnowledgeGraph.load(d)
    (d / "extra.yaml").write_text(
        "intents:\n  - id: x.bad\n    title: {en: t, zh: t}\n    phrasings: {en: [a], zh: [b]}\n"
        "    answer: {en: a, zh: b}\n    edges: {has_cause: [solution.signal_basic]}\n")
    with pytest.raises(ConfigError, match=r"extra.yaml.*x.bad.*must be a cause"):
        KnowledgeGraph.load(d)


def test_duplicate_id_and_bad_yaml(tmp_path):
    d = _copy(tmp_path)
    (d / "dup.yaml").write_text("causes:\n  - id: cause.fibre_cut\n    title: {en: a, zh: b}\n")
    with pytest.raises(ConfigError, match=r"cause.fibre_cut.*twice.*dup.yaml|dup.yaml.*cause.fibre_cut.*twice"):
        KnowledgeGraph.load(d)
    (d / "dup.yaml").write_text("causes: [\n")
    with pytest.raises(ConfigError, match="dup.yaml"):
        KnowledgeGraph.load(d)
