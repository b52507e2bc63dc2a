"""Weak areas: where a model fails most, and draft training examples to close the gap.

    gaps = find_gaps(report, samples)                # lowest-scoring labels and generation x type cells, top errors
    paths = write_drafts(gaps, Path("training-data/_drafts"), source="runs/<id>/eval/bbj-eval/report.json")

The loop: evaluate, find the weakest generation/type cells and the most frequent compile errors, write targeted
examples, retrain, compare on the same prompts. Drafts get their front matter filled in (title, type,
generation, difficulty, tags, description) and a body marked TODO; they live in training-data/_drafts/, which
validation and the build skip until a writer moves a finished example into a topic folder.

The drafts never quote the evaluation prompts: those are held out, and training on them would make the next
evaluation meaningless.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .metrics import rate

__all__ = ["Gap", "Gaps", "find_gaps", "write_drafts", "render_gaps"]

_GENERATIONS = ("all", "character", "vpro5", "bbj-gui", "dwc")
_TYPES = ("completion", "comprehension", "migration", "explanation")
_DIFFICULTIES = ("basic", "intermediate", "advanced")
MIN_PROMPTS = 2  # a cell with fewer prompts says nothing


@dataclass
class Gap:
    generation: str
    type: str
    n: int
    passes: int
    difficulty: str
    errors: list[str] = field(default_factory=list)  # the cell's most frequent error messages

    @property
    def value(self) -> float:
        return self.passes / self.n if self.n else 0.0


@dataclass
class Gaps:
    labels: list[tuple[str, str, dict]]  # (dimension, label, row) lowest compile@1 first
    cells: list[Gap]
    errors: list[dict]  # [{message, count, example, generation}]


def find_gaps(report: dict, samples: list[dict], top: int = 5) -> Gaps:
    """The weakest labels (per dimension), the weakest generation x type cells, the most frequent errors."""
    labels = [(dim, label, row) for dim, table in report["breakdowns"].items() for label, row in table.items() if row["n"] >= MIN_PROMPTS]
    labels.sort(key=lambda x: (x[2]["compile@1"]["value"], -x[2]["n"]))
    greedy = [s for s in samples if s["mode"] == "greedy" and s["pass"] is not None]
    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for s in greedy:
        for g in s["generation"]:
            cells[(g, s["type"])].append(s)
    gaps = []
    for (g, t), items in cells.items():
        if len(items) < MIN_PROMPTS:
            continue
        errors = Counter(e for s in items for e in s["errors"])
        difficulty = Counter(s["difficulty"] for s in items if not s["pass"]).most_common(1)
        gaps.append(Gap(g, t, len(items), sum(bool(s["pass"]) for s in items),
                        difficulty[0][0] if difficulty else "basic", [m for m, _ in errors.most_common(3)]))
    gaps.sort(key=lambda c: (c.value, -c.n))
    return Gaps(labels[:top], gaps[:top], _errors_with_generation(report, greedy, top))


def _errors_with_generation(report: dict, greedy: list[dict], top: int) -> list[dict]:
    out = []
    for e in report["top_errors"][:top]:
        gens = Counter(g for s in greedy if e["message"] in s["errors"] for g in s["generation"])
        out.append({**e, "generation": gens.most_common(1)[0][0] if gens else "all"})
    return out


def render_gaps(gaps: Gaps) -> str:
    lines = ["Lowest compile@1 by label:"]
    for dim, label, row in gaps.labels:
        r = rate(row["compile@1"]["passes"], row["n"])
        lines.append(f"  {dim:<10} {label:<14} {100 * r.value:5.1f}% of {row['n']} [{100 * r.low:.1f}-{100 * r.high:.1f}]")
    lines.append("Weakest generation x type:")
    lines += [f"  {c.generation:<10} {c.type:<14} {100 * c.value:5.1f}% of {c.n}" + (f"  ({'; '.join(c.errors)})" if c.errors else "")
              for c in gaps.cells]
    lines.append("Most frequent compile errors:")
    lines += [f"  {e['count']:>4}  {e['message']}  (mostly {e['generation']})" for e in gaps.errors]
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "gap"


def _free(path: Path) -> Path:
    n = 1
    while (candidate := path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


def write_drafts(gaps: Gaps, out_dir: Path, source: str) -> list[Path]:
    """One draft per weak cell and per frequent error; never overwrites an existing draft."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for c in gaps.cells:
        meta = {"title": f"TODO: a {c.type} example for {c.generation} (eval gap)", "type": _type(c.type),
                "generation": _generation(c.generation), "difficulty": _difficulty(c.difficulty),
                "tags": ["gap", c.generation, c.type],
                "description": f"TODO: one or two sentences. Written because compile@1 on {c.generation} {c.type} prompts was"
                               f" {100 * c.value:.0f}% ({c.passes}/{c.n})."}
        why = f"compile@1 {c.passes}/{c.n} on {c.generation} x {c.type}" + (f"; frequent errors: {'; '.join(c.errors)}" if c.errors else "")
        written.append(_write(out_dir / f"gap-{_slug(c.generation)}-{_slug(c.type)}.md", meta, why, source))
    for e in gaps.errors:
        meta = {"title": f"TODO: write correct BBj that avoids: {e['message']}", "type": "completion",
                "generation": _generation(e["generation"]), "difficulty": "basic", "tags": ["gap", "compile-error"],
                "description": f"TODO: a program that uses the construct behind the error \"{e['message']}\" correctly."}
        why = f"error seen {e['count']} times, e.g. `{e['example']}`"
        written.append(_write(out_dir / f"gap-error-{_slug(e['message'])}.md", meta, why, source))
    return written


def _type(t: str) -> str:
    return t if t in _TYPES else "completion"


def _generation(g: str) -> str:
    return g if g in _GENERATIONS else "all"


def _difficulty(d: str) -> str:
    return d if d in _DIFFICULTIES else "basic"


def _write(path: Path, meta: dict, why: str, source: str) -> Path:
    import yaml

    path = _free(path)
    if meta["type"] == "migration":
        meta["to_generation"] = meta["generation"]
        meta["from_generation"] = "character" if meta["generation"] != "character" else "vpro5"
    code = ("### Before\n\n```bbj\nrem TODO: the old code\n```\n\n### After\n\n```bbj\nrem TODO: the new code\n```"
            if meta["type"] == "migration" else "```bbj\nrem TODO: the program\n```")
    body = (f"<!-- Draft by `bbjcoder data gaps` from {source} on {time.strftime('%Y-%m-%d')}: {why}.\n"
            "     Write a new task; do not copy or paraphrase the held-out evaluation prompts. Move the finished file\n"
            "     into a topic folder (training-data/<topic>/) so the build picks it up. -->\n\n"
            f"## Code\n\n{code}\n\n## Expected Behavior\n\nTODO\n\n## Explanation\n\nTODO\n")
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" + body, encoding="utf-8")
    return path
