"""Checking files and folders: .bbj sources, Markdown examples (their ```bbj blocks), stdin.

Markdown diagnostics carry Markdown line numbers and the Markdown line as source text, so an
editor jumps straight to the faulty line of the example file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from .backends import BuiltinChecker, Checker
from .checker import check_bytes
from .diagnostics import Diagnostic
from .extract import markdown_blocks
from .source import decode_source

__all__ = ["FileReport", "SOURCE_SUFFIXES", "collect_paths", "check_path", "check_markdown"]

SOURCE_SUFFIXES = (".bbj", ".bbx", ".src", ".aon")  # .aon: AddonSoftware sources
_MARKDOWN_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class FileReport:
    path: str
    diagnostics: list[Diagnostic]


def collect_paths(arguments: list[str]) -> list[str]:
    """Expand folders to their BBj and Markdown files (sorted); '-' stands for stdin."""
    result: list[str] = []
    for arg in arguments:
        if arg == "-":
            result.append(arg)
            continue
        path = Path(arg)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES + _MARKDOWN_SUFFIXES
            )
            result.extend(str(p) for p in found)
        elif path.is_file():
            result.append(arg)
        else:
            raise InputError(f"{arg}: no such file or folder")
    return result


def check_markdown(text: str, checker: Checker, filename: str) -> list[Diagnostic]:
    """Check each ```bbj block of a Markdown text, reporting Markdown line numbers."""
    md_lines = text.splitlines()
    result: list[Diagnostic] = []
    for block in markdown_blocks(text):
        if block.lang != "bbj":
            continue
        for diag in checker.check(block.code, filename):
            line = diag.line + block.start_line - 1
            source = md_lines[line - 1] if 0 < line <= len(md_lines) else diag.source_text
            result.append(replace(diag, line=line, source_text=source, program_line=0))
    return result


def check_path(path: str, checker: Checker) -> FileReport:
    """Check one file (or stdin for '-')."""
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
        name = path
    if name.lower().endswith(_MARKDOWN_SUFFIXES):
        text = decode_source(data).text
        return FileReport(name, check_markdown(text, checker, name))
    if isinstance(checker, BuiltinChecker):
        return FileReport(name, check_bytes(data, name, strict=checker.strict))
    return FileReport(name, checker.check(decode_source(data).text, name))
