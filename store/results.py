"""ResultsStore: one row per recording and pipeline version — the batch's source of truth.

Redis only carries job ids; what was processed, how often, why it failed and the call document
itself live here, so a flushed or restarted Redis never loses or duplicates work. Every write is
an upsert keyed by (call_id = content hash, pipeline_version), which makes re-running a day or a
re-delivered job idempotent. The same SQL runs on SQLite and PostgreSQL (`store.db.Database`);
JSON is stored as TEXT and timestamps as epoch seconds (DOUBLE PRECISION) so arithmetic on them
is portable.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from hotline import defaults
from hotline.document import CallDocument
from hotline.store.callnumbers import COLUMNS, values_of
from hotline.store.db import Database
from hotline.store.schema import ensure_schema

STATUSES = ("pending", "processing", "done", "failed")
TABLE = "call_results"     # created and migrated by hotline.store.schema

_UPSERT_DONE = f"""INSERT INTO {TABLE} (call_id, pipeline_version, source, status, attempts,
        error, document, summary, duration, timings, worker_id, call_date, agent_id,
        caller_hash, created_at, updated_at, started_at, finished_at, {", ".join(COLUMNS)})
    VALUES (?, ?, ?, 'done', 1, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?{", ?" * len(COLUMNS)})
    ON CONFLICT (call_id, pipeline_version) DO UPDATE SET
        source = CASE WHEN {TABLE}.source <> '' THEN {TABLE}.source ELSE excluded.source END,
        status = 'done', error = NULL, permanent = 0,
        document = excluded.document, summary = excluded.summary,
        duration = excluded.duration, timings = excluded.timings,
        worker_id = COALESCE(excluded.worker_id, {TABLE}.worker_id),
        call_date = excluded.call_date, agent_id = excluded.agent_id,
        caller_hash = excluded.caller_hash, updated_at = excluded.updated_at,
        started_at = COALESCE({TABLE}.started_at, excluded.started_at),
        finished_at = excluded.finished_at,
        {", ".join(f"{c} = excluded.{c}" for c in COLUMNS)}"""

_COLUMNS = (
    "call_id, pipeline_version, source, status, attempts, permanent, error, duration, timings, "
    "worker_id, job_id, call_date, agent_id, created_at, updated_at, started_at, finished_at"
)


@dataclass
class JobRow:
    """One recording's job state (everything but the document)."""

    call_id: str
    pipeline_version: str
    source: str
    status: str
    attempts: int
    permanent: bool
    error: str | None
    duration: float | None
    timings: dict[str, float]
    worker_id: str | None
    job_id: str | None
    call_date: str | None
    agent_id: str | None
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> JobRow:
        data = dict(row)
        data["permanent"] = bool(data["permanent"])
        data["timings"] = json.loads(data["timings"]) if data.get("timings") else {}
        return cls(**data)


