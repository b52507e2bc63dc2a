"""The built-in BBj checker: the `bbjcpl -N` stand-in.

    >>> [d.line for d in check('print 1\\nfor i=1 10\\nnext i\\n')]
    [2]

Steps: (1) decode bytes (UTF-8, else CP1252/Latin-1 with a warning; tokenized programs are
refused), (2) join `:` continuation lines into logical lines, (3) parse each logical line (cached
by its text: real code repeats `methodend`, `endif`, `return` ... thousands of times), (4) match
block structure and jump targets across the file, (5) keep at most one error per physical line, as
bbjcpl does, and sort.
"""

from __future__ import annotations

from functools import lru_cache

from .diagnostics import Diagnostic, Severity
from .parser import LineInfo, parse_line
from .source import decode_source, logical_lines, looks_tokenized
from .structure import check_structure

__all__ = ["check", "check_bytes"]

_cached_parse = lru_cache(maxsize=1 << 16)(parse_line)


def check_bytes(data: bytes, filename: str = "<string>", *, strict: bool = False) -> list[Diagnostic]:
    """Check raw file content: detects tokenized programs and non-UTF-8 encodings first."""
    if looks_tokenized(data):
        return [
            Diagnostic(
                1, 0,
                "tokenized (binary) BBj program: list it to source first (bbjlst), then check the listing",
                Severity.ERROR, "", 10,
            )
        ]
    decoded = decode_source(data)
    diagnostics = check(decoded.text, filename, strict=strict)
    if decoded.encoding != "utf-8":
        note = Diagnostic(
            1, 0, f"file is not UTF-8; decoded as {decoded.encoding}", Severity.WARNING, "", 10
        )
        diagnostics.insert(0, note)
    return diagnostics


def check(source: str, filename: str = "<string>", *, strict: bool = False) -> list[Diagnostic]:
    """Check BBj source text; return diagnostics sorted by line (errors and warnings).

    filename is accepted for the backend contract (bbjcpl needs it); the built-in checker does not
    read it. strict turns warnings into errors.
    """
    physical, lines = logical_lines(source)
    findings: dict[int, tuple[int, str, Severity]] = {}
    warnings: list[tuple[int, int, str]] = []
    numbers: dict[int, int] = {}
    labels: set[str] = set()
    refs: list[tuple[int, str, int]] = []
    events: list[tuple[int, list]] = []
    for logical in lines:
        text = logical.text
        if not text or text.isspace():
            continue
        info: LineInfo = _cached_parse(text)
        first = logical.first
        if info.number is not None:
            numbers[first] = info.number
            labels.add(str(info.number))
        if info.error is not None:
            findings[first] = (info.error[0], info.error[1], Severity.ERROR)
        for label in info.labels:
            labels.add(label)
        for target, col in info.refs:
            refs.append((first, target, col))
        if info.events:
            events.append((first, info.events))
        for col, message in info.warnings:
            warnings.append((first, col, message))
    for finding in check_structure(events, labels, refs, len(physical)):
        if finding.severity is Severity.ERROR:
            findings.setdefault(finding.line, (finding.column, finding.message, Severity.ERROR))
        else:
            warnings.append((finding.line, finding.column, finding.message))
    result = [
        _diagnostic(physical, numbers, line, col, message, severity)
        for line, (col, message, severity) in findings.items()
    ]
    warn_severity = Severity.ERROR if strict else Severity.WARNING
    for line, col, message in warnings:
        if strict and line in findings:
            continue
        result.append(_diagnostic(physical, numbers, line, col, message, warn_severity))
    result.sort(key=lambda d: (d.line, d.severity is not Severity.ERROR, d.column))
    return result


def _diagnostic(
    physical: list[str], numbers: dict[int, int], line: int, col: int, message: str, severity: Severity
) -> Diagnostic:
    source_text = physical[line - 1] if 0 < line <= len(physical) else ""
    return Diagnostic(line, col + 1, message, severity, source_text, numbers.get(line, line * 10))
