"""report.md: the results table and the breakdowns, rendered from report.json (never from live objects).

The table every evaluation and comparison shows:

    | Model | compile@1 | compile@k | requires@1 | n | Date | Notes |

A rate cell reads `41.0% [32.5–50.1]` (value and Wilson 95% interval). In a comparison each later row also says
its change against the first row, `(+6.8 pts, n.s.)` when the 95% interval of the difference contains 0.
"""

from __future__ import annotations

from .metrics import Rate, is_significant

__all__ = ["pct", "rate_cell", "table_header", "table_row", "render_report", "notes_cell", "FORGETTING_DROP"]

FORGETTING_DROP = 0.05  # HumanEval pass@1 drop (absolute) against the base that the training plan calls forgetting


def pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f}%"


def rate_cell(r: dict | None, base: dict | None = None) -> str:
    if not r or not r.get("n"):
        return "—"
    cell = f"{pct(r['value'])} [{100 * r['low']:.1f}–{100 * r['high']:.1f}]"
    if base and base.get("n"):
        a, b = Rate.from_dict(base), Rate.from_dict(r)
        delta = 100 * (b.value - a.value)
        cell += f" ({delta:+.1f} pts{'' if is_significant(a, b) else ', n.s.'})"
    return cell


def table_header() -> list[str]:
    return ["| Model | compile@1 | compile@k | requires@1 | n | Date | Notes |", "|---|---|---|---|---|---|---|"]


def notes_cell(report: dict, base: dict | None = None) -> str:
    m = report["metrics"]
    f = m["failures"]
    parts = [report["note"]] if report.get("note") else []
    parts += [f"truncated {pct(m['truncated']['rate'], 0)}", f"no code {f['no_code']}", f"trivial {f['trivial_code']}"]
    if m["copy"]["rate"] is not None:
        parts.append(f"copied lines {pct(m['copy']['rate'], 0)}")
    general = report.get("general")
    if general:
        parts.append(_general_note(general, (base or {}).get("general")))
    if report.get("review"):
        means = report["review"]["means"]
        parts.append("review " + "/".join(f"{means[c]:.1f}" if means.get(c) is not None else "—" for c in ("correctness", "idiom", "explanation")))
    return ", ".join(parts)


def _general_note(general: dict, base_general: dict | None) -> str:
    text = f"HumanEval {pct(general['pass@1']['value'])} (n={general['pass@1']['n']})"
    if base_general and base_general.get("subset") == general.get("subset"):
        drop = base_general["pass@1"]["value"] - general["pass@1"]["value"]
        text += f" {100 * (general['pass@1']['value'] - base_general['pass@1']['value']):+.1f} pts vs base"
        if drop > FORGETTING_DROP:
            text += " ⚠ FORGETTING (drop > 5 pts)"
    return text


def table_row(report: dict, base: dict | None = None) -> str:
    m = report["metrics"]
    bm = (base or {}).get("metrics") or {}
    k = m.get("compile@k")
    k_cell = rate_cell(k, bm.get("compile@k") if base else None) + f" (k={k['k']}, n={k['samples']})" if k else "—"
    cells = [
        report["model"]["label"],
        rate_cell(m["compile@1"], bm.get("compile@1") if base else None),
        k_cell,
        rate_cell(m["requires@1"], bm.get("requires@1") if base else None),
        str(m["compile@1"]["n"]),
        report["date"],
        notes_cell(report, base),
    ]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render_report(report: dict, chart: str | None = None) -> str:
    lines = [f"# Evaluation of {report['model']['label']}", ""]
    lines += _summary(report) + [""] + table_header() + [table_row(report), ""]
    lines += _failures(report) + _copy(report) + _breakdowns(report) + _errors(report) + _general(report) + _review(report)
    if report.get("notes"):
        lines += ["## Notes", ""] + [f"- {n}" for n in report["notes"]] + [""]
    if chart:
        lines += [f"![compile@1 per generation]({chart})", ""]
    return "\n".join(lines)


