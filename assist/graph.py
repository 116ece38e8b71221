"""The telecom knowledge graph: typed nodes and typed edges authored in YAML, validated on load.

Why a graph and not a flat FAQ: one problem (intent) links to its causes, fix steps, scripts,
policies (SLAs, refund rules), products and escalation paths, so a suggestion card can carry the
whole decision context. Every file is checked when loaded; a missing field or an edge to a node
that does not exist fails with a `ConfigError` naming the file and the node.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hotline.errors import ConfigError

# libyaml's C parser when the wheel has it (5x faster on the bundled graph), else pure Python.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_GRAPH_DIR = Path(__file__).parent / "graph"
LANGS = ("en", "zh")

# node type (YAML top-level key) -> required fields; bilingual fields need both "en" and "zh".
NODE_TYPES: dict[str, tuple[str, ...]] = {
    "intents": ("title", "phrasings", "answer"),
    "causes": ("title",),
    "solutions": ("title", "steps"),
    "scripts": ("kind", "text"),
    "policies": ("title", "text"),
    "products": ("title", "text"),
    "escalations": ("title", "text"),
    "areas": ("name",),
}
BILINGUAL = {"title", "phrasings", "answer", "steps", "text"}

# relation -> (allowed source types, allowed target type)
RELATIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "has_cause": (("intents",), "causes"),
    "solved_by": (("intents", "causes"), "solutions"),
    "governed_by": (("intents",), "policies"),
    "escalates_to": (("intents",), "escalations"),
    "answered_by": (("intents",), "scripts"),
    "offers": (("intents", "solutions"), "products"),
    "related_to": (("intents",), "intents"),
}


@dataclass
class Node:
    """One graph node; `data` keeps every authored field (title, steps, sla, ...)."""

    id: str
    type: str
    data: dict[str, Any]
    source: str
    edges: dict[str, list[str]] = field(default_factory=dict)

    def text(self, key: str, language: str = "en") -> Any:
        """A bilingual field in `language` (falls back to English)."""
        value = self.data.get(key)
        if isinstance(value, dict):
            return value.get(language) or value.get("en")
        return value


@dataclass
class KnowledgeGraph:
    nodes: dict[str, Node]
    digest: str  # sha256 of the YAML sources: keys the on-disk embedding cache

    @classmethod
    def load(cls, directory: str | Path | None = None) -> KnowledgeGraph:
        """Load and validate every `*.yaml` under `directory` (default: the bundled graph)."""
        root = Path(directory) if directory else DEFAULT_GRAPH_DIR
        files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
        if not files:
            raise ConfigError(f"knowledge graph directory {root} has no *.yaml files")
        nodes: dict[str, Node] = {}
        digest = hashlib.sha256()
        for path in files:
            raw = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + raw)
            for node in _parse_file(path, raw):
                if node.id in nodes:
                    raise ConfigError(
                        f"{path.name}: node {node.id!r} is defined twice (also in {nodes[node.id].source})")
                nodes[node.id] = node
        graph = cls(nodes=nodes, digest=digest.hexdigest()[:16])
        graph.validate()
        return graph

    def validate(self) -> None:
        """Every edge must point at an existing node of the right type."""
        for node in self.nodes.values():
            for relation, targets in node.edges.items():
                if relation not in RELATIONS:
                    raise ConfigError(f"{node.source}: node {node.id!r}: unknown relation {relation!r}")
                sources, target_type = RELATIONS[relation]
                if node.type not in sources:
                    raise ConfigError(
                        f"{node.source}: node {node.id!r}: relation {relation!r} cannot start at a {node.type[:-1]}")
                for target in targets:
                    other = self.nodes.get(target)
                    if other is None:
                        raise ConfigError(
                            f"{node.source}: node {node.id!r}: dangling edge {relation} -> {target!r}")
                    if other.type != target_type:
                        raise ConfigError(
                            f"{node.source}: node {node.id!r}: {relation} -> {target!r} must be a "
                            f"{target_type[:-1]}, is a {other.type[:-1]}")

    def of_type(self, node_type: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == node_type]

    @property
    def intents(self) -> list[Node]:
        return self.of_type("intents")

    def targets(self, node: Node, relation: str) -> list[Node]:
        return [self.nodes[t] for t in node.edges.get(relation, [])]

    def script(self, kind: str) -> Node | None:
        """The first script of a kind ("soothing", "empathy", "closing", ...)."""
        return next((n for n in self.of_type("scripts") if n.data.get("kind") == kind), None)

    def area_aliases(self) -> dict[str, str]:
        """Lower-cased spoken name or alias -> canonical area name."""
        out: dict[str, str] = {}
        for area in self.of_type("areas"):
            name = str(area.data["name"])
            for alias in [name, *area.data.get("aliases", [])]:
                out[str(alias).lower()] = name
        return out


def _parse_file(path: Path, raw: bytes) -> list[Node]:
    try:
        doc = yaml.load(raw, Loader=_SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path.name}: top level must be a mapping of node types")
    nodes = []
    for node_type, items in doc.items():
        if node_type not in NODE_TYPES:
            raise ConfigError(f"{path.name}: unknown node type {node_type!r} (known: {', '.join(NODE_TYPES)})")
        if not isinstance(items, list):
            raise ConfigError(f"{path.name}: {node_type} must be a list of nodes")
        for index, item in enumerate(items):
            nodes.append(_parse_node(path.name, node_type, index, item))
    return nodes


def _parse_node(source: str, node_type: str, index: int, item: Any) -> Node:
    if not isinstance(item, dict) or not item.get("id"):
        raise ConfigError(f"{source}: {node_type}[{index}] has no id")
    node_id = str(item["id"])
    for key in NODE_TYPES[node_type]:
        value = item.get(key)
        if value in (None, "", [], {}):
            raise ConfigError(f"{source}: node {node_id!r}: missing field {key!r}")
        if key in BILINGUAL:
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: node {node_id!r}: field {key!r} needs 'en' and 'zh'")
            for lang in LANGS:
                if not value.get(lang):
                    raise ConfigError(f"{source}: node {node_id!r}: field {key!r} is missing {lang!r}")
    edges = item.get("edges") or {}
    if not isinstance(edges, dict):
        raise ConfigError(f"{source}: node {node_id!r}: edges must be a mapping relation -> [ids]")
    edges = {rel: [str(t) for t in (tgts if isinstance(tgts, list) else [tgts])] for rel, tgts in edges.items()}
    data = {k: v for k, v in item.items() if k not in ("id", "edges")}
    return Node(id=node_id, type=node_type, data=data, source=source, edges=edges)
