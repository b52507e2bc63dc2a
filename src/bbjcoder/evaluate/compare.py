"""Comparing evaluations: the same table across models, the first one as the baseline.

    reports = [load_report("runs/tiny-A@base"), load_report("runs/tiny-A"), load_report("evals/x/report.json")]
    print(comparison_markdown(reports))

- Only reports made on the same prompt set (same fingerprint) are compared; anything else is an EvalError
  naming each report's prompt set.
- Each later row shows its change against the first; `n.s.` marks a change whose 95% interval (Newcombe,
  from the two Wilson intervals) contains 0.
- The forgetting check: HumanEval pass@1 against the first row (the base), flagged when it drops by more
  than 5 points (the training plan's limit).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import EvalError
from .render import FORGETTING_DROP, pct, rate_cell, table_header, table_row

__all__ = ["load_report", "check_comparable", "comparison_markdown", "write_comparison"]


def load_report(ref: str | Path, name: str | None = None) -> tuple[dict, Path]:
    """(report, its path) for a report.json, an evaluation folder, a run folder or RUN@base.

    A run folder gives its newest evaluation (or the one called `name`); RUN@base its newest base-* evaluation.
    """
    text = str(ref)
    base = text.endswith("@base")
    path = Path(text.removesuffix("@base"))
    if path.is_file():
        return _read(path), path
    if (path / "report.json").is_file() and not base:
        return _read(path / "report.json"), path / "report.json"
    if (path / "config.yaml").is_file():
        found = _run_reports(path, name, base)
        return _read(found), found
    raise EvalError(f"{ref}: not a report.json, an evaluation folder or a run folder with evaluations")


def _run_reports(run: Path, name: str | None, base: bool) -> Path:
    folder = run / "eval"
    prefix = "base-" if base else ""
    if name:
        candidates = [folder / f"{prefix}{name}" / "report.json"]
    else:
        candidates = [p for p in folder.glob("*/report.json") if p.parent.name.startswith("base-") == base]
    candidates = [p for p in candidates if p.is_file()]
    if not candidates:
        what = f"evaluation {prefix}{name}" if name else ("base evaluation" if base else "evaluation")
        raise EvalError(f"{run}{'@base' if base else ''}: no {what} in {folder}; run `bbjcoder eval {run}{'@base' if base else ''}` first")
    return max(candidates, key=lambda p: p.stat().st_mtime)


def _read(path: Path) -> dict:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise EvalError(f"{path}: cannot read the report ({exc})") from None
    if not isinstance(report, dict) or "metrics" not in report or "prompt_set" not in report:
        raise EvalError(f"{path}: not an evaluation report (no metrics / prompt_set); give a report.json written by bbjcoder eval")
    return report


def check_comparable(reports: list[dict], paths: list[str]) -> None:
    prints = {r["prompt_set"]["fingerprint"] for r in reports}
    if len(prints) > 1:
        lines = [f"  - {p}: {r['prompt_set']['path']} ({r['prompt_set']['n']} prompts, fingerprint {r['prompt_set']['fingerprint']})"
                 for p, r in zip(paths, reports)]
        raise EvalError("cannot compare reports made on different prompt sets:\n" + "\n".join(lines)
                        + "\nevaluate every model on the same prompts (bbjcoder eval --prompts FILE, without --limit) and compare those")


def comparison_markdown(reports: list[dict], sources: list[str] | None = None, chart: str | None = None) -> str:
    base = reports[0]
    ps = base["prompt_set"]
    lines = [f"# Comparison on `{ps['path']}`", "",
             f"{ps['n']} prompts (fingerprint `{ps['fingerprint']}`). Baseline: {base['model']['label']} (first row)."
             " `n.s.`: the 95% interval of the difference to the baseline contains 0 (not significant).", ""]
    lines += table_header() + [table_row(r, None if i == 0 else base) for i, r in enumerate(reports)] + [""]
    lines += _setting_notes(reports) + _forgetting(reports) + _by_generation(reports)
    if chart:
        lines += [f"![compile@1 per generation]({chart})", ""]
    if sources:
        lines += ["Reports: " + ", ".join(f"`{s}`" for s in sources), ""]
    return "\n".join(lines)


def _setting_notes(reports: list[dict]) -> list[str]:
    notes = []
    for key in ("max_new_tokens", "samples", "k"):
        values = {r["model"]["label"]: r["settings"].get(key) for r in reports}
        if len(set(values.values())) > 1:
            notes.append(f"- settings differ in {key}: " + ", ".join(f"{m} {v}" for m, v in values.items()))
    checkers = {r["checker"] for r in reports}
    if len(checkers) > 1:
        notes.append(f"- different checkers: {', '.join(sorted(checkers))}")
    return (["Caution:", *notes, ""]) if notes else []


def _forgetting(reports: list[dict]) -> list[str]:
    if not any(r.get("general") for r in reports):
        return []
    base = reports[0].get("general")
    rows = []
    for r in reports:
        g = r.get("general")
        if not g:
            rows.append(f"| {r['model']['label']} | — | — | not measured |")
            continue
        if base is None or base["subset"] != g["subset"]:
            rows.append(f"| {r['model']['label']} | {rate_cell(g['pass@1'])} | — | {'no base measurement' if base is None else 'other subset than the base'} |")
            continue
        drop = base["pass@1"]["value"] - g["pass@1"]["value"]
        flag = "⚠ FORGETTING: drop > 5 pts" if drop > FORGETTING_DROP else "ok"
        rows.append(f"| {r['model']['label']} | {rate_cell(g['pass@1'], base['pass@1'] if r is not reports[0] else None)} | {100 * (g['pass@1']['value'] - base['pass@1']['value']):+.1f} pts | {flag} |")
    return ["## Forgetting check: HumanEval pass@1 against the base (first row)", "",
            "| Model | pass@1 | change | flag |", "|---|---|---|---|", *rows, ""]


def _by_generation(reports: list[dict]) -> list[str]:
    labels = sorted({g for r in reports for g in r["breakdowns"]["generation"]})
    header = "| generation | " + " | ".join(r["model"]["label"] for r in reports) + " |"
    rows = [f"| {g} | " + " | ".join(pct(r["breakdowns"]["generation"].get(g, {}).get("compile@1", {}).get("value")) for r in reports) + " |"
            for g in labels]
    return ["## compile@1 by generation", "", header, "|---|" + "---|" * len(reports), *rows, ""]


def write_comparison(reports: list[dict], out_dir: Path, stem: str, sources: list[str] | None = None) -> Path:
    """Write <stem>.md and <stem>.png under out_dir (a new name: never overwrites); return the .md path."""
    from .plots import plot_compile_by_generation

    out_dir.mkdir(parents=True, exist_ok=True)
    n = 1
    while (out_dir / f"{stem}{'' if n == 1 else f'-{n}'}.md").exists():
        n += 1
    stem = stem if n == 1 else f"{stem}-{n}"
    plot_compile_by_generation(reports, out_dir / f"{stem}.png")
    md = out_dir / f"{stem}.md"
    md.write_text(comparison_markdown(reports, sources, f"{stem}.png"), encoding="utf-8")
    return md
