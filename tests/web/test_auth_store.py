"""Token store and audit log on both databases (SQLite and the local PostgreSQL)."""

from __future__ import annotations

import pytest

from hotline.store.db import Database
from hotline.web.auth import AuthStore, Principal, hash_token


def test_tokens_are_stored_hashed_and_verify(db_url):
    db = Database(db_url)
    auth = AuthStore(db)
    token, info = auth.create_token("agent", agent_id="A7", name="Lucy")
    assert token.startswith("hl_") and len(token) > 40
    with db.transaction() as cur:
        stored = cur.execute("SELECT token_hash FROM qa_tokens WHERE id = ?", (info.id,))
        everything = cur.execute("SELECT * FROM qa_tokens")
    assert stored == [{"token_hash": hash_token(token)}]
    assert len(everything) == 1 and token not in str(everything)

    who = auth.verify(token)
    assert who == Principal(token_id=info.id, name="Lucy", role="agent", agent_id="A7")
    assert auth.verify(token + "x") is None and auth.verify("") is None and auth.verify(None) is None
    assert who.can_see({"agent_id": "A7"}) and not who.can_see({"agent_id": "A8"})
    assert not who.can_see({}) and not who.can_read_audit

    assert AuthStore(db).verify(token) == who           # schema creation is idempotent
    assert auth.revoke(info.id) and not auth.revoke(info.id)
    assert auth.verify(token) is None
    listed = auth.list_tokens()
    assert [t.id for t in listed] == [info.id] and listed[0].revoked_at


def test_roles_are_checked():
    auth = AuthStore(Database("sqlite:///:memory:"))
    with pytest.raises(ValueError, match="role"):
        auth.create_token("root")
    with pytest.raises(ValueError, match="agent"):
        auth.create_token("agent")
    qa = auth.verify(auth.create_token("qa")[0])
    sup = auth.verify(auth.create_token("supervisor")[0])
    assert qa.can_see({"agent_id": "anyone"}) and not qa.can_read_audit
    assert sup.can_read_audit


def test_audit_rows(db_url):
    auth = AuthStore(Database(db_url))
    who = auth.verify(auth.create_token("qa", name="qa-lead")[0])
    auth.audit(who, "search", query={"q": "refund", "rule": "greeting.missing", "agent": None})
    auth.audit(who, "view", call_id="abc123")
    auth.audit(who, "audio", call_id="abc123", status="denied")
    rows = auth.audit_rows()
    assert [r["action"] for r in rows] == ["audio", "view", "search"]      # newest first
    assert rows[2]["query"] == '{"q": "refund", "rule": "greeting.missing"}'
    assert rows[0]["status"] == "denied" and rows[0]["name"] == "qa-lead"
    assert [r["action"] for r in auth.audit_rows(action="view")] == ["view"]
    assert len(auth.audit_rows(call_id="abc123")) == 2
    assert auth.audit_rows(since="2999-01-01") == []
