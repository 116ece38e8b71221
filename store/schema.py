"""Every table and index of the store, created and migrated here under one schema version.

Why one module: results, search, tokens/audit and facts share one database; when each package
created its own tables (each with its own advisory lock, only search versioned) nothing could
say which layout a store was on, and an upgrade could not be done in one step.

- One version: `hotline_meta(key='schema_version')`. `ensure_schema(db)` applies the missing
  steps of `MIGRATIONS` in order, in ONE transaction, under ONE lock (PostgreSQL: a
  transaction-level advisory lock; SQLite: the write lock `BEGIN IMMEDIATE` takes), so several
  workers starting together migrate once and the others wait, then see the new version.
- One dialect table: the few differences between SQLite and PostgreSQL (auto ids, bytes,
  full-text index, JSON field access) are spelled once in `DIALECTS`; every statement is a
  template over them.
- Upgrade path: step 1 is the layout the packages created before this module existed (all
  `IF NOT EXISTS`, so an old store is adopted with its rows); later steps alter it.
- A store newer than this code is refused (fail closed) rather than half-used.

Packages never create tables: their stores call `ensure_schema(db)`, which is a no-op after the
first call on a `Database` (the app runs it once at start via `open_database`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from hotline.document import CallDocument
from hotline.errors import ConfigError
from hotline.store import callnumbers
from hotline.store.db import Database

log = logging.getLogger(__name__)

SCHEMA_VERSION = 11
MIGRATION_LOCK = 0x686F746C696E65   # "hotline": the one pg_advisory_xact_lock key for migrations
SEARCH_LOAD_LOCK = MIGRATION_LOCK + 1   # session lock: a big search load (its indexes dropped)
LEGACY_SEARCH_VERSION = "2"         # search_meta.schema written by the pre-schema search index

# a row's Chinese characters and bigrams (`grams`, split by spaces) as a tsvector (step 9)
GRAMS_TSVECTOR = "array_to_tsvector(array_remove(string_to_array(grams, ' '), ''))"

# The only place SQLite and PostgreSQL differ in DDL/SQL used by the store.
DIALECTS: dict[str, dict[str, str]] = {
    "sqlite": {
        "ident": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "blob": "BLOB",
        "tsv": "",
        "call_tsv": "",
        "caller_hash_of_document": "json_extract(document, '$.metadata.caller_hash')",
    },
    "postgresql": {
        "ident": "BIGSERIAL PRIMARY KEY",
        "blob": "BYTEA",
        "tsv": (", tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', seg)) STORED, "
                f"gtsv tsvector GENERATED ALWAYS AS ({GRAMS_TSVECTOR}) STORED"),
        "call_tsv": ", tsv tsvector, gtsv tsvector",
        "caller_hash_of_document": "(document::json -> 'metadata' ->> 'caller_hash')",
    },
}

SEARCH_TABLES = ("search_fts", "search_call_fts", "search_turns", "search_tags", "search_vocab", "search_vectors",
                 "search_calls")

# The secondary indexes of the search tables (PostgreSQL: full-text GIN, tags, the turns' dates
# and agents; SQLite has the two B-trees; not the keys). The one spelling of their DDL: the
# migration steps that create them (1, 3, 7, 9) run `index_ddl(name)`, byte for byte the
# statements they always ran, and a bulk load bigger than the index drops them and builds
# each once at the end (hotline.search.bulk), two at a time — in this order every other one
# (names[0::2], names[1::2]) takes about as long as the rest.
SEARCH_BULK_INDEXES = {
    "search_turns_gtsv": "search_turns USING gin (gtsv)",
    "search_turns_tsv": "search_turns USING gin (tsv)",
    "search_calls_tsv": "search_calls USING gin (tsv)",
    "search_calls_gtsv": "search_calls USING gin (gtsv)",
    "search_turns_date": "search_turns (call_date)",
    "search_turns_agent": "search_turns (agent_id)",
    "search_turns_tags": "search_turns USING gin (tags)",
    "search_calls_tags": "search_calls USING gin (tags)",
}


def index_ddl(name: str) -> str:
    """The statement that creates the search index `name` (if it is missing)."""
    return f"CREATE INDEX IF NOT EXISTS {name} ON {SEARCH_BULK_INDEXES[name]}"


# --- step 1: the layout each package created for itself before this module ------------------
_V1_TABLES = (
    """CREATE TABLE IF NOT EXISTS call_results (
        call_id TEXT NOT NULL, pipeline_version TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        permanent INTEGER NOT NULL DEFAULT 0, error TEXT, document TEXT,
        duration DOUBLE PRECISION, timings TEXT, worker_id TEXT, job_id TEXT, call_date TEXT,
        agent_id TEXT, created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL, started_at DOUBLE PRECISION,
        finished_at DOUBLE PRECISION, PRIMARY KEY (call_id, pipeline_version))""",
    "CREATE INDEX IF NOT EXISTS call_results_status ON call_results (status, updated_at)",
    "CREATE INDEX IF NOT EXISTS call_results_date ON call_results (call_date)",
    """CREATE TABLE IF NOT EXISTS search_calls (
        call_id TEXT PRIMARY KEY, call_date TEXT, agent_id TEXT, duration REAL,
        language TEXT, n_turns INTEGER, indexed_at TEXT{call_tsv})""",
    """CREATE TABLE IF NOT EXISTS search_vectors (
        seq {ident}, call_id TEXT NOT NULL UNIQUE, dim INTEGER, embedding {blob})""",
    """CREATE TABLE IF NOT EXISTS search_turns (
        id {ident}, call_id TEXT NOT NULL, turn INTEGER NOT NULL, role TEXT,
        speaker TEXT, t_start REAL, t_end REAL, text TEXT, seg TEXT, norm TEXT, grams TEXT,
        emotion TEXT, call_date TEXT, agent_id TEXT, duration REAL{tsv},
        UNIQUE (call_id, turn))""",
    """CREATE TABLE IF NOT EXISTS search_tags (
        call_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (call_id, kind, value))""",
    "CREATE TABLE IF NOT EXISTS search_vocab (term TEXT PRIMARY KEY, stem TEXT)",
    index_ddl("search_turns_date"),
    index_ddl("search_turns_agent"),
    "CREATE INDEX IF NOT EXISTS search_tags_kv ON search_tags (kind, value)",
    """CREATE TABLE IF NOT EXISTS qa_tokens (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, agent_id TEXT,
        token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS qa_audit (
        id {ident}, at TEXT NOT NULL, token_id TEXT, name TEXT, role TEXT, agent_id TEXT,
        action TEXT NOT NULL, call_id TEXT, query TEXT, status TEXT NOT NULL, detail TEXT)""",
    "CREATE INDEX IF NOT EXISTS qa_audit_at ON qa_audit (at)",
    """CREATE TABLE IF NOT EXISTS assist_facts (
        area_key TEXT NOT NULL, site_id TEXT NOT NULL, area TEXT NOT NULL, kind TEXT NOT NULL,
        status TEXT NOT NULL, detail TEXT NOT NULL, eta TEXT NOT NULL,
        updated_at TEXT NOT NULL, loaded_at TEXT NOT NULL, PRIMARY KEY (area_key, site_id))""",
)
_V1_FULLTEXT = {
    "sqlite": ("CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING "
               "fts5(seg, grams, tokenize='unicode61 remove_diacritics 0')",),
    "postgresql": (index_ddl("search_turns_tsv"), index_ddl("search_turns_gtsv")),
}


def _step1_adopt(cur: Any, dialect: str) -> None:
    """Create (or adopt) the original layout; a search index of an unknown older layout is
    dropped (derived data: `hotline search --reindex` rebuilds it from the results). Tables
    created here (a fresh store) get today's tsvector columns (PostgreSQL: the turns' grams
    by array_to_tsvector, the calls' plain vectors of v11), which steps 3, 9 and 11 then
    find in place instead of creating the old ones and converting them; an adopted table
    keeps its layout and is converted."""
    if _search_outdated(cur, dialect):
        log.warning("search index schema changed: dropping it; rebuild it with "
                    "`hotline search --reindex`")
        for table in SEARCH_TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
    for sql in _V1_TABLES + _V1_FULLTEXT[dialect]:
        cur.execute(sql.format(**DIALECTS[dialect]))
    cur.execute("DROP TABLE IF EXISTS search_meta")


def _search_outdated(cur: Any, dialect: str) -> bool:
    if not table_exists(cur, dialect, "search_turns"):
        return False
    if not table_exists(cur, dialect, "search_meta"):
        return True
    row = cur.execute("SELECT value FROM search_meta WHERE key = 'schema'")
    return not row or row[0]["value"] != LEGACY_SEARCH_VERSION


# --- step 2: the caller hash as a column (forget), report-range index -----------------------
def _step2_caller_hash(cur: Any, dialect: str) -> None:
    """`forget --caller` finds a caller's calls by an indexed column, not by parsing every
    document; backfilled from the stored (redacted) documents' `metadata.caller_hash`."""
    cur.execute("ALTER TABLE call_results ADD COLUMN caller_hash TEXT")
    cur.execute(f"UPDATE call_results SET caller_hash = {DIALECTS[dialect]['caller_hash_of_document']}"
                " WHERE document IS NOT NULL")
    cur.execute("CREATE INDEX IF NOT EXISTS call_results_caller ON call_results (caller_hash)")
    cur.execute("CREATE INDEX IF NOT EXISTS call_results_day ON call_results "
                "(pipeline_version, status, call_date)")
    cur.execute("CREATE INDEX IF NOT EXISTS search_calls_date ON search_calls (call_date)")
    cur.execute("CREATE INDEX IF NOT EXISTS qa_audit_call ON qa_audit (call_id)")


# --- step 3: call-level search text (search --by-call) --------------------------------------
_V3_CALL_TEXT = {
    "sqlite": ("CREATE VIRTUAL TABLE IF NOT EXISTS search_call_fts USING "
               "fts5(seg, grams, tokenize='unicode61 remove_diacritics 0')",),
    "postgresql": (
        "ALTER TABLE search_calls ADD COLUMN seg TEXT, ADD COLUMN grams TEXT",
        "ALTER TABLE search_calls ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
        "(to_tsvector('simple', seg)) STORED, ADD COLUMN gtsv tsvector GENERATED ALWAYS AS "
        "(to_tsvector('simple', grams)) STORED",
        index_ddl("search_calls_tsv"),
        index_ddl("search_calls_gtsv"),
    ),
}
# every turn's tokens of a call in one document, from the already indexed turns
_V3_BACKFILL = {
    "sqlite": """INSERT INTO search_call_fts (rowid, seg, grams)
        SELECT c.rowid,
               (SELECT group_concat(seg, ' ') FROM (SELECT seg FROM search_turns t
                 WHERE t.call_id = c.call_id ORDER BY t.turn)),
               (SELECT group_concat(grams, ' ') FROM (SELECT grams FROM search_turns t
                 WHERE t.call_id = c.call_id AND grams <> '' ORDER BY t.turn))
        FROM search_calls c""",
    "postgresql": """UPDATE search_calls c SET
        seg = (SELECT string_agg(seg, ' ' ORDER BY turn) FROM search_turns t
               WHERE t.call_id = c.call_id),
        grams = (SELECT string_agg(grams, ' ' ORDER BY turn) FROM search_turns t
                 WHERE t.call_id = c.call_id AND grams <> '')""",
}


def _step3_call_text(cur: Any, dialect: str) -> None:
    """`search --by-call` matches a call when its turns together hold the terms: one full-text
    document per call (SQLite: `search_call_fts` keyed by the `search_calls` rowid;
    PostgreSQL: `seg`/`grams` columns with generated tsvectors and GIN indexes), filled from
    the indexed turns so an existing index needs no rebuild."""
    if dialect == "postgresql" and _column_kind(cur, "search_calls", "tsv") is not None:
        for name in ("search_calls_tsv", "search_calls_gtsv"):   # a fresh store: v11 shape
            cur.execute(index_ddl(name))
        return
    for sql in _V3_CALL_TEXT[dialect]:
        cur.execute(sql)
    cur.execute(_V3_BACKFILL[dialect])


def _column_kind(cur: Any, table: str, column: str) -> str | None:
    """PostgreSQL: a column's generation expression ('' for a plain column), None when the
    table lacks it. A fresh store's step 1 creates the search tables in today's shape; the
    steps that converted older ones leave those alone."""
    rows = cur.execute("SELECT COALESCE(generation_expression, '') AS expr FROM "
                       "information_schema.columns WHERE table_schema = current_schema() "
                       "AND table_name = ? AND column_name = ?", (table, column))
    return rows[0]["expr"] if rows else None


# --- step 4: the QA reviewer's scorecard and comments per call (web/review.py) --------------
def _step4_reviews(cur: Any, dialect: str) -> None:
    """One verdict per call (status, scorecard items as JSON, who, when) and its comments;
    every change is also written to qa_audit."""
    cur.execute("""CREATE TABLE IF NOT EXISTS qa_reviews (
        call_id TEXT PRIMARY KEY, status TEXT NOT NULL, scorecard TEXT NOT NULL DEFAULT '{}',
        reviewer TEXT, updated_at TEXT NOT NULL)""")
    cur.execute(f"""CREATE TABLE IF NOT EXISTS qa_review_comments (
        id {DIALECTS[dialect]['ident']}, call_id TEXT NOT NULL, at TEXT NOT NULL,
        author TEXT, role TEXT, at_s DOUBLE PRECISION, text TEXT NOT NULL)""")
    cur.execute("CREATE INDEX IF NOT EXISTS qa_review_comments_call ON qa_review_comments "
                "(call_id, id)")


# --- step 5: the call without its turns, for range reads -----------------------------------
def _step5_summary(cur: Any, dialect: str) -> None:
    """Reports over 7 or 30 days read every call of the range; the turns (text, word timings)
    are most of a document's bytes and no report number needs them. Filled on save; NULL
    (older rows) reads fall back to the full document, so no backfill is needed."""
    _add_column(cur, dialect, "call_results", "summary TEXT")


def _add_column(cur: Any, dialect: str, table: str, column: str) -> None:
    """ADD COLUMN unless it is there (a step re-run on a store rolled back by hand)."""
    if dialect == "postgresql":
        cur.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column}")
        return
    names = {r["name"] for r in cur.execute(f"PRAGMA table_info({table})")}
    if column.split()[0] not in names:
        cur.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


