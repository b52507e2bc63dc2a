"""`bbjcoder train` through Typer's test runner: exit codes and one-line errors."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from bbjcoder.cli import app

runner = CliRunner()


def test_bad_config_key_is_one_line_and_exit_1(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  learning_rat: 1.0e-4\n")
    result = runner.invoke(app, ["train", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path}: 1 problem(s):\n  - training.learning_rat: unknown key")
    assert "Traceback" not in result.output


def test_missing_dataset_is_exit_1(micro, data_dir, tmp_path):
    raw = micro(data_dir, tmp_path / "runs")
    raw["data"]["corpus"] = str(tmp_path / "none.jsonl")
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(raw))
    result = runner.invoke(app, ["train", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'none.jsonl'}: stage 1 corpus not found; run the data stage first (bbjcoder data build)"
        " or set data.corpus"
    )


def test_usage_errors_exit_2(tmp_path):
    assert runner.invoke(app, ["train"]).exit_code == 2
    result = runner.invoke(app, ["train", "--resume", "x", "--set", "run.seed=1"])
    assert result.exit_code == 2 and "--set cannot change a run on --resume" in result.stderr


def test_dry_run_prints_the_resolved_config(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training: {learning_rate: 1.0e-3}\ninstruct: {learning_rate: 5.0e-4}\n")
    result = runner.invoke(app, ["train", str(path), "--dry-run", "--set", "run.seed=3"])
    assert result.exit_code == 0, result.output
    resolved = yaml.safe_load(result.stdout)
    assert resolved["run"]["seed"] == 3
    assert resolved["instruct"]["learning_rate"] == 5e-4 and resolved["pretrain"]["learning_rate"] == 1e-3
    assert resolved["pretrain"]["enabled"] is True and "max_length" in resolved["instruct"]


def test_resume_of_an_unknown_run(tmp_path):
    result = runner.invoke(app, ["train", "--resume", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and result.stderr.startswith("error: --resume ")
