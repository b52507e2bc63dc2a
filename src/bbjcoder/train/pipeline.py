"""`train(cfg)`: the whole train stage, from a validated config to runs/<id>/model|adapter.

Order of work:
    1. the config (on --resume, the run's own), the device against the method, all inputs read and checked
    2. tokenizer: train the tiny one or load the base's and settle its chat template (on --resume: the run's)
    3. the model's size against the device, counted on the meta device before any weight is loaded
    4. tokenize both stages and verify the instruct labels at token level
    5. only now create the run folder (config.yaml, dataset.json, tokenizer/); a failed start leaves nothing
    6. each enabled stage in turn (the state machine in state.json, see run.RunState), resuming a stage from
       its last checkpoint; then the last stage's best weights to model/ (full) or adapter/ (LoRA), the loss plot
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import yaml

from ..errors import TrainError
from .config import STAGES, TrainConfig, resolved_dict, validate_config
from .data import file_sha256
from .run import Dist, MetricsWriter, RunDir, RunState, plot_losses, write_json_atomic
from .tracking import NullReporter, Reporter, check_backends

__all__ = ["train", "TrainResult"]


class TrainResult(dict):
    """What `train` returns: run id, run folder, output folder, per-stage summaries."""


def train(cfg: TrainConfig | None = None, *, resume: str | Path | None = None, reporter: Reporter | None = None) -> TrainResult:
    """Run (or resume) the train stage. Either `cfg` (a new run) or `resume` (a run id or folder) is required.

    With `resume`, the run's own config.yaml is used; a `cfg` given too must resolve to the same values.
    Everything that can fail cheaply (config, device, inputs, tokenizer, size) is checked before a new run
    folder is created, so a failed start leaves nothing behind. Under `accelerate launch` every process trains;
    only the main one writes the run folder (the Trainer does the same for checkpoints).
    """
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # no usage pings from a local training run
    from .model import resolve_device, use_bf16
    from .stages import prepare_stage, read_raw

    # 1. config (a resumed run's own), environment, inputs
    dist = Dist.current()
    reporter = reporter if reporter is not None and dist.main else NullReporter()
    run, cfg = _reopen(cfg, resume) if resume is not None else (None, _require(cfg))
    device = resolve_device(cfg.model)
    bf16 = use_bf16(cfg.model, device)
    check_backends(cfg.tracking.backends, cfg.tracking.wandb_project)
    raw = read_raw(cfg)
    record = _dataset_record(raw.files)
    # 2. tokenizer (the run's own on resume), 3. size check, 4. tokenized stage data with verified labels
    tok = _load_tokenizer(run) if run is not None else _new_tokenizer(cfg, raw)
    _check_size(cfg, tok, device, bf16, reporter)
    data = {stage: prepare_stage(stage, cfg, raw, tok) for stage in cfg.enabled_stages()}
    record["counts"] = {stage: d.counts for stage, d in data.items()}
    # 5. the run folder: new, or the resumed one after checking its data did not change
    if run is None:
        run = RunDir(Path(dist.share(str(_create(cfg, tok, record).root) if dist.main else None)))
    else:
        _check_same_data(run, record)
    state = RunState(run, writable=dist.main)
    # 6. stages, then the outputs
    summaries = _run_stages(cfg, run, state, tok, data, device, bf16, reporter, dist)
    out = run.model if cfg.model.method == "full" else run.adapter
    if dist.main:
        _publish(cfg, run, out)
        plot_losses(MetricsWriter(run.metrics).read(), run.plot, f"run {run.id}")
    state.enter("done")
    dist.wait()
    return TrainResult(run_id=run.id, run_dir=str(run.root), output=str(out), stages=summaries)


def _require(cfg: TrainConfig | None) -> TrainConfig:
    if cfg is None:
        raise TrainError("train() needs a config for a new run, or resume= to continue one")
    return cfg


def _create(cfg: TrainConfig, tok, record: dict[str, Any]) -> RunDir:
    """A new run folder with config.yaml, dataset.json and tokenizer/."""
    run = RunDir.create(cfg.run.output_dir, cfg.run.name)
    run.write_config(resolved_dict(cfg))
    write_json_atomic(run.dataset, record)
    tok.save_pretrained(str(run.tokenizer))
    return run


def _reopen(cfg: TrainConfig | None, resume) -> tuple[RunDir, TrainConfig]:
    run = RunDir.open(resume, cfg.run.output_dir if cfg else Path("runs"))
    saved = validate_config(run.read_config(), str(run.config))
    if cfg is not None and resolved_dict(cfg) != resolved_dict(saved):
        diff = _differences(resolved_dict(saved), resolved_dict(cfg))
        raise TrainError(
            f"--resume {run.id}: the given config differs from the run's config.yaml in {', '.join(diff)};"
            " resume without a config file (the run's own is used) or start a new run"
        )
    if RunState(run).state == "done":
        raise TrainError(f"run {run.id} already finished (state.json says done); start a new run instead of --resume")
    if not (run.tokenizer / "tokenizer_config.json").is_file():
        raise TrainError(f"run {run.id}: tokenizer/ is missing, so the run cannot continue with the same tokenizer; start a new run")
    return run, saved


def _differences(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    keys = sorted(set(a) | set(b))
    out: list[str] = []
    for k in keys:
        va, vb = a.get(k), b.get(k)
        if isinstance(va, dict) and isinstance(vb, dict):
            out += _differences(va, vb, f"{prefix}{k}.")
        elif va != vb:
            out.append(f"{prefix}{k}")
    return out


def _dataset_record(files: dict[str, Path]) -> dict[str, Any]:
    """dataset.json: {"content_hash", "files": {role: {"path", "sha256", "bytes"}}, "counts": {stage: {...}}}."""
    entries = {role: {"path": str(path), "sha256": file_sha256(path), "bytes": path.stat().st_size} for role, path in sorted(files.items())}
    import hashlib

    combined = hashlib.sha256("".join(f"{role} {e['sha256']}\n" for role, e in entries.items()).encode()).hexdigest()
    return {"content_hash": combined, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "files": entries}


def _check_same_data(run: RunDir, record: dict[str, Any]) -> None:
    import json

    saved = json.loads(run.dataset.read_text(encoding="utf-8"))
    if saved["content_hash"] != record["content_hash"]:
        changed = [r for r in record["files"] if saved["files"].get(r, {}).get("sha256") != record["files"][r]["sha256"]]
        raise TrainError(
            f"run {run.id}: the input data changed since the run started ({', '.join(changed)});"
            " a resumed run must see the same data: restore the files or start a new run"
        )


def _load_tokenizer(run: RunDir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(run.tokenizer))


def _new_tokenizer(cfg: TrainConfig, raw):
    """Train the tiny tokenizer on the inputs, or load the base's and settle its chat template."""
    if cfg.model.base == "tiny":
        from .tokenizer import train_tiny_tokenizer

        return train_tiny_tokenizer(raw.tokenizer_texts(), cfg.model.tiny.vocab_size, cfg.model.tiny.tokenizer_min_frequency)
    from .model import apply_chat_template_choice, load_base_tokenizer

    tok = load_base_tokenizer(cfg.model)
    if cfg.instruct.enabled or cfg.model.chat_template is not None:
        apply_chat_template_choice(tok, cfg.model)
    return tok


