"""A store as the packages built it before `hotline.store.schema`: each package's DDL copied
verbatim from the code it replaced (store/results.py, search/index.py, web/auth.py,
assist/facts.py at dc82fdd), each with its own lock, plus one row in every table."""

from __future__ import annotations

import json
import time

from hotline.document import CallDocument
from hotline.store.db import Database

OLD_RESULTS = (
    """CREATE TABLE IF NOT EXISTS call_results (
        call_id TEXT NOT NULL,
        pipeline_version TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        permanent INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        document TEXT,
        duration DOUBLE PRECISION,
        timings TEXT,
        worker_id TEXT,
        job_id TEXT,
        call_date TEXT,
        agent_id TEXT,
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL,
        started_at DOUBLE PRECISION,
        finished_at DOUBLE PRECISION,
        PRIMARY KEY (call_id, pipeline_version)
    )""",
    "CREATE INDEX IF NOT EXISTS call_results_status ON call_results (status, updated_at)",
    "CREATE INDEX IF NOT EXISTS call_results_date ON call_results (call_date)",
)


def old_search(pg: bool) -> list[str]:
    blob = "BYTEA" if pg else "BLOB"
    ident = "BIGSERIAL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
    tsv = (", tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', seg)) STORED, "
           "gtsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', grams)) STORED"
           if pg else "")
    stmts = [
        "CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT)",
        """CREATE TABLE IF NOT EXISTS search_calls (
            call_id TEXT PRIMARY KEY, call_date TEXT, agent_id TEXT, duration REAL,
            language TEXT, n_turns INTEGER, indexed_at TEXT)""",
        f"""CREATE TABLE IF NOT EXISTS search_vectors (
            seq {ident}, call_id TEXT NOT NULL UNIQUE, dim INTEGER, embedding {blob})""",
        f"""CREATE TABLE IF NOT EXISTS search_turns (
            id {ident}, call_id TEXT NOT NULL, turn INTEGER NOT NULL, role TEXT,
            speaker TEXT, t_start REAL, t_end REAL, text TEXT, seg TEXT, norm TEXT, grams TEXT,
            emotion TEXT, call_date TEXT, agent_id TEXT, duration REAL{tsv},
            UNIQUE (call_id, turn))""",
        """CREATE TABLE IF NOT EXISTS search_tags (
            call_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (call_id, kind, value))""",
        "CREATE TABLE IF NOT EXISTS search_vocab (term TEXT PRIMARY KEY, stem TEXT)",
        "CREATE INDEX IF NOT EXISTS search_turns_date ON search_turns (call_date)",
        "CREATE INDEX IF NOT EXISTS search_turns_agent ON search_turns (agent_id)",
        "CREATE INDEX IF NOT EXISTS search_tags_kv ON search_tags (kind, value)",
    ]
    if pg:
        stmts.append("CREATE INDEX IF NOT EXISTS search_turns_tsv ON search_turns "
                     "USING gin (tsv)")
        stmts.append("CREATE INDEX IF NOT EXISTS search_turns_gtsv ON search_turns "
                     "USING gin (gtsv)")
    else:
        stmts.append("CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING "
                     "fts5(seg, grams, tokenize='unicode61 remove_diacritics 0')")
    return stmts


def old_auth(pg: bool) -> list[str]:
    serial = "BIGSERIAL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
    return [
        "CREATE TABLE IF NOT EXISTS qa_tokens ("
        " id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, agent_id TEXT,"
        " token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)",
        f"CREATE TABLE IF NOT EXISTS qa_audit (id {serial}, at TEXT NOT NULL,"
        " token_id TEXT, name TEXT, role TEXT, agent_id TEXT, action TEXT NOT NULL,"
        " call_id TEXT, query TEXT, status TEXT NOT NULL, detail TEXT)",
        "CREATE INDEX IF NOT EXISTS qa_audit_at ON qa_audit (at)",
    ]


OLD_FACTS = """
CREATE TABLE IF NOT EXISTS assist_facts (
    area_key TEXT NOT NULL,
    site_id TEXT NOT NULL,
    area TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL,
    eta TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (area_key, site_id)
)
"""


