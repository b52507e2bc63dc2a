"""`bbjcoder check` through Typer's runner: exit codes, bbjcpl format, JSON, Markdown, stdin."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bbjcoder.cli import app

runner = CliRunner()


def _run(*args: str, stdin: str | None = None):
    return runner.invoke(app, ["check", "--backend", "builtin", *args], input=stdin)


def test_valid_file_exits_0(tmp_path: Path) -> None:
    (tmp_path / "ok.bbj").write_text('print "hi"\n')
    result = _run(str(tmp_path / "ok.bbj"))
    assert result.exit_code == 0, result.output
    assert "error at" not in result.stdout


def test_error_exits_1_in_bbjcpl_format(tmp_path: Path) -> None:
    path = tmp_path / "bad.bbj"
    path.write_text("print 1\nfor i=1 10\nnext i\n")
    result = _run(str(path), "--no-explain", "--no-warnings")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}: error at line 20 (2): for i=1 10"]


def test_json_format(tmp_path: Path) -> None:
    path = tmp_path / "bad.bbj"
    path.write_text("x=(1+2\n")
    result = _run(str(path), "--format", "json")
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    assert records == [
        {"file": str(path), "line": 1, "column": 7, "severity": "error",
         "message": "expected ')' to close '(' but found end of line"}
    ]


def test_stdin() -> None:
    result = _run("-", "--format", "json", stdin='print "x"\n')
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    bad = _run("-", stdin="print 'CS\n")
    assert bad.exit_code == 1 and "<stdin>: error at line 10 (1)" in bad.stdout


def test_markdown_lines_point_into_the_markdown(tmp_path: Path) -> None:
    md = tmp_path / "ex.md"
    md.write_text("---\ntitle: x\n---\n\n## Code\n\n```bbj\nprint 1\nprint 'CS\n```\n\n```python\nx = (\n```\n")
    result = _run(str(md), "--no-explain")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{md}: error at line 90 (9): print 'CS"]


def test_folder_recursion_and_strict(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.bbj").write_text("goto nowhere\n")
    (tmp_path / "notes.txt").write_text("not checked")
    assert _run(str(tmp_path)).exit_code == 0
    strict = _run(str(tmp_path), "--strict")
    assert strict.exit_code == 1 and "not defined" in strict.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run(str(tmp_path / "missing.bbj")).exit_code == 2
    assert runner.invoke(app, ["check"]).exit_code == 2
    assert runner.invoke(app, ["check", "--format", "xml", "x"]).exit_code == 2


def test_help_is_there() -> None:
    result = runner.invoke(app, ["check", "--help"])
    assert result.exit_code == 0 and "bbjcpl" in result.stdout