class ResultsStore:
    """Call documents plus job state (tables: `hotline.store.schema`)."""

    def __init__(self, db: Database, pipeline_version: str = defaults.PIPELINE_VERSION):
        self.db = db
        self.pipeline_version = pipeline_version
        ensure_schema(db)

    # --- documents ----------------------------------------------------------------------------
    def save_document(
        self,
        doc: CallDocument,
        *,
        worker_id: str | None = None,
        timings: dict[str, float] | None = None,
    ) -> None:
        """Upsert a finished call (status done). Idempotent: same key, same single row.

        The row keeps the path it was registered with: the document's `source` is redacted (file
        names often hold the caller's number), the row's is where QA playback finds the audio.
        """
        self.db.executemany(_UPSERT_DONE, [_done_row(doc, worker_id, timings)])

    def save_documents(self, docs: Iterable[CallDocument]) -> int:
        """`save_document` for many calls in one transaction (imports, loads); returns how many."""
        rows = [_done_row(doc, None, None) for doc in docs]
        self.db.executemany(_UPSERT_DONE, rows)
        return len(rows)

    def get_document(self, call_id: str, pipeline_version: str | None = None) -> CallDocument | None:
        """The stored document (any pipeline version unless given; the newest wins)."""
        sql = f"SELECT document FROM {TABLE} WHERE call_id = ? AND document IS NOT NULL"
        params: list[Any] = [call_id]
        if pipeline_version:
            sql += " AND pipeline_version = ?"
            params.append(pipeline_version)
        rows = self.db.execute(sql + " ORDER BY finished_at DESC LIMIT 1", params)
        return CallDocument.from_dict(json.loads(rows[0]["document"])) if rows else None

    def iter_documents(
        self, since: str | None = None, until: str | None = None, *, turns: bool = True
    ) -> Iterator[CallDocument]:
        """Done calls whose call date (YYYY-MM-DD) is in [since, until], oldest first.

        One document per call: when a call was processed by several pipeline versions, the
        most recently finished one. `turns=False` reads the call's summary (`summary_of`):
        every field but the turns, a twentieth of the bytes, for reports over many days.
        """
        column = "document" if turns else "COALESCE(summary, document)"
        sql = (f"SELECT call_id, {column} AS document FROM {TABLE} "
               "WHERE status = 'done' AND document IS NOT NULL")
        params: list[str] = []
        if since:
            sql += " AND call_date >= ?"
            params.append(since)
        if until:
            sql += " AND call_date <= ?"
            params.append(until)
        rows = self.db.execute(sql + " ORDER BY call_date, call_id, finished_at DESC", params)
        last = None
        for row in rows:
            if row["call_id"] != last:
                last = row["call_id"]
                yield CallDocument.from_dict(json.loads(row["document"]))

    def latest_call_date(self, until: str | None = None) -> str | None:
        """The latest call date (YYYY-MM-DD) with a finished call, on or before `until`."""
        sql = f"SELECT MAX(call_date) AS d FROM {TABLE} WHERE status = 'done' AND document IS NOT NULL"
        params: list[str] = []
        if until:
            sql += " AND call_date <= ?"
            params.append(until)
        rows = self.db.execute(sql, params)
        return rows[0]["d"] if rows and rows[0]["d"] else None

    # --- job state ----------------------------------------------------------------------------
    def register(
        self,
        call_id: str,
        source: str,
        *,
        duration: float | None = None,
        call_date: str | None = None,
        agent_id: str | None = None,
        retry_failed: bool = True,
    ) -> JobRow:
        """Make sure a row exists (pending) and return it; never duplicates, never undoes done.

        A row that failed transiently (attempts exhausted) gets a fresh attempt budget when
        `retry_failed`; a permanent failure (undecodable audio) stays failed — same bytes, same
        verdict.
        """
        now = time.time()
        call_date = call_date or call_date_of({}, source)
        with self.db.transaction() as cur:
            cur.execute(
                f"""INSERT INTO {TABLE} (call_id, pipeline_version, source, status, attempts,
                        duration, call_date, agent_id, created_at, updated_at)
                    VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)
                    ON CONFLICT (call_id, pipeline_version) DO NOTHING""",
                (call_id, self.pipeline_version, source, duration, call_date, agent_id, now, now),
            )
            if retry_failed:
                cur.execute(
                    f"""UPDATE {TABLE} SET status = 'pending', attempts = 0, updated_at = ?
                        WHERE call_id = ? AND pipeline_version = ? AND status = 'failed'
                          AND permanent = 0""",
                    (now, call_id, self.pipeline_version),
                )
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE call_id = ? AND pipeline_version = ?",
                (call_id, self.pipeline_version),
            )
        return JobRow.from_row(rows[0])

    def get(self, call_id: str) -> JobRow | None:
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM {TABLE} WHERE call_id = ? AND pipeline_version = ?",
            (call_id, self.pipeline_version),
        )
        return JobRow.from_row(rows[0]) if rows else None

    def set_job_id(self, call_id: str, job_id: str) -> None:
        """Remember which queue job carries this row (the reconciler checks it is still alive).

        Leaves `updated_at` alone: on a processing row that is the worker's lease.
        """
        self.db.execute(
            f"UPDATE {TABLE} SET job_id = ? WHERE call_id = ? AND pipeline_version = ?",
            (job_id, call_id, self.pipeline_version),
        )

    def heartbeat(self, call_id: str, worker_id: str) -> bool:
        """Renew a worker's lease on the row it is processing; False if it is no longer its."""
        rows = self.db.execute(
            f"""UPDATE {TABLE} SET updated_at = ?
                WHERE call_id = ? AND pipeline_version = ? AND status = 'processing'
                  AND worker_id = ? RETURNING call_id""",
            (time.time(), call_id, self.pipeline_version, worker_id),
        )
        return bool(rows)

    def claim(
        self,
        call_id: str,
        worker_id: str,
        *,
        lease_s: float = 60.0,
        max_attempts: int = defaults.MAX_ATTEMPTS,
    ) -> int | None:
        """Atomically take a row for processing; returns the attempt number, or None.

        None means: done already (skip), failed, unknown, or another worker holds a lease on it
        (touched less than `lease_s` ago: a duplicate delivery while the first still runs). A
        processing row whose lease ran out belonged to a worker that died; it may be taken,
        unless that was its last attempt — then it ends failed ("worker died").
        """
        now = time.time()
        with self.db.transaction() as cur:
            cur.execute(
                f"""UPDATE {TABLE} SET status = 'failed', permanent = 0, finished_at = ?,
                        updated_at = ?,
                        error = 'abandoned: the worker died or was killed during every attempt'
                    WHERE call_id = ? AND pipeline_version = ? AND status = 'processing'
                      AND updated_at < ? AND worker_id <> ? AND attempts >= ?""",
                (now, now, call_id, self.pipeline_version, now - lease_s, worker_id, max_attempts),
            )
            cur.execute(
                f"""UPDATE {TABLE} SET status = 'processing', attempts = attempts + 1,
                        worker_id = ?, started_at = ?, updated_at = ?, finished_at = NULL
                    WHERE call_id = ? AND pipeline_version = ?
                      AND (status = 'pending'
                           OR (status = 'processing' AND (worker_id = ? OR updated_at < ?)))""",
                (worker_id, now, now, call_id, self.pipeline_version, worker_id, now - lease_s),
            )
            if cur.rowcount != 1:
                return None
            rows = cur.execute(
                f"SELECT attempts FROM {TABLE} WHERE call_id = ? AND pipeline_version = ?",
                (call_id, self.pipeline_version),
            )
        return int(rows[0]["attempts"])

    def mark_done(
        self,
        doc: CallDocument,
        *,
        worker_id: str | None = None,
        timings: dict[str, float] | None = None,
    ) -> None:
        """The job finished: store the document and flip the row to done (same as save)."""
        self.save_document(doc, worker_id=worker_id, timings=timings)

    def mark_failed(
        self,
        call_id: str,
        reason: str,
        *,
        permanent: bool,
        max_attempts: int = defaults.MAX_ATTEMPTS,
    ) -> str:
        """Record a failure (`reason` must already be redacted); returns the new status.

        Transient failures with attempts left go back to pending (the queue retries them);
        permanent ones, or the last attempt, end failed with the reason.
        """
        now = time.time()
        with self.db.transaction() as cur:
            rows = cur.execute(
                f"SELECT attempts, status FROM {TABLE} WHERE call_id = ? AND pipeline_version = ?",
                (call_id, self.pipeline_version),
            )
            if not rows or rows[0]["status"] == "done":
                return rows[0]["status"] if rows else "unknown"
            final = permanent or int(rows[0]["attempts"]) >= max_attempts
            status = "failed" if final else "pending"
            cur.execute(
                f"""UPDATE {TABLE} SET status = ?, permanent = ?, error = ?, updated_at = ?,
                        finished_at = ?
                    WHERE call_id = ? AND pipeline_version = ?""",
                (status, int(permanent), reason[:2000], now, now if final else None,
                 call_id, self.pipeline_version),
            )
        return status

    def requeue(self, call_id: str) -> None:
        """Put a stuck row back to pending (the reconciler enqueues it again)."""
        self.db.execute(
            f"""UPDATE {TABLE} SET status = 'pending', updated_at = ?
                WHERE call_id = ? AND pipeline_version = ? AND status IN ('pending', 'processing')""",
            (time.time(), call_id, self.pipeline_version),
        )

    def reset_failed(self, call_ids: list[str] | None = None) -> list[JobRow]:
        """Failed rows (all, or these calls) back to pending with fresh attempts, for a requeue
        after the cause was fixed; returns the rows reset."""
        failed = [r for r in self.rows("failed") if call_ids is None or r.call_id in call_ids]
        now = time.time()
        for row in failed:
            self.db.execute(
                f"""UPDATE {TABLE} SET status = 'pending', attempts = 0, permanent = 0,
                        error = NULL, job_id = NULL, worker_id = NULL, updated_at = ?,
                        finished_at = NULL
                    WHERE call_id = ? AND pipeline_version = ? AND status = 'failed'""",
                (now, row.call_id, self.pipeline_version),
            )
        return failed

    def stuck(self, older_than_s: float = defaults.STUCK_AFTER_S) -> list[JobRow]:
        """Rows pending or processing without progress for longer than `older_than_s`."""
        rows = self.db.execute(
            f"""SELECT {_COLUMNS} FROM {TABLE}
                WHERE pipeline_version = ? AND status IN ('pending', 'processing')
                  AND updated_at < ? ORDER BY updated_at""",
            (self.pipeline_version, time.time() - older_than_s),
        )
        return [JobRow.from_row(r) for r in rows]

    def rows(self, status: str | None = None) -> list[JobRow]:
        sql = f"SELECT {_COLUMNS} FROM {TABLE} WHERE pipeline_version = ?"
        params: list[Any] = [self.pipeline_version]
        if status:
            sql += " AND status = ?"
            params.append(status)
        return [JobRow.from_row(r) for r in self.db.execute(sql + " ORDER BY created_at", params)]

    def statuses(self, call_ids: list[str]) -> dict[str, str]:
        """call_id -> status for the given calls (chunked: a day can hold many thousands)."""
        out: dict[str, str] = {}
        for i in range(0, len(call_ids), 2000):
            chunk = call_ids[i : i + 2000]
            rows = self.db.execute(
                f"""SELECT call_id, status FROM {TABLE}
                    WHERE pipeline_version = ? AND call_id IN ({", ".join("?" * len(chunk))})""",
                [self.pipeline_version, *chunk],
            )
            out.update((r["call_id"], r["status"]) for r in rows)
        return out

    def counts(self, call_ids: list[str] | None = None) -> dict[str, int]:
        """Rows per status (every status present, zero when none), optionally for some calls."""
        counts = dict.fromkeys(STATUSES, 0)
        if call_ids is not None:
            for status in self.statuses(call_ids).values():
                counts[status] = counts.get(status, 0) + 1
            return counts
        rows = self.db.execute(
            f"SELECT status, COUNT(*) AS n FROM {TABLE} WHERE pipeline_version = ? GROUP BY status",
            (self.pipeline_version,),
        )
        for row in rows:
            counts[row["status"]] = int(row["n"])
        return counts

    def failures(self) -> list[dict[str, Any]]:
        """Every failed recording with its (redacted) reason, oldest first."""
        rows = self.db.execute(
            f"""SELECT call_id, source, error, attempts, permanent FROM {TABLE}
                WHERE pipeline_version = ? AND status = 'failed' ORDER BY finished_at""",
            (self.pipeline_version,),
        )
        return [
            {"call_id": r["call_id"], "source": r["source"], "error": r["error"] or "",
             "attempts": int(r["attempts"]), "permanent": bool(r["permanent"])}
            for r in rows
        ]

    def throughput(self, since: float | None = None) -> dict[str, float]:
        """Done calls, audio seconds and audio-hours per wall-clock hour since `since` (epoch)."""
        sql = f"""SELECT COUNT(*) AS n, SUM(duration) AS audio, MIN(started_at) AS t0,
                         MAX(finished_at) AS t1
                  FROM {TABLE} WHERE pipeline_version = ? AND status = 'done'"""
        params: list[Any] = [self.pipeline_version]
        if since is not None:
            sql += " AND finished_at >= ?"
            params.append(since)
        row = self.db.execute(sql, params)[0]
        audio = float(row["audio"] or 0.0)
        start = since if since is not None else row["t0"]
        wall = max(float(row["t1"] or 0.0) - float(start or 0.0), 0.0) if row["t1"] else 0.0
        return {
            "done": int(row["n"] or 0),
            "audio_s": audio,
            "wall_s": wall,
            "audio_hours_per_hour": audio / wall if wall > 0 else 0.0,
        }

    def done_timings(self, since: float | None = None,
                     batch: int = defaults.STORE_SCAN_BATCH) -> Iterator[dict[str, Any]]:
        """Done calls of this pipeline version updated at or after `since` (epoch), oldest
        first: {call_id, updated_at, timings}. Read in keyset batches through the (status,
        updated_at) index, one short statement each, so a long scan never holds the
        connection (other requests interleave)."""
        after: tuple[float, str] = (-1.0 if since is None else since, "")
        while True:
            rows = self.db.execute(
                f"""SELECT call_id, updated_at, timings FROM {TABLE}
                    WHERE status = 'done' AND pipeline_version = ?
                      AND updated_at >= ? AND (updated_at > ? OR call_id > ?)
                    ORDER BY updated_at, call_id LIMIT ?""",
                (self.pipeline_version, after[0], after[0], after[1], batch))
            for row in rows:
                yield {"call_id": row["call_id"], "updated_at": float(row["updated_at"]),
                       "timings": json.loads(row["timings"]) if row["timings"] else {}}
            if len(rows) < batch:
                return
            after = (float(rows[-1]["updated_at"]), rows[-1]["call_id"])

    def list_calls(self, *, date_from: str | None = None, date_to: str | None = None,
                   agent_id: str | None = None, limit: int = 50, offset: int = 0
                   ) -> tuple[int, list[dict[str, Any]]]:
        """(total, one page) of done calls, newest call date first: call_id, call_date,
        agent_id, duration and the stored summary (the document without turns). One row
        per call (its most recently finished pipeline version)."""
        where = [f"""r.status = 'done' AND r.document IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM {TABLE} AS n WHERE n.call_id = r.call_id
                    AND n.status = 'done' AND n.document IS NOT NULL
                    AND n.finished_at > r.finished_at)"""]
        params: list[Any] = []
        for sql, value in (("r.call_date >= ?", date_from), ("r.call_date <= ?", date_to),
                           ("r.agent_id = ?", agent_id)):
            if value is not None:
                where.append(sql)
                params.append(value)
        cond = " AND ".join(where)
        total = int(self.db.execute(f"SELECT COUNT(*) AS n FROM {TABLE} AS r WHERE {cond}",
                                    params)[0]["n"])
        rows = self.db.execute(
            f"""SELECT r.call_id, r.call_date, r.agent_id, r.duration,
                       COALESCE(r.summary, r.document) AS summary
                FROM {TABLE} AS r WHERE {cond}
                ORDER BY r.call_date DESC, r.call_id LIMIT ? OFFSET ?""",
            [*params, limit, offset])
        return total, [{**r, "summary": json.loads(r["summary"])} for r in rows]


