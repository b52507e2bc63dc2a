"""MODEL_CARD.md: what the exported model is, how it was made, how well it does, what each file is, how to run it.

    text = model_card(CardInputs(run=run, files=[...], ...))

Read from the run folder: config.yaml (base, method, every hyper-parameter), dataset.json (content hash, files,
counts), metrics.jsonl (final train/validation loss per stage), state.json (start/end, stage summaries),
eval/<name>/report.json when present (the evaluate stage's schema: model.label, prompt_set.n, date and
metrics["compile@1" | "compile@k" | "requires@1"] as {"value", "low", "high", "passes", "n"}).
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .arch import ArchSpec
from .source import RunSource, read_json, read_metrics

__all__ = ["CardInputs", "FileEntry", "model_card", "eval_reports"]


@dataclass(frozen=True)
class FileEntry:
    name: str  # relative to the export folder
    size: int
    sha256: str
    note: str = ""


@dataclass
class CardInputs:
    run: RunSource
    model_name: str
    arch: ArchSpec
    n_params: int
    files: list[FileEntry]
    modelfile_from: str
    stops: list[str]
    notes: list[str] = field(default_factory=list)
    exported_at: float = field(default_factory=time.time)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_fmt(c).replace("|", "\\|") for c in row) + " |" for row in rows]


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(data, dict) and data:
        return [kv for k, v in data.items() for kv in _flatten(v, f"{prefix}{k}.")]
    return [(prefix[:-1], data)]


# --- sections ---------------------------------------------------------------------------------------------------


def _model_section(c: CardInputs) -> list[str]:
    model = c.run.config.get("model", {})
    method = c.run.method
    if c.run.is_adapter:
        lora = model.get("lora", {})
        method += f" (r={lora.get('r')}, alpha={lora.get('alpha')}, dropout={lora.get('dropout')}, target modules {_fmt(lora.get('target_modules'))})"
    base = c.run.base
    base_text = "tiny: trained from scratch (Qwen2 architecture, byte-level BPE trained on BBj)" if base == "tiny" else base
    rows = [
        ["Base model", base_text],
        ["Method", method + (", merged into the 16-bit base for export" if c.run.is_adapter else "")],
        ["Architecture", c.arch.describe()],
        ["Parameters", f"{c.n_params:,}"],
        ["Chat template", f"the training tokenizer's (run {c.run.id}/tokenizer), stop tokens {', '.join(c.stops)}"],
    ]
    return ["## Model", "", *_table(["", ""], rows), ""]


def _times(run: RunSource) -> tuple[float | None, float | None]:
    state = run.state()
    created = run.dataset().get("created")
    start = time.mktime(time.strptime(created, "%Y-%m-%dT%H:%M:%S")) if created else None
    ends = [h["time"] for h in state.get("history", []) if h.get("state") == "done"]
    metrics = read_metrics(run.root / "metrics.jsonl")
    if start is None and metrics:
        start = min(r.get("time", float("inf")) for r in metrics)
    end = ends[-1] if ends else max((r.get("time", 0.0) for r in metrics), default=None)
    return start, end


def _training_section(c: CardInputs) -> list[str]:
    start, end = _times(c.run)
    when = lambda t: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"  # noqa: E731
    duration = f"{(end - start) / 60:.1f} min" if start and end else "-"
    summaries = [h for h in c.run.state().get("history", []) if "summary" in h]
    hardware = c.run.state().get("hardware") or "not recorded in the run folder (model.device: " + _fmt(c.run.config.get("model", {}).get("device")) + ")"
    lines = ["## Training", "", f"- Started: {when(start)}; finished: {when(end)}; duration: {duration}",
             f"- Training hardware: {hardware}"]
    for h in summaries:
        s = h["summary"]
        lines.append(f"- {h['stage']}: {s.get('steps')} steps in {_fmt(s.get('train_seconds'))} s, best checkpoint {_fmt(s.get('best_checkpoint'))}")
    lines += ["", "### Hyper-parameters (config.yaml, fully resolved)", ""]
    stages = [s for s in ("pretrain", "instruct") if isinstance(c.run.config.get(s), dict)]
    keys = list(dict.fromkeys(k for s in stages for k, _ in _flatten(c.run.config[s])))
    if stages:
        values = {s: dict(_flatten(c.run.config[s])) for s in stages}
        lines += _table(["key", *stages], [[k, *(values[s].get(k) for s in stages)] for k in keys]) + [""]
    other = [(k, v) for section, data in c.run.config.items() if section not in stages for k, v in _flatten({section: data})]
    lines += _table(["key", "value"], [[k, v] for k, v in other]) + [""]
    return lines


def _data_section(c: CardInputs) -> list[str]:
    data = c.run.dataset()
    lines = ["## Data", "", f"- Content hash: `{data.get('content_hash', '-')}`", ""]
    files = data.get("files") or {}
    if files:
        lines += _table(["role", "path", "sha256", "bytes"], [[r, f.get("path"), f"`{f.get('sha256')}`", f.get("bytes")] for r, f in files.items()]) + [""]
    counts = data.get("counts") or {}
    if counts:
        keys = list(dict.fromkeys(k for v in counts.values() for k in v))
        lines += _table(["count", *counts], [[k, *(counts[s].get(k) for s in counts)] for k in keys]) + [""]
    return lines


def _loss_section(c: CardInputs) -> list[str]:
    metrics = read_metrics(c.run.root / "metrics.jsonl")
    rows = []
    for stage in dict.fromkeys(r.get("stage") for r in metrics):
        train = [r for r in metrics if r.get("stage") == stage and r.get("split") == "train"]
        val = [r for r in metrics if r.get("stage") == stage and r.get("split") == "validation"]
        last_step = max((r.get("step", 0) for r in train + val), default=None)
        rows.append([stage, last_step, train[-1]["loss"] if train else None, val[-1]["loss"] if val else None,
                     min((r["loss"] for r in val), default=None)])
    if not rows:
        return ["## Loss", "", "metrics.jsonl has no loss records.", ""]
    return ["## Loss", "", *_table(["stage", "last step", "final train loss", "final validation loss", "best validation loss"], rows), ""]


def eval_reports(run_root: Path) -> list[tuple[str, dict[str, Any]]]:
    """(name, report) of every runs/<id>/eval/<name>/report.json, by name."""
    out = []
    for path in sorted((run_root / "eval").glob("*/report.json")):
        report = read_json(path)
        if isinstance(report, dict):
            out.append((path.parent.name, report))
    return out


def rate_text(rate: dict[str, Any] | None) -> str:
    """An eval report's rate {"value", "low", "high", "passes", "n"} as `12.5% [4.1%, 29.9%] (3/24)`."""
    if not rate or not rate.get("n"):
        return "-"
    return f"{rate['value']:.1%} [{rate['low']:.1%}, {rate['high']:.1%}] ({rate['passes']:g}/{rate['n']})"


