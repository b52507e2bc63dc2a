"""Prompt sets in both formats, scoring one answer, the verbatim-copy index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bbjcoder.bbj import BuiltinChecker
from bbjcoder.errors import InputError
from bbjcoder.evaluate.copying import CopyIndex
from bbjcoder.evaluate.prompts import load_prompts
from bbjcoder.evaluate.scoring import is_trivial, score_answer

from ..jsonl import write_jsonl
from .conftest import BAD_ANSWER, GOOD_ANSWER

CHECKER = BuiltinChecker()


def test_evalset_format(data_dir: Path) -> None:
    ps = load_prompts(data_dir / "evalset.jsonl")
    assert ps.format == "evalset" and len(ps.prompts) == 5
    first = ps.prompts[0]
    assert first.id == "t-001" and first.generation == ("all",) and first.requires == ("(?i)print",)
    assert [m["role"] for m in first.messages] == ["system", "user"]  # the training distribution's system turn
    assert "BBj" in first.messages[0]["content"] and first.prompt == "Print Hello World in BBj."
    assert [p.expects_code for p in ps.prompts] == [True, True, True, False, True]


def test_messages_format_keeps_the_reference(data_dir: Path) -> None:
    ps = load_prompts(data_dir / "test.jsonl")
    assert ps.format == "messages"
    p = ps.prompts[0]
    assert p.id == "ex2" and [m["role"] for m in p.messages] == ["system", "user"]
    assert p.reference.startswith("```bbj") and p.requires == ()


def test_fingerprint_is_stable_and_limit_changes_it(data_dir: Path) -> None:
    a, b = load_prompts(data_dir / "evalset.jsonl"), load_prompts(data_dir / "evalset.jsonl")
    assert a.fingerprint == b.fingerprint
    assert load_prompts(data_dir / "evalset.jsonl", limit=2).fingerprint != a.fingerprint


def test_every_bad_line_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "prompt": "x"}\nnot json\n{"id": "b", "prompt": "y", "requires": ["("]}\n{"id": "a", "prompt": "z"}\n[1]\n')
    with pytest.raises(InputError) as exc:
        load_prompts(path)
    text = str(exc.value)
    assert text.startswith(f"{path}: 4 bad line(s):")
    assert f"{path}:2: " in text and "requires pattern '(' does not compile" in text
    assert "id 'a' appears more than once" in text and f"{path}:5: expected a JSON object, got list" in text


def test_mixed_formats_and_missing_file(tmp_path: Path, data_dir: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text((data_dir / "evalset.jsonl").read_text() + (data_dir / "test.jsonl").read_text())
    with pytest.raises(InputError, match="mixes the evalset format and the messages format"):
        load_prompts(mixed)
    with pytest.raises(InputError, match="prompt set not found"):
        load_prompts(tmp_path / "nope.jsonl")


def test_trivial_code() -> None:
    assert is_trivial(["rem TODO\n\n   REM more\n0010 REM numbered\n"])
    assert is_trivial(["0000000000000000\n", "done:\n;;\n10 top: rem x\n"])  # what an undertrained model emits
    assert not is_trivial(["x: print 1\n"]) and not is_trivial(["0010 print 1\n"]) and not is_trivial(["x:=1\n"])
    assert not is_trivial(["rem x\nremove (1,key=k$)\n"])
    assert not is_trivial(["end\n"])


@pytest.fixture(scope="module")
def prompts(data_dir: Path):
    return {p.id: p for p in load_prompts(data_dir / "evalset.jsonl").prompts}


def test_score_pass_and_requires(prompts) -> None:
    v = score_answer(prompts["t-002"], GOOD_ANSWER, CHECKER)
    assert v.status == "pass" and v.passed is True and v.requires_pass is True and v.code[0].startswith("rem Greet")


def test_score_compile_error_names_the_line(prompts) -> None:
    v = score_answer(prompts["t-002"], BAD_ANSWER, CHECKER)
    assert v.status == "compile_error" and v.passed is False
    assert v.diagnostics[0].startswith("answer.bbj: error at line 10 (1): for i=1 10")
    assert v.errors and v.requires_pass is True


def test_score_no_code_and_trivial_code_fail(prompts) -> None:
    assert score_answer(prompts["t-001"], "I would print it, surely, with the print verb of course.", CHECKER).status == "no_code"
    trivial = score_answer(prompts["t-001"], "```bbj\nrem print it\n\n```", CHECKER)
    assert trivial.status == "trivial_code" and trivial.passed is False
    assert trivial.requires_pass is True  # the pattern is found in the REM line: requires@1 is a separate metric


def test_prose_prompt_is_not_compiled_and_requires_read_the_answer(prompts) -> None:
    v = score_answer(prompts["t-004"], "It prints 2.", CHECKER)
    assert v.status == "prose" and v.passed is None and v.requires_pass is True
    assert score_answer(prompts["t-004"], "It prints a number.", CHECKER).requires_missing == ["2"]
    assert score_answer(prompts["t-005"], GOOD_ANSWER, CHECKER).requires_pass is None  # no patterns: not counted


def test_copy_index_counts_verbatim_lines(data_dir: Path) -> None:
    index = CopyIndex.from_files([data_dir / "train.jsonl", data_dir / "corpus.jsonl"])
    code = ['    name$ = "World"\nprint "Hello, ",   name$\nend\nprint "something new here"\nrem a long copied comment line\n']
    assert index.count(code) == (3, 2)  # `end` and the REM line do not count; spacing does not matter


def test_copy_index_reads_only_assistant_code(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [{"messages": [{"role": "user", "content": "```bbj\nprint \"user line here\"\n```"},
                                                              {"role": "assistant", "content": "```bbj\nprint \"assistant line\"\n```"}]}])
    index = CopyIndex.from_files([path])
    assert index.count(['print "user line here"\nprint "assistant line"\n']) == (2, 1)
    with pytest.raises(InputError, match="training data for the verbatim-copy rate not found"):
        CopyIndex.from_files([tmp_path / "missing.jsonl"])
    assert json.loads(path.read_text())  # the file is untouched
