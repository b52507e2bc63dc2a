"""The schema file in training-data/ is the schema the code validates with."""

from __future__ import annotations

from pathlib import Path

from bbjcoder.data.schema import SCHEMA, schema_json, schema_problems

REPO = Path(__file__).resolve().parents[2]


def test_schema_file_matches_the_code():
    path = REPO / "training-data" / "schema" / "example.schema.json"
    assert path.read_text(encoding="utf-8") == schema_json()


def test_valid_front_matter_has_no_problems():
    meta = {"title": "t", "type": "migration", "generation": ["vpro5", "bbj-gui"], "difficulty": "basic",
            "tags": ["a"], "description": "d", "requires_version": "BBj 18.0", "from_generation": "vpro5",
            "to_generation": ["bbj-gui"]}
    assert schema_problems(meta, "x.md", {}) == []
    assert set(SCHEMA["properties"]) == set(meta)


def test_one_problem_per_key_sorted_by_line():
    meta = {"title": "", "type": "x", "generation": "all", "tags": [1]}
    lines = {"title": 2, "type": 3, "generation": 4, "tags": 5}
    found = [(p.line, p.reason) for p in schema_problems(meta, "x.md", lines)]
    assert found == [(2, "bad-value"), (3, "bad-enum"), (5, "bad-value")]


def test_format_md_lists_every_reason_and_warning():
    from bbjcoder.data.problems import REASONS, WARNINGS

    text = (REPO / "training-data" / "FORMAT.md").read_text(encoding="utf-8")
    missing = [code for code in (*REASONS, *WARNINGS) if f"`{code}`" not in text]
    assert missing == []
