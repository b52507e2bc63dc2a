"""stats.json, dataset-card.md and COVERAGE.md: what a build made, in numbers and in prose.

stats.json (one JSON document; keys in this order, lists sorted, no times or absolute paths):

    {"format": 1, "config": {...}, "sources": {...}, "examples": {"read": 120, "kept": 112,
     "by_split": {"train": 90, "validation": 11, "test": 11}}, "distribution": {"train": {"type":
     {"completion": 40, ...}, "generation": {...}, "difficulty": {...}, "topic": {...}}, ...},
     "rejected": {"invalid": 3, "filtered": 5, "by_reason": {"bad-enum": 1, ...}},
     "dedup": {"threshold": 0.85, "exact_duplicates": 2, "conflicts": [...], "near_duplicate_pairs":
     [...], "shared_code_pairs": [...], "groups": [{"id": ..., "members": [...], "split": "train"}]},
     "imports": {"records": 0, "changes": {"fenced-code": 0}}, "corpus": {...}, "eval_overlap": {...},
     "warnings": ["file:line: warning: ..."], "outputs": {"train.jsonl": {"records": 90, "sha256": ...}},
     "dataset_hash": "..."}

dataset_hash is the SHA-256 over the names and hashes of the data files: the identity a training
run records. COVERAGE.md counts the Markdown examples per topic, type, generation and difficulty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .example import DIFFICULTIES, GENERATIONS, TOPICS, TYPES, Example
from .io import sha256_hex
from .problems import Problem, warning
from .split import SPLITS

__all__ = ["label_warnings", "stats_document", "dataset_card", "coverage_markdown", "distribution"]

_ORDER = {"type": TYPES, "generation": GENERATIONS, "difficulty": DIFFICULTIES, "topic": TOPICS}


def _labels(ex: Example, dimension: str) -> tuple[str, ...]:
    value = getattr(ex, dimension)
    return tuple(value) if isinstance(value, tuple) else (value,)


def _ordered(counter: Counter, dimension: str) -> dict[str, int]:
    known = [k for k in _ORDER.get(dimension, ()) if k in counter]
    return {k: counter[k] for k in known + sorted(k for k in counter if k not in known)}


def distribution(examples: Sequence[Example]) -> dict[str, dict[str, int]]:
    """Counts per type, generation (each label of a list counts), difficulty and topic."""
    result = {}
    for dimension in ("type", "generation", "difficulty", "topic"):
        counter = Counter(label for ex in examples for label in _labels(ex, dimension))
        result[dimension] = _ordered(counter, dimension)
    return result


def label_warnings(examples: Sequence[Example], splits: dict[str, str]) -> list[Problem]:
    """A warning for each label that has examples but none in validation or none in test."""
    problems = []
    for dimension in ("type", "generation", "difficulty"):
        counts: dict[str, Counter] = {}
        for ex in examples:
            for label in _labels(ex, dimension):
                counts.setdefault(label, Counter())[splits[ex.id]] += 1
        for label in sorted(counts):
            c = counts[label]
            for split in ("validation", "test"):
                if not c[split]:
                    shown = ", ".join(f"{c[s]} {s}" for s in SPLITS)
                    problems.append(warning("splits", 0, "no-eval-split", f"{dimension} {label!r} has no {split} "
                                            f"example ({shown}); add more {label} examples (new groups land in "
                                            "each split by hash)"))
    return problems


def stats_document(config, sources, loaded, examples, splits, grouping, conflicts, corpus, overlap,
                   problems: Sequence[Problem], outputs: dict) -> dict:
    """The stats.json document (module doc)."""
    by_split = {s: [ex for ex in examples if splits[ex.id] == s] for s in SPLITS}
    rejected = [p for p in problems if p.is_error]
    members: dict[str, list[str]] = {}
    for ex in examples:
        members.setdefault(grouping.group[ex.id], []).append(ex.id)
    groups = [{"id": g, "members": m, "split": splits[m[0]]} for g, m in sorted(members.items()) if len(m) > 1]
    return {
        "format": 1,
        "config": config.model_dump(exclude={"out"}),
        "sources": {
            "markdown": [label for _, label in sources.markdown] + [label for _, label in sources.markdown_files],
            "jsonl": [label for _, label in sources.jsonl],
            "programs": [label for _, label in sources.programs],
            "markdown_files": loaded.markdown_files,
            "jsonl_records": loaded.jsonl_lines,
        },
        "examples": {"read": loaded.markdown_files + loaded.jsonl_lines, "kept": len(examples),
                     "by_split": {s: len(v) for s, v in by_split.items()}},
        "distribution": {s: distribution(v) for s, v in by_split.items()},
        "rejected": {"invalid": sum(p.kind == "invalid" for p in rejected),
                     "filtered": sum(p.kind == "filtered" for p in rejected),
                     "by_reason": dict(sorted(Counter(p.reason for p in rejected).items()))},
        "dedup": {"threshold": config.near_duplicate_threshold,
                  "exact_duplicates": sum(p.reason == "exact-duplicate" for p in rejected),
                  "conflicts": [c.to_record() for c in conflicts],
                  "near_duplicate_pairs": grouping.near_pairs,
                  "shared_code_pairs": grouping.shared_code,
                  "groups": groups},
        "imports": {"records": loaded.jsonl_lines,
                    "changes": dict(sorted(Counter(c.change for c in loaded.changes).items()))},
        "corpus": _corpus_stats(corpus),
        "eval_overlap": overlap,
        "warnings": sorted(str(p) for p in problems if not p.is_error),
        "outputs": outputs,
        "dataset_hash": sha256_hex("".join(f"{n}:{o['sha256']}\n" for n, o in sorted(outputs.items())
                                           if n in ("train.jsonl", "validation.jsonl", "test.jsonl", "corpus.jsonl"))),
    }


def _corpus_stats(corpus) -> dict:
    kept = [r for r in corpus.manifest if r["status"] == "kept"]
    from_examples = sum(1 for r in kept if "#code" in r["source"])
    return {
        "programs": len(corpus.records),
        "lines": sum(r["text"].count("\n") for r in corpus.records),
        "from_folders": len(kept) - from_examples,
        "from_train_examples": from_examples,
        "encodings": dict(sorted(Counter(r["encoding"] for r in kept).items())),
        "left_out": dict(sorted(Counter(r["status"] for r in corpus.manifest if r["status"] != "kept").items())),
        "left_out_files": [{"source": r["source"], "status": r["status"], "note": r["note"]}
                           for r in sorted(corpus.manifest, key=lambda r: r["source"]) if r["status"] != "kept"],
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def dataset_card(stats: dict) -> str:
    """dataset-card.md: the build in prose and tables, from stats.json alone."""
    ex, dedup, corpus, overlap = stats["examples"], stats["dedup"], stats["corpus"], stats["eval_overlap"]
    parts = [
        "# BBj training data: dataset card",
        "Generated by `bbjcoder data build`; every number below comes from `stats.json` in the same folder.",
        f"Dataset hash: `{stats['dataset_hash']}`",
        "## Sources\n\n" + _table(["kind", "sources"], [[k, ", ".join(v) or "-"] for k, v in stats["sources"].items()
                                                       if isinstance(v, list)]),
        f"## Examples\n\n{ex['read']} read, {ex['kept']} kept.\n\n"
        + _table(["split", "examples"], [[s, n] for s, n in ex["by_split"].items()]),
    ]
    for dimension in ("type", "generation", "difficulty", "topic"):
        labels = sorted({k for d in stats["distribution"].values() for k in d[dimension]},
                        key=lambda k: (_ORDER.get(dimension, ()).index(k) if k in _ORDER.get(dimension, ()) else 99, k))
        rows = [[k] + [stats["distribution"][s][dimension].get(k, 0) for s in SPLITS] for k in labels]
        parts.append(f"### By {dimension}\n\n" + _table([dimension, *SPLITS], rows))
    rej = stats["rejected"]
    parts.append(f"## Left out\n\n{rej['invalid']} invalid (fix them), {rej['filtered']} filtered on purpose; "
                 "each is a line of `rejected.jsonl`.\n\n" + _table(["reason", "count"], list(rej["by_reason"].items())))
    parts.append(f"## Deduplication\n\nExact duplicates dropped: {dedup['exact_duplicates']}. Conflicting answers "
                 f"resolved: {len(dedup['conflicts'])}. Near-duplicate pairs (Jaccard >= {dedup['threshold']}): "
                 f"{len(dedup['near_duplicate_pairs'])}; pairs sharing a code block: {len(dedup['shared_code_pairs'])}; "
                 f"multi-example groups (kept in one split): {len(dedup['groups'])}.")
    if dedup["near_duplicate_pairs"]:
        parts.append(_table(["a", "b", "Jaccard"], [[p["a"], p["b"], p["jaccard"]]
                                                    for p in dedup["near_duplicate_pairs"][:50]]))
    parts.append(f"## Evaluation overlap\n\nChecked {overlap['prompts']} prompts from "
                 f"{', '.join(overlap['files']) or 'no evaluation set'} against the training requests at Jaccard >= "
                 f"{overlap['threshold']}: {len(overlap['pairs'])} near-duplicate pair(s).")
    if overlap["pairs"]:
        parts.append(_table(["eval", "example", "Jaccard"], [[p["eval"], p["example"], p["jaccard"]]
                                                             for p in overlap["pairs"][:50]]))
    parts.append(f"## Stage-1 corpus\n\n{corpus['programs']} programs, {corpus['lines']} lines: "
                 f"{corpus['from_folders']} files from program folders, {corpus['from_train_examples']} code blocks "
                 "from train-split examples (never validation or test).\n\n"
                 + _table(["left out", "files"], list(corpus["left_out"].items()) or [["-", 0]]))
    if stats["imports"]["records"]:
        parts.append(f"## Imported JSONL\n\n{stats['imports']['records']} records; repairs (see `changes.jsonl`):\n\n"
                     + _table(["change", "count"], list(stats["imports"]["changes"].items()) or [["-", 0]]))
    parts.append("## Files\n\n" + _table(["file", "records", "sha256"],
                                         [[n, o["records"], f"`{o['sha256'][:16]}`"] for n, o in stats["outputs"].items()]))
    parts.append("## Reproduce\n\n```\nbbjcoder data build " + " ".join(stats["config"]["sources"]) + " --out DIR\n```")
    return "\n\n".join(parts) + "\n"


def coverage_markdown(examples: Sequence[Example], splits: dict[str, str], label: str) -> str:
    """COVERAGE.md of one Markdown examples folder."""
    counts = Counter((ex.topic, ex.type) for ex in examples)
    topics = [t for t in TOPICS] + sorted({ex.topic for ex in examples} - set(TOPICS))
    rows = [[t] + [counts[(t, k)] for k in TYPES] + [sum(counts[(t, k)] for k in TYPES)] for t in topics]
    rows.append(["**total**"] + [sum(counts[(t, k)] for t in topics) for k in TYPES] + [len(examples)])
    dist = distribution(examples)
    split_counts = Counter(splits[ex.id] for ex in examples)
    parts = [
        f"# Coverage of {label}/",
        f"Generated by `bbjcoder data build`; do not edit by hand. {len(examples)} valid examples "
        "(invalid files are not counted: run `bbjcoder data validate`).",
        "## Topic and type\n\n" + _table(["topic", *TYPES, "total"], rows),
        "## Generation\n\nAn example labelled with a list counts once for each label.\n\n"
        + _table(["generation", "examples"], [[g, dist["generation"].get(g, 0)] for g in GENERATIONS]),
        "## Difficulty\n\n" + _table(["difficulty", "examples"],
                                     [[d, n] for d, n in dist["difficulty"].items()] or [["-", 0]]),
        "## Split\n\n" + _table(["split", "examples"], [[s, split_counts[s]] for s in SPLITS]),
    ]
    return "\n\n".join(parts) + "\n"
