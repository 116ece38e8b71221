"""`hotline token create|list|revoke`: the token is printed once and stored only hashed."""

from __future__ import annotations

from hotline.cli import main
from hotline.store.db import Database
from hotline.web.auth import AuthStore


def test_token_commands(tmp_path, monkeypatch, capsys):
    db_url = f"sqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("HOTLINE_DB_URL", db_url)
    assert main(["token", "create", "--role", "agent", "--agent", "A9", "--name", "Lucy"]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert token.startswith("hl_") and "role=agent agent=A9 name=Lucy" in out.err
    who = AuthStore(Database(db_url)).verify(token)
    assert (who.role, who.agent_id, who.name) == ("agent", "A9", "Lucy")

    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Lucy" in listing and "A9" in listing and token not in listing

    assert main(["token", "create", "--role", "agent"]) == 2        # agent needs --agent
    assert main(["token", "revoke", who.token_id]) == 0
    assert AuthStore(Database(db_url)).verify(token) is None
    assert main(["token", "revoke", who.token_id]) == 1
