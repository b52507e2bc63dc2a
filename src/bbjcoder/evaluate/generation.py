"""What every generation backend shares: the settings of one pass, one answer, and the Generator protocol.

    gen = open_generator(target, cfg)                      # models.py: local HF, GGUF or HTTP
    answers = gen.generate(conversations, GenParams(max_new_tokens=1024), progress)
    answers[i][j]                                          # Completion j (of params.n) for conversation i
    gen.close()

Greedy (temperature 0, n 1) gives compile@1; sampling (temperature > 0, n samples) gives compile@k.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["GenParams", "Completion", "Generator", "ProgressFn", "report"]

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GenParams:
    max_new_tokens: int = 1024
    temperature: float = 0.0  # 0 = greedy (deterministic); > 0 = sampling
    top_p: float = 1.0
    n: int = 1  # answers per conversation
    seed: int = 0
    step: str = "generating"  # progress label

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0


@dataclass(frozen=True)
class Completion:
    """One answer. `truncated`: generation stopped at the token limit, before the end-of-turn token."""

    text: str
    truncated: bool
    tokens: int | None = None


class Generator(Protocol):
    label: str
    kind: str  # "local", "gguf" or "http"

    def describe(self) -> dict: ...

    def generate(self, conversations: list[list[dict]], params: GenParams, progress: ProgressFn | None = None) -> list[list[Completion]]: ...

    def close(self) -> None: ...


def report(progress: ProgressFn | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)