def call_date_of(metadata: dict[str, Any], source: str) -> str:
    """The call's date: metadata `date`, else the file's mtime date, else today (local time)."""
    if metadata.get("date"):
        return str(metadata["date"])[:10]
    try:
        return dt.date.fromtimestamp(os.path.getmtime(source)).isoformat()
    except (OSError, ValueError, TypeError):
        return dt.date.today().isoformat()


def summary_of(document: dict[str, Any]) -> dict[str, Any]:
    """The contract JSON of a call without its turns (what range reports read). The customer's
    emotion per turn stays, as `emotion_summary.trajectory` (the analyzer's, else built from
    the turns' labels), so reports can still tell how the caller felt."""
    emotions = dict(document.get("emotion_summary") or {})
    if not emotions.get("trajectory"):
        emotions["trajectory"] = [
            {"turn": i, "label": t["emotion"]["label"]}
            for i, t in enumerate(document.get("turns", []))
            if t.get("role") == "customer" and (t.get("emotion") or {}).get("label")]
    return {**document, "turns": [], "emotion_summary": emotions}


def _done_row(doc: CallDocument, worker_id: str | None,
              timings: dict[str, float] | None) -> tuple[Any, ...]:
    """The `_UPSERT_DONE` parameters of one finished call."""
    now, meta, data = time.time(), doc.metadata or {}, doc.to_dict()
    return (doc.call_id, doc.pipeline_version, doc.source,
            json.dumps(data, ensure_ascii=False), json.dumps(summary_of(data), ensure_ascii=False),
            doc.duration, json.dumps(timings if timings is not None else doc.timings or {}),
            worker_id, call_date_of(meta, doc.source), meta.get("agent_id"),
            meta.get("caller_hash"), now, now, now, now, *values_of(doc))
