"""Follow a batch in the store: a rich progress bar while it runs, a summary table at the end.

Progress is read from the store (the source of truth), not from Redis, so the embedded runner
and the RQ follower show the same thing and a Redis restart does not confuse the counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from hotline.worker.recordings import Recording

log = logging.getLogger(__name__)

FINAL = ("done", "failed")


@dataclass
class BatchSummary:
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0               # finished before this run started (done or failed)
    audio_hours: float = 0.0       # audio processed by this run
    wall_s: float = 0.0
    audio_hours_per_hour: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def follow(
    store: Any,
    recordings: list[Recording],
    tick: Callable[[], str | None] | None = None,
    poll_s: float = 1.0,
    console: Any = None,
    alive: Callable[[], bool] | None = None,
) -> BatchSummary:
    """Poll the store until every recording is done or failed; `tick` runs each poll.

    `tick` may return a short note for the bar (e.g. "2 workers"); `alive` returning False
    stops following early (the embedded runner lost all its processes).
    """
    from rich.console import Console
    from rich.progress import Progress

    console = console or Console(stderr=True)
    ids = [r.call_id for r in recordings]
    seconds = {r.call_id: r.duration or 0.0 for r in recordings}
    initial = store.statuses(ids)
    before = {cid for cid, st in initial.items() if st in FINAL}
    started = time.time()
    statuses = initial
    with Progress(*_columns(), console=console, transient=False) as bar:
        task = bar.add_task("batch", total=len(ids), completed=len(before), done=0, failed=0,
                            remaining=len(ids) - len(before), hours=0.0, note="")
        while True:
            note = _safe_tick(tick)
            statuses = store.statuses(ids)
            finished = [c for c in ids if statuses.get(c) in FINAL]
            done = sum(1 for c in ids if statuses.get(c) == "done")
            hours = sum(seconds[c] for c in ids if statuses.get(c) == "done" and c not in before) / 3600
            bar.update(task, completed=len(finished), done=done, failed=len(finished) - done,
                       remaining=len(ids) - len(finished), hours=hours, note=note or "")
            if len(finished) == len(ids) or (alive is not None and not alive()):
                break
            time.sleep(poll_s)
    return _summary(store, ids, statuses, before, seconds, time.time() - started)


def _columns() -> tuple[Any, ...]:
    """The bar: counts, audio hours done, elapsed and ETA, and the tick's note (workers)."""
    from rich.progress import (
        BarColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return (
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("{task.fields[done]} done · {task.fields[failed]} failed · "
                   "{task.fields[remaining]} left · {task.fields[hours]:.2f} h audio"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
    )


def _safe_tick(tick: Callable[[], str | None] | None) -> str | None:
    if tick is None:
        return None
    try:
        return tick()
    except Exception as exc:  # a Redis blip must not stop the follower; next poll retries
        log.warning("batch follower: %s: %s", type(exc).__name__, exc)
        return f"[yellow]{type(exc).__name__}, retrying"


def _summary(store: Any, ids: list[str], statuses: dict[str, str], before: set[str],
             seconds: dict[str, float], wall: float) -> BatchSummary:
    wanted = set(ids)
    done_now = [c for c in ids if statuses.get(c) == "done" and c not in before]
    hours = sum(seconds[c] for c in done_now) / 3600
    return BatchSummary(
        total=len(ids),
        done=sum(1 for c in ids if statuses.get(c) == "done"),
        failed=sum(1 for c in ids if statuses.get(c) == "failed"),
        skipped=len(before),
        audio_hours=round(hours, 4),
        wall_s=round(wall, 2),
        audio_hours_per_hour=round(hours / (wall / 3600), 2) if wall > 0 else 0.0,
        failures=[f for f in store.failures() if f["call_id"] in wanted],
    )


def failures_table(failures: list[dict[str, Any]], title: str) -> Any:
    """call_id, source, error per failed call; cells escaped (a path may hold "[/x]")."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, show_header=True)
    for col in ("call_id", "source", "error"):
        table.add_column(col, overflow="fold")
    for f in failures:
        table.add_row(*(escape(str(f.get(k) or "")) for k in ("call_id", "source", "error")))
    return table


def print_summary(summary: BatchSummary, console: Any = None) -> None:
    """The end-of-batch table, then every failure with its reason."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(stderr=True)
    table = Table(title="hotline batch", show_header=True)
    for col in ("recordings", "done", "failed", "already finished", "audio h (this run)",
                "wall", "audio h / wall h"):
        table.add_column(col, justify="right")
    table.add_row(str(summary.total), str(summary.done), str(summary.failed),
                  str(summary.skipped), f"{summary.audio_hours:.3f}", f"{summary.wall_s:.0f} s",
                  f"{summary.audio_hours_per_hour:.2f}")
    console.print(table)
    if summary.failures:
        console.print(failures_table(summary.failures, "failures"))
