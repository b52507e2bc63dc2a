"""Splits: stable when examples are added, never straddled by a duplicate group."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bbjcoder.data.split import assign_split

from .conftest import distinct_example, write
from .test_build import run_build


def assignments(out: Path) -> dict[str, tuple[str, str]]:
    found = {}
    for split in ("train", "validation", "test"):
        for line in (out / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            meta = json.loads(line)["meta"]
            assert meta["split"] == split
            found[meta["id"]] = (split, meta["group"])
    return found


def test_assignment_is_a_pure_function_with_the_configured_shares():
    counts = Counter(assign_split(f"group-{i}") for i in range(20000))
    assert abs(counts["train"] / 20000 - 0.8) < 0.015
    assert abs(counts["validation"] / 20000 - 0.1) < 0.01
    assert assign_split("oop/x") == assign_split("oop/x")
    assert {assign_split(f"g{i}", 0.0, 0.0) for i in range(50)} == {"test"}


def test_adding_50_examples_moves_no_existing_one(tmp_path):
    root = tmp_path / "training-data"
    for i in range(100):
        write(root, f"strings/example-{i:03d}.md", distinct_example(i))
    before = assignments(run_build(tmp_path, [root], "out1").out)
    for i in range(100, 150):
        write(root, f"oop/example-{i:03d}.md", distinct_example(i))
    after = assignments(run_build(tmp_path, [root], "out2").out)
    assert len(before) == 100 and len(after) == 150
    assert {k: after[k] for k in before} == before
    assert set(s for s, _ in after.values()) == {"train", "validation", "test"}


def test_no_group_straddles_splits(tmp_path):
    lines = []
    for family in range(40):
        base = (f"Family {family}: open the ledger file number {family}, read every record with READ RECORD, total "
                f"the amounts of account {family * 7}, print the total and close the channel at the end")
        for variant in range(3):
            prompt = base + (" please" if variant == 1 else " now" if variant == 2 else "")
            answer = f"Read with END= and add each amount; account {family * 7} ends in total {family}."
            lines.append(json.dumps({"messages": [{"role": "user", "content": prompt},
                                                  {"role": "assistant", "content": answer}]}))
    write(tmp_path, "chat.jsonl", "\n".join(lines) + "\n")
    found = assignments(run_build(tmp_path, [tmp_path / "chat.jsonl"], "out").out)
    groups: dict[str, set[str]] = {}
    sizes = Counter()
    for split, group in found.values():
        groups.setdefault(group, set()).add(split)
        sizes[group] += 1
    assert len(found) == 120 and len(groups) == 40 and set(sizes.values()) == {3}
    assert all(len(splits) == 1 for splits in groups.values())
    assert len({s for splits in groups.values() for s in splits}) >= 2


def test_drop_near_duplicates_keeps_one_per_group(tmp_path):
    lines = []
    for family in range(5):
        base = (f"Family {family}: read every record of ledger {family} with READ RECORD, total account {family * 7}, "
                "print the total and close the channel at the end of the file")
        for extra in ("", " please", " now"):
            lines.append(json.dumps({"messages": [{"role": "user", "content": base + extra},
                                                  {"role": "assistant", "content": f"Use END= ({family})."}]}))
    write(tmp_path, "chat.jsonl", "\n".join(lines) + "\n")
    result = run_build(tmp_path, [tmp_path / "chat.jsonl"], "out", drop_near_duplicates=True)
    assert result.stats["examples"]["kept"] == 5
    assert result.stats["rejected"]["by_reason"] == {"near-duplicate": 10}
    assert result.exit_code == 0
