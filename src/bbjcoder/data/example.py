"""The example model: one training conversation, whichever source it came from.

Markdown examples (training-data/<topic>/<slug>.md) and imported ChatML JSONL records both become
an `Example`; everything after loading (dedup, conflicts, splits, corpus, reports) reads only this.

Its record in build/examples.jsonl (one per line, see `Example.to_record`):

    {"id": "file-io/keyed-read-with-dom", "source": "training-data/file-io/keyed-read-with-dom.md",
     "type": "completion", "generation": ["character", "vpro5"], "difficulty": "intermediate",
     "tags": ["keyed-file"], "messages": [{"role": "system", "content": "..."},
     {"role": "user", "content": "..."}, {"role": "assistant", "content": "```bbj\\n...```\\n..."}],
     "code": ["rem ...\\n"], "compiles": true, "content_hash": "9f2c..."}

`id` is stable: the path below the examples folder without `.md` for Markdown, the JSONL file's
stem plus a hash of the record as read for imports. `code` lists the BBj blocks of the answer (for
migration: Before, then After). `compiles` is true when every block passes the checker (and when
there is no code at all). `content_hash` is the SHA-256 of the messages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .io import sha256_hex

__all__ = [
    "TYPES", "GENERATIONS", "GENERATION_LABELS", "DIFFICULTIES", "TOPICS", "UNSPECIFIED",
    "Example", "normalize", "stable_pick",
]

TYPES = ("completion", "comprehension", "migration", "explanation")
# "all" stands alone; the other four may be combined in a list.
GENERATION_LABELS = ("character", "vpro5", "bbj-gui", "dwc")
GENERATIONS = ("all",) + GENERATION_LABELS
DIFFICULTIES = ("basic", "intermediate", "advanced")
TOPICS = ("gui", "database", "strings", "file-io", "control-flow", "oop", "dwc")
# Label of imported examples whose record does not say its type, generation or difficulty.
UNSPECIFIED = "unspecified"

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The text compared by exact dedup and conflict detection: lower case, whitespace collapsed.

    >>> normalize("  PRINT  'CS',\\n  x$ ")
    "print 'cs', x$"
    """
    return _SPACE.sub(" ", text).strip().lower()


def stable_pick(key: str, salt: str, n: int) -> int:
    """A deterministic index in range(n) from a key: same key, same pick, on every machine.

    >>> stable_pick("oop/x", "system", 4) == stable_pick("oop/x", "system", 4)
    True
    """
    return int(sha256_hex(f"{salt}\x00{key}")[:16], 16) % n


@dataclass(frozen=True, slots=True)
class Example:
    """One conversation ready for dedup, splitting and writing.

    prompt_text / answer_text are what the user asks and what the assistant answers, without the
    varying phrasing and system prompt, so that two copies of one example compare equal.
    request_texts are the short texts an evaluation prompt is compared against (title,
    description, user turns).
    """

    id: str
    source: str
    type: str
    generation: tuple[str, ...]
    difficulty: str
    tags: tuple[str, ...]
    messages: tuple[dict, ...]
    code: tuple[str, ...]
    compiles: bool
    topic: str
    prompt_text: str
    answer_text: str
    request_texts: tuple[str, ...] = field(default=())

    @property
    def content_hash(self) -> str:
        return sha256_hex(json.dumps(list(self.messages), ensure_ascii=False, sort_keys=True))

    def _labels(self) -> dict:
        """The keys that open both the examples.jsonl record and a split line's `meta`, in that order."""
        return {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "generation": list(self.generation),
            "difficulty": self.difficulty,
            "tags": list(self.tags),
        }

    def to_record(self) -> dict:
        """The build/examples.jsonl record (module doc)."""
        return {
            **self._labels(),
            "messages": [dict(m) for m in self.messages],
            "code": list(self.code),
            "compiles": self.compiles,
            "content_hash": self.content_hash,
        }

    def meta(self, group: str, split: str) -> dict:
        """The `meta` object of a train/validation/test.jsonl line."""
        return {
            **self._labels(),
            "topic": self.topic,
            "compiles": self.compiles,
            "group": group,
            "split": split,
        }