def build_old_store(db: Database, doc: CallDocument, token_hash: str) -> None:
    """The four packages' DDL as each ran it (own transaction, own lock), then one row each:
    the call in results and in the search index (the search words as the old indexer wrote
    them), a token, an audit row and a fact."""
    pg = db.dialect == "postgresql"
    with db.transaction() as cur:
        if pg:
            cur.execute("SELECT pg_advisory_xact_lock(?)", (0x686F746C696E65,))
        for sql in OLD_RESULTS:
            cur.execute(sql)
    with db.transaction() as cur:
        if pg:
            cur.execute("SELECT pg_advisory_xact_lock(?)", (7_341_102,))
        for sql in old_search(pg):
            cur.execute(sql)
        cur.execute("INSERT INTO search_meta (key, value) VALUES ('schema', '2')")
    with db.transaction() as cur:
        for sql in old_auth(pg):
            cur.execute(sql)
    db.execute(OLD_FACTS)
    _old_rows(db, doc, token_hash)


def _old_rows(db: Database, doc: CallDocument, token_hash: str) -> None:
    now, pg = time.time(), db.dialect == "postgresql"
    meta = doc.metadata
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO call_results (call_id, pipeline_version, source, status, attempts, "
            "document, duration, call_date, agent_id, created_at, updated_at, finished_at) "
            "VALUES (?, ?, ?, 'done', 1, ?, ?, ?, ?, ?, ?, ?)",
            (doc.call_id, doc.pipeline_version, doc.source,
             json.dumps(doc.to_dict(), ensure_ascii=False), doc.duration, meta["date"],
             meta.get("agent_id"), now, now, now))
        cur.execute("INSERT INTO search_calls (call_id, call_date, agent_id, duration, language,"
                    " n_turns, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (doc.call_id, meta["date"], meta.get("agent_id"), doc.duration, "en",
                     len(doc.turns), "2026-11-20T00:00:00+00:00"))
        for i, turn in enumerate(doc.turns):
            seg = turn.text.lower().replace(",", "").replace(".", "")
            cur.execute("INSERT INTO search_turns (call_id, turn, role, speaker, t_start, t_end,"
                        " text, seg, norm, grams, call_date, agent_id, duration)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)",
                        (doc.call_id, i, turn.role, turn.speaker, turn.start, turn.end,
                         turn.text, seg, seg, meta["date"], meta.get("agent_id"), doc.duration))
            if not pg:
                cur.execute("INSERT INTO search_fts (rowid, seg, grams) SELECT id, seg, grams "
                            "FROM search_turns WHERE call_id = ? AND turn = ?", (doc.call_id, i))
        cur.execute("INSERT INTO search_tags (call_id, kind, value) VALUES (?, 'language', 'en')",
                    (doc.call_id,))
        cur.execute("INSERT INTO search_vectors (call_id, dim, embedding) VALUES (?, 2, ?)",
                    (doc.call_id, bytes(8)))
        cur.executemany("INSERT INTO search_vocab (term, stem) VALUES (?, ?)",
                        [(w, w) for w in sorted(set(" ".join(
                            t.text.lower() for t in doc.turns).split())) if w.isalpha()])
        cur.execute("INSERT INTO qa_tokens (id, name, role, token_hash, created_at)"
                    " VALUES ('t1', 'qa-old', 'qa', ?, '2026-11-01T00:00:00+00:00')",
                    (token_hash,))
        cur.execute("INSERT INTO qa_audit (at, token_id, action, call_id, status)"
                    " VALUES ('2026-11-20T10:00:00+00:00', 't1', 'view', ?, 'ok')",
                    (doc.call_id,))
        cur.execute("INSERT INTO assist_facts (area_key, site_id, area, kind, status, detail,"
                    " eta, updated_at, loaded_at) VALUES ('haidian', 'BS-1', 'Haidian',"
                    " 'base_station', 'down', 'fibre cut', '18:00', '2026-11-20T08:00:00Z',"
                    " '2026-11-20T08:00:00Z')")
