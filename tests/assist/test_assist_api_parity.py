"""`hotline assist TEXT --json` and GET /api/v1/assist answer the same fields under the same
names (and the same suggestions for the same knowledge graph and facts)."""

from __future__ import annotations

import argparse
import json

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("text, area", [("my phone has no signal since this morning", "Haidian"),
                                        ("我想取消套餐", None)])
def test_cli_json_and_api_agree(assistant, settings, capsys, monkeypatch, text, area):
    from hotline.assist import cli
    from hotline.assist.live import LiveEngine
    from hotline.store.db import Database
    from hotline.web.app import create_app
    from hotline.web.auth import AuthStore

    monkeypatch.setenv("HOTLINE_DB_URL", settings.db_url)
    monkeypatch.setenv("HOTLINE_DATA_DIR", settings.data_dir)
    parser = argparse.ArgumentParser(prog="hotline")
    cli.register(parser.add_subparsers(dest="command"))
    argv = ["assist", text, "--json", *(["--area", area] if area else [])]
    args = parser.parse_args(argv)
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)

    db = Database(settings.db_url)
    token = AuthStore(db).create_token("qa", name="parity")[0]
    db.close()
    engine = LiveEngine(assistant)
    try:
        with TestClient(create_app(settings, engine=engine)) as client:
            r = client.get("/api/v1/assist", params={"q": text, **({"area": area} if area else {})},
                           headers={"Authorization": f"Bearer {token}"})
    finally:
        engine.close()
    assert r.status_code == 200
    served = r.json()
    assert printed["suggestions"], "the knowledge graph should answer this"
    printed.pop("latency_ms"), served.pop("latency_ms")
    assert served == printed
