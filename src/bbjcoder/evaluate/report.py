"""From scored samples to report.json: every number of an evaluation, recomputable from samples.jsonl.

samples.jsonl, one answer per line (mode greedy: the compile@1 answer; mode sampled: one of n for compile@k):
    {"id": "eval-0001", "mode": "greedy", "sample": 0, "generation": ["dwc"], "type": "completion",
     "difficulty": "basic", "prompt": "Write a BBj ...", "output": "```bbj\\n...```", "code": ["..."],
     "status": "compile_error", "pass": false, "diagnostics": ["answer.bbj: error at line 20 (2): ... <- expected TO"],
     "errors": ["expected TO"], "truncated": false, "tokens": 212,
     "requires": {"pass": true, "missing": []}, "copy": {"lines": 9, "copied": 4}}

report.json (schema 1), the keys readers rely on:
    model {label, kind, spec, ...}, prompt_set {path, format, n, fingerprint}, settings {...}, date, checker,
    metrics {"compile@1": Rate, "compile@k": Rate + {k, samples} | null, "requires@1": Rate, "compile+requires@1": Rate,
             "failures": {status: count}, "truncated": {count, n, rate}, "copy": {...}},
    breakdowns {generation|type|difficulty: {label: {"n", "compile@1": Rate, "requires@1": Rate, "truncated"}}},
    top_errors [{message, count, example}], general {HumanEval pass@1} | null, review {...} | null, notes [...]
A Rate is {"value", "low", "high", "passes", "n"} (value and Wilson 95% bounds in 0..1).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

from .metrics import Rate, mean_pass_at_k, rate

__all__ = ["SCHEMA", "sample_record", "build_report", "COPIED_SAMPLE_SHARE", "BREAKDOWNS"]

SCHEMA = 1
COPIED_SAMPLE_SHARE = 0.8  # a passing answer with at least this share of copied lines counts as "mostly copied"
BREAKDOWNS = ("generation", "type", "difficulty")
TOP_ERRORS = 10


def sample_record(prompt, mode: str, index: int, completion, verdict, copy: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": prompt.id, "mode": mode, "sample": index, "generation": list(prompt.generation), "type": prompt.type,
        "difficulty": prompt.difficulty, "prompt": prompt.prompt, "output": completion.text, "code": verdict.code,
        "status": verdict.status, "pass": verdict.passed, "diagnostics": verdict.diagnostics, "errors": verdict.errors,
        "truncated": completion.truncated, "tokens": completion.tokens,
        "requires": {"pass": verdict.requires_pass, "missing": verdict.requires_missing},
        "copy": {"lines": copy[0], "copied": copy[1]},
    }


def build_report(*, model: dict, prompt_set: dict, settings: dict, checker: str, samples: list[dict],
                 general: dict | None = None, copy_sources: list[str] | None = None, notes: list[str] | None = None) -> dict:
    greedy = [s for s in samples if s["mode"] == "greedy"]
    sampled = [s for s in samples if s["mode"] == "sampled"]
    return {
        "schema": SCHEMA,
        "model": model,
        "prompt_set": prompt_set,
        "settings": settings,
        "checker": checker,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "metrics": _metrics(greedy, sampled, settings.get("k"), copy_sources),
        "breakdowns": {key: _breakdown(greedy, key) for key in BREAKDOWNS},
        "top_errors": _top_errors(greedy),
        "general": general,
        "review": None,
        "notes": list(notes or []),
    }


def _compile_rate(greedy: list[dict]) -> Rate:
    scored = [s for s in greedy if s["pass"] is not None]
    return rate(sum(s["pass"] for s in scored), len(scored))


def _requires_rate(greedy: list[dict]) -> Rate:
    checked = [s for s in greedy if s["requires"]["pass"] is not None]
    return rate(sum(s["requires"]["pass"] for s in checked), len(checked))


def _compile_and_requires_rate(greedy: list[dict]) -> Rate:
    """Both on the same answer, over code prompts with requires patterns: the one number neither flatters.

    compile@1 alone passes an answer that echoes the prompt's program (a migration task) or a plausible
    program that does something else; requires@1 alone passes an answer that names the right verbs in code
    that does not compile.
    """
    checked = [s for s in greedy if s["pass"] is not None and s["requires"]["pass"] is not None]
    return rate(sum(bool(s["pass"] and s["requires"]["pass"]) for s in checked), len(checked))


def _metrics(greedy: list[dict], sampled: list[dict], k: int | None, copy_sources: list[str] | None) -> dict:
    code = [s for s in greedy if s["pass"] is not None]
    failures = Counter(s["status"] for s in greedy)
    truncated = sum(s["truncated"] for s in greedy)
    return {
        "compile@1": _compile_rate(greedy).as_dict(),
        "compile@k": _compile_at_k(sampled, k),
        "requires@1": _requires_rate(greedy).as_dict(),
        "compile+requires@1": _compile_and_requires_rate(greedy).as_dict(),
        "failures": {status: failures.get(status, 0) for status in ("pass", "compile_error", "no_code", "trivial_code", "prose")},
        "code_prompts": len(code),
        "truncated": {"count": truncated, "n": len(greedy), "rate": truncated / len(greedy) if greedy else 0.0},
        "copy": _copy(code, copy_sources),
    }


def _compile_at_k(sampled: list[dict], k: int | None) -> dict | None:
    """Mean unbiased pass@k over prompts; its interval treats the mean as a proportion of prompts (approximate)."""
    by_id: dict[str, list[bool]] = defaultdict(list)
    for s in sampled:
        if s["pass"] is not None:
            by_id[s["id"]].append(bool(s["pass"]))
    if not by_id or not k:
        return None
    counts = [(len(v), sum(v)) for v in by_id.values()]
    n = min(c[0] for c in counts)
    value = mean_pass_at_k(counts, k)
    r = rate(value * len(counts), len(counts))
    return {**r.as_dict(), "value": value, "k": k, "samples": n, "pass@1_sampled": mean_pass_at_k(counts, 1)}


def _copy(code: list[dict], sources: list[str] | None) -> dict:
    if sources is None:
        return {"rate": None, "lines": 0, "copied": 0, "sources": [], "mostly_copied_passes": None, "passes": 0}
    lines = sum(s["copy"]["lines"] for s in code)
    copied = sum(s["copy"]["copied"] for s in code)
    passes = [s for s in code if s["pass"]]
    mostly = sum(1 for s in passes if s["copy"]["lines"] and s["copy"]["copied"] / s["copy"]["lines"] >= COPIED_SAMPLE_SHARE)
    return {"rate": copied / lines if lines else 0.0, "lines": lines, "copied": copied, "sources": sources,
            "mostly_copied_passes": mostly, "passes": len(passes)}


def _breakdown(greedy: list[dict], key: str) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for s in greedy:
        labels = s[key] if isinstance(s[key], list) else [s[key]]
        for label in labels:
            groups[label].append(s)
    out = {}
    for label in sorted(groups):
        items = groups[label]
        compile_rate = _compile_rate(items)
        out[label] = {"n": compile_rate.n, "prompts": len(items), "compile@1": compile_rate.as_dict(),
                      "requires@1": _requires_rate(items).as_dict(), "truncated": sum(s["truncated"] for s in items)}
    return out


def _top_errors(greedy: list[dict]) -> list[dict]:
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for s in greedy:
        for message, line in zip(s["errors"], [d for d in s["diagnostics"] if ": error at line" in d]):
            counts[message] += 1
            examples.setdefault(message, line.split("): ", 1)[-1].split("  <- ")[0][:100])
    return [{"message": m, "count": c, "example": examples.get(m, "")} for m, c in counts.most_common(TOP_ERRORS)]
