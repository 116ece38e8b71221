"""`hotline serve`: HTTP API + QA pages + agent sidebar + live WebSocket."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="HTTP API, agent sidebar, QA pages and live WebSocket")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=serve)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hotline.settings import load_settings
    from hotline.web.app import create_app

    uvicorn.run(create_app(load_settings()), host=args.host, port=args.port, log_level="info")
    return 0
