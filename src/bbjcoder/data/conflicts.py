"""Conflicts: the same prompt with different answers. One answer is kept, the others reported.

    resolution = resolve_conflicts(examples)
    resolution.dropped     # {dropped id: kept id}
    resolution.conflicts   # what stats.json and the dataset card list

The kept answer is, in order: the one whose code compiles, then the richer one (more code lines,
then the longer answer), then the smallest id (so the choice never depends on input order). Run
after exact dedup, so answers within a conflict differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .example import Example, normalize

__all__ = ["Conflict", "Resolution", "resolve_conflicts", "richness"]


@dataclass(frozen=True, slots=True)
class Conflict:
    """One prompt answered differently. stats.json record:

    {"prompt": "write a program that ...", "kept": "old:1a2b...", "dropped": ["old:9f8e..."],
     "why": "its code compiles"}
    """

    prompt: str
    kept: str
    dropped: tuple[str, ...]
    why: str

    def to_record(self) -> dict:
        return {"prompt": self.prompt, "kept": self.kept, "dropped": list(self.dropped), "why": self.why}


@dataclass(slots=True)
class Resolution:
    dropped: dict[str, str] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def richness(example: Example) -> tuple[int, int]:
    """(code lines, answer length): bigger is richer."""
    return sum(c.count("\n") for c in example.code), len(example.answer_text)


def resolve_conflicts(examples: Sequence[Example]) -> Resolution:
    """Group by normalised prompt; keep one answer per prompt (module doc)."""
    by_prompt: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_prompt[normalize(ex.prompt_text)].append(ex)
    resolution = Resolution()
    for prompt in sorted(by_prompt):
        group = by_prompt[prompt]
        if len(group) < 2:
            continue
        ranked = sorted(group, key=lambda e: (not e.compiles, tuple(-x for x in richness(e)), e.id))
        kept, losers = ranked[0], ranked[1:]
        for ex in losers:
            resolution.dropped[ex.id] = kept.id
        why = "its code compiles" if any(not e.compiles for e in losers) and kept.compiles else "richer answer"
        if why == "richer answer" and all(richness(e) == richness(kept) for e in losers):
            why = "smallest id (answers equally rich)"
        short = prompt if len(prompt) <= 160 else prompt[:157] + "..."
        resolution.conflicts.append(Conflict(short, kept.id, tuple(e.id for e in losers), why))
    return resolution
