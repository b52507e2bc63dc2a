"""The stage-1 corpus: encodings, line ends, tokenized files, duplicates, failing files, held-out code."""

from __future__ import annotations

import json

from bbjcoder.data.corpus import HeldOutIndex, build_corpus, read_program

from .conftest import distinct_example, write
from .test_build import run_build


def test_read_program_detects_encoding_and_line_ends():
    assert read_program('rem caf\xe9\r\nprint 1\r\n'.encode("cp1252")) == ("rem caf\xe9\nprint 1\n", "cp1252", "crlf")
    assert read_program("print 1\nprint 2".encode()) == ("print 1\nprint 2\n", "utf-8", "lf")
    assert read_program(b"\x00\x01PRO/5 tokenized\x00") is None


def test_folder_import_keeps_good_files_and_lists_the_rest(tmp_path, checker):
    root = tmp_path / "erp"
    write(root, "a/orders.bbj", 'rem Orders\r\nprint "caf\xe9"\r\nend\r\n'.encode("cp1252"))
    write(root, "b/copy.bbj", 'rem Orders\nprint "caf\xe9"\nend\n')
    write(root, "b/broken.src", "for i=1 10\nnext i\n")
    write(root, "c/tokenized.bbj", b"\x00\x12\x00binary")
    write(root, "_old/skipped.bbj", "print 1\n")
    write(root, "notes.txt", "not a program")
    report = build_corpus([(root, "erp")], [], HeldOutIndex([]), checker)
    assert report.records == [{"text": 'rem Orders\nprint "caf\xe9"\nend\n', "source": "erp/a/orders.bbj"}]
    manifest = {r["source"]: (r["status"], r["encoding"], r["line_endings"]) for r in report.manifest}
    assert manifest == {"erp/a/orders.bbj": ("kept", "cp1252", "crlf"), "erp/b/copy.bbj": ("duplicate", "utf-8", "lf"),
                        "erp/b/broken.src": ("checker-error", "utf-8", "lf"), "erp/c/tokenized.bbj": ("tokenized", "", "")}
    reasons = {p.file: (p.reason, p.kind) for p in report.problems}
    assert reasons["erp/c/tokenized.bbj"] == ("corpus-tokenized", "filtered")
    assert next(p.message for p in report.problems if p.reason == "corpus-checker-error").startswith(
        "line 1: ")
    assert next(p.message for p in report.problems if p.reason == "corpus-tokenized").startswith(
        "tokenized (binary) BBj program: list it to source first")


def test_held_out_code_is_found_inside_a_larger_program():
    held = HeldOutIndex(["open (1) \"X\"\nread (1) a$\nclose (1)\n"])
    assert held.contains_held_out("rem wrapper\n  OPEN (1) \"X\"\n\nread (1) a$\nclose (1)\nend\n")
    assert not held.contains_held_out("open (1) \"X\"\nread (1) b$\nclose (1)\n")


def test_no_validation_or_test_code_in_the_corpus(tmp_path):
    root = tmp_path / "training-data"
    programs = tmp_path / "programs"
    for i in range(40):
        text = distinct_example(i)
        write(root, f"strings/example-{i:02d}.md", text)
        code = text.split("```bbj\n")[1].split("```")[0]
        write(programs, f"copy-{i:02d}.bbj", "rem copied from an example\n" + code)
    result = run_build(tmp_path, [root, programs], "out")
    out = result.out
    corpus = [json.loads(line) for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    held = [json.loads(line)["meta"]["id"] for s in ("validation", "test")
            for line in (out / f"{s}.jsonl").read_text(encoding="utf-8").splitlines()]
    assert held, "expected some validation/test examples among 40"
    examples = {json.loads(line)["id"]: json.loads(line) for line in
                (out / "examples.jsonl").read_text(encoding="utf-8").splitlines()}
    for example_id in held:
        for code in examples[example_id]["code"]:
            assert all(code.strip() not in record["text"] for record in corpus)
    assert result.stats["corpus"]["left_out"]["held-out-code"] == len(held)
    assert all(r["source"].startswith(("programs/", "training-data/")) for r in corpus)
    assert len(corpus) == 2 * (40 - len(held))  # each train example: its program file and its own code
