"""The run directory: one folder per training run, never overwritten, resumable.

    runs/<name>-<YYYYmmdd-HHMMSS>[-n]/
      config.yaml        the fully resolved config (every key, each stage's values spelled out)
      dataset.json       content hashes and counts of the input files (see `dataset_record`)
      state.json         where the run stands: created -> pretrain -> instruct -> done (see `RunState`)
      metrics.jsonl      one line per logged point (see `MetricsWriter`)
      loss.png           train and validation loss per stage
      tensorboard/<stage>/
      tokenizer/         the tokenizer (and chat template) used by both stages
      checkpoints/<stage>/checkpoint-<step>/   Trainer checkpoints (latest + best)
      checkpoints/<stage>/final/               the stage's best weights, input of the next stage
      model/ or adapter/ the final weights (full model, or LoRA adapter) with the tokenizer

metrics.jsonl line:
    {"stage": "instruct", "step": 40, "split": "validation", "loss": 1.73, "lr": null, "epoch": 2.0, "time": 1732890000.1}
    {"stage": "instruct", "step": 40, "split": "train", "loss": 1.61, "lr": 0.00019, "epoch": 2.0, "tokens_per_s": 4310.0, ...}
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import TrainError
from .config import STAGES

__all__ = ["Dist", "RunDir", "RunState", "MetricsWriter", "plot_losses", "write_json_atomic"]

CHECKPOINT_PREFIX = "checkpoint-"
TRAINER_STATE = "trainer_state.json"  # written last in a Trainer checkpoint: its presence means complete


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@dataclass(frozen=True)
class Dist:
    """Who may write under `accelerate launch`: the main process alone touches the run folder, the others wait.

    A single process (the usual case, CPU or one GPU) is main and never waits.
    """

    main: bool = True
    processes: int = 1

    @classmethod
    def current(cls) -> Dist:
        from accelerate import PartialState

        state = PartialState()
        return cls(main=state.is_main_process, processes=state.num_processes)

    def wait(self) -> None:
        if self.processes > 1:
            from accelerate import PartialState

            PartialState().wait_for_everyone()

    def share(self, value: str | None) -> str:
        """The main process's `value`, on every process."""
        if self.processes == 1:
            return value  # type: ignore[return-value]
        from accelerate.utils import broadcast_object_list

        box = [value]
        broadcast_object_list(box, from_process=0)
        return box[0]


@dataclass(frozen=True)
class RunDir:
    root: Path

    @property
    def id(self) -> str:
        return self.root.name

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def dataset(self) -> Path:
        return self.root / "dataset.json"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.jsonl"

    @property
    def plot(self) -> Path:
        return self.root / "loss.png"

    @property
    def tensorboard(self) -> Path:
        return self.root / "tensorboard"

    @property
    def tokenizer(self) -> Path:
        return self.root / "tokenizer"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def model(self) -> Path:
        return self.root / "model"

    @property
    def adapter(self) -> Path:
        return self.root / "adapter"

    @classmethod
    def create(cls, output_dir: Path, name: str) -> RunDir:
        """Make a new, empty run folder with a unique id (name-timestamp, then -2, -3 ... on a clash)."""
        output_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1, 1000):
            root = output_dir / (f"{name}-{stamp}" if n == 1 else f"{name}-{stamp}-{n}")
            try:
                root.mkdir()
            except FileExistsError:
                continue
            return cls(root)
        raise TrainError(f"{output_dir}: could not find a free run id for {name}-{stamp}")  # pragma: no cover

    @classmethod
    def open(cls, ref: str | Path, output_dir: Path) -> RunDir:
        """An existing run, by id (under output_dir) or by path."""
        candidates = [Path(ref), output_dir / str(ref)]
        for root in candidates:
            if (root / "config.yaml").is_file():
                return cls(root)
        raise TrainError(f"--resume {ref}: no run found (looked for config.yaml in {', '.join(map(str, candidates))})")

    def stage_dir(self, stage: str) -> Path:
        return self.checkpoints / stage

    def stage_final(self, stage: str) -> Path:
        return self.stage_dir(stage) / "final"

    def last_checkpoint(self, stage: str, prune: bool = True) -> Path | None:
        """The newest complete checkpoint of `stage`; incomplete ones (killed while saving) are removed if `prune`."""
        folder = self.stage_dir(stage)
        if not folder.is_dir():
            return None
        complete = []
        for path in folder.glob(f"{CHECKPOINT_PREFIX}*"):
            if not path.name[len(CHECKPOINT_PREFIX):].isdigit():
                continue
            if (path / TRAINER_STATE).is_file():
                complete.append(path)
            elif prune:
                shutil.rmtree(path)  # a save cut short by the kill; useless and it would confuse rotation
        return max(complete, key=lambda p: int(p.name[len(CHECKPOINT_PREFIX):]), default=None)

    def write_config(self, resolved: dict[str, Any]) -> None:
        header = f"# Resolved config of run {self.id}; resume with: bbjcoder train --resume {self.root}\n"
        self.config.write_text(header + yaml.safe_dump(resolved, sort_keys=False), encoding="utf-8")

    def read_config(self) -> dict[str, Any]:
        return yaml.safe_load(self.config.read_text(encoding="utf-8"))


class RunState:
    """The run's ordered work as an explicit state machine, persisted in state.json.

    created -> <each enabled stage, in STAGES order> -> done. `enter` refuses out-of-order moves, naming what it
    expected; a killed run resumes in the state it was in.
    """

    ORDER = ("created", *STAGES, "done")

    def __init__(self, run: RunDir, writable: bool = True) -> None:
        self.run = run
        self.writable = writable
        data = json.loads(run.state_file.read_text()) if run.state_file.is_file() else {"state": "created", "history": []}
        self.state: str = data["state"]
        self.history: list[dict[str, Any]] = data["history"]

    def save(self) -> None:
        if self.writable:
            write_json_atomic(self.run.state_file, {"state": self.state, "history": self.history})

    def enter(self, new: str) -> None:
        if self.ORDER.index(new) < self.ORDER.index(self.state):
            raise TrainError(f"{self.run.state_file}: expected a state after {self.state!r}, got a move back to {new!r}")
        if new != self.state:
            self.state = new
            self.history.append({"state": new, "time": time.time()})
            self.save()

    def is_past(self, stage: str) -> bool:
        return self.ORDER.index(self.state) > self.ORDER.index(stage)


class MetricsWriter:
    """Appends metrics.jsonl lines; on resume, first drops lines the resumed steps will write again."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def rewind(self, stage: str, step: int) -> None:
        """Keep only what happened before `stage` resumed at `step`."""
        later = set(STAGES[STAGES.index(stage) + 1 :])
        kept = [r for r in self.read() if r["stage"] not in later and not (r["stage"] == stage and r["step"] > step)]
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
        os.replace(tmp, self.path)


def plot_losses(metrics: list[dict[str, Any]], out: Path, title: str) -> None:
    """One panel per stage: train loss and validation loss against step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stages = [s for s in STAGES if any(r["stage"] == s for r in metrics)]
    if not stages:
        return
    fig, axes = plt.subplots(1, len(stages), figsize=(6 * len(stages), 4), squeeze=False)
    for ax, stage in zip(axes[0], stages):
        for split, style in (("train", "-"), ("validation", "o-")):
            pts = [(r["step"], r["loss"]) for r in metrics if r["stage"] == stage and r["split"] == split]
            if pts:
                ax.plot(*zip(*pts), style, label=split, markersize=3)
        ax.set_title(stage)
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
