"""Reading BBj source the way the compiler sees it: bytes -> text -> logical lines.

Real BBj code bases hold CP1252/Latin-1 files, CRLF line ends, a UTF-8 BOM now and then,
tokenized (binary) programs beside the sources, and statements continued over several physical
lines by a `:` in column 1. This module turns all of that into `LogicalLine`s that the parser
reads one at a time, each remembering the physical line it started on.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LogicalLine", "DecodedSource", "decode_source", "logical_lines", "looks_tokenized"]


@dataclass(slots=True)
class LogicalLine:
    """One statement line after joining `:` continuations.

    first: 1-based physical line where it starts; last: where it ends.
    """

    text: str
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class DecodedSource:
    text: str
    encoding: str  # "utf-8" | "cp1252" | "latin-1"


def looks_tokenized(data: bytes) -> bool:
    """True for a tokenized (binary) BBj program: NUL bytes never occur in source text."""
    return b"\x00" in data[:4096]


def decode_source(data: bytes) -> DecodedSource:
    """Decode BBj source bytes: UTF-8 (BOM stripped), else CP1252, else Latin-1.

    >>> decode_source("é".encode("cp1252")).encoding
    'cp1252'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return DecodedSource(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return DecodedSource(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return DecodedSource(data.decode("latin-1"), "latin-1")


def physical_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR and drop a leading BOM character."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def logical_lines(text: str) -> tuple[list[str], list[LogicalLine]]:
    """Return the physical lines and the logical lines built from them.

    A physical line whose first column is `:` continues the previous line: the colon is dropped and
    the rest joined on with nothing added, so a keyword or a string may be split across lines.

    >>> [l.text for l in logical_lines('x$="a"+\\n: "b"\\nprint x$')[1]]
    ['x$="a"+ "b"', 'print x$']
    """
    physical = physical_lines(text)
    result: list[LogicalLine] = []
    for number, line in enumerate(physical, 1):
        if line.startswith(":") and result:
            prev = result[-1]
            result[-1] = LogicalLine(prev.text + line[1:], prev.first, number)
        else:
            result.append(LogicalLine(line, number, number))
    return physical, result
