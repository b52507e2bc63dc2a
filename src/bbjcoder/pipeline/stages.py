"""One function per pipeline stage: skip when the inputs are unchanged, else run and record.

Each stage computes the fingerprint of its inputs (file contents and its settings, plus the
upstream stage's output), compares it with the pipeline state, and either skips (outputs still on
disk), resumes (an unfinished training run with the same config and data) or runs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError, TrainError
from .config import PipelineConfig
from .state import PipelineState, files_digest, fingerprint

__all__ = ["StageOutcome", "validate_stage", "build_stage", "train_stage", "evaluate_stage", "export_stage"]

BUILD_FILES = ("train.jsonl", "validation.jsonl", "test.jsonl", "corpus.jsonl")


@dataclass
class StageOutcome:
    name: str
    status: str  # ran | skipped | resumed | off
    seconds: float
    outputs: dict[str, Any] = field(default_factory=dict)


def _skip(name: str, record: dict[str, Any]) -> StageOutcome:
    return StageOutcome(name, "skipped", 0.0, record["outputs"])


def _example_folders(cfg: PipelineConfig) -> list[Path]:
    from ..data.validate import example_files

    return [Path(s) for s in cfg.build.sources if Path(s).is_dir() and example_files(Path(s))]


def validate_stage(cfg: PipelineConfig, state: PipelineState) -> StageOutcome:
    """Schema, sections, every code block and the label lint of the Markdown example folders."""
    from ..bbj import get_checker
    from ..data.validate import load_markdown_folder

    folders = _example_folders(cfg)
    if not cfg.settings.validate_examples or not folders:
        return StageOutcome("validate", "off", 0.0)
    from ..data.validate import example_files

    # the example files only: the build rewrites COVERAGE.md beside them
    print_ = fingerprint("validate", files_digest([f / rel for f in folders for rel in example_files(f)]),
                         cfg.build.checker)
    if record := state.current("validate", print_):
        return _skip("validate", record)
    start = time.perf_counter()
    checker = get_checker(cfg.build.checker, cfg.build.compiler)
    files, errors = 0, []
    for folder in folders:
        report = load_markdown_folder(folder, checker, label=str(folder))
        files += report.files
        errors += report.errors
    if errors:
        raise DataError(f"{len(errors)} error(s) in the examples, first: {errors[0]}; "
                        "see them all with `bbjcoder data validate`")
    outputs = {"files": files, "folders": [str(f) for f in folders]}
    state.record("validate", print_, outputs, time.perf_counter() - start)
    return StageOutcome("validate", "ran", time.perf_counter() - start, outputs)


def _build_inputs(cfg: PipelineConfig) -> str:
    paths = [Path(s) for s in cfg.build.sources] + [Path(e) for e in cfg.build.eval_sets]
    return fingerprint("build", files_digest(paths), cfg.build.model_dump(mode="json"))


def build_stage(cfg: PipelineConfig, state: PipelineState) -> StageOutcome:
    """bbjcoder data build: ChatML splits and the stage-1 corpus."""
    from ..data.build import build_dataset

    out = Path(cfg.build.out)
    record = state.current("build", _build_inputs(cfg))
    if record and all((out / name).is_file() for name in BUILD_FILES):
        return _skip("build", record)
    start = time.perf_counter()
    result = build_dataset(cfg.build)
    if result.exit_code:
        raise DataError(f"the data build rejected {len(result.invalid)} invalid input(s): see {out / 'rejected.jsonl'}")
    outputs = {"dir": str(out), "digest": files_digest([out / name for name in BUILD_FILES])}
    # fingerprint after the build: it may rewrite COVERAGE.md in an examples folder it read
    state.record("build", _build_inputs(cfg), outputs, time.perf_counter() - start)
    return StageOutcome("build", "ran", time.perf_counter() - start, outputs)


def _unfinished_run(cfg: PipelineConfig, resolved: dict[str, Any]) -> Path | None:
    """The newest run folder of this config that never reached `done` (a killed pipeline)."""
    root = Path(cfg.train.run.output_dir)
    candidates = sorted((p for p in root.glob(f"{cfg.train.run.name}-*") if (p / "state.json").is_file()),
                        key=lambda p: p.stat().st_mtime, reverse=True)
    for run in candidates:
        if json.loads((run / "state.json").read_text())["state"] == "done":
            continue
        if (run / "config.yaml").is_file() and yaml.safe_load((run / "config.yaml").read_text()) == resolved:
            return run
    return None


def train_stage(cfg: PipelineConfig, state: PipelineState, upstream: StageOutcome, reporter=None) -> StageOutcome:
    """bbjcoder train: both stages; resumes an unfinished run of the same config."""
    from ..train.config import resolved_dict
    from ..train.pipeline import train

    resolved = json.loads(json.dumps(resolved_dict(cfg.train)))
    print_ = fingerprint("train", upstream.outputs.get("digest"), resolved)
    record = state.current("train", print_)
    if record and Path(record["outputs"]["output"]).is_dir():
        return _skip("train", record)
    start = time.perf_counter()
    unfinished = _unfinished_run(cfg, resolved)
    result = train(resume=unfinished, reporter=reporter) if unfinished else train(cfg.train, reporter=reporter)
    outputs = {"run": result["run_dir"], "run_id": result["run_id"], "output": result["output"]}
    if not Path(outputs["output"]).is_dir():
        raise TrainError(f"training finished without {outputs['output']}")
    state.record("train", print_, outputs, time.perf_counter() - start)
    return StageOutcome("train", "resumed" if unfinished else "ran", time.perf_counter() - start, outputs)


def _eval_config(cfg: PipelineConfig, run: Path):
    from ..evaluate.config import EvalConfig

    section = cfg.settings.evaluate
    models = ([f"{run}@base"] if section.evaluate_base else []) + [str(run)] + section.baselines
    return EvalConfig(models=models, prompts=section.prompts, limit=section.limit,
                      max_new_tokens=section.max_new_tokens, batch_size=section.batch_size,
                      threads=section.threads, dtype=section.dtype,
                      samples=section.samples, general=section.general, seed=cfg.train.run.seed)


def evaluate_stage(cfg: PipelineConfig, state: PipelineState, upstream: StageOutcome, progress=None) -> StageOutcome:
    """bbjcoder eval: the untrained base, the trained run and any baselines on the held-out set."""
    from ..evaluate.runner import evaluate

    run = Path(upstream.outputs["run"])
    ecfg = _eval_config(cfg, run)
    print_ = fingerprint("evaluate", upstream.outputs["run_id"], files_digest([ecfg.prompts]),
                         ecfg.model_dump(mode="json"))
    record = state.current("evaluate", print_)
    if record and all(Path(r).is_file() for r in record["outputs"]["reports"]):
        return _skip("evaluate", record)
    start = time.perf_counter()
    outcomes, comparison = evaluate(ecfg, progress)
    outputs = {"reports": [str(o.folder / "report.json") for o in outcomes],
               "labels": [o.report.get("model", "") for o in outcomes],
               "comparison": str(comparison) if comparison else None}
    state.record("evaluate", print_, outputs, time.perf_counter() - start)
    return StageOutcome("evaluate", "ran", time.perf_counter() - start, outputs)


def export_stage(cfg: PipelineConfig, state: PipelineState, trained: StageOutcome,
                 evaluated: StageOutcome) -> StageOutcome:
    """bbjcoder export: GGUF files, Modelfile and a model card carrying the evaluation table."""
    from ..export.pipeline import ExportOptions, export_run

    section = cfg.settings.export
    if not section.enabled:
        return StageOutcome("export", "off", 0.0)
    run = Path(trained.outputs["run"])
    print_ = fingerprint("export", trained.outputs["run_id"], evaluated.outputs.get("reports"),
                         section.model_dump(mode="json"))
    record = state.current("export", print_)
    if record and Path(record["outputs"]["dir"]).is_dir():
        return _skip("export", record)
    start = time.perf_counter()
    # force: the run's export is rewritten when its evaluation changed (the card carries its numbers)
    result = export_run(run, ExportOptions(quants=section.quants, name=section.name, runs_dir=run.parent, force=True))
    outputs = {"dir": str(result.export_dir), "files": [f.name for f in result.files],
               "modelfile_from": result.modelfile_from, "notes": result.notes}
    state.record("export", print_, outputs, time.perf_counter() - start)
    return StageOutcome("export", "ran", time.perf_counter() - start, outputs)