# --- step 6: token expiry, server-side login sessions ---------------------------------------
def _step6_sessions(cur: Any, dialect: str) -> None:
    """Tokens expire (`expires_at`, NULL = never: tokens made before expiry existed keep
    working until revoked); the page cookie holds a session id whose hash is stored here,
    never the token itself."""
    _add_column(cur, dialect, "qa_tokens", "expires_at TEXT")
    cur.execute("""CREATE TABLE IF NOT EXISTS qa_sessions (
        id_hash TEXT PRIMARY KEY, token_id TEXT NOT NULL, created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL)""")
    cur.execute("CREATE INDEX IF NOT EXISTS qa_sessions_token ON qa_sessions (token_id)")


# --- step 7: search tags in the rows (PostgreSQL) -------------------------------------------
def _step7_search_tags(cur: Any, dialect: str) -> None:
    """PostgreSQL: a call's tags ('rule:greeting.missing', 'intent:…', 'language:en') copied
    into its turn and call rows with GIN indexes, so a rule filter is one more bitmap ANDed
    with the text's instead of a join the planner misjudges (400 ms at 1M turns). SQLite
    keeps joining search_tags (its FTS5 plans are fixed and fast at its scale)."""
    if dialect != "postgresql":
        return
    for table in ("search_turns", "search_calls"):
        _add_column(cur, dialect, table, "tags TEXT[]")
        cur.execute(f"""UPDATE {table} r SET tags = ARRAY(SELECT g.kind || ':' || g.value
                        FROM search_tags g WHERE g.call_id = r.call_id ORDER BY 1)""")
        cur.execute(index_ddl(f"{table}_tags"))


