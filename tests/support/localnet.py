"""Local-service helpers shared by tests and benchmarks: a free port, waiting for a listener, a
private redis-server, a uvicorn app served from a thread, a scratch PostgreSQL database.
Everything binds to 127.0.0.1 only."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0, proc: subprocess.Popen | None = None) -> None:
    """Return once something accepts connections on `port`; fail fast if `proc` died."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"process exited ({proc.returncode}) before listening on {port}") from None
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f}s")


def start_redis(workdir: str | Path, *extra: str, port: int | None = None,
                tls: bool = False) -> tuple[subprocess.Popen, int]:
    """A throw-away redis-server (no persistence) on a free port; returns (process, port)."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is not installed (make test installs it)")
    port = port or free_port()
    port_args = ["--port", "0", "--tls-port", str(port)] if tls else ["--port", str(port)]
    proc = subprocess.Popen([binary, *port_args, "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc=proc)
    return proc, port


def serve_in_thread(app: Any, timeout: float = 20.0, **config: Any) -> tuple[Any, threading.Thread, str]:
    """Run a FastAPI app with uvicorn in a daemon thread; returns (server, thread, base URL).
    Stop it with `server.should_exit = True; thread.join()`."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + timeout
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str]:
    """A new, uniquely named PostgreSQL database (URL yielded), dropped on exit."""
    import psycopg

    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
