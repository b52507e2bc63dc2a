"""Progress for long work, shared by every command.

Library code reports through a plain callback, `ProgressFn(step, done, total)`, and never draws; the CLI passes
the one from `progress_bars()`. On a terminal that draws Rich bars on stderr (one per step). When stderr is a file
or a pipe (`nohup`, CI, `2> log`) Rich draws nothing until the work ends, so a long evaluation used to leave an
hour of silence in its log; there it writes a plain line per step instead, at most every `interval` seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["ProgressFn", "progress_bars", "progress_lines"]

ProgressFn = Callable[[str, int, int], None]
LINE_INTERVAL_S = 30.0


@contextmanager
def progress_bars(enabled: bool = True, *, transient: bool = False, eta: bool = True) -> Iterator[ProgressFn | None]:
    """Yield a ProgressFn drawing Rich bars on stderr (plain lines when it is not a terminal), or None when disabled."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield progress_lines(sys.stderr)
        return
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if eta:
        columns.append(TimeRemainingColumn())
    tasks: dict[str, int] = {}
    with Progress(*columns, console=console, transient=transient) as bars:
        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=total)
            bars.update(tasks[step], completed=done, total=total)

        yield report


def progress_lines(stream: TextIO, interval: float = LINE_INTERVAL_S) -> ProgressFn:
    """A ProgressFn writing `step: done/total (pct, elapsed, left)` lines: a step's first report, its last, and
    in between at most one line per `interval` seconds, flushed at once so that a log file follows the work.
    A step whose count goes back (the same step name for the next model) starts over."""
    written: dict[str, tuple[float, float, int]] = {}  # step -> (its start, when and done of its last line)

    def report(step: str, done: int, total: int) -> None:
        now = time.monotonic()
        start, when, shown = written.get(step, (now, None, -1))
        if done < shown:  # the same step again (the next model's scoring): a fresh start
            start, when = now, None
        elif when is not None and (shown == done or (done < total and now - when < interval)):
            return
        written[step] = (start, now, done)
        elapsed = now - start
        parts = [f"{100 * done / total:.0f}%"] if total else []
        parts.append(f"{_clock(elapsed)} elapsed")
        if 0 < done < total:
            parts.append(f"about {_clock(elapsed * (total - done) / done)} left")
        stream.write(f"{step}: {done}/{total} ({', '.join(parts)})\n")
        stream.flush()

    return report


def _clock(seconds: float) -> str:
    """1:02:03 or 2:03, as Rich's bars show time."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
