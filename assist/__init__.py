"""Live agent assist: telecom knowledge graph, retrieval, live facts, streaming sessions."""
