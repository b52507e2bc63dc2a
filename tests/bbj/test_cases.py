"""The shared acceptance cases (../shared/bbj-cases): accept/ must pass, reject/ must fail on the right line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bbjcoder.bbj import check_bytes

CASES = Path(__file__).resolve().parents[2].parent / "shared" / "bbj-cases"


def _cases() -> list[dict]:
    if not (CASES / "cases.json").is_file():
        pytest.skip(f"shared cases not found at {CASES}", allow_module_level=True)
    return json.loads((CASES / "cases.json").read_text())


ALL = _cases()


@pytest.mark.parametrize("case", [c for c in ALL if c["expect"] == "accept"], ids=lambda c: c["file"])
def test_accept_case(case: dict) -> None:
    diags = check_bytes((CASES / case["file"]).read_bytes(), case["file"])
    assert [d for d in diags if d.is_error] == []


# Where cases.json gives no error lines: the line the fault is on, read from each file.
FIRST_ERROR_LINE = {
    "reject/001.bbj": 1, "reject/002.bbj": 1, "reject/004.bbj": 2, "reject/005.bbj": 1,
    "reject/006.bbj": 2, "reject/007.bbj": 1, "reject/008.bbj": 1, "reject/009.bbj": 1,
    "reject/010.bbj": 1, "reject/011.bbj": 2, "reject/012.bbj": 1, "reject/013.bbj": 3,
    "reject/014.bbj": 2, "reject/015.bbj": 1, "reject/016.bbj": 1, "reject/017.bbj": 1,
    "reject/018.bbj": 1, "reject/019.bbj": 1, "reject/020.bbj": 1, "reject/021.bbj": 1,
    "reject/022.bbj": 1, "reject/023.bbj": 2, "reject/024.bbj": 1, "reject/025.bbj": 1,
    "reject/026.bbj": 1, "reject/027.bbj": 1, "reject/028.bbj": 2, "reject/029.bbj": 1,
    "reject/030.bbj": 1, "reject/031.bbj": 1,
}


@pytest.mark.parametrize("case", [c for c in ALL if c["expect"] == "reject"], ids=lambda c: c["file"])
def test_reject_case(case: dict) -> None:
    diags = check_bytes((CASES / case["file"]).read_bytes(), case["file"])
    error_lines = [d.line for d in diags if d.is_error]
    assert error_lines, f"{case['file']} should be rejected: {case['why']}"
    if case.get("error_lines"):
        assert error_lines == case["error_lines"]
    else:
        assert error_lines == [FIRST_ERROR_LINE[case["file"]]]


def test_cases_are_all_covered() -> None:
    assert len(ALL) >= 57
