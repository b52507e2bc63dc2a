"""Markdown examples: every rejection reason, with its file, line and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bbjcoder.data.validate import example_files, load_markdown_folder

from .conftest import GOOD_BODY, front, write


def problems_of(root: Path, checker, rel: str, text: str | bytes):
    write(root, rel, text)
    report = load_markdown_folder(root, checker)
    return report, [(p.line, p.reason, p.message) for p in report.problems if p.is_error]


def test_valid_example_loads_without_problems(examples_root, checker):
    report, errors = problems_of(examples_root, checker, "strings/print-greeting.md", front() + GOOD_BODY)
    assert errors == [] and report.problems == []
    (ex,) = report.examples
    assert ex.id == "strings/print-greeting"
    assert ex.source == "training-data/strings/print-greeting.md"
    assert ex.topic == "strings" and ex.difficulty == "unspecified"
    assert ex.code == ('rem Print a greeting for one customer\nname$ = "World"\nprint "Hello, ", name$\nend\n',)


def test_not_utf8_names_the_line(examples_root, checker):
    data = (front() + GOOD_BODY).encode() + b"\ncaf\xe9\n"
    _, errors = problems_of(examples_root, checker, "strings/x.md", data)
    line = (front() + GOOD_BODY).count("\n") + 2
    assert errors == [(line, "not-utf8", "byte 0xe9 is not UTF-8; save the file as UTF-8")]


def test_empty_file(examples_root, checker):
    _, errors = problems_of(examples_root, checker, "strings/x.md", " \n\n")
    assert errors == [(0, "empty-file", "the file is empty; write the example or delete the file")]


def test_missing_front_matter(examples_root, checker):
    _, errors = problems_of(examples_root, checker, "strings/x.md", GOOD_BODY)
    assert errors[0][:2] == (1, "missing-front-matter")
    assert "must start with a '---' line" in errors[0][2]


def test_unclosed_front_matter(examples_root, checker):
    _, errors = problems_of(examples_root, checker, "strings/x.md", "---\ntitle: x\n" + GOOD_BODY)
    assert errors == [(1, "missing-front-matter", "the front matter opened on line 1 is never closed; add a "
                       "'---' line after the last key")]


def test_malformed_yaml_names_the_line(examples_root, checker):
    text = "---\ntype: completion\ntitle: Keys: and values\ngeneration: all\n---\n" + GOOD_BODY
    _, errors = problems_of(examples_root, checker, "strings/x.md", text)
    assert errors[0][:2] == (3, "malformed-yaml")
    assert "mapping values are not allowed here" in errors[0][2]


def test_bad_enum_names_key_line_value_and_fix(examples_root, checker):
    _, errors = problems_of(examples_root, checker, "strings/x.md", front(type="tutorial") + GOOD_BODY)
    assert errors == [(3, "bad-enum", "type: 'tutorial' is not allowed; use one of completion, comprehension, "
                       "migration, explanation")]


@pytest.mark.parametrize("generation", ["gui", [], ["dwc", "dwc"], ["all", "dwc"]])
def test_bad_generation(examples_root, checker, generation):
    _, errors = problems_of(examples_root, checker, "strings/x.md", front(generation=generation) + GOOD_BODY)
    assert [(r, m.split(";")[0]) for _, r, m in errors] == [("bad-enum", f"generation: {generation!r} is not allowed")]


def test_missing_and_unknown_keys_reported_together(examples_root, checker):
    text = "---\ntitle: Greeting\ntype: completion\nauthor: me\n---\n" + GOOD_BODY
    _, errors = problems_of(examples_root, checker, "strings/x.md", text)
    assert (1, "missing-field", "missing required key 'generation': add `generation: ...` to the front matter") in errors
    assert any(r == "unknown-field" and line == 4 and m.startswith("unknown key 'author': allowed keys are title, ")
               for line, r, m in errors)


def test_duplicate_key(examples_root, checker):
    text = front() .replace("---\n", "---\ntype: completion\n", 1) + GOOD_BODY
    _, errors = problems_of(examples_root, checker, "strings/x.md", text)
    assert (4, "duplicate-key", "key 'type' appears twice (first on line 2); keep one") in errors


def test_bad_values(examples_root, checker):
    text = front(title=" ", tags="sql", requires_version=18.0) + GOOD_BODY
    _, errors = problems_of(examples_root, checker, "strings/x.md", text)
    assert [(line, r) for line, r, _ in errors] == [(2, "bad-value"), (5, "bad-value"), (6, "bad-value")]
    assert errors[1][2] == "tags: expected a array, got 'sql' (write a list: [sql, templates])"
    assert errors[2][2] == 'requires_version: expected a string, got 18.0 (quote it, e.g. "BBj 18.0")'


def test_missing_and_empty_sections(examples_root, checker):
    body = GOOD_BODY.split("## Explanation")[0].replace("Prints `Hello, World`.", "")
    _, errors = problems_of(examples_root, checker, "strings/x.md", front() + body)
    assert [r for _, r, _ in errors] == ["missing-section", "empty-section"]
    assert errors[0][2].startswith("missing '## Explanation' section")


def test_code_blocks_must_be_tagged_bbj_and_closed(examples_root, checker):
    body = GOOD_BODY.replace("```bbj", "```basic")
    _, errors = problems_of(examples_root, checker, "strings/x.md", front() + body)
    assert errors == [(7, "missing-section", "## Code has no ```bbj block; add the program"),
                      (9, "bad-code-block", "code block under ## Code is tagged 'basic'; open BBj code with ```bbj")]
    unclosed = front() + "\n## Code\n\n```bbj\nprint 1\n"
    _, errors = problems_of(examples_root, checker, "strings/y.md", unclosed)
    assert (9, "bad-code-block", "code block is never closed; add a closing ``` line") in errors


def test_code_error_reports_markdown_line(examples_root, checker):
    body = GOOD_BODY.replace('name$ = "World"', "for i=1 10")
    _, errors = problems_of(examples_root, checker, "strings/x.md", front() + body)
    (line, reason, message) = errors[0]
    assert (line, reason) == (11, "code-error")  # front matter 5 lines, blank, ## Code, blank, fence, rem
    assert "`for i=1 10`" in message and "bbjcoder check training-data/strings/x.md" in message


def test_migration_needs_before_and_after(examples_root, checker):
    body = GOOD_BODY.replace("## Code\n", "## Code\n\n### Before\n")
    _, errors = problems_of(examples_root, checker, "strings/x.md", front(type="migration") + body)
    assert errors == [(7, "missing-section", "migration example needs '### After' under ## Code with one ```bbj "
                       "block (the old code under Before, the new under After)")]


def test_drafts_docs_and_hidden_folders_are_not_examples(examples_root):
    for rel in ("_drafts/x.md", "README.md", "FORMAT.md", "oop/.cache/x.md", "oop/real-one.md", "schema/x.json"):
        write(examples_root, rel, "x")
    assert [p.as_posix() for p in example_files(examples_root)] == ["oop/real-one.md"]


def test_warnings_for_names_sections_and_lint(examples_root, checker):
    body = GOOD_BODY + "\n## Notes\n\nmore\n"
    body = body.replace('print "Hello, ", name$', 'print "Hello, ", name$\nx! = BBjAPI().getWebManager()')
    report, errors = problems_of(examples_root, checker, "misc/Bad_Name.md", front(generation="vpro5") + body)
    assert errors == []
    reasons = sorted(p.reason for p in report.problems)
    assert reasons == ["generation-lint", "generation-lint", "slug", "topic", "unused-section"]
    assert len(report.examples) == 1  # warnings never reject
