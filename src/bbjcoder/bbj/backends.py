"""Checker backends and the one function that picks one.

    get_checker()                      # bbjcpl when found (BBJCODER_BBJCPL or PATH), else built-in
    get_checker(backend="builtin")     # always ours
    get_checker(compiler="/opt/bbj/bin/bbjcpl")

The real compiler runs as `bbjcpl -N <file>` on a temporary copy, without a shell and with a
timeout. It always exits 0 and reports on stderr, one line per error:
`<file>: error at line <N> (<M>): <source line>`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

from ..errors import CheckerError
from .checker import check as builtin_check
from .diagnostics import Diagnostic, Severity

__all__ = ["Checker", "BuiltinChecker", "BbjcplChecker", "get_checker", "parse_bbjcpl_output"]

ENV_VAR = "BBJCODER_BBJCPL"
_LINE = re.compile(r"^(?P<file>.+?):\s+error at line (?P<n>\d+) \((?P<m>\d+)\):\s?(?P<src>.*)$")


class Checker(Protocol):
    name: str

    def check(self, source: str, filename: str = "<string>") -> list[Diagnostic]: ...


class BuiltinChecker:
    """Our own parser (see checker.py)."""

    name = "builtin"

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict

    def check(self, source: str, filename: str = "<string>") -> list[Diagnostic]:
        return builtin_check(source, filename, strict=self.strict)


def parse_bbjcpl_output(stderr: str) -> list[Diagnostic]:
    """Turn bbjcpl's stderr into diagnostics; lines in no known shape become line-0 errors.

    >>> parse_bbjcpl_output("/t/a.bbj: error at line 30 (3):     methodend\\n")[0].line
    3
    """
    result: list[Diagnostic] = []
    for raw in stderr.splitlines():
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        if m:
            result.append(
                Diagnostic(int(m["m"]), 0, "bbjcpl: syntax error", Severity.ERROR, m["src"], int(m["n"]))
            )
        else:
            result.append(Diagnostic(0, 0, f"bbjcpl: {raw.strip()}", Severity.ERROR, "", 0))
    return result


class BbjcplChecker:
    """BASIS's compiler in syntax-check mode."""

    name = "bbjcpl"

    def __init__(self, executable: str, timeout: float = 30.0) -> None:
        self.executable = executable
        self.timeout = timeout

    def check(self, source: str, filename: str = "<string>") -> list[Diagnostic]:
        base = Path(filename).name if filename and not filename.startswith("<") else "program.bbj"
        if not base.lower().endswith((".bbj", ".src", ".txt")):
            base += ".bbj"
        with tempfile.TemporaryDirectory(prefix="bbjcoder-") as tmp:
            path = Path(tmp) / base
            path.write_text(source, encoding="utf-8")
            try:
                proc = subprocess.run(
                    [self.executable, "-N", str(path)],
                    capture_output=True, text=True, timeout=self.timeout, check=False,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired as exc:
                raise CheckerError(f"bbjcpl took longer than {self.timeout:g}s on {filename}") from exc
            except OSError as exc:
                raise CheckerError(f"cannot run bbjcpl at {self.executable}: {exc}") from exc
        return parse_bbjcpl_output(proc.stderr)


def find_bbjcpl(compiler: str | None = None) -> str | None:
    """The bbjcpl to use: the one named, else $BBJCODER_BBJCPL, else the one on PATH, else None."""
    named = compiler or os.environ.get(ENV_VAR)
    if named:
        resolved = shutil.which(named) or (named if Path(named).is_file() else None)
        if resolved is None:
            raise CheckerError(f"bbjcpl not found at {named!r}: fix --compiler or ${ENV_VAR}, or use --backend builtin")
        return resolved
    return shutil.which("bbjcpl")


def get_checker(backend: str = "auto", compiler: str | None = None, *, strict: bool = False,
                timeout: float = 30.0) -> Checker:
    """Pick the checker: backend is auto | builtin | bbjcpl."""
    if backend not in ("auto", "builtin", "bbjcpl"):
        raise CheckerError(f"unknown checker backend {backend!r}: use auto, builtin or bbjcpl")
    if backend == "builtin":
        return BuiltinChecker(strict=strict)
    found = find_bbjcpl(compiler)
    if found is None:
        if backend == "bbjcpl":
            raise CheckerError(f"bbjcpl not found on PATH: install BBj, set ${ENV_VAR}, or use --backend builtin")
        return BuiltinChecker(strict=strict)
    return BbjcplChecker(found, timeout=timeout)