# --- step 8: the report's per-call numbers as columns (range views in SQL) -----------------
def _step8_call_numbers(cur: Any, dialect: str) -> None:
    """The 7- and 30-day views count per day in SQL over `callnumbers.COLUMNS` instead of
    parsing every call's summary; backfilled from the stored summaries (else documents)."""
    for column in callnumbers.DDL:
        _add_column(cur, dialect, "call_results", column)
    rows = cur.execute("SELECT call_id, pipeline_version, COALESCE(summary, document) AS doc "
                       "FROM call_results WHERE document IS NOT NULL")
    sets = ", ".join(f"{c} = ?" for c in callnumbers.COLUMNS)
    cur.executemany(f"UPDATE call_results SET {sets} WHERE call_id = ? AND pipeline_version = ?",
                    [(*callnumbers.values_of(CallDocument.from_dict(json.loads(r["doc"]))),
                      r["call_id"], r["pipeline_version"]) for r in rows])
    cur.execute("CREATE INDEX IF NOT EXISTS call_results_report_date ON call_results "
                "(report_date)")


# --- step 9: Chinese grams vectors without positions (PostgreSQL) --------------------------


def _step9_grams_vectors(cur: Any, dialect: str) -> None:
    """PostgreSQL: `gtsv` (a row's Chinese characters and bigrams, already split by spaces)
    made by array_to_tsvector instead of to_tsvector: the same lexemes (only ever matched with
    `&`, never ranked, so positions are not needed) for a third of the CPU — the grams were
    a third of a bulk load's server time. Rewrites both tables once."""
    if dialect != "postgresql":
        return
    for table in ("search_turns", "search_calls"):
        kind = _column_kind(cur, table, "gtsv")
        if kind == "" or (kind and "array_to_tsvector" in kind):
            continue        # created so by step 1 (a fresh store): plain (calls), or grams
        cur.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS gtsv")   # drops its GIN too
        cur.execute(f"ALTER TABLE {table} ADD COLUMN gtsv tsvector GENERATED ALWAYS AS "
                    f"({GRAMS_TSVECTOR}) STORED")
        cur.execute(index_ddl(f"{table}_gtsv"))


