"""Issue 10's findings on the QA side, against the real server of `qa_world`: audio fails
closed for agents and never comes from a path in metadata (3, 4), audit gaps (5), expiring
tokens and server-side sessions (7), security headers and a local Swagger UI (8), validation
(9), and the Origin check."""

from __future__ import annotations

import dataclasses
import logging

import httpx

from hotline.document import Redaction
from hotline.store.db import Database
from hotline.store.results import ResultsStore
from hotline.web.auth import AuthStore
from hotline.web.security import TokenLogFilter


def _get(world, path: str, role: str | None = "qa", **kw) -> httpx.Response:
    headers = dict(kw.pop("headers", {}))
    if role:
        headers.update(world.headers(role))
    return httpx.get(world.url + path, headers=headers, timeout=60, **kw)


def _save(world, doc) -> None:
    db = Database(world.db_url)
    ResultsStore(db).save_document(doc)
    db.close()


def _pii_call(world, call_id: str, source: str):
    """The played call (agent A1) with a redaction, under a new id and source."""
    doc = dataclasses.replace(world.played, call_id=call_id, source=source,
                              redactions=[Redaction("card_number", 1, 1.0, 2.0)],
                              metadata=dict(world.played.metadata))
    _save(world, doc)
    return doc


def _audit(world, **params) -> list[dict]:
    return _get(world, "/api/audit", role="admin", params={"limit": 2000, **params}).json()


# --- finding 3: an agent never gets the unredacted recording ---------------------------------
def test_agent_gets_redacted_copy_or_403_and_multi_dir(qa_world):
    cid = "pii0000000000003"
    _pii_call(qa_world, cid, str(qa_world.audio_path))
    path = f"/api/calls/{cid}/audio"
    # no redacted copy reachable on this server: 403, even asking for the original
    assert _get(qa_world, path, role="agent").status_code == 403
    assert _get(qa_world, path, role="agent", params={"version": "original"}).status_code == 403
    assert _get(qa_world, path, role="qa").content == qa_world.audio_path.read_bytes()
    # the worker's copy arrives in the second audio dir (shared storage): the agent gets it
    copy_dir = qa_world.shared_dir / "redacted_audio"
    copy_dir.mkdir(exist_ok=True)
    (copy_dir / f"{cid}.wav").write_bytes(b"RIFF-redacted-" + b"\0" * 64)
    served = _get(qa_world, path, role="agent")
    assert served.status_code == 200 and served.content.startswith(b"RIFF-redacted-")
    assert _get(qa_world, path, role="agent", params={"version": "original"}).status_code == 403
    assert _get(qa_world, path, role="qa", params={"version": "original"}).content == \
        qa_world.audio_path.read_bytes()
    denied = [r for r in _audit(qa_world, call_id=cid) if r["status"].startswith("refused")]
    assert denied and all(r["role"] == "agent" for r in denied)


# --- finding 4: no path from a document or its metadata is ever served ------------------------
def test_metadata_paths_and_outside_files_are_never_served(qa_world):
    store_file = qa_world.db_url[len("sqlite:///"):]
    doc = dataclasses.replace(qa_world.played, call_id="sidecar000000004",
                              metadata={**qa_world.played.metadata,
                                        "redacted_audio": store_file,
                                        "redacted_source": store_file})
    _save(qa_world, doc)
    body = _get(qa_world, f"/api/calls/{doc.call_id}/audio").content
    assert body == qa_world.audio_path.read_bytes()                 # the recording, not the db
    assert _get(qa_world, f"/api/calls/{doc.call_id}/audio",
                params={"version": "redacted"}).status_code == 404
    for source in (store_file, "/etc/passwd", "../../etc/passwd", str(qa_world.audio_path) + "\0"):
        _save(qa_world, dataclasses.replace(doc, call_id="outside000000004", source=source,
                                            metadata={"agent_id": "A1"}))
        assert _get(qa_world, "/api/calls/outside000000004/audio").status_code == 404, source


def test_ingest_drops_file_paths_from_sidecar_metadata(tmp_path):
    from types import SimpleNamespace

    from hotline.pipeline import Pipeline
    from hotline.settings import Settings

    wav = tmp_path / "call.wav"
    wav.write_bytes(b"")
    (tmp_path / "call.json").write_text(
        '{"metadata": {"agent_id": "A1", "redacted_audio": "/etc/passwd",'
        ' "redacted_source": "/var/lib/hotline/hotline.db"}}', encoding="utf-8")
    fake = SimpleNamespace(settings=Settings(data_dir=str(tmp_path)))
    audio = SimpleNamespace(duration=1.0, source_rate=16000, source_channels=1)
    doc = Pipeline._skeleton(fake, "c1", str(wav), audio, None)
    assert doc.metadata["agent_id"] == "A1"
    assert "redacted_audio" not in doc.metadata and "redacted_source" not in doc.metadata


