"""Whole evaluations (HTTP server and the local micro model), their folders, reports, comparisons, reviews, gaps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bbjcoder.cli import app
from bbjcoder.errors import EvalError, InputError
from bbjcoder.evaluate.compare import check_comparable, comparison_markdown, load_report
from bbjcoder.evaluate.config import EvalConfig
from bbjcoder.evaluate.gaps import find_gaps, write_drafts
from bbjcoder.evaluate.review import import_review, write_review_sheet
from bbjcoder.evaluate.runner import evaluate

from .conftest import BAD_ANSWER, GOOD_ANSWER

runner = CliRunner()


def _http_eval(server, data_dir: Path, out: Path, **kw):
    cfg = EvalConfig(endpoint=server.url, model="tiny", prompts=data_dir / "evalset.jsonl", out=out, backend="builtin",
                     retries=0, train_data=[data_dir / "train.jsonl", data_dir / "corpus.jsonl"], **kw)
    outcomes, comparison = evaluate(cfg)
    return outcomes[0]


def test_http_evaluation_writes_the_folder(chat_server, data_dir: Path, tmp_path: Path) -> None:
    chat_server.answers = {"Sum the numbers": BAD_ANSWER, "Open a window": "I cannot do that, sorry, it is hard to say."}
    outcome = _http_eval(chat_server, data_dir, tmp_path / "evals", samples=3, k=2)
    folder = outcome.folder
    assert folder == tmp_path / "evals" / "tiny"
    assert sorted(p.name for p in folder.iterdir()) == ["compile_by_generation.png", "report.json", "report.md", "samples.jsonl"]
    report = json.loads((folder / "report.json").read_text())
    m = report["metrics"]
    assert (m["compile@1"]["passes"], m["compile@1"]["n"]) == (2, 4)  # t-001, t-005 pass; t-002 error; t-003 no code
    assert m["failures"] == {"pass": 2, "compile_error": 1, "no_code": 1, "trivial_code": 0, "prose": 1}
    assert m["compile@k"]["k"] == 2 and m["compile@k"]["samples"] == 3 and m["compile@k"]["value"] == pytest.approx(0.5)
    assert (m["requires@1"]["passes"], m["requires@1"]["n"]) == (3, 4)  # t-003 lacks process_events; t-005 has no patterns
    # both on one answer: code prompts with patterns are t-001 (passes both), t-002 (compile error), t-003 (no code)
    assert (m["compile+requires@1"]["passes"], m["compile+requires@1"]["n"]) == (1, 3)
    assert m["copy"]["lines"] > 0 and 0 < m["copy"]["rate"] < 1
    assert report["top_errors"][0]["count"] == 1 and report["breakdowns"]["generation"]["character"]["compile@1"]["value"] == 0
    samples = [json.loads(line) for line in (folder / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 5 + 4 * 3 and {s["mode"] for s in samples} == {"greedy", "sampled"}
    md = (folder / "report.md").read_text()
    assert "| Model | compile@1 | compile@k | requires@1 | n | Date | Notes |" in md
    assert "| tiny @ " in md and "50.0% [15.0–85.0]" in md and "## Most frequent errors" in md
    assert "**Compiles and has what the task requires** (same answer): 33.3% [" in md and "1 of 3 code tasks" in md


def test_a_second_evaluation_never_overwrites(chat_server, data_dir: Path, tmp_path: Path) -> None:
    first = _http_eval(chat_server, data_dir, tmp_path)
    second = _http_eval(chat_server, data_dir, tmp_path)
    assert (first.folder.name, second.folder.name) == ("tiny", "tiny-2")


def test_compare_marks_significance_and_refuses_other_prompt_sets(chat_server, data_dir: Path, tmp_path: Path) -> None:
    chat_server.answer = BAD_ANSWER
    before = _http_eval(chat_server, data_dir, tmp_path / "a")
    chat_server.answer = GOOD_ANSWER
    after = _http_eval(chat_server, data_dir, tmp_path / "b")
    table = comparison_markdown([before.report, after.report])
    assert "(+100.0 pts)" in table  # 0/4 -> 4/4: the interval of the difference excludes 0
    chat_server.answers = {"Print Hello": BAD_ANSWER}
    close = _http_eval(chat_server, data_dir, tmp_path / "c")
    assert "(-25.0 pts, n.s.)" in comparison_markdown([after.report, close.report])
    small = _http_eval(chat_server, data_dir, tmp_path / "d", limit=2)
    with pytest.raises(EvalError) as exc:
        check_comparable([after.report, small.report], ["after", "small"])
    assert str(exc.value).startswith("cannot compare reports made on different prompt sets:\n  - after: ")
    assert "(5 prompts, fingerprint" in str(exc.value) and "(2 prompts, fingerprint" in str(exc.value)
    result = runner.invoke(app, ["compare", str(after.folder), str(small.folder / "report.json")])
    assert result.exit_code == 1 and "error: cannot compare reports made on different prompt sets" in result.output
    result = runner.invoke(app, ["compare", str(before.folder), str(after.folder), "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    assert "| Model | compile@1 |" in result.stdout and (tmp_path / "cmp" / "comparison.png").is_file()


def test_compare_flags_forgetting(chat_server, data_dir: Path, tmp_path: Path) -> None:
    base = _http_eval(chat_server, data_dir, tmp_path / "a").report
    tuned = json.loads(json.dumps(base))
    base["general"] = {"benchmark": "HumanEval", "subset": "even-20-of-164", "timeouts": 0, "no_code": 0, "sandbox": "netns",
                       "pass@1": {"value": 0.5, "low": 0.3, "high": 0.7, "passes": 10, "n": 20}}
    tuned["general"] = {**base["general"], "pass@1": {"value": 0.4, "low": 0.22, "high": 0.61, "passes": 8, "n": 20}}
    tuned["model"]["label"] = "tuned"
    table = comparison_markdown([base, tuned])
    assert "| tuned | 40.0% [22.0–61.0] (-10.0 pts, n.s.) | -10.0 pts | ⚠ FORGETTING: drop > 5 pts |" in table
    assert "HumanEval 40.0% (n=20) -10.0 pts vs base ⚠ FORGETTING" in table
    tuned["general"]["pass@1"]["value"] = 0.48
    assert "| tuned | 48.0% [22.0–61.0] (-2.0 pts, n.s.) | -2.0 pts | ok |" in comparison_markdown([base, tuned])


def test_review_round_trip_markdown_and_csv(chat_server, data_dir: Path, tmp_path: Path) -> None:
    folder = _http_eval(chat_server, data_dir, tmp_path).folder
    sheet = write_review_sheet(folder, n=3, seed=1)
    assert sheet == folder / "review.md"
    text = sheet.read_text()
    assert text.count("<!-- review-item id=") == 3 and "- correctness: " in text
    filled = text.replace("- correctness: ", "- correctness: 4", 2).replace("- idiom: ", "- idiom: 2", 1).replace("- comment: ", "- comment: fine", 1)
    sheet.write_text(filled)
    path, review = import_review(sheet)
    assert path == folder / "report.json" and (review["scored"], review["unscored"]) == (2, 1)
    assert review["means"] == {"correctness": 4.0, "idiom": 2.0, "explanation": None}
    assert json.loads(path.read_text())["review"]["items"][0]["comment"] == "fine"
    assert "## Human review" in (folder / "report.md").read_text()
    sheet.write_text(filled.replace("- idiom: 2", "- idiom: 9"))
    with pytest.raises(InputError, match=r"review.md:\d+: idiom must be a whole number from 1 to 5 \(or empty\), got '9'"):
        import_review(sheet)
    csv_sheet = write_review_sheet(folder, n=2, fmt="csv")
    rows = csv_sheet.read_text().splitlines()
    assert rows[0].startswith("id,sample,generation,type,status,prompt,output,correctness,idiom,explanation,comment")
    import csv

    with csv_sheet.open(newline="") as fh:
        records = list(csv.DictReader(fh))
    for r in records:
        r.update(correctness="5", idiom="3", explanation="1")
    with csv_sheet.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    _path, review = import_review(csv_sheet)
    assert review["means"] == {"correctness": 5.0, "idiom": 3.0, "explanation": 1.0}


def test_review_and_gaps_through_the_cli(chat_server, data_dir: Path, tmp_path: Path) -> None:
    chat_server.answers = {"Sum the numbers": BAD_ANSWER, "Open a window": BAD_ANSWER}
    folder = _http_eval(chat_server, data_dir, tmp_path).folder
    result = runner.invoke(app, ["eval", "review-sheet", str(folder), "--n", "2"])
    assert result.exit_code == 0 and result.stdout.strip() == str(folder / "review.md")
    result = runner.invoke(app, ["eval", "import-review", str(folder / "review.md")])
    assert result.exit_code == 0 and "0 scored answer(s) (2 left empty)" in result.stdout
    drafts = tmp_path / "_drafts"
    result = runner.invoke(app, ["data", "gaps", str(folder), "--out", str(drafts), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "Lowest compile@1 by label:" in result.stdout and "Most frequent compile errors:" in result.stdout
    files = sorted(drafts.glob("*.md"))
    assert files and all(f.name.startswith("gap-") for f in files)
    schema = json.loads(Path("training-data/schema/example.schema.json").read_text())
    import jsonschema

    for f in files:
        meta = yaml.safe_load(f.read_text().split("---\n")[1])
        jsonschema.validate(meta, schema)  # the front matter is complete and valid
        assert "TODO" in f.read_text().split("---\n", 2)[2]
    assert any(f.name.startswith("gap-error-") for f in files)  # one prompt per cell here: only error drafts


def test_gaps_finds_weakest_cells(chat_server, data_dir: Path, tmp_path: Path) -> None:
    chat_server.answers = {"Sum the numbers": BAD_ANSWER}
    folder = _http_eval(chat_server, data_dir, tmp_path).folder
    report, _ = load_report(folder)
    samples = [json.loads(line) for line in (folder / "samples.jsonl").read_text().splitlines()]
    gaps = find_gaps(report, samples)
    assert gaps.labels[0][2]["compile@1"]["value"] <= gaps.labels[-1][2]["compile@1"]["value"]
    assert gaps.errors and gaps.errors[0]["generation"] == "character"
    first = write_drafts(gaps, tmp_path / "d", "r.json")
    second = write_drafts(gaps, tmp_path / "d", "r.json")
    assert not set(first) & set(second)  # drafts are never overwritten


def test_cli_usage_errors(data_dir: Path) -> None:
    result = runner.invoke(app, ["eval", "--prompts", str(data_dir / "evalset.jsonl")])
    assert result.exit_code == 2
    assert "models: give at least one model" in result.output
    result = runner.invoke(app, ["eval", "--endpoint", "http://127.0.0.1:9/v1", "--samples", "2", "--k", "3"])
    assert result.exit_code == 2
    assert "model: an endpoint needs the model name" in result.output and "k: compile@3 needs at least 3 samples" in result.output


def test_cli_endpoint_down_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = runner.invoke(app, ["eval", "--endpoint", f"http://127.0.0.1:{port}/v1", "--model", "m", "--no-progress",
                                 "--prompts", str(data_dir / "evalset.jsonl"), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: http://127.0.0.1:{port}/v1: cannot reach the endpoint")
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_local_run_and_base_before_after(run_dir: Path, data_dir: Path, monkeypatch) -> None:
    """The before/after evaluation of a run through the CLI: two folders in the run, a comparison, the table."""
    monkeypatch.chdir(run_dir.parent)
    result = runner.invoke(app, ["eval", f"{run_dir}@base", str(run_dir), "--prompts", str(data_dir / "evalset.jsonl"),
                                 "--max-new-tokens", "12", "--samples", "2", "--threads", "1", "--no-progress", "--name", "smoke"])
    assert result.exit_code == 0, result.output
    assert (run_dir / "eval" / "base-smoke" / "report.json").is_file() and (run_dir / "eval" / "smoke" / "report.md").is_file()
    lines = result.stdout.splitlines()
    assert lines[0] == "| Model | compile@1 | compile@k | requires@1 | n | Date | Notes |"
    assert lines[2].startswith(f"| {run_dir.name}@base | ") and lines[3].startswith(f"| {run_dir.name} | ")
    report = json.loads((run_dir / "eval" / "smoke" / "report.json").read_text())
    assert report["model"]["weights"] == "model/" and report["metrics"]["truncated"]["n"] == 5
    assert report["metrics"]["copy"]["sources"] == [str(data_dir / "train.jsonl"), str(data_dir / "corpus.jsonl")]
    assert list((run_dir.parent / "evals" / "smoke").glob("comparison-*.md"))
    result = runner.invoke(app, ["compare", f"{run_dir}@base", str(run_dir)])
    assert result.exit_code == 0 and f"Baseline: {run_dir.name}@base (first row)" in result.stdout


def test_config_yaml_then_flags_and_every_problem_at_once(tmp_path: Path) -> None:
    from bbjcoder.errors import ConfigError
    from bbjcoder.evaluate.config import load_eval_config

    path = tmp_path / "eval.yaml"
    path.write_text("models: [runs/a]\nsamples: 10\nk: 5\ngeneral: 20\n")
    cfg = load_eval_config(path, {"samples": 6, "name": None})
    assert (cfg.models, cfg.samples, cfg.k, cfg.general, cfg.eval_name) == (["runs/a"], 6, 5, 20, "bbj-eval")
    assert cfg.out_root == Path("evals/bbj-eval") and cfg.effective_k == 5
    path.write_text("models: [runs/a]\nsampels: 3\ntop_p: 2\n")
    with pytest.raises(ConfigError) as exc:
        load_eval_config(path)
    text = str(exc.value)
    assert text.startswith(f"{path}: 2 problem(s):") and "sampels: unknown key (valid keys: " in text
    assert "top_p: Input should be less than or equal to 1 (got 2)" in text