def _both_line(m: dict) -> list[str]:
    both = m.get("compile+requires@1")  # reports written before this metric have none
    if not both:
        return []
    return ["", f"**Compiles and has what the task requires** (same answer): {rate_cell(both)}, "
            f"{both['passes']} of {both['n']} code tasks with requires patterns."]


def _summary(report: dict) -> list[str]:
    ps, st = report["prompt_set"], report["settings"]
    m = report["metrics"]
    sampling = f"; {st['samples']} samples per prompt at temperature {st['temperature']}, top_p {st['top_p']}" if st.get("samples") else ""
    return [
        f"Prompt set `{ps['path']}` ({ps['n']} prompts, {m['code_prompts']} expecting code; fingerprint `{ps['fingerprint']}`),"
        f" checked with `{report['checker']}`, {report['date']}.",
        f"Greedy answers for compile@1 and requires@1, max_new_tokens {st['max_new_tokens']}{sampling}.",
        *_both_line(m),
        "compile@1 counts answers without code and answers with only REM/blank lines as failures.",
    ]


def _failures(report: dict) -> list[str]:
    m = report["metrics"]
    n = m["code_prompts"] or 1
    f = m["failures"]
    rows = [f"| {label} | {f[key]} | {pct(f[key] / n)} |" for key, label in
            (("pass", "compiles"), ("compile_error", "compile error"), ("no_code", "no code in the answer"),
             ("trivial_code", "trivial code (REM/blank only)"))]
    t = m["truncated"]
    return ["## Answers by outcome", "", "| outcome | count | share of code prompts |", "|---|---|---|", *rows, "",
            f"Cut off by the token limit before the end-of-turn token: {t['count']} of {t['n']} answers ({pct(t['rate'])})."
            f" Prose answers (comprehension prompts, not in compile@k): {f['prose']}.", ""]


def _copy(report: dict) -> list[str]:
    c = report["metrics"]["copy"]
    if c["rate"] is None:
        return ["## Verbatim copying", "", "Not measured: no training data was given or found (see notes).", ""]
    return ["## Verbatim copying", "",
            f"{c['copied']} of {c['lines']} non-trivial generated code lines ({pct(c['rate'])}) appear word for word in the"
            f" training data ({', '.join(f'`{s}`' for s in c['sources'])}). Of the {c['passes']} answers that compile,"
            f" {c['mostly_copied_passes']} consist of at least 80% copied lines.", ""]


def _breakdowns(report: dict) -> list[str]:
    out: list[str] = []
    for key, table in report["breakdowns"].items():
        out += [f"## By {key}", "", f"| {key} | n | compile@1 | requires@1 | truncated |", "|---|---|---|---|---|"]
        out += [f"| {label} | {row['n']} | {rate_cell(row['compile@1'])} | {rate_cell(row['requires@1'])} | {row['truncated']} |"
                for label, row in table.items()]
        out.append("")
    return out


def _errors(report: dict) -> list[str]:
    errors = report["top_errors"]
    if not errors:
        return ["## Most frequent errors", "", "No compile errors.", ""]
    rows = [f"| {i} | {e['count']} | {e['message']} | `{_code_cell(e['example'])}` |" for i, e in enumerate(errors, 1)]
    return ["## Most frequent errors", "", "| # | count | message | example line |", "|---|---|---|---|", *rows, ""]


def _code_cell(text: str) -> str:
    return text.replace("|", "/").replace("`", "'")


def _general(report: dict) -> list[str]:
    g = report.get("general")
    if not g:
        return []
    return ["## General code: HumanEval", "",
            f"pass@1 {rate_cell(g['pass@1'])} on {g['pass@1']['n']} problems (subset `{g['subset']}`; sandbox: {g['sandbox']});"
            f" {g['timeouts']} timed out, {g['no_code']} without code.", ""]


def _review(report: dict) -> list[str]:
    r = report.get("review")
    if not r:
        return []
    means = ", ".join(f"{c} {r['means'][c]:.2f}" if r["means"].get(c) is not None else f"{c} —" for c in ("correctness", "idiom", "explanation"))
    return ["## Human review", "", f"{r['scored']} answers scored 1-5 (`{r['sheet']}`): {means}.", ""]
