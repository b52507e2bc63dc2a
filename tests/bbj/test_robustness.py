"""No input crashes or hangs the checker: random text, mutated programs, odd encodings, huge lines."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bbjcoder.bbj import Diagnostic, check, check_bytes

from .test_constructs import ACCEPT

VALID = list(ACCEPT.values())
BBJ_ALPHABET = st.sampled_from(list('abcxyzABC019 \t\n\r$%!#"\'():;,.=<>+-*/^@?[]&{}') + ["rem ", "if ", "then ", "else ", "for ", "next ", "class public ", "method public void ", "methodend", "classend", ":", "\x00", "é"])


def _assert_diagnostics(result: list[Diagnostic]) -> None:
    assert isinstance(result, list)
    assert all(isinstance(d, Diagnostic) and d.line >= 0 for d in result)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_random_text_never_raises(text: str) -> None:
    _assert_diagnostics(check(text))


@settings(max_examples=400, deadline=None)
@given(st.lists(BBJ_ALPHABET, max_size=120).map("".join))
def test_bbj_flavoured_noise_never_raises(text: str) -> None:
    _assert_diagnostics(check(text))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    _assert_diagnostics(check_bytes(data))


@st.composite
def mutated_program(draw: st.DrawFn) -> str:
    program = draw(st.sampled_from(VALID))
    chars = list(program)
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["delete", "insert", "swap", "duplicate"]))
        pos = draw(st.integers(0, max(0, len(chars) - 1)))
        if op == "delete" and chars:
            del chars[pos]
        elif op == "insert":
            chars.insert(pos, draw(BBJ_ALPHABET))
        elif op == "swap" and len(chars) > 1:
            other = draw(st.integers(0, len(chars) - 1))
            chars[pos], chars[other] = chars[other], chars[pos]
        else:
            chars[pos:pos] = chars[pos : pos + draw(st.integers(1, 20))]
    return "".join(chars)


@settings(max_examples=500, deadline=None)
@given(mutated_program())
def test_mutated_programs_never_raise(text: str) -> None:
    _assert_diagnostics(check(text))


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        check(text)
        best = min(best, time.perf_counter() - start)
    return best


def test_time_grows_linearly_with_input() -> None:
    unit = "".join(VALID)
    small, large = unit * 20, unit * 80
    ratio = _seconds(large) / _seconds(small)
    assert ratio < 4 * 2.5, f"4x the input took {ratio:.1f}x the time"


def test_pathological_lines_stay_linear() -> None:
    for piece in ("(", "a+", '"', "x$(", "if a then ", "[", "'", "-"):
        small, large = piece * 2_000, piece * 16_000
        ratio = _seconds(large) / max(_seconds(small), 1e-5)
        assert ratio < 8 * 3, f"{piece!r}: 8x the input took {ratio:.1f}x the time"


def test_very_long_line() -> None:
    line = "x$=" + "+".join(['"abc"'] * 50_000) + "\n"
    assert [d for d in check(line) if d.is_error] == []


def test_crlf_tabs_bom_and_latin1() -> None:
    source = '\ufeffname$="Müller"\r\n\tprint name$\r\n'
    assert check(source) == []
    latin1 = 'name$="M\xfcller"\r\nprint name$\r\n'.encode("latin-1")
    diags = check_bytes(latin1, "x.bbj")
    assert [d for d in diags if d.is_error] == []
    assert diags[0].severity.value == "warning" and "cp1252" in diags[0].message


def test_tokenized_program_is_refused_with_advice() -> None:
    (diag,) = check_bytes(b"<<bbj>>\x00\x01\x02\x03 tokenized")
    assert diag.is_error and "bbjlst" in diag.message


def test_deep_nesting_reports_instead_of_recursing() -> None:
    errors = [d for d in check("x=" + "(" * 5_000 + "\n") if d.is_error]
    assert errors and "too deeply" in errors[0].message