def _check_size(cfg: TrainConfig, tok, device: str, bf16: bool, reporter: Reporter) -> None:
    from .model import GIB, check_fits, count_parameters

    n = count_parameters(cfg.model, tok)
    need = check_fits(cfg.model, n, device, bf16)
    reporter.note(f"model: {cfg.model.base}, {n / 1e6:.1f}M parameters, method {cfg.model.method} on {device}"
                  f"{' (bf16)' if bf16 else ''}, ~{need / GIB:.1f} GiB needed")


def _run_stages(cfg, run: RunDir, state: RunState, tok, data, device, bf16, reporter: Reporter, dist: Dist) -> dict[str, Any]:
    from .stages import run_stage

    metrics = MetricsWriter(run.metrics)
    summaries: dict[str, Any] = {}
    previous: Path | None = None
    for stage in STAGES:
        if not getattr(cfg, stage).enabled:
            continue
        final = run.stage_final(stage)
        if state.is_past(stage) or final.is_dir():  # finished earlier (maybe killed right after saving)
            reporter.note(f"{stage}: already done in this run, skipped")
        else:
            state.enter(stage)
            summaries[stage] = run_stage(stage, cfg, run, tok, data[stage], previous, device, bf16, metrics, reporter, dist)
            state.history.append({"stage": stage, "summary": summaries[stage], "time": time.time()})
            state.save()
            reporter.stage_finished(stage, summaries[stage])
        previous = final
    return summaries


def _publish(cfg: TrainConfig, run: RunDir, out: Path) -> None:
    """Hard-link (or copy) the last stage's best weights to `out` (model/ or adapter/)."""
    last = cfg.enabled_stages()[-1]
    if not out.is_dir():
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            shutil.copytree(run.stage_final(last), tmp, copy_function=os.link)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(run.stage_final(last), tmp)
        os.replace(tmp, out)


def dump_resolved(cfg: TrainConfig) -> str:
    """The resolved config as YAML (for --dry-run)."""
    return yaml.safe_dump(resolved_dict(cfg), sort_keys=False)
