"""Progress reporting when stderr is not a terminal: plain lines a log file can follow."""

from __future__ import annotations

import io

from bbjcoder.progress import progress_bars, progress_lines


def test_lines_show_first_and_last_report_and_throttle_between() -> None:
    out = io.StringIO()
    report = progress_lines(out, interval=3600)
    for done in range(0, 11):
        report("greedy", done, 10)
    report("greedy", 10, 10)  # a caller repeating the final state writes nothing new
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("greedy: 0/10 (0%, 0:00 elapsed")
    assert lines[1].startswith("greedy: 10/10 (100%, ") and "left" not in lines[1]


def test_lines_every_change_without_throttle_with_time_left() -> None:
    out = io.StringIO()
    report = progress_lines(out, interval=0)
    report("score", 0, 4)
    report("score", 2, 4)
    report("other", 0, 0)
    report("score", 4, 4)
    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["score: 0/4", "score: 2/4", "other: 0/0", "score: 4/4"]
    assert "50%" in lines[1] and "about 0:00 left" in lines[1]
    assert lines[2] == "other: 0/0 (0:00 elapsed)"


def test_progress_bars_write_lines_when_stderr_is_not_a_terminal(capsys) -> None:
    with progress_bars() as report:
        report("eval tiny: greedy", 0, 3)
        report("eval tiny: greedy", 3, 3)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("eval tiny: greedy: 0/3 (0%") and err[-1].startswith("eval tiny: greedy: 3/3 (100%")


def test_disabled_progress_is_none() -> None:
    with progress_bars(False) as report:
        assert report is None


def test_training_reporter_writes_a_line_per_logged_record_off_a_terminal() -> None:
    from rich.console import Console

    from bbjcoder.train.progress import RichReporter

    out = io.StringIO()
    reporter = RichReporter(Console(file=out, width=200))
    reporter.stage_started("instruct", 10, 0, {"examples": 4})
    reporter.logged("instruct", 5, {"split": "train", "loss": 2.5, "tokens_per_s": 4100.0})
    reporter.logged("instruct", 5, {"split": "validation", "loss": 2.25})
    reporter.stage_finished("instruct", {"best": 2.25})
    lines = out.getvalue().splitlines()
    assert "instruct step 5/10: loss 2.500, 4,100 tokens/s" in lines
    assert "instruct step 5/10: validation loss 2.250" in lines


def test_a_step_reported_again_from_zero_starts_over() -> None:
    out = io.StringIO()
    report = progress_lines(out, interval=3600)
    report("scoring", 0, 3)
    report("scoring", 3, 3)
    report("scoring", 0, 5)  # the next model's scoring, under the same name
    report("scoring", 5, 5)
    assert [line.split(" (")[0] for line in out.getvalue().splitlines()] == [
        "scoring: 0/3", "scoring: 3/3", "scoring: 0/5", "scoring: 5/5"]
