"""Backend selection and the bbjcpl backend, driven through a real executable on PATH.

BASIS's bbjcpl is proprietary, so the executable here is a small script that speaks its protocol:
`bbjcpl -N <file>`, exit 0, one `<file>: error at line <N> (<M>): <line>` per bad line on stderr.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from bbjcoder.bbj import BbjcplChecker, BuiltinChecker, get_checker, parse_bbjcpl_output
from bbjcoder.errors import CheckerError

FAKE_BBJCPL = """#!{python}
import sys, pathlib
args = sys.argv[1:]
pathlib.Path(sys.argv[0] + ".args").write_text(" ".join(args))
if args[0] != "-N":
    sys.exit(3)
path = args[1]
for m, line in enumerate(pathlib.Path(path).read_text().splitlines(), 1):
    if "BROKEN" in line:
        sys.stderr.write(f"{{path}}: error at line {{m * 10}} ({{m}}): {{line}}\\n")
{extra}
"""


def make_bbjcpl(folder: Path, extra: str = "") -> Path:
    exe = folder / "bbjcpl"
    exe.write_text(FAKE_BBJCPL.format(python=sys.executable, extra=extra))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_parse_bbjcpl_output_keeps_indentation_and_numbers() -> None:
    out = "/tmp/x/T.bbj: error at line 30 (3):     method public void firstBroken())\n/tmp/x/T.bbj: error at line 50 (5):     methodend\n"
    diags = parse_bbjcpl_output(out)
    assert [(d.line, d.program_line) for d in diags] == [(3, 30), (5, 50)]
    assert diags[0].source_text == "    method public void firstBroken())"


def test_unexpected_stderr_is_an_error_not_ignored() -> None:
    (diag,) = parse_bbjcpl_output("license server not reachable\n")
    assert diag.is_error and "license" in diag.message


def test_bbjcpl_backend_runs_minus_n_on_a_temp_file(tmp_path: Path) -> None:
    exe = make_bbjcpl(tmp_path)
    checker = BbjcplChecker(str(exe))
    diags = checker.check('print "ok"\nBROKEN here\n', "prog.bbj")
    assert [(d.line, d.source_text) for d in diags] == [(2, "BROKEN here")]
    args = Path(str(exe) + ".args").read_text().split()
    assert args[0] == "-N" and args[1].endswith("prog.bbj") and not Path(args[1]).exists()


def test_bbjcpl_timeout_is_a_clear_error(tmp_path: Path) -> None:
    exe = make_bbjcpl(tmp_path, extra="import time; time.sleep(5)")
    with pytest.raises(CheckerError, match="longer than"):
        BbjcplChecker(str(exe), timeout=0.5).check("print 1\n")


def test_get_checker_prefers_bbjcpl_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_bbjcpl(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("BBJCODER_BBJCPL", raising=False)
    assert get_checker().name == "bbjcpl"
    assert get_checker("builtin").name == "builtin"


def test_get_checker_env_var_and_missing_compiler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = make_bbjcpl(tmp_path)
    monkeypatch.setenv("BBJCODER_BBJCPL", str(exe))
    assert isinstance(get_checker(), BbjcplChecker)
    with pytest.raises(CheckerError, match="not found"):
        get_checker(compiler=str(tmp_path / "nope"))


def test_get_checker_falls_back_to_builtin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("BBJCODER_BBJCPL", raising=False)
    assert isinstance(get_checker(), BuiltinChecker)
    with pytest.raises(CheckerError, match="bbjcpl not found"):
        get_checker("bbjcpl")
    with pytest.raises(CheckerError, match="unknown checker backend"):
        get_checker("nonsense")
