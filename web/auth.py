"""API tokens with roles, and the audit log of who searched and listened to what.

Tokens are random 256-bit strings shown once at creation; only their SHA-256 is stored, so a
copy of the database does not hand out access. Roles:

- ``admin``, ``supervisor``: every call, and the audit log.
- ``qa``: every call, no audit log.
- ``agent``: only calls whose ``metadata.agent_id`` equals the token's agent id; live calls
  they opened or that are assigned to them.
- ``feed``: only the live facts feed (a network-status system's token).

Tokens expire (`expires_at`, default `defaults.TOKEN_TTL_DAYS`). The pages' cookie holds a
server-side session id (stored hashed, expiring, ended by log-out or revoking its token), never
the token. Tables live in the results database (`hotline.store.schema`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hotline import defaults
from hotline.store.db import Database
from hotline.store.schema import ensure_schema

ROLES = ("qa", "supervisor", "admin", "agent", "feed")
AUDIT_READERS = ("admin", "supervisor")
CALL_READERS = ("qa", "supervisor", "admin", "agent")     # stored calls (agents: their own)
LIVE_ROLES = ("supervisor", "admin", "agent")             # live calls (agents: their own)
FACTS_ROLES = ("admin", "feed")
TOKEN_PREFIX = "hl_"


@dataclass(frozen=True)
class Principal:
    """Who is asking: the token's id, display name, role and (for agents) agent id."""

    token_id: str
    name: str
    role: str
    agent_id: str | None = None

    def can_see(self, metadata: dict[str, Any] | None) -> bool:
        """Agents see only their own calls; feed tokens none; every other role all calls."""
        if self.role not in CALL_READERS:
            return False
        if self.role != "agent":
            return True
        return bool(self.agent_id) and str((metadata or {}).get("agent_id") or "") == self.agent_id

    @property
    def can_read_audit(self) -> bool:
        return self.role in AUDIT_READERS


@dataclass(frozen=True)
class TokenInfo:
    """A stored token without its secret (for `hotline token list`)."""

    id: str
    name: str
    role: str
    agent_id: str | None
    created_at: str
    revoked_at: str | None
    expires_at: str | None = None


