"""The whole build: rejections listed and counted, exit codes, determinism, reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bbjcoder.data.build import build_dataset
from bbjcoder.data.config import load_config
from bbjcoder.errors import DataError

from .conftest import GOOD_BODY, distinct_example, front, write

OUTPUTS = ("examples.jsonl", "train.jsonl", "validation.jsonl", "test.jsonl", "corpus.jsonl", "corpus-manifest.jsonl",
           "changes.jsonl", "rejected.jsonl", "stats.json", "dataset-card.md", "COVERAGE.md")


def run_build(tmp_path: Path, sources, out: str = "out", **settings):
    settings = {"sources": [str(s) for s in sources], "out": str(tmp_path / out), "checker": "builtin",
                "eval_sets": []} | settings
    return build_dataset(load_config(overrides=settings))


def mixed_sources(base: Path) -> list[Path]:
    """Examples of every kind, with one input for each rejection reason."""
    root = base / "training-data"
    for i in range(12):
        write(root, f"strings/example-{i:02d}.md", distinct_example(i, ("completion", "explanation")[i % 2]))
    write(root, "strings/bad-enum.md", front(type="tutorial") + GOOD_BODY)
    write(root, "strings/bad-yaml.md", "---\ntitle: a: b\n---\n" + GOOD_BODY)
    write(root, "strings/no-front-matter.md", GOOD_BODY)
    write(root, "strings/not-utf8.md", (front() + GOOD_BODY).encode() + b"\xff\n")
    write(root, "strings/empty.md", "")
    write(root, "strings/bad-code.md", front() + GOOD_BODY.replace('name$ = "World"', "for i=1 10"))
    write(root, "_drafts/unfinished.md", "not checked")
    chat = [
        {"messages": [{"role": "user", "content": "Show a counted loop"},
                      {"role": "assistant", "content": "```bbj\nfor i=1 to 3\n  print i\nnext i\n```"}]},
        {"messages": [{"role": "user", "content": "show a counted loop"},
                      {"role": "assistant", "content": "```bbj\nfor i=1 3\nnext i\n```"}]},
        {"messages": [{"role": "user", "content": "Print the date"},
                      {"role": "assistant", "content": 'print date(0)\\nend'}]},
    ]
    lines = [json.dumps(c) for c in chat] + [json.dumps(chat[0]), "{broken"]
    write(base, "old.jsonl", "\n".join(lines) + "\n")
    write(base, "corpus/util.bbj", "rem util\nprint 1\nend\n")
    return [root, base / "old.jsonl", base / "corpus"]


def rejected(out: Path) -> list[tuple[str, int, str, str]]:
    lines = (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()
    return [(r["file"], r["line"], r["kind"], r["reason"]) for r in map(json.loads, lines)]


def test_every_bad_input_gets_a_rejected_line_and_the_rest_is_built(tmp_path):
    result = run_build(tmp_path, mixed_sources(tmp_path))
    assert rejected(result.out) == [
        ("old.jsonl", 2, "filtered", "code-does-not-compile"),
        ("old.jsonl", 4, "filtered", "exact-duplicate"),
        ("old.jsonl", 5, "invalid", "broken-jsonl-line"),
        ("training-data/strings/bad-code.md", 11, "invalid", "code-error"),
        ("training-data/strings/bad-enum.md", 3, "invalid", "bad-enum"),
        ("training-data/strings/bad-yaml.md", 2, "invalid", "malformed-yaml"),
        ("training-data/strings/empty.md", 0, "invalid", "empty-file"),
        ("training-data/strings/no-front-matter.md", 1, "invalid", "missing-front-matter"),
        ("training-data/strings/not-utf8.md", (front() + GOOD_BODY).count("\n") + 1, "invalid", "not-utf8"),
    ]
    stats = result.stats
    assert stats["examples"]["kept"] == 14 and sum(stats["examples"]["by_split"].values()) == 14
    assert stats["rejected"] == {"invalid": 7, "filtered": 2, "by_reason": {
        "bad-enum": 1, "broken-jsonl-line": 1, "code-does-not-compile": 1, "code-error": 1, "empty-file": 1,
        "exact-duplicate": 1, "malformed-yaml": 1, "missing-front-matter": 1, "not-utf8": 1}}
    assert stats["imports"]["changes"] == {"fenced-code": 1, "repaired-escapes": 1}
    assert result.exit_code == 1
    for name in OUTPUTS:
        assert (result.out / name).is_file(), name
    assert set(stats["outputs"]) == set(OUTPUTS) - {"stats.json", "dataset-card.md", "COVERAGE.md"}


def test_skip_invalid_makes_the_same_build_exit_0(tmp_path):
    result = run_build(tmp_path, mixed_sources(tmp_path), skip_invalid=True)
    assert result.exit_code == 0 and result.invalid


def test_conflicting_answers_keep_the_compiling_one(tmp_path):
    result = run_build(tmp_path, mixed_sources(tmp_path), keep_failing_code=True)
    assert ("old.jsonl", 2, "filtered", "conflict") in rejected(result.out)
    (conflict,) = result.stats["dedup"]["conflicts"]
    assert conflict["why"] == "its code compiles" and conflict["prompt"] == "show a counted loop"
    kept = [json.loads(x) for x in (result.out / "examples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["messages"][1]["content"] for e in kept if e["id"] == conflict["kept"]] == [
        "```bbj\nfor i=1 to 3\n  print i\nnext i\n```"]


def test_same_inputs_give_byte_identical_outputs_wherever_they_lie(tmp_path, monkeypatch):
    mixed_sources(tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    relative = ["training-data", "old.jsonl", "corpus"]
    monkeypatch.chdir(tmp_path / "a")
    first = run_build(tmp_path / "a", relative, "out")
    monkeypatch.chdir(tmp_path / "b")
    second = run_build(tmp_path / "b", relative, "elsewhere/deeper")
    for name in OUTPUTS:
        assert (first.out / name).read_bytes() == (second.out / name).read_bytes(), name


def test_coverage_is_written_into_the_examples_folder(tmp_path):
    sources = mixed_sources(tmp_path)
    run_build(tmp_path, sources)
    coverage = (sources[0] / "COVERAGE.md").read_text(encoding="utf-8")
    assert coverage.startswith("# Coverage of training-data/\n")
    assert "| strings | 6 | 0 | 0 | 6 | 12 |" in coverage
    run_build(tmp_path, sources, "out2", coverage=False)  # the file in the folder is not an example
    assert (tmp_path / "out2" / "COVERAGE.md").read_text(encoding="utf-8") == coverage


def test_eval_overlap_is_recorded(tmp_path):
    root = tmp_path / "training-data"
    write(root, "strings/greet.md", front(description="Greet the whole world from a BBj program with a print "
                                               "statement and a string variable") + GOOD_BODY)
    write(tmp_path, "evalsets/eval.jsonl", "\n".join([
        json.dumps({"id": "e1", "prompt": "Greet the whole world from a BBj program with a print statement and a "
                                          "string variable"}),
        json.dumps({"id": "e2", "prompt": "Write a DWC grid of orders"}),
    ]) + "\n")
    result = run_build(tmp_path, [root], eval_sets=[str(tmp_path / "evalsets")])
    overlap = result.stats["eval_overlap"]
    assert overlap["prompts"] == 2
    assert [(p["eval"], p["example"], p["jaccard"]) for p in overlap["pairs"]] == [("e1", "strings/greet", 1.0)]
    assert "1 near-duplicate pair(s)" in (result.out / "dataset-card.md").read_text(encoding="utf-8")


def test_stats_and_card_describe_the_build(tmp_path):
    result = run_build(tmp_path, mixed_sources(tmp_path))
    stats = json.loads((result.out / "stats.json").read_text(encoding="utf-8"))
    assert stats["dataset_hash"] == result.stats["dataset_hash"]
    assert stats["outputs"]["train.jsonl"]["records"] == stats["examples"]["by_split"]["train"]
    assert "out" not in stats["config"]
    card = (result.out / "dataset-card.md").read_text(encoding="utf-8")
    assert card.startswith("# BBj training data: dataset card\n") and stats["dataset_hash"] in card
    line = json.loads((result.out / "train.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(line) == {"messages", "meta"}
    assert set(line["meta"]) == {"id", "source", "type", "generation", "difficulty", "tags", "topic", "compiles",
                                 "group", "split"}
    record = json.loads((result.out / "examples.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert list(record) == ["id", "source", "type", "generation", "difficulty", "tags", "messages", "code",
                            "compiles", "content_hash"]


def test_nothing_to_build_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="nothing to build from"):
        run_build(tmp_path, [tmp_path / "empty"])
