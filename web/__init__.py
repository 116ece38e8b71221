"""HTTP API, QA pages, agent sidebar and live WebSocket (`hotline serve`)."""
