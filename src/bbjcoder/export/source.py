"""What the export reads from a training run folder (layout: bbjcoder.train.run).

    run = open_run("runs/tiny-20250101-120000")
    run.final            # runs/<id>/model (full) or runs/<id>/adapter (LoRA over config.model.base)
    run.method           # "full" | "lora" | "qlora"
    run.config           # config.yaml as a dict (the fully resolved training config)

Only plain files are read here (YAML and JSON), so the checks run before torch is imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ExportError

__all__ = ["RunSource", "open_run", "read_metrics", "read_json"]


@dataclass(frozen=True)
class RunSource:
    root: Path
    config: dict[str, Any]

    @property
    def id(self) -> str:
        return self.root.name

    @property
    def method(self) -> str:
        return str(self.config.get("model", {}).get("method", "full"))

    @property
    def base(self) -> str:
        return str(self.config.get("model", {}).get("base", "tiny"))

    @property
    def is_adapter(self) -> bool:
        return self.method in ("lora", "qlora")

    @property
    def final(self) -> Path:
        return self.root / ("adapter" if self.is_adapter else "model")

    @property
    def tokenizer(self) -> Path:
        """The tokenizer (and chat template) both stages trained with; the final folder's copy as a fallback."""
        own = self.root / "tokenizer"
        return own if (own / "tokenizer_config.json").is_file() else self.final

    @property
    def export_dir(self) -> Path:
        return self.root / "export"

    def state(self) -> dict[str, Any]:
        return read_json(self.root / "state.json") or {}

    def dataset(self) -> dict[str, Any]:
        return read_json(self.root / "dataset.json") or {}


def read_json(path: Path) -> Any:
    """The parsed file, or None when it does not exist."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path}: cannot read it as JSON ({exc})") from None


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """metrics.jsonl lines ({"stage", "step", "split", "loss", ...}); [] when the file is missing."""
    if not path.is_file():
        return []
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ExportError(f"{path}:{n}: not a JSON line ({exc.msg})") from None
    return rows


def open_run(ref: str | Path, runs_dir: Path = Path("runs")) -> RunSource:
    """The run `ref` (a folder, or an id under `runs_dir`) with a final model to export.

    Raises ExportError when there is no run there, or the run has no final model/ or adapter/ yet.
    """
    candidates = [Path(ref), runs_dir / str(ref)]
    root = next((c for c in candidates if (c / "config.yaml").is_file()), None)
    if root is None:
        raise ExportError(f"{ref}: no training run found (looked for config.yaml in {', '.join(map(str, candidates))})")
    try:
        config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ExportError(f"{root / 'config.yaml'}: not valid YAML ({exc})") from None
    if not isinstance(config, dict):
        raise ExportError(f"{root / 'config.yaml'}: expected a mapping of config sections, got {type(config).__name__}")
    run = RunSource(root, config)
    _require_final(run)
    return run


def _require_final(run: RunSource) -> None:
    weights = ("adapter_model.safetensors", "adapter_model.bin") if run.is_adapter else ("config.json",)
    if any((run.final / name).is_file() for name in weights):
        return
    state = run.state().get("state", "unknown (no state.json)")
    raise ExportError(
        f"run {run.id} has no final model: {run.final} is missing or incomplete (method {run.method}, state {state});"
        f" finish the run with `bbjcoder train --resume {run.root}` and export again"
    )
