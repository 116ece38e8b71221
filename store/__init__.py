"""Results store (one row per recording, the source of truth) on SQLite or PostgreSQL."""