def _eval_section(c: CardInputs) -> list[str]:
    """One row per eval report of the run (its trained model and its untrained base), in the report's own numbers."""
    reports = eval_reports(c.run.root)
    if not reports:
        return ["## Evaluation", "", f"No evaluation reports in {c.run.root / 'eval'} at export time; run `bbjcoder eval` and export again.", ""]
    rows = []
    for name, r in reports:
        metrics = r.get("metrics") or {}
        model = r.get("model") or {}
        at_k = metrics.get("compile@k")
        rows.append([name, model.get("label", "-") if isinstance(model, dict) else model,
                     rate_text(metrics.get("compile@1")), rate_text(at_k) if at_k else "-",
                     rate_text(metrics.get("requires@1")), (r.get("prompt_set") or {}).get("n"), r.get("date")])
    header = ["eval set", "model", "compile@1 (95% CI)", "compile@k", "requires@1", "prompts", "date"]
    return ["## Evaluation", "", *_table(header, rows), ""]


def _files_section(c: CardInputs) -> list[str]:
    rows = [[f"`{f.name}`", f"{_size(f.size)} ({f.size:,} bytes)", f"`{f.sha256}`", f.note] for f in c.files]
    return ["## Files", "", *_table(["file", "size", "sha256", "note"], rows), ""]


def _run_section(c: CardInputs) -> list[str]:
    name = c.model_name
    return [
        "## Run it",
        "",
        "With Ollama (the Modelfile carries the training chat template, the stop tokens and the defaults):",
        "",
        "```sh",
        f"ollama create {name} -f Modelfile      # uses FROM {c.modelfile_from}",
        f"ollama run {name}",
        "```",
        "",
        "Ollama's OpenAI-compatible API is at `http://localhost:11434/v1`:",
        "",
        "```sh",
        "curl http://localhost:11434/v1/chat/completions -H 'Content-Type: application/json' \\",
        f"  -d '{{\"model\": \"{name}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Write a BBj program that prints the numbers 1 to 10.\"}}]}}'",
        "```",
        "",
        f"With llama.cpp: `llama-server -m {c.modelfile_from.removeprefix('./')} --jinja` (OpenAI-compatible at `http://localhost:8080/v1`).",
        "With transformers: `AutoModelForCausalLM.from_pretrained('merged')`.",
        "",
    ]


def _machine() -> str:
    try:
        mem = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / (1 << 30)
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        mem = 0.0
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def model_card(c: CardInputs) -> str:
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(c.exported_at))
    lines = [
        f"# {c.model_name} (run {c.run.id})",
        "",
        "A code model for BBj (BASIS Business BASIC), fine-tuned with bbjcoder and exported for self-hosting.",
        f"Exported {date} by `bbjcoder export` on {_machine()}.",
        "",
    ]
    for section in (_model_section, _training_section, _data_section, _loss_section, _eval_section, _files_section, _run_section):
        lines += section(c)
    if c.notes:
        lines += ["## Notes", "", *(f"- {n}" for n in c.notes), ""]
    return "\n".join(lines)
