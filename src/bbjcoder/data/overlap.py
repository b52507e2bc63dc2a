"""Overlap checks: near-duplicate pairs inside the training data, and between an evaluation set and it.

    prompts, problems = load_eval_prompts(Path("evalsets/bbj-eval.jsonl"))
    pairs = eval_overlap(examples, prompts, threshold=0.85)

An evaluation prompt is compared with each training example's request texts (title, description
and user turns), since an eval task copies a request, not an answer. Evaluation files are JSONL,
one task per line: `{"id": ..., "prompt": ...}` (the eval-set format) or `{"messages": [...]}`
(its user turns are the prompt).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from .dedup import NUM_PERM, NearDuplicateIndex, near_duplicate_pairs
from .example import Example
from .problems import Problem, error

__all__ = ["EvalPrompt", "eval_files", "load_eval_prompts", "eval_overlap", "training_overlap"]

EvalPrompt = tuple[str, str]  # (id, prompt text)


def eval_files(paths: Sequence[str]) -> list[Path]:
    """The .jsonl files named or found (sorted) in the folders named; missing paths are skipped."""
    found: list[Path] = []
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            found += sorted(path.rglob("*.jsonl"), key=lambda p: p.as_posix())
        elif path.is_file():
            found.append(path)
    return found


def load_eval_prompts(path: Path) -> tuple[list[EvalPrompt], list[Problem]]:
    """Prompts of one evaluation file; broken lines become problems (file and line named)."""
    prompts: list[EvalPrompt] = []
    problems: list[Problem] = []
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        return [], [error(path.name, 0, "unreadable", f"cannot read: {exc.strerror}")]
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(error(path.name, number, "broken-jsonl-line", f"not valid UTF-8 JSON ({exc}); fix the line"))
            continue
        text = _prompt_text(obj)
        if not text:
            problems.append(error(path.name, number, "bad-record", "needs a non-empty 'prompt' (or 'messages' with a "
                                  "user turn)"))
            continue
        prompt_id = str(obj.get("id") or f"{path.name}:{number}")
        prompts.append((prompt_id, text))
    return prompts, problems


def _prompt_text(obj: object) -> str:
    if not isinstance(obj, dict):
        return ""
    if isinstance(obj.get("prompt"), str):
        return obj["prompt"].strip()
    messages = obj.get("messages")
    if isinstance(messages, list):
        return "\n".join(m.get("content", "") for m in messages
                         if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)).strip()
    return ""


def eval_overlap(examples: Sequence[Example], prompts: Sequence[EvalPrompt], threshold: float = 0.85,
                 num_perm: int = NUM_PERM) -> list[dict]:
    """[{"eval": id, "example": id, "jaccard": 0.91, "text": matched training text}] sorted, best match
    per (eval prompt, example)."""
    if not prompts:
        return []
    owners = [(i, text) for i, ex in enumerate(examples) for text in (ex.request_texts or (ex.prompt_text,))]
    index = NearDuplicateIndex(threshold, num_perm)
    index.add_all([text for _, text in owners])
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for (prompt_id, _), found in zip(prompts, index.query_all([text for _, text in prompts])):
        for key, similarity in found:
            i, matched = owners[key]
            pair = (prompt_id, examples[i].id)
            if similarity > best.get(pair, (-1.0, ""))[0]:
                best[pair] = (similarity, matched)
    return [{"eval": e, "example": x, "jaccard": round(s, 4), "text": t[:200]}
            for (e, x), (s, t) in sorted(best.items())]


def training_overlap(examples: Sequence[Example], threshold: float = 0.85, num_perm: int = NUM_PERM,
                     progress=None) -> list[dict]:
    """Near-duplicate pairs inside the training examples: [{"a": id, "b": id, "jaccard": 0.9}]."""
    texts = [ex.prompt_text + "\n" + ex.answer_text for ex in examples]
    return [{"a": examples[i].id, "b": examples[j].id, "jaccard": round(s, 4)}
            for i, j, s in near_duplicate_pairs(texts, threshold, num_perm, progress)]