# --- step 10: the report's columns readable without the documents (SQLite) ------------------
REPORT_INDEX = "call_results_report"   # named by hotline.store.ranges (SQLite: INDEXED BY)


def _step10_report_index(cur: Any, dialect: str) -> None:
    """SQLite: an index holding every column the report's SQL reads. The report columns
    (added by step 8) sit after `document` in each row, and SQLite reaches them by walking
    the document's overflow pages: a 7-day window read ~50k documents to count numbers. From
    the index only the row's header is read (for `document IS NOT NULL`). PostgreSQL reads a
    column without the ones before it: nothing to do."""
    if dialect != "sqlite":
        return
    cur.execute(f"CREATE INDEX IF NOT EXISTS {REPORT_INDEX} ON call_results (call_date, status, "
                "call_id, finished_at, " + ", ".join(callnumbers.COLUMNS) + ", duration)")


# --- step 11: a call's tsvectors made from its turns' (PostgreSQL) -----------------------
CALL_TSV_AGG = "search_tsv_agg"    # tsvector_concat as an aggregate (search.bulk uses it)


def _step11_call_vectors(cur: Any, dialect: str) -> None:
    """PostgreSQL: `search_calls.tsv`/`gtsv` become plain columns that a write fills from
    the call's turn rows (`CALL_TSV_AGG` over their tsvectors, in turn order), instead of
    being generated from the call's `seg`/`grams` — parsing every call's text a second time
    was a quarter of a bulk load's server CPU, and `to_tsvector` of one long document costs
    more per word than of its turns. The stored vectors are kept as they are (DROP
    EXPRESSION rewrites nothing); `seg`/`grams` had no other use and go. SQLite: nothing."""
    if dialect != "postgresql":
        return
    cur.execute(f"CREATE OR REPLACE AGGREGATE {CALL_TSV_AGG}(tsvector) "
                "(SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')")
    cur.execute("ALTER TABLE search_calls ALTER COLUMN tsv DROP EXPRESSION IF EXISTS, "
                "ALTER COLUMN gtsv DROP EXPRESSION IF EXISTS")
    cur.execute("ALTER TABLE search_calls DROP COLUMN IF EXISTS seg, "
                "DROP COLUMN IF EXISTS grams")


