"""ChatML JSONL import: repairs (each reported), rejections (each with file and line)."""

from __future__ import annotations

import json

from bbjcoder.data.importer import fence_code, import_jsonl, repair_escapes

from .conftest import write


def chat(user: str, answer: str, **labels) -> str:
    return json.dumps({"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}
                      | labels)


def imported(tmp_path, checker, *lines: str | bytes, keep_failing=False):
    data = b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n"
    path = write(tmp_path, "old.jsonl", data)
    return import_jsonl(path, checker, keep_failing=keep_failing)


def test_literal_escapes_are_repaired_and_reported(tmp_path, checker):
    answer = 'Here:\\n```bbj\\nprint \\"hi\\"\\nend\\n```'
    report = imported(tmp_path, checker, chat("Print hi", answer))
    (ex,) = report.examples
    assert ex.messages[1]["content"] == 'Here:\n```bbj\nprint "hi"\nend\n```'
    assert [(c.change, c.detail) for c in report.changes] == [
        ("repaired-escapes", "assistant turn 2: literal escape sequences decoded")]
    assert ex.code == ('print "hi"\nend\n',) and ex.compiles


def test_escapes_inside_one_code_block_are_repaired(tmp_path, checker):
    answer = "Use this:\n\n```bbj\nprint 1\\nprint 2\\nend\n```\n\nIt prints two numbers."
    report = imported(tmp_path, checker, chat("Print two numbers", answer))
    assert report.examples[0].code == ("print 1\nprint 2\nend\n",)
    assert report.changes[0].detail == "assistant turn 2: literal escape sequences decoded in 1 code block(s)"


def test_real_newlines_and_windows_paths_are_left_alone():
    assert repair_escapes('dir$ = "C:\\new"\nprint dir$\nend\n') is None
    assert repair_escapes("no escapes here") is None


def test_unfenced_code_is_fenced_and_reported(tmp_path, checker):
    answer = 'Here is the program:\n\nname$ = "Ann"\nprint "Hi ", name$\nend\n\nIt greets Ann by name in the terminal.'
    report = imported(tmp_path, checker, chat("Greet Ann", answer))
    (ex,) = report.examples
    assert ex.messages[1]["content"] == ('Here is the program:\n\n```bbj\nname$ = "Ann"\nprint "Hi ", name$\nend\n'
                                         "```\n\nIt greets Ann by name in the terminal.")
    assert [(c.change, c.detail) for c in report.changes] == [
        ("fenced-code", "assistant turn 2: wrapped 3 lines of BBj in ```bbj")]


def test_untagged_fence_holding_bbj_is_tagged():
    text, fenced, retagged = fence_code("Try:\n\n```\nfor i=1 to 3\n  print i\nnext i\n```")
    assert text == "Try:\n\n```bbj\nfor i=1 to 3\n  print i\nnext i\n```"
    assert (fenced, retagged) == ([], ["fence on line 3 tagged ```bbj (was untagged)"])


def test_prose_is_not_fenced():
    prose = "Use a keyed file.\n\nThe KEY= option selects the record, and DOM= handles a missing key."
    assert fence_code(prose) == (prose, [], [])


def test_empty_turns_are_dropped_and_reported(tmp_path, checker):
    line = json.dumps({"messages": [{"role": "system", "content": "  "}, {"role": "user", "content": "Hi?"},
                                    {"role": "assistant", "content": "Use `print`."}]})
    report = imported(tmp_path, checker, line)
    assert [m["role"] for m in report.examples[0].messages] == ["user", "assistant"]
    assert [(c.change, c.detail) for c in report.changes] == [("dropped-empty-turn", "system turn 1 was empty")]


def test_broken_lines_are_rejected_with_file_and_line(tmp_path, checker):
    report = imported(tmp_path, checker, chat("a", "b"), "{not json", b'{"messages": "caf\xe9"}',
                      json.dumps({"text": "x"}), json.dumps({"messages": [{"role": "bot", "content": "x"}]}),
                      json.dumps({"messages": [{"role": "user", "content": "only a question"}]}))
    found = [(p.file, p.line, p.reason) for p in report.problems]
    assert found == [("old.jsonl", 2, "broken-jsonl-line"), ("old.jsonl", 3, "not-utf8"),
                     ("old.jsonl", 4, "bad-record"), ("old.jsonl", 5, "bad-record"), ("old.jsonl", 6, "bad-record")]
    assert report.problems[0].message == "not valid JSON (Expecting property name enclosed in double quotes at " \
                                         "column 2); fix or remove the line"
    assert report.problems[3].message.startswith("message 1 ('bot') needs a role of system, user or assistant")
    assert len(report.examples) == 1 and report.lines == 6


def test_empty_jsonl_file_is_rejected(tmp_path, checker):
    path = write(tmp_path, "empty.jsonl", "\n\n")
    report = import_jsonl(path, checker)
    assert [(p.reason, p.line) for p in report.problems] == [("empty-file", 0)]


def test_code_that_does_not_compile_is_left_out_and_listed(tmp_path, checker):
    line = chat("Loop", "```bbj\nfor i=1 10\nnext i\n```")
    report = imported(tmp_path, checker, line)
    assert report.examples == []
    (p,) = report.problems
    assert (p.reason, p.kind, p.line) == ("code-does-not-compile", "filtered", 1)
    assert "code block 1, line 1:" in p.message and "`for i=1 10`" in p.message
    kept = imported(tmp_path, checker, line, keep_failing=True)
    assert [ex.compiles for ex in kept.examples] == [False]
    assert [(p.reason, p.kind) for p in kept.problems] == [("code-does-not-compile", "warning")]


def test_labels_are_read_and_bad_ones_reported(tmp_path, checker):
    report = imported(tmp_path, checker, chat("q", "a", type="explanation", generation=["dwc"], difficulty="hard"))
    (ex,) = report.examples
    assert (ex.type, ex.generation, ex.difficulty) == ("explanation", ("dwc",), "unspecified")
    assert [(p.reason, p.severity) for p in report.problems] == [("import-label", "warning")]
    assert ex.id.startswith("old:") and ex.source == "old.jsonl:1"
