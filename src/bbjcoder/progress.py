"""Progress bars for long work, shared by every command.

Library code reports through a plain callback, `ProgressFn(step, done, total)`, and never draws;
the CLI passes the one from `progress_bars()`, which draws Rich bars on stderr (one per step).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["ProgressFn", "progress_bars"]

ProgressFn = Callable[[str, int, int], None]


@contextmanager
def progress_bars(enabled: bool = True, *, transient: bool = False, eta: bool = True) -> Iterator[ProgressFn | None]:
    """Yield a ProgressFn drawing Rich bars on stderr, or None when disabled."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if eta:
        columns.append(TimeRemainingColumn())
    tasks: dict[str, int] = {}
    with Progress(*columns, console=Console(stderr=True), transient=transient) as bars:
        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=total)
            bars.update(tasks[step], completed=done, total=total)

        yield report
