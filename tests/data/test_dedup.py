"""Exact and near-duplicate detection, grouping, conflicts."""

from __future__ import annotations

from bbjcoder.data.conflicts import resolve_conflicts
from bbjcoder.data.dedup import exact_duplicates, group_ids, jaccard, near_duplicate_pairs, shingles
from bbjcoder.data.example import Example

LONG = ("Open the customer file on a free channel, read each record with READ RECORD, stop at the end of file "
        "with END=, and print the name and balance of every customer whose balance is above the limit")


def ex(id_: str, prompt: str, answer: str, code: tuple[str, ...] = (), compiles: bool = True) -> Example:
    return Example(id=id_, source=f"{id_}.md", type="completion", generation=("all",), difficulty="basic", tags=(),
                   messages=({"role": "user", "content": prompt}, {"role": "assistant", "content": answer}),
                   code=code, compiles=compiles, topic="oop", prompt_text=prompt, answer_text=answer)


def test_shingles_and_jaccard():
    a, b = shingles("print a; print b"), shingles("PRINT a ; print b")
    assert jaccard(a, b) == 1.0
    assert jaccard(shingles("one two three four"), shingles("five six seven eight")) == 0.0


def test_near_duplicates_found_and_distinct_texts_not():
    reworded = LONG.replace("every customer", "each customer")
    texts = [LONG, "Write a DWC form with two buttons and a grid of orders", reworded, LONG + " today"]
    pairs = near_duplicate_pairs(texts, threshold=0.85)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2), (0, 3)]  # (2, 3) is 0.837
    assert all(s >= 0.85 for _, _, s in pairs)
    assert near_duplicate_pairs(texts, threshold=0.99) == []


def test_exact_duplicates_after_normalisation_keep_smallest_id():
    items = [ex("b", "Print  HI", "print 1"), ex("a", "print hi", "PRINT 1"), ex("c", "print hi", "print 2")]
    assert exact_duplicates(items) == {"b": "a"}


def test_groups_are_transitive_and_named_by_smallest_id():
    assert group_ids(["c", "b", "a", "d"], [(0, 1), (1, 2)]) == {"c": "a", "b": "a", "a": "a", "d": "d"}


def test_conflict_keeps_the_answer_whose_code_compiles():
    good = ex("z", "Loop to ten", "```bbj\nfor i=1 to 10\nnext i\n```", ("for i=1 to 10\nnext i\n",))
    bad = ex("a", "loop to ten", "```bbj\nfor i=1 10\nnext i\nprint i\n```", ("for i=1 10\nnext i\nprint i\n",),
             compiles=False)
    resolution = resolve_conflicts([bad, good])
    assert resolution.dropped == {"a": "z"}
    assert [c.to_record() for c in resolution.conflicts] == [
        {"prompt": "loop to ten", "kept": "z", "dropped": ["a"], "why": "its code compiles"}]


def test_conflict_keeps_the_richer_answer_then_smallest_id():
    short = ex("a", "Explain DOM=", "It branches.")
    rich = ex("b", "Explain DOM=", "It branches when the key is missing.\n```bbj\nread (1,key=k$,dom=nf) r$\n```",
              ("read (1,key=k$,dom=nf) r$\n",))
    assert resolve_conflicts([short, rich]).conflicts[0].to_record()["why"] == "richer answer"
    twin = resolve_conflicts([ex("b", "q", "one"), ex("a", "q", "two")])
    assert twin.dropped == {"b": "a"} and twin.conflicts[0].why == "smallest id (answers equally rich)"
