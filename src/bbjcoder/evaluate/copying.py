"""Verbatim copying: how much of a model's code is recited from its training data.

    index = CopyIndex.from_files([Path("build/train.jsonl"), Path("build/corpus.jsonl")])
    index.count(code_blocks)     # (non-trivial lines, of which found word for word in the training data)

A small model can pass compile@1 by reciting a training program; the report shows the share of generated lines
that appear verbatim in training, so a pass made of copies is visible.

What counts as a line: leading/trailing blanks removed and inner runs of blanks collapsed (indentation is not
content). Lines that say nothing about recitation are left out: blank and REM lines, and lines shorter than
MIN_CHARS (`end`, `wend`, `next i`, `methodend` occur in every program). Everything else must match exactly.
Sources: the assistant turns of train.jsonl (their code blocks) and the programs of corpus.jsonl.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..fileio import jsonl_objects

__all__ = ["CopyIndex", "normalize_line", "MIN_CHARS"]

MIN_CHARS = 12
_REM = re.compile(r"^(?:\d+\s+)?rem\b", re.IGNORECASE)


def normalize_line(line: str) -> str | None:
    """The comparable form of a line, or None when the line is too plain to count.

    >>> normalize_line("    print   'hello', name$   "), normalize_line("  next i"), normalize_line("rem a long comment here")
    ("print 'hello', name$", None, None)
    """
    text = " ".join(line.split())
    if len(text) < MIN_CHARS or _REM.match(text):
        return None
    return text


class CopyIndex:
    def __init__(self, lines: set[str], sources: list[str]) -> None:
        self.lines = lines
        self.sources = sources

    @classmethod
    def from_files(cls, paths: list[Path]) -> CopyIndex:
        """Index every non-trivial line of the given train.jsonl / corpus.jsonl files (format by record keys)."""
        lines: set[str] = set()
        for path in paths:
            if not path.is_file():
                raise InputError(f"{path}: training data for the verbatim-copy rate not found; build it (bbjcoder data build)"
                                 " or point --train-data at train.jsonl / corpus.jsonl")
            for text in _texts(path):
                lines.update(n for n in map(normalize_line, text.splitlines()) if n)
        return cls(lines, [str(p) for p in paths])

    def count(self, blocks: list[str]) -> tuple[int, int]:
        """(non-trivial lines, lines found verbatim in the training data)."""
        total = copied = 0
        for block in blocks:
            for line in block.splitlines():
                norm = normalize_line(line)
                if norm:
                    total += 1
                    copied += norm in self.lines
        return total, copied


def _texts(path: Path):
    from ..bbj import markdown_blocks

    for _, record in jsonl_objects(path):
        if "text" in record:  # corpus.jsonl
            yield record["text"]
        for msg in record.get("messages") or ():  # train.jsonl: only what the model learned to say
            if msg.get("role") == "assistant":
                yield from (b.code for b in markdown_blocks(msg.get("content") or ""))
