"""`bbjcoder data ...` through Typer's test runner: output lines and exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bbjcoder.cli import app

from .conftest import GOOD_BODY, distinct_example, front, write

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_data_is_a_sub_command_group():
    result = invoke("data", "--help")
    assert result.exit_code == 0
    for command in ("validate", "build", "dedup-check"):
        assert command in result.output


def test_validate_exit_0_on_valid_examples(examples_root):
    write(examples_root, "strings/greet.md", front() + GOOD_BODY)
    result = invoke("data", "validate", str(examples_root), "--backend", "builtin")
    assert result.exit_code == 0, result.output
    assert "1 example file(s): 1 valid, 0 error(s) in 0 file(s), 0 warning(s)" in result.stderr


def test_validate_exit_1_naming_file_and_line(examples_root):
    write(examples_root, "strings/bad.md", front(type="tutorial") + GOOD_BODY)
    result = invoke("data", "validate", str(examples_root), "--backend", "builtin")
    assert result.exit_code == 1
    assert f"{examples_root}/strings/bad.md:3: error: type: 'tutorial' is not allowed; use one of completion, " \
           "comprehension, migration, explanation [bad-enum]" in result.stdout


def test_validate_json_and_missing_path(examples_root, tmp_path):
    write(examples_root, "strings/bad.md", front(difficulty="hard") + GOOD_BODY)
    result = invoke("data", "validate", str(examples_root), "--backend", "builtin", "--format", "json")
    assert [(r["line"], r["reason"], r["severity"]) for r in json.loads(result.stdout)] == [(5, "bad-enum", "error")]
    assert invoke("data", "validate", str(tmp_path / "nope")).exit_code == 2


def test_build_exit_codes_and_skip_invalid(tmp_path):
    root = tmp_path / "training-data"
    for i in range(5):
        write(root, f"strings/example-{i}.md", distinct_example(i))
    write(root, "strings/bad.md", front() + GOOD_BODY.replace('name$ = "World"', "for i=1 10"))
    args = ["data", "build", str(root), "--out", str(tmp_path / "out"), "--backend", "builtin", "--no-progress",
            "--eval-set", str(tmp_path / "none")]
    result = invoke(*args)
    assert result.exit_code == 1
    assert "training-data/strings/bad.md:11: error: " in result.stderr
    assert "pass --skip-invalid" in result.stderr
    assert result.stdout.startswith("5 examples (train ")
    assert invoke(*args, "--skip-invalid").exit_code == 0
    assert (tmp_path / "out" / "train.jsonl").is_file()


def test_build_reports_config_errors_with_the_file(tmp_path):
    write(tmp_path, "bad.yaml", "nope: 1\n")
    result = invoke("data", "build", "--config", str(tmp_path / "bad.yaml"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {tmp_path / 'bad.yaml'}: 1 problem(s):\n  - nope: unknown key (valid keys: ")


def test_build_missing_source_is_an_error(tmp_path):
    result = invoke("data", "build", str(tmp_path / "missing"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "no such file or folder" in result.stderr


def test_dedup_check_finds_eval_overlap(tmp_path):
    root = tmp_path / "training-data"
    for i in range(3):
        write(root, f"strings/example-{i}.md", distinct_example(i))
    copied = "Add up " + distinct_example(1).split("description: \"Add up ")[1].split('"')[0]
    write(tmp_path, "eval.jsonl", json.dumps({"id": "copy", "prompt": copied}) + "\n"
          + json.dumps({"id": "fresh", "prompt": "Write a DWC login form"}) + "\n")
    result = invoke("data", "dedup-check", str(root), "--eval", str(tmp_path / "eval.jsonl"), "--backend", "builtin")
    assert result.exit_code == 1
    assert result.stdout == "eval overlap: eval.jsonl copy ~ strings/example-1 (Jaccard 1.0)\n"
    clean = invoke("data", "dedup-check", str(root), "--backend", "builtin")
    assert clean.exit_code == 0
    assert "3 training examples, 0 evaluation prompts, threshold 0.85: 0 pair(s)" in clean.stderr