# version reached -> the step that reaches it, applied in order
MIGRATIONS: dict[int, Callable[[Any, str], None]] = {
    1: _step1_adopt,
    2: _step2_caller_hash,
    3: _step3_call_text,
    4: _step4_reviews,
    5: _step5_summary,
    6: _step6_sessions,
    7: _step7_search_tags,
    8: _step8_call_numbers,
    9: _step9_grams_vectors,
    10: _step10_report_index,
    11: _step11_call_vectors,
}


def open_database(url: str) -> Database:
    """The app's way in: connect and bring the schema up to date, once at start."""
    db = Database(url)
    ensure_schema(db)
    return db


def ensure_schema(db: Database) -> int:
    """Create or migrate every table to `SCHEMA_VERSION`; returns the version.

    Cheap when already current (one read, then memoised on `db`), so every store may call it.
    """
    if db.schema_version == SCHEMA_VERSION:
        return SCHEMA_VERSION
    if _read_version(db) != SCHEMA_VERSION:
        _migrate(db)
    db.schema_version = SCHEMA_VERSION
    if db.dialect == "postgresql" and not has_trgm(db):
        _enable_trgm(db)
    return SCHEMA_VERSION


def schema_version(db: Database) -> int:
    """The version the store is on (0: no schema yet, or a store from before this module)."""
    return _read_version(db)


