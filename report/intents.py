"""Intent ids as people read them: the knowledge graph's English titles ("Weak 5G/4G signal"),
read once per graph directory. Ids stay ids when the graph cannot be read."""

from __future__ import annotations

from functools import lru_cache

from hotline.assist.graph import KnowledgeGraph
from hotline.errors import ConfigError


@lru_cache(maxsize=4)
def intent_names(knowledge_dir: str = "") -> dict[str, str]:
    """Intent id -> title, from `knowledge_dir` ("" = the bundled graph)."""
    try:
        graph = KnowledgeGraph.load(knowledge_dir or None)
    except ConfigError:
        return {}
    return {node.id: str(node.text("title")) for node in graph.intents}
