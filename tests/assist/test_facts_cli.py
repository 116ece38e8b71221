"""Live facts store (sqlite and PostgreSQL) and the `hotline assist` / `hotline facts` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.assist.facts import FactsStore, FeedRejected, parse_feed
from hotline.store.db import Database

ROOT = Path(__file__).resolve().parents[2]


def test_newer_feed_replaces_older_per_site(db_url):
    store = FactsStore(Database(db_url))
    store.upsert(parse_feed(json.dumps({"facts": [
        {"area": "Pudong", "site_id": "PD-1", "status": "down", "updated_at": "2026-11-22T01:00:00Z"},
        {"area": "Pudong", "site_id": "PD-2", "status": "ok", "updated_at": "2026-11-22T01:00:00Z"}]})))
    store.upsert(parse_feed("area,site_id,status,updated_at\nPudong,PD-1,ok,2026-11-22T02:00:00+00:00\n"))
    store.upsert(parse_feed("area,site_id,status,updated_at\nPudong,PD-2,down,2026-11-21T23:00:00Z\n"))
    got = {f.site_id: (f.status, f.updated_at) for f in store.for_area("pudong")}
    assert got == {"PD-1": ("ok", "2026-11-22T02:00:00Z"), "PD-2": ("ok", "2026-11-22T01:00:00Z")}


@pytest.mark.parametrize("feed, needle", [
    ("area,site_id\nX,1\n", "status"),
    ('[{"area": "X", "site_id": "1", "status": "broken"}]', "broken"),
    ('[{"area": "X", "site_id": "1", "status": "ok", "updated_at": "yesterday"}]', "ISO"),
    ("{not json", "JSON"),
])
def test_bad_feed_rows_are_rejected(sqlite_url, feed, needle):
    with pytest.raises(FeedRejected, match=needle):
        FactsStore(Database(sqlite_url)).upsert(parse_feed(feed))


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotline.assist.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_facts_load_and_assist_json(tmp_path):
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([{"area": "Tianhe", "site_id": "TH-9", "status": "degraded",
                                 "detail": "high load", "updated_at": "2026-11-22T03:00:00Z"}]))
    r = _cli("facts", "load", str(feed), env=env)
    assert r.returncode == 0 and "loaded 1" in r.stdout, r.stderr
    bad = _cli("facts", "load", str(tmp_path / "missing.csv"), env=env)
    assert bad.returncode == 1 and "missing.csv" in bad.stderr
    lines = tmp_path / "in.txt"
    lines.write_text("mobile data crawls in Tianhe\n我要销户\n")
    r = _cli("assist", "--file", str(lines), "--json", env=env)
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert out[0]["suggestions"][0]["intent"] == "network.slow_data"
    assert out[0]["suggestions"][0]["facts"][0]["site_id"] == "TH-9"
    assert out[1]["suggestions"][0]["intent"] == "service.cancel_service"
    assert all(set(s) >= {"intent", "title", "answer", "steps", "facts", "score"}
               for o in out for s in o["suggestions"]) and out[0]["latency_ms"] > 0
