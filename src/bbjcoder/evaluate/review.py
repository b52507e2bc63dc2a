"""Human review: a sheet of answers to score 1-5, and importing the scores back into the report.

    sheet = write_review_sheet(Path("runs/<id>/eval/bbj-eval"), n=20, fmt="md")   # review.md (or review.csv)
    ... a person fills in the scores ...
    report_path, review = import_review(sheet)        # report.json gains "review"; report.md is re-rendered

Criteria, each 1-5 (1 unusable, 3 works after fixes, 5 what an expert would write); empty = not scored:
    correctness  does it do what was asked (would it run and behave right)?
    idiom        is it the BBj a maintainer would write for that generation?
    explanation  is the prose right, useful and about this code?

Markdown sheet: one section per answer, marked `<!-- review-item id="eval-0001" sample="0" -->`, prompt and
answer in ~~~ fences (never parsed), then the lines `- correctness: `, `- idiom: `, `- explanation: `,
`- comment: ` to fill in. CSV sheet: columns id, sample, generation, type, status, prompt, output,
correctness, idiom, explanation, comment. The first line (Markdown) / a `report` column (CSV) names the report.
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

from ..errors import EvalError, InputError

__all__ = ["CRITERIA", "write_review_sheet", "read_review_sheet", "import_review"]

CRITERIA = ("correctness", "idiom", "explanation")
_ITEM = re.compile(r'^<!-- review-item id="(?P<id>[^"]+)" sample="(?P<sample>\d+)" -->\s*$')
_SCORE = re.compile(r"^- (?P<key>correctness|idiom|explanation|comment):(?P<value>.*)$")
_REPORT = re.compile(r"^<!-- bbjcoder review sheet; report: (?P<path>.+?) -->\s*$")
_FIELDS = ["id", "sample", "generation", "type", "status", "prompt", "output", *CRITERIA, "comment", "report"]


def _eval_folder(ref: Path) -> Path:
    folder = ref.parent if ref.is_file() else ref
    if not (folder / "report.json").is_file() or not (folder / "samples.jsonl").is_file():
        raise InputError(f"{ref}: not an evaluation folder (report.json and samples.jsonl expected)")
    return folder


def _samples(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "samples.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def _free(path: Path) -> Path:
    n = 1
    while (candidate := path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


def write_review_sheet(ref: Path, n: int = 20, seed: int = 0, fmt: str = "md") -> Path:
    """Pick n greedy answers (a fixed random choice per seed), write the sheet next to the report, return its path."""
    if fmt not in ("md", "csv"):
        raise InputError(f"--format {fmt!r}: use md or csv")
    folder = _eval_folder(Path(ref))
    greedy = [s for s in _samples(folder) if s["mode"] == "greedy"]
    chosen = sorted(random.Random(seed).sample(greedy, min(n, len(greedy))), key=lambda s: s["id"])
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    path = _free(folder / f"review.{fmt}")
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=_FIELDS)
            writer.writeheader()
            for s in chosen:
                writer.writerow({"id": s["id"], "sample": s["sample"], "generation": ",".join(s["generation"]), "type": s["type"],
                                 "status": s["status"], "prompt": s["prompt"], "output": s["output"], "report": "report.json"})
    else:
        path.write_text(_markdown_sheet(report, chosen), encoding="utf-8")
    return path


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"~+", text)), default=0)
    return "~" * max(4, longest + 1)


def _markdown_sheet(report: dict, chosen: list[dict]) -> str:
    lines = ["<!-- bbjcoder review sheet; report: report.json -->",
             f"# Review sheet: {report['model']['label']} on `{report['prompt_set']['path']}`", "",
             "Score each answer 1-5 for correctness, idiom and explanation (1 unusable, 3 works after fixes, 5 what an"
             " expert would write); leave a score empty to skip it. Then: `bbjcoder eval import-review THIS_FILE`.", ""]
    for s in chosen:
        lines += ["---", f"## {s['id']} · sample {s['sample']}", f'<!-- review-item id="{s["id"]}" sample="{s["sample"]}" -->',
                  f"{', '.join(s['generation'])} · {s['type']} · checker: {s['status']}{' · truncated' if s['truncated'] else ''}", ""]
        for title, text in (("Prompt", s["prompt"]), ("Answer", s["output"])):
            fence = _fence(text)
            lines += [f"### {title}", "", f"{fence}text", text, fence, ""]
        lines += ["### Scores", "", *(f"- {c}: " for c in CRITERIA), "- comment: ", ""]
    return "\n".join(lines)


def read_review_sheet(sheet: Path) -> tuple[list[dict], str | None]:
    """(items, report path named in the sheet). Items: {id, sample, correctness..., comment}; bad scores are errors."""
    if not sheet.is_file():
        raise InputError(f"{sheet}: review sheet not found")
    if sheet.suffix == ".csv":
        return _read_csv(sheet)
    return _read_markdown(sheet)


def _score(value: str, where: str, key: str, problems: list[str]) -> int | None:
    value = value.strip()
    if not value:
        return None
    if value.isdigit() and 1 <= int(value) <= 5:
        return int(value)
    problems.append(f"{where}: {key} must be a whole number from 1 to 5 (or empty), got {value!r}")
    return None


def _read_markdown(sheet: Path) -> tuple[list[dict], str | None]:
    items: list[dict] = []
    problems: list[str] = []
    report = None
    fence: str | None = None
    for lineno, line in enumerate(sheet.read_text(encoding="utf-8").splitlines(), 1):
        if fence:
            fence = None if line.strip() == fence else fence
            continue
        if line.startswith("~~~~"):
            fence = re.match(r"~+", line).group(0)
        elif m := _REPORT.match(line):
            report = m.group("path")
        elif m := _ITEM.match(line):
            items.append({"id": m.group("id"), "sample": int(m.group("sample")), "comment": ""})
        elif (m := _SCORE.match(line)) and items:
            key, value = m.group("key"), m.group("value")
            if key == "comment":
                items[-1]["comment"] = value.strip()
            else:
                items[-1][key] = _score(value, f"{sheet}:{lineno}", key, problems)
    if problems:
        raise InputError(f"{sheet}: {len(problems)} bad score(s):\n" + "\n".join(f"  - {p}" for p in problems))
    return items, report


def _read_csv(sheet: Path) -> tuple[list[dict], str | None]:
    items: list[dict] = []
    problems: list[str] = []
    report = None
    with sheet.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [f for f in ("id", "sample", *CRITERIA) if f not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{sheet}: missing column(s) {', '.join(missing)}; write the sheet with `bbjcoder eval review-sheet --format csv`")
        for rowno, row in enumerate(reader, 2):
            item = {"id": row["id"], "sample": int(row["sample"] or 0), "comment": (row.get("comment") or "").strip()}
            for c in CRITERIA:
                item[c] = _score(row.get(c) or "", f"{sheet}:{rowno}", c, problems)
            items.append(item)
            report = report or row.get("report") or None
    if problems:
        raise InputError(f"{sheet}: {len(problems)} bad score(s):\n" + "\n".join(f"  - {p}" for p in problems))
    return items, report


def import_review(sheet: Path, report_path: Path | None = None) -> tuple[Path, dict]:
    """Merge the sheet's scores into the report (report.json "review"; report.md re-rendered)."""
    from .render import render_report

    sheet = Path(sheet)
    items, named = read_review_sheet(sheet)
    report_path = Path(report_path) if report_path else sheet.parent / (named or "report.json")
    folder = _eval_folder(report_path)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    known = {(s["id"], s["sample"]): s for s in _samples(folder) if s["mode"] == "greedy"}
    unknown = [f"{i['id']} (sample {i['sample']})" for i in items if (i["id"], i["sample"]) not in known]
    if unknown:
        raise EvalError(f"{sheet}: answers not in {folder / 'samples.jsonl'}: {', '.join(unknown[:10])}; was the sheet written for another evaluation?")
    scored = [i for i in items if any(i.get(c) is not None for c in CRITERIA)]
    for i in scored:
        i["type"] = known[(i["id"], i["sample"])]["type"]
    review = {"sheet": str(sheet), "items": scored, "scored": len(scored), "unscored": len(items) - len(scored),
              "means": _means(scored), "by_type": {t: _means([i for i in scored if i["type"] == t]) for t in sorted({i["type"] for i in scored})}}
    report["review"] = review
    report_path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    chart = (report.get("files") or {}).get("chart")
    (folder / "report.md").write_text(render_report(report, chart), encoding="utf-8")
    return report_path, review


def _means(items: list[dict]) -> dict:
    out = {}
    for c in CRITERIA:
        values = [i[c] for i in items if i.get(c) is not None]
        out[c] = sum(values) / len(values) if values else None
    return out
