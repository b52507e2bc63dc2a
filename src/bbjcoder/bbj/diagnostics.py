"""Diagnostics: what every checker backend returns, and the two ways we print them.

The text form is `bbjcpl -N`'s own stderr line, so tools that already parse bbjcpl output
(the BBj language server, editors) read ours unchanged:

    <file>: error at line <N> (<M>): <source line verbatim>

M is the 1-based physical line; N is the BBj program line number (the line's own number in
numbered source, else 10*M, as bbjcpl auto-numbers in steps of 10). Warnings use the same shape
with `warning` in place of `error`. The JSON form is one object per diagnostic:

    {"file": "a.bbj", "line": 3, "column": 7, "severity": "error", "message": "expected TO"}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum

__all__ = ["Severity", "Diagnostic", "format_bbjcpl", "to_json_record", "has_errors"]


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding on one physical line.

    line and column are 1-based; column is 0 when unknown (bbjcpl reports no column).
    program_line is the BBj line number bbjcpl would print (see module doc).
    """

    line: int
    column: int
    message: str
    severity: Severity
    source_text: str
    program_line: int = 0

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    """True when any diagnostic is an error (warnings do not fail a check)."""
    return any(d.severity is Severity.ERROR for d in diagnostics)


def format_bbjcpl(filename: str, diag: Diagnostic, *, with_message: bool = False) -> str:
    """Render one diagnostic in bbjcpl's stderr format.

    >>> d = Diagnostic(3, 5, "expected TO", Severity.ERROR, "for i=1 10")
    >>> format_bbjcpl("a.bbj", d)
    'a.bbj: error at line 30 (3): for i=1 10'
    """
    number = diag.program_line or diag.line * 10
    text = f"{filename}: {diag.severity.value} at line {number} ({diag.line}): {diag.source_text}"
    if with_message and diag.message:
        text += f"  <- {diag.message}"
    return text


def to_json_record(filename: str, diag: Diagnostic) -> dict:
    """The `--format json` record for one diagnostic."""
    record = asdict(diag)
    return {
        "file": filename,
        "line": record["line"],
        "column": record["column"],
        "severity": diag.severity.value,
        "message": record["message"],
    }