def _read_version(db: Database) -> int:
    with db.transaction() as cur:
        if not table_exists(cur, db.dialect, "hotline_meta"):
            return 0
        rows = cur.execute("SELECT value FROM hotline_meta WHERE key = 'schema_version'")
    version = int(rows[0]["value"]) if rows else 0
    if version > SCHEMA_VERSION:
        raise ConfigError(f"the store at {db.url.split('@')[-1]} is on schema version {version}; "
                          f"this hotline knows up to {SCHEMA_VERSION}: upgrade hotline")
    return version


def _migrate(db: Database) -> None:
    with db.transaction() as cur:
        if db.dialect == "postgresql":     # SQLite: BEGIN IMMEDIATE already holds the write lock
            cur.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        cur.execute("CREATE TABLE IF NOT EXISTS hotline_meta (key TEXT PRIMARY KEY, value TEXT)")
        rows = cur.execute("SELECT value FROM hotline_meta WHERE key = 'schema_version'")
        current = int(rows[0]["value"]) if rows else 0    # re-read under the lock
        for version in range(current + 1, SCHEMA_VERSION + 1):
            log.info("store schema: migrating to version %d", version)
            MIGRATIONS[version](cur, db.dialect)
        cur.execute("INSERT INTO hotline_meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),))


SEARCH_ANALYZE = ("search_turns", "search_calls")   # the tables a build refreshes statistics of


def drop_search_indexes(db: Database) -> None:
    with db.transaction() as cur:
        for name in SEARCH_BULK_INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")


def build_search_indexes(db: Database, memory: str, names: Sequence[str] | None = None,
                         analyze: Sequence[str] = SEARCH_ANALYZE) -> None:
    """(Re)create the search indexes `names` (default: all) with `memory` of
    maintenance_work_mem (one sorted pass each), then refresh the planner's statistics of
    the tables `analyze`. One transaction each: an index build holds its table's share
    lock to the end of its transaction, and another connection's ANALYZE waits for it."""
    for name in SEARCH_BULK_INDEXES if names is None else names:
        with db.transaction() as cur:
            cur.execute(f"SET LOCAL maintenance_work_mem = '{memory}'")
            cur.execute(index_ddl(name))
    for table in analyze:
        with db.transaction() as cur:
            cur.execute(f"ANALYZE {table}")


def missing_search_indexes(db: Database) -> list[str]:
    """PostgreSQL: the names of SEARCH_BULK_INDEXES the catalog lacks, in build order (a big
    load dropped them and has not built them yet — or never will: it crashed)."""
    if db.dialect != "postgresql":
        return []
    with db.transaction() as cur:
        have = {r["indexname"] for r in cur.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN ('search_turns', 'search_calls')")}
    return [name for name in SEARCH_BULK_INDEXES if name not in have]


def has_trgm(db: Database) -> bool:
    """PostgreSQL: the pg_trgm index for fuzzy/substring search exists."""
    if db.dialect != "postgresql":
        return False
    with db.transaction() as cur:
        return bool(cur.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'search_vocab_trgm'"))


def _enable_trgm(db: Database) -> bool:
    """pg_trgm needs a privilege the store's role may lack: without it search still works,
    slower, so a refusal is logged, not raised (and retried at the next start)."""
    try:
        with db.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cur.execute("CREATE INDEX IF NOT EXISTS search_vocab_trgm ON search_vocab "
                        "USING gin (term gin_trgm_ops)")
        return True
    except Exception as exc:  # noqa: BLE001 — any refusal means "without it"
        log.warning("pg_trgm unavailable (%s); substring/fuzzy search without it",
                    type(exc).__name__)
        return False


def table_exists(cur: Any, dialect: str, name: str) -> bool:
    """Whether `name` is a table of the store (inside a transaction `cur`)."""
    if dialect == "postgresql":
        return bool(cur.execute("SELECT to_regclass(?) IS NOT NULL AS e", (name,))[0]["e"])
    return bool(cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                            (name,)))
