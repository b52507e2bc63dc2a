"""The whole pipeline with a micro config: every artifact exists and agrees, and a rerun skips all.

Real parts throughout: a handful of the repository's own examples and corpus programs, a tokenizer
trained on them, a tiny Qwen2 trained for a few steps, evaluation on three held-out prompts, and an
F16 GGUF export whose model card must carry the evaluation report's numbers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bbjcoder.cli import app
from bbjcoder.export.card import rate_text

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

MICRO = {
    "run": {"name": "micro", "output_dir": "runs", "seed": 7},
    "model": {"base": "tiny", "method": "full", "device": "cpu",
              "tiny": {"vocab_size": 2000, "hidden_size": 64, "num_layers": 2, "num_heads": 2, "num_kv_heads": 1,
                       "intermediate_size": 128, "max_position_embeddings": 1024}},
    "tracking": {"backends": ["tensorboard"]},
    "training": {"max_steps": 3, "learning_rate": 1.0e-3, "batch_size": 2, "eval_batch_size": 2,
                 "max_length": 768, "logging_steps": 1, "eval_steps": 3, "save_steps": 3},
    "pipeline": {
        "data": {"sources": ["examples", "programs"], "out": "build", "eval_sets": ["evalsets"]},
        "evaluate": {"prompts": "evalsets/bbj-eval.jsonl", "limit": 3, "max_new_tokens": 32, "batch_size": 3},
        "export": {"quants": ["f16"], "name": "bbj-micro"},
    },
}


def _workspace(tmp: Path) -> Path:
    """A project folder with 24 examples over 4 topics, 12 corpus programs and the eval set."""
    for topic in ("strings", "control-flow", "oop", "file-io"):
        for src in sorted((ROOT / "training-data" / topic).glob("*.md"))[:6]:
            dest = tmp / "examples" / topic / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest)
    for src in sorted((ROOT / "corpus").rglob("*.bbj"))[:12]:
        dest = tmp / "programs" / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dest)
    (tmp / "evalsets").mkdir()
    shutil.copy(ROOT / "evalsets" / "bbj-eval.jsonl", tmp / "evalsets" / "bbj-eval.jsonl")
    (tmp / "micro.yaml").write_text(yaml.safe_dump(MICRO, sort_keys=False))
    return tmp


def test_pipeline_end_to_end_and_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = _workspace(tmp_path)
    monkeypatch.chdir(work)
    runner = CliRunner()
    result = runner.invoke(app, ["pipeline", "micro.yaml", "--summary-json", "summary.json"])
    assert result.exit_code == 0, result.output
    summary = json.loads((work / "summary.json").read_text())
    assert summary["status"] == {"validate": "ran", "build": "ran", "train": "ran", "evaluate": "ran", "export": "ran"}

    # data, run, eval and export artifacts all exist
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "corpus.jsonl", "stats.json", "dataset-card.md"):
        assert (work / "build" / name).is_file(), name
    run = Path(summary["artifacts"]["run"])
    for name in ("config.yaml", "dataset.json", "metrics.jsonl", "loss.png", "tokenizer", "model"):
        assert (run / name).exists(), name
    reports = [Path(p) for p in summary["artifacts"]["reports"]]
    assert len(reports) == 2 and all(p.is_file() for p in reports)
    export = Path(summary["artifacts"]["export"])
    ggufs = list(export.glob("*.gguf"))
    assert ggufs and (export / "Modelfile").is_file() and (export / "MODEL_CARD.md").is_file()

    # the summary, the reports and the model card tell the same numbers
    trained = json.loads(reports[-1].read_text())
    assert summary["models"][-1]["compile@1"] == trained["metrics"]["compile@1"]
    card = (export / "MODEL_CARD.md").read_text()
    for report in reports:
        data = json.loads(report.read_text())
        assert f"| {rate_text(data['metrics']['compile@1'])} |" in card
        assert f"| {report.parent.name} | {data['model']['label']} |" in card
    assert "<|im_end|>" in (export / "Modelfile").read_text()

    # a rerun with the same inputs skips every stage
    again = runner.invoke(app, ["pipeline", "micro.yaml", "--summary-json", "summary2.json"])
    assert again.exit_code == 0, again.output
    status = json.loads((work / "summary2.json").read_text())["status"]
    assert set(status.values()) == {"skipped"}


def test_pipeline_config_errors_are_reported_at_once(tmp_path: Path) -> None:
    bad = dict(MICRO, pipeline={"data": {"bogus": 1}, "evaluate": {"limit": 0}, "nope": 1})
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    result = CliRunner().invoke(app, ["pipeline", str(tmp_path / "bad.yaml")])
    assert result.exit_code == 1
    for fragment in ("pipeline.nope", "pipeline.evaluate.limit"):
        assert fragment in result.output



def test_shipped_configs_load_as_pipelines() -> None:
    from bbjcoder.pipeline.config import load_pipeline_config

    for path in sorted((ROOT / "configs").glob("*.yaml")):
        cfg = load_pipeline_config(path)
        assert cfg.train.data.train == Path(cfg.build.out) / "train.jsonl", path
