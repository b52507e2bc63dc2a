"""Progress reporting without printing: library code calls a function, the CLI draws the bars.

    def progress(step: str, done: int, total: int) -> None: ...

`step` names the work ("checking examples"); it is called with done=0 when a step starts and
with done=total when it ends, and every `every` items in between.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["ProgressFn", "tracked"]

ProgressFn = Callable[[str, int, int], None]
T = TypeVar("T")


def tracked(items: Iterable[T], step: str, total: int, progress: ProgressFn | None, every: int = 64) -> Iterator[T]:
    """Yield items, reporting progress for step."""
    if progress is None:
        yield from items
        return
    progress(step, 0, total)
    done = 0
    for item in items:
        yield item
        done += 1
        if done % every == 0:
            progress(step, done, total)
    progress(step, total, total)