def hash_token(token: str) -> str:
    """SHA-256 hex of the token; tokens are high-entropy, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(after_s: float = 0.0) -> str:
    """UTC now (+ after_s) as ISO text; one fixed format, so text order is time order."""
    stamp = datetime.now(timezone.utc) + timedelta(seconds=after_s)
    return stamp.isoformat(timespec="microseconds")


class AuthStore:
    """Token and audit tables in the results database."""

    def __init__(self, db: Database):
        self.db = db
        ensure_schema(db)                       # tables: hotline.store.schema

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """One statement in its own transaction, rows back (via the cursor: `Database.execute`
        reads the rows twice and so returns none)."""
        with self.db.transaction() as cur:
            return cur.execute(sql, params)

    # --- tokens ---------------------------------------------------------------------------
    def create_token(self, role: str, agent_id: str | None = None, name: str | None = None,
                     ttl_days: float = defaults.TOKEN_TTL_DAYS) -> tuple[str, TokenInfo]:
        """A new token (returned once, in clear) and its stored record; it expires after
        `ttl_days` (> 0)."""
        if not ttl_days > 0:
            raise ValueError(f"a token must expire: ttl_days must be > 0, got {ttl_days}")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
        if role == "agent" and not agent_id:
            raise ValueError("an agent token needs --agent ID (the metadata agent_id it may see)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        info = TokenInfo(id=secrets.token_hex(6), name=name or f"{role}-{agent_id or 'token'}",
                         role=role, agent_id=agent_id or None, created_at=_now(), revoked_at=None,
                         expires_at=_now(ttl_days * 86400))
        self._run(
            "INSERT INTO qa_tokens (id, name, role, agent_id, token_hash, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (info.id, info.name, info.role, info.agent_id, hash_token(token), info.created_at,
             info.expires_at))
        return token, info

    def verify(self, token: str | None) -> Principal | None:
        """The principal for a live token, or None (unknown, revoked, expired or empty)."""
        if not token:
            return None
        digest = hash_token(token.strip())
        rows = self._run(
            "SELECT id, name, role, agent_id, token_hash FROM qa_tokens WHERE token_hash = ?"
            " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
            (digest, _now()))
        if not rows or not hmac.compare_digest(rows[0]["token_hash"], digest):
            return None
        return _principal(rows[0])

    # --- sessions (the pages' cookie) -----------------------------------------------------
    def open_session(self, who: Principal, ttl_s: float = defaults.SESSION_TTL_S) -> str:
        """A new session id for `who`'s token (returned once; stored hashed)."""
        sid = secrets.token_urlsafe(32)
        self._run("INSERT INTO qa_sessions (id_hash, token_id, created_at, expires_at)"
                  " VALUES (?, ?, ?, ?)", (hash_token(sid), who.token_id, _now(), _now(ttl_s)))
        return sid

    def session(self, sid: str | None) -> Principal | None:
        """The principal of a live session whose token is still live, or None."""
        if not sid:
            return None
        now = _now()
        rows = self._run(
            "SELECT t.id, t.name, t.role, t.agent_id FROM qa_sessions s"
            " JOIN qa_tokens t ON t.id = s.token_id WHERE s.id_hash = ? AND s.expires_at > ?"
            " AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)",
            (hash_token(sid), now, now))
        return _principal(rows[0]) if rows else None

    def close_session(self, sid: str | None) -> None:
        """Log out: the session id stops working at once (and expired ones are dropped)."""
        self._run("DELETE FROM qa_sessions WHERE id_hash = ? OR expires_at <= ?",
                  (hash_token(sid or ""), _now()))

    def list_tokens(self) -> list[TokenInfo]:
        rows = self._run(
            "SELECT id, name, role, agent_id, created_at, revoked_at, expires_at FROM qa_tokens"
            " ORDER BY created_at")
        return [TokenInfo(**r) for r in rows]

    def revoke(self, token_id: str) -> bool:
        """Revoke by token id; True when a live token was revoked."""
        live = self._run(
            "SELECT id FROM qa_tokens WHERE id = ? AND revoked_at IS NULL", (token_id,))
        if not live:
            return False
        self._run("UPDATE qa_tokens SET revoked_at = ? WHERE id = ?", (_now(), token_id))
        return True

    # --- audit ----------------------------------------------------------------------------
    def audit(self, who: Principal | None, action: str, *, call_id: str | None = None,
              query: str | dict[str, Any] | None = None, status: str = "ok",
              detail: str | None = None) -> None:
        """Append one row: who did `action` (search, view, audio, similar, ...) on what, when."""
        if isinstance(query, dict):
            query = json.dumps({k: v for k, v in query.items() if v not in (None, "")},
                               ensure_ascii=False, sort_keys=True)
        self._run(
            "INSERT INTO qa_audit (at, token_id, name, role, agent_id, action, call_id, query,"
            " status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_now(), who.token_id if who else None, who.name if who else None,
             who.role if who else None, who.agent_id if who else None, action, call_id, query,
             status, detail))

    def audit_rows(self, limit: int = 100, action: str | None = None,
                   call_id: str | None = None, since: str | None = None) -> list[dict[str, Any]]:
        """Newest first, optionally filtered by action, call id and ISO time lower bound."""
        where, params = [], []
        for column, value, op in (("action", action, "="), ("call_id", call_id, "="),
                                  ("at", since, ">=")):
            if value:
                where.append(f"{column} {op} ?")
                params.append(value)
        sql = ("SELECT id, at, token_id, name, role, agent_id, action, call_id, query, status,"
               " detail FROM qa_audit")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        return self._run(sql, (*params, int(limit)))


def _principal(row: dict[str, Any]) -> Principal:
    return Principal(token_id=row["id"], name=row["name"], role=row["role"],
                     agent_id=row["agent_id"])