# --- finding 5: every audio response, every 401 and every audit read is audited ---------------
def test_every_range_every_401_and_audit_reads_are_audited(qa_world):
    db = Database(qa_world.db_url)
    token, info = AuthStore(db).create_token("qa", name="ranges")
    db.close()
    cid = qa_world.played.call_id
    for rng in ("bytes=-100", "bytes=1-", "bytes=0-0"):
        r = httpx.get(f"{qa_world.url}/api/calls/{cid}/audio", timeout=30,
                      headers={"Authorization": f"Bearer {token}", "Range": rng})
        assert r.status_code == 206
    rows = [r for r in _audit(qa_world, action="audio") if r["token_id"] == info.id]
    assert sorted(r["detail"] for r in rows) == sorted(
        f"original range={x}" for x in ("bytes=-100", "bytes=1-", "bytes=0-0"))

    assert _get(qa_world, f"/api/calls/{cid}", role=None,
                headers={"Authorization": "Bearer hl_forged"}).status_code == 401
    assert _get(qa_world, "/api/search", role=None).status_code == 401
    refused = _audit(qa_world, action="auth")
    # the audit names the canonical (versioned) path the old /api alias resolved to
    assert any(f"/api/v1/calls/{cid}" in (r["detail"] or "") and r["status"] == "unauthorized"
               for r in refused)
    assert any("/api/v1/search" in (r["detail"] or "") for r in refused)

    _get(qa_world, "/api/audit", role="supervisor", params={"action": "view"})
    reads = _audit(qa_world, action="audit_read")
    assert any(r["role"] == "supervisor" and '"view"' in (r["query"] or "") for r in reads)
    assert _get(qa_world, "/api/audit", role="qa").status_code == 403
    assert any(r["role"] == "qa" and r["status"] == "forbidden"
               for r in _audit(qa_world, action="audit_read"))


# --- finding 7: expiring tokens, server-side sessions, no token in a URL or log ---------------
def test_tokens_expire_and_the_cookie_is_a_session(qa_world):
    db = Database(qa_world.db_url)
    auth = AuthStore(db)
    token, info = auth.create_token("qa", name="expiring", ttl_days=1)
    assert info.expires_at
    assert _get(qa_world, "/api/me", role=None,
                headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with db.transaction() as cur:
        cur.execute("UPDATE qa_tokens SET expires_at = ? WHERE id = ?",
                    ("2000-01-01T00:00:00.000000+00:00", info.id))
    assert _get(qa_world, "/api/me", role=None,
                headers={"Authorization": f"Bearer {token}"}).status_code == 401

    with httpx.Client(base_url=qa_world.url, timeout=30) as client:
        r = client.post("/qa/login", data={"token": qa_world.tokens["qa"]})
        cookie = client.cookies.get("hotline_session")
        assert r.status_code == 303 and cookie and qa_world.tokens["qa"] not in cookie
        assert "hotline_token" not in client.cookies
        assert client.get("/api/me").json()["role"] == "qa"       # the pages' fetches
        client.get("/qa/logout")
    with httpx.Client(base_url=qa_world.url, timeout=30, cookies={"hotline_session": cookie}) as c:
        assert c.get("/qa").status_code == 303                    # that session has ended
        assert c.get("/api/me").status_code == 401
    # a token in a URL is never used (and no cookie is set from it)
    r = httpx.get(qa_world.url + "/qa", params={"token": qa_world.tokens["qa"]}, timeout=30)
    assert r.status_code == 303 and r.headers["location"] == "/qa/login?error=url"
    assert "set-cookie" not in r.headers
    db.close()


def test_access_log_masks_tokens():
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:1", "GET", "/qa?q=bill&token=hl_secret123", "1.1",
                                303), None)
    TokenLogFilter().filter(record)
    assert "hl_secret123" not in record.getMessage() and "token=***" in record.getMessage()


# --- finding 8: security headers on every page, Swagger UI from local files ---------------
def test_security_headers_and_local_swagger(qa_world):
    with httpx.Client(base_url=qa_world.url, timeout=30) as client:
        login = client.get("/qa/login")
        client.post("/qa/login", data={"token": qa_world.tokens["qa"]})
        call = client.get(f"/qa/calls/{qa_world.played.call_id}")
        api = client.get(f"/api/calls/{qa_world.played.call_id}")
        css = client.get("/qa/static/qa.css")
        docs = client.get("/docs")
    for r in (login, call, api, docs):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    assert call.headers["cache-control"] == "no-store" and api.headers["cache-control"] == "no-store"
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")
    assert "cdn" not in docs.text and "https://" not in docs.text
    for asset in ("/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css",
                  "/docs/local/init.js"):
        assert httpx.get(qa_world.url + asset, timeout=30).status_code == 200, asset


# --- finding 9: readable 422s --------------------------------------------------------------
def test_bad_filters_are_422_with_a_reason(qa_world):
    for params, name in (({"date_from": "garbage"}, "date_from"), ({"date_to": "2026-13-45"},
                         "date_to"), ({"min_duration": "nan"}, "min_duration")):
        r = _get(qa_world, "/api/search", params=params)
        assert r.status_code == 422 and name in r.json()["detail"], params


# --- the Origin check ----------------------------------------------------------------------
def test_foreign_origin_refused_even_with_a_valid_token(qa_world):
    evil = {"Origin": "https://evil.example"}
    assert _get(qa_world, "/api/me", headers=evil).status_code == 403
    own = {"Origin": qa_world.url}
    assert _get(qa_world, "/api/me", headers=own).status_code == 200
    assert any("evil.example" in (r["detail"] or "") for r in _audit(qa_world, action="origin"))
