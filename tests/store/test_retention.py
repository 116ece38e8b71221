"""`hotline purge`, `forget`, `export`, `backup` on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from hotline.cli import main
from hotline.privacy.redact import caller_hash
from hotline.search.index import SearchIndex
from hotline.store.db import Database
from hotline.store.results import ResultsStore
from hotline.store.retention import LIVE_DIR, retention_cutoff
from tests.conftest import PG_ADMIN_URL
from tests.store.conftest import CALLER_A, CALLER_B, CALLS
from tests.support.localnet import scratch_postgres

COUNTED = ("call_results", "search_calls", "search_turns", "search_tags", "search_vectors",
           "qa_reviews", "qa_review_comments")


def _ids_in(db: Database, table: str) -> set[str]:
    return {r["call_id"] for r in db.execute(f"SELECT call_id FROM {table}")}


def _audit(db: Database, action: str) -> list[dict]:
    return db.execute("SELECT query, detail, status FROM qa_audit WHERE action = ? ORDER BY id",
                      (action,))


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_purge_removes_old_calls_everywhere_and_is_idempotent(world, capsys):
    live = world.data_dir / LIVE_DIR
    live.mkdir(parents=True)
    (live / "old-session.json").write_text("{}")
    os.utime(live / "old-session.json", (1_700_000_000, 1_700_000_000))     # 2023
    (live / "new-session.json").write_text("{}")

    code, out = _run(capsys, "purge", "--before", "2026-11-15", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["calls"] == 2 and report["documents"] == 2 and report["indexed_calls"] == 2
    assert report["audio_copies"] == 2 and report["live_files"] == 1 and report["reviews"] == 4
    kept = {world.docs["charlie"].call_id, world.docs["delta"].call_id}
    db = Database(world.db_url)
    for table in COUNTED:
        assert _ids_in(db, table) == kept, table
    assert not world.muted("alpha").exists() and world.muted("charlie").exists()
    assert all(world.original(tag).exists() for tag in CALLS)       # originals never touched
    assert not (live / "old-session.json").exists() and (live / "new-session.json").exists()
    assert SearchIndex(db).search("alphazebra").total == 0
    assert SearchIndex(db).search("charliezebra").total == 1

    code, out = _run(capsys, "purge", "--before", "2026-11-15", "--json")
    assert code == 0 and json.loads(out)["calls"] == 0
    rows = _audit(db, "purge")
    assert [json.loads(r["query"]) for r in rows] == [{"before": "2026-11-15"}] * 2
    assert [json.loads(r["detail"])["documents"] for r in rows] == [2, 0]
    db.close()


def test_purge_without_a_date_uses_the_retention_setting(world, capsys, monkeypatch):
    assert _run(capsys, "purge")[0] == 2                 # no --before, retention 0 = forever
    monkeypatch.setenv("HOTLINE_RETENTION_DAYS", "36500")
    code, out = _run(capsys, "purge", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["calls"] == 0
    assert retention_cutoff(30, __import__("datetime").date(2026, 12, 1)) == "2026-11-01"
    assert retention_cutoff(0) is None


def test_forget_erases_a_caller_and_the_store_files_keep_nothing_of_it(world, capsys):
    db = Database(world.db_url)
    from hotline.web.auth import AuthStore

    auth = AuthStore(db)
    gone = [world.docs["alpha"], world.docs["charlie"]]
    for doc in gone:      # a QA person listened to the call: the audit log names it
        auth.audit(None, "audio", call_id=doc.call_id, detail=f"redacted_audio/{doc.call_id}.wav")
    db.close()

    code, out = _run(capsys, "forget", "--caller", "13800138000", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["caller_hash"] == caller_hash(CALLER_A)
    assert report["calls"] == 2 and report["documents"] == 2 and report["audit_refs"] == 2
    assert report["audio_copies"] == 2 and report["reviews"] == 4 and report["store_compacted"]
    assert CALLER_A not in out and "13800138000" not in out
    assert not any(d.call_id in out for d in gone)

    needles = [d.call_id for d in gone] + [f"{t}{w}" for t in ("alpha", "charlie")
                                           for w in ("zebra", "quokka", "amy")]
    kept = [world.docs["bravo"].call_id, "bravozebra", "deltaquokka"]
    db = Database(world.db_url)
    assert SearchIndex(db).search("alphazebra").total == 0
    assert {d.call_id for d in ResultsStore(db).iter_documents()} == \
        {world.docs["bravo"].call_id, world.docs["delta"].call_id}
    (row,) = _audit(db, "forget")
    assert json.loads(row["query"]) == {"caller_hash": caller_hash(CALLER_A)}
    assert not any(n in json.dumps(row) for n in needles)
    haystack = _store_contents(db, world)
    db.close()
    for needle in needles:
        assert needle.encode() not in haystack, needle
    for needle in kept:                     # the search itself works: what stays is found
        assert needle.encode() in haystack, needle
    assert all(world.original(tag).exists() for tag in CALLS)


def _store_contents(db: Database, world) -> bytes:
    """SQLite: the raw bytes of the database file and its -wal; PostgreSQL: every text value of
    every table (the server's files are not ours to read)."""
    if db.dialect == "sqlite":
        path = Path(world.db_url[len("sqlite:///"):])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    columns = db.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN ('text', 'bytea', 'tsvector')")
    parts = []
    for c in columns:
        for r in db.execute(f'SELECT "{c["column_name"]}"::text AS v FROM "{c["table_name"]}"'):
            parts.append(r["v"] or "")
    return "\n".join(parts).encode()


def test_forget_an_unknown_caller_removes_nothing_and_a_bad_number_is_refused(world, capsys):
    code, out = _run(capsys, "forget", "--caller", "13700000001", "--json")
    assert code == 0 and json.loads(out)["calls"] == 0
    assert main(["forget", "--caller", "abc"]) == 2
    assert main(["forget", "--caller-hash", "not-a-hash"]) == 2
    db = Database(world.db_url)
    assert len(_ids_in(db, "call_results")) == len(CALLS)
    db.close()


def test_export_writes_redacted_documents_and_holds_back_pii(world, capsys, tmp_path):
    out = tmp_path / "export.jsonl"
    assert main(["export", "--since", "2026-11-10", "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["call_id"] for d in lines] == [world.docs[t].call_id
                                             for t in ("bravo", "charlie", "delta")]
    assert lines[0] == world.docs["bravo"].to_dict()
    assert "13900139000" not in out.read_text(encoding="utf-8")

    leaky = world.docs["delta"]
    leaky.turns[1].text = "my card is 4111 1111 1111 1111"
    db = Database(world.db_url)
    ResultsStore(db).save_document(leaky)
    code, stdout = _run(capsys, "export", "--since", "2026-11-21")
    assert code == 1 and stdout == ""
    assert [r["status"] for r in _audit(db, "export")] == ["ok", "partial"]
    db.close()


def test_a_restored_backup_holds_the_same_calls(world, tmp_path, capsys):
    backup = tmp_path / "backup.bin"
    assert main(["backup", "--out", str(backup)]) == 0
    assert main(["backup", "--out", str(backup)]) == 2          # never overwrites
    db = Database(world.db_url)
    ResultsStore(db).save_document(world.docs["alpha"].__class__.from_dict(
        {**world.docs["alpha"].to_dict(), "call_id": "after-backup"}))
    db.close()
    if world.db_url.startswith("sqlite"):
        _check_restored(f"sqlite:///{backup}", world)
        return
    with scratch_postgres(PG_ADMIN_URL) as url:
        done = subprocess.run(["pg_restore", "--no-owner", f"--dbname={url}", str(backup)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        _check_restored(url, world)


def test_a_forget_is_replayed_from_its_audit_row_on_a_restored_backup(world, tmp_path, capsys,
                                                                     monkeypatch):
    """A backup taken before a forget still holds the caller: the audit row's hash erases
    the caller again once the backup is restored (docs/store.md)."""
    if not world.db_url.startswith("sqlite"):
        pytest.skip("the replay is backend-independent; the restore itself is tested on both")
    backup = tmp_path / "before.db"
    assert main(["backup", "--out", str(backup)]) == 0
    assert main(["forget", "--caller", CALLER_B]) == 0
    db = Database(world.db_url)
    hashed = json.loads(_audit(db, "forget")[0]["query"])["caller_hash"]
    db.close()
    capsys.readouterr()
    monkeypatch.setenv("HOTLINE_DB_URL", f"sqlite:///{backup}")      # the restored store
    code, out = _run(capsys, "forget", "--caller-hash", hashed, "--json")
    assert code == 0 and json.loads(out)["calls"] == 2
    restored = Database(f"sqlite:///{backup}")
    assert _ids_in(restored, "call_results") == {world.docs[t].call_id
                                                 for t in ("alpha", "charlie")}
    restored.close()


def _check_restored(url: str, world) -> None:
    db = Database(url)
    assert {d.call_id for d in ResultsStore(db).iter_documents()} == \
        {d.call_id for d in world.docs.values()}
    assert ResultsStore(db).get_document(world.docs["bravo"].call_id) == world.docs["bravo"]
    assert [h.call_id for h in SearchIndex(db).search("bravozebra").results] == \
        [world.docs["bravo"].call_id]
    assert _ids_in(db, "search_vectors") == {d.call_id for d in world.docs.values()}
    db.close()


@pytest.mark.parametrize("caller", [CALLER_B, "0086 139 0013 9000", "139-0013-9000"])
def test_every_spelling_of_a_number_finds_the_same_caller(world, caller):
    from hotline.store.forget import calls_of_caller

    db = Database(world.db_url)
    assert calls_of_caller(db, caller)[1] == sorted(world.docs[t].call_id
                                                    for t in ("bravo", "delta"))
    db.close()


def test_forget_hashes_with_the_deployment_salt(world, capsys, monkeypatch):
    """The caller hash is keyed by Settings.pii_salt: another deployment's salt finds no call
    of this store's caller; the salt the calls were stored with finds them."""
    monkeypatch.setenv("HOTLINE_PII_SALT", "another-deployment")
    code, out = _run(capsys, "forget", "--caller", CALLER_B, "--dry-run", "--json")
    assert code == 0
    assert json.loads(out)["caller_hash"] == caller_hash(CALLER_B, "another-deployment")
    assert json.loads(out)["calls"] == 0
    monkeypatch.delenv("HOTLINE_PII_SALT")
    code, out = _run(capsys, "forget", "--caller", CALLER_B, "--dry-run", "--json")
    assert json.loads(out)["calls"] == 2
