"""The pipeline's closing numbers: compile@1 before/after, losses, artifacts and time per stage.

Read from the files the stages wrote (report.json, metrics.jsonl, the export folder), so the
terminal table shows exactly what the reports and the model card say.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["collect_summary", "final_losses", "render_summary"]


def final_losses(metrics: Path) -> dict[str, dict[str, float]]:
    """Per training stage: the last train loss and the best validation loss in metrics.jsonl."""
    out: dict[str, dict[str, float]] = {}
    if not metrics.is_file():
        return out
    for line in metrics.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("loss") is None:
            continue
        stage = out.setdefault(row["stage"], {})
        if row["split"] == "train":
            stage["train"] = row["loss"]
        elif row["split"] == "validation":
            stage["first_validation"] = stage.get("first_validation", row["loss"])
            stage["validation"] = min(stage.get("validation", row["loss"]), row["loss"])
    return out


def collect_summary(stages: list) -> dict[str, Any]:
    by_name = {s.name: s for s in stages}
    summary: dict[str, Any] = {"seconds": {s.name: round(s.seconds, 1) for s in stages},
                               "status": {s.name: s.status for s in stages}, "models": [], "artifacts": {}}
    if "build" in by_name and by_name["build"].outputs:
        summary["artifacts"]["dataset"] = by_name["build"].outputs.get("dir")
    train = by_name.get("train")
    if train and train.outputs:
        summary["artifacts"]["run"] = train.outputs["run"]
        summary["losses"] = final_losses(Path(train.outputs["run"]) / "metrics.jsonl")
    evaluated = by_name.get("evaluate")
    if evaluated and evaluated.outputs:
        for path in evaluated.outputs["reports"]:
            report = json.loads(Path(path).read_text(encoding="utf-8"))
            model = report.get("model")
            summary["models"].append({"model": model.get("label") if isinstance(model, dict) else model, "report": path,
                                      "compile@1": report["metrics"]["compile@1"],
                                      "requires@1": report["metrics"]["requires@1"]})
        summary["artifacts"]["reports"] = evaluated.outputs["reports"]
    export = by_name.get("export")
    if export and export.outputs:
        summary["artifacts"]["export"] = export.outputs.get("dir")
    return summary


def render_summary(summary: dict[str, Any]):
    """Rich renderables: stages with time, models with compile@1, losses, artifact paths."""
    from rich.table import Table

    from ..export.card import rate_text

    stages = Table(title="Stages", show_edge=False)
    for column in ("stage", "status", "seconds"):
        stages.add_column(column)
    for name, seconds in summary["seconds"].items():
        stages.add_row(name, summary["status"][name], f"{seconds:.1f}")
    models = Table(title="compile@1 on the held-out set (95% Wilson interval)", show_edge=False)
    for column in ("model", "compile@1", "requires@1"):
        models.add_column(column)
    for row in summary["models"]:
        models.add_row(str(row["model"]), rate_text(row["compile@1"]), rate_text(row["requires@1"]))
    losses = Table(title="Loss (last train / best validation)", show_edge=False)
    for column in ("stage", "train", "validation (first -> best)"):
        losses.add_column(column)
    for stage, values in summary.get("losses", {}).items():
        val = f"{values['first_validation']:.3f} -> {values['validation']:.3f}" if "validation" in values else "-"
        losses.add_row(stage, f"{values.get('train', float('nan')):.3f}", val)
    artifacts = Table(title="Artifacts", show_edge=False, show_header=False)
    for key, value in summary["artifacts"].items():
        artifacts.add_row(key, "\n".join(value) if isinstance(value, list) else str(value))
    return [stages, models, losses, artifacts]
