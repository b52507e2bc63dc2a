"""Prompt sets: what a model is asked. Two formats, recognised line by line.

Held-out eval set (evalsets/*.jsonl), one task per line:
    {"id": "eval-0001", "prompt": "Write a BBj DWC program ...", "generation": "dwc", "type": "completion",
     "difficulty": "intermediate", "requires": ["(?i)setMeta\\s*\\("]}
  The system turn is the one training uses for that target generation (data.chatml.system_prompt), so the
  model sees the distribution it was trained on.

The data stage's split files (build/test.jsonl), one conversation per line:
    {"messages": [{"role": "system", ...}, {"role": "user", ...}, {"role": "assistant", ...}],
     "meta": {"id": "...", "type": "completion", "generation": ["dwc"], "difficulty": "basic", ...}}
  The prompt is every turn before the last assistant turn; that answer is kept as the reference.

Whether code is expected: every type but `comprehension` (whose answer explains given code in prose). Prompts
without expected code are still generated and checked against `requires`, but stay out of compile@k.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EvalError, InputError

__all__ = ["EvalPrompt", "PromptSet", "load_prompts", "NO_CODE_TYPES"]

NO_CODE_TYPES = frozenset({"comprehension"})
UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class EvalPrompt:
    """One task. `messages` is what the model gets (system + user turns, no answer)."""

    id: str
    messages: tuple[dict, ...]
    generation: tuple[str, ...]
    type: str
    difficulty: str
    requires: tuple[str, ...] = ()
    reference: str | None = None

    @property
    def prompt(self) -> str:
        """The last user turn: what a reader of samples.jsonl wants to see."""
        return next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")

    @property
    def expects_code(self) -> bool:
        return self.type not in NO_CODE_TYPES


@dataclass(frozen=True)
class PromptSet:
    path: str
    format: str  # "evalset" or "messages"
    prompts: tuple[EvalPrompt, ...] = field(default_factory=tuple)

    @property
    def fingerprint(self) -> str:
        """Identity of the set: a hash of every prompt's id and conversation, order-independent.

        Two reports are comparable only when their fingerprints (and subset, if any) match.
        """
        h = hashlib.sha256()
        for p in sorted(self.prompts, key=lambda p: p.id):
            h.update(json.dumps([p.id, list(p.messages)], sort_keys=True).encode())
        return h.hexdigest()[:16]

    def describe(self) -> dict:
        return {"path": self.path, "format": self.format, "n": len(self.prompts), "fingerprint": self.fingerprint}


def load_prompts(path: str | Path, limit: int | None = None) -> PromptSet:
    """Read a prompt set in either format; every bad line is reported at once.

    `limit` keeps the first N prompts (quick smoke runs; the fingerprint changes with it, so such a report is
    never compared with a full one).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: prompt set not found; give evalsets/<name>.jsonl or build/test.jsonl")
    prompts: list[EvalPrompt] = []
    problems: list[str] = []
    formats: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            kind, prompt = _parse(record)
        except (json.JSONDecodeError, _BadRecord) as exc:
            problems.append(f"{path}:{lineno}: {exc}")
            continue
        formats.add(kind)
        prompts.append(prompt)
    problems += _duplicate_ids(path, prompts)
    if problems:
        raise InputError(f"{path}: {len(problems)} bad line(s):\n" + "\n".join(f"  - {p}" for p in problems[:20]))
    if not prompts:
        raise EvalError(f"{path}: no prompts; the file is empty")
    if len(formats) > 1:
        raise InputError(f"{path}: mixes the evalset format and the messages format; keep one format per file")
    if limit is not None:
        prompts = prompts[:limit]
    return PromptSet(str(path), formats.pop(), tuple(prompts))


class _BadRecord(ValueError):
    pass


def _parse(record: object) -> tuple[str, EvalPrompt]:
    if not isinstance(record, dict):
        raise _BadRecord(f"expected a JSON object, got {type(record).__name__}")
    if "messages" in record:
        return "messages", _from_messages(record)
    if "prompt" in record:
        return "evalset", _from_evalset(record)
    raise _BadRecord(f"expected a 'prompt' (evalset) or 'messages' (test.jsonl) key, got keys {sorted(record)}")


def _labels(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ("all",)


def _from_evalset(r: dict) -> EvalPrompt:
    for key in ("id", "prompt"):
        if not isinstance(r.get(key), str) or not r[key].strip():
            raise _BadRecord(f"'{key}' must be a non-empty string, got {r.get(key)!r}")
    requires = r.get("requires") or []
    if not isinstance(requires, list) or not all(isinstance(x, str) for x in requires):
        raise _BadRecord(f"{r['id']}: 'requires' must be a list of regular expressions, got {requires!r}")
    for pattern in requires:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _BadRecord(f"{r['id']}: requires pattern {pattern!r} does not compile ({exc})") from None
    generation = _labels(r.get("generation"))
    messages = ({"role": "system", "content": _system_prompt(r["id"], list(generation))}, {"role": "user", "content": r["prompt"]})
    return EvalPrompt(r["id"], messages, generation, str(r.get("type") or UNSPECIFIED),
                      str(r.get("difficulty") or UNSPECIFIED), tuple(requires))


def _system_prompt(prompt_id: str, generation: list[str]) -> str:
    from ..data.chatml import system_prompt

    return system_prompt(prompt_id, generation[0] if len(generation) == 1 else generation)


def _from_messages(r: dict) -> EvalPrompt:
    messages = r["messages"]
    meta = r.get("meta") or {}
    if not isinstance(messages, list) or not all(isinstance(m, dict) and "role" in m and "content" in m for m in messages):
        raise _BadRecord("'messages' must be a list of {role, content} objects")
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    head = messages[:last] if last is not None else messages
    if not any(m["role"] == "user" for m in head):
        raise _BadRecord(f"{meta.get('id', '?')}: no user turn before the last assistant turn")
    pid = meta.get("id")
    if not isinstance(pid, str) or not pid:
        raise _BadRecord("meta.id must be a non-empty string (the data stage writes it)")
    reference = messages[last]["content"] if last is not None else None
    requires = tuple(meta.get("requires") or ())
    return EvalPrompt(pid, tuple({"role": m["role"], "content": m["content"]} for m in head), _labels(meta.get("generation")),
                      str(meta.get("type") or UNSPECIFIED), str(meta.get("difficulty") or UNSPECIFIED), requires, reference)


def _duplicate_ids(path: Path, prompts: list[EvalPrompt]) -> list[str]:
    seen: set[str] = set()
    dups = []
    for p in prompts:
        if p.id in seen:
            dups.append(f"{path}: id {p.id!r} appears more than once; ids must be unique")
        seen.add(p.id)
    return dups
