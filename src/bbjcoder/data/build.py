"""`bbjcoder data build`: from examples and programs to the training files, in fixed steps.

    result = build_dataset(load_config(overrides={"sources": ["training-data"], "out": "build"}))
    result.exit_code   # 0, or 1 when inputs were invalid and skip_invalid is off

Steps: (1) resolve sources, (2) load and validate examples, (3) drop exact duplicates,
(4) resolve conflicts, (5) group near-duplicates and examples sharing a code block, (6) assign
splits by group, (7) build the corpus from program folders and train-split code only, (8) check
the evaluation sets for overlap, (9) write every file atomically, then stats.json and the cards.
The same inputs give byte-identical files: everything is sorted, nothing records time or absolute
paths.

Files written to the output folder (each format is documented next to its writer):

    examples.jsonl                 every kept example (example.py, Example.to_record)
    train.jsonl validation.jsonl test.jsonl
                                   {"messages": [...], "meta": {...}} (example.py, Example.meta)
    corpus.jsonl corpus-manifest.jsonl   (corpus.py)
    changes.jsonl                  repairs made to imported records (importer.py, Change)
    rejected.jsonl                 every input left out, with file, line and reason (below)
    stats.json dataset-card.md COVERAGE.md   (reports.py)

rejected.jsonl, one line per rejected input (kind: invalid | filtered, see problems.py):

    {"file": "training-data/oop/x.md", "line": 4, "kind": "invalid", "reason": "bad-enum",
     "message": "type: 'tutorial' is not allowed; use one of completion, comprehension, ..."}
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..bbj import get_checker
from ..errors import DataError
from .config import BuildConfig
from .conflicts import Conflict, resolve_conflicts, richness
from .corpus import CorpusReport, HeldOutIndex, build_corpus
from .dedup import exact_duplicates, group_ids, near_duplicate_pairs
from .example import Example, normalize
from .io import sha256_file, write_jsonl_atomic, write_text_atomic
from .overlap import eval_files, eval_overlap, load_eval_prompts
from .problems import Problem, error_at, warning
from .progress import ProgressFn
from .reports import coverage_markdown, dataset_card, label_warnings, stats_document
from .sources import Loaded, load_examples, resolve_sources
from .split import SPLITS, assign_split

__all__ = ["BuildResult", "Grouping", "build_dataset", "group_examples"]


@dataclass(slots=True)
class Grouping:
    """Near-duplicate groups: group id per example id, and the pairs that linked them."""

    group: dict[str, str] = field(default_factory=dict)
    near_pairs: list[dict] = field(default_factory=list)
    shared_code: list[dict] = field(default_factory=list)


@dataclass(slots=True)
class BuildResult:
    out: Path
    stats: dict
    problems: list[Problem]
    skip_invalid: bool = False

    @property
    def invalid(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "invalid"]

    @property
    def exit_code(self) -> int:
        return 1 if self.invalid and not self.skip_invalid else 0


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory).

    The build allocates millions of small objects and keeps most of them to the end (examples, LSH
    buckets); each full collection rescans them all, which took a quarter of the time at 40,000
    examples and grew faster than the data. The previous state is restored, even on error.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_dataset(config: BuildConfig, progress: ProgressFn | None = None, checker=None) -> BuildResult:
    """Run every step (module doc) and write the output folder."""
    with _cyclic_gc_paused():
        return _build(config, progress, checker)


def _build(config: BuildConfig, progress: ProgressFn | None, checker) -> BuildResult:
    # 1-2. sources and examples
    sources = resolve_sources(config.sources, defaults="sources" not in config.model_fields_set)
    checker = checker or get_checker(config.checker, config.compiler)
    loaded = load_examples(sources, checker, config.keep_failing_code, progress)
    problems = loaded.problems
    # 3-4. exact duplicates, then one answer per prompt
    examples, conflicts = _deduplicate(loaded.examples, problems)
    # 5-6. groups and splits
    grouping = group_examples(examples, config.near_duplicate_threshold, config.minhash_permutations, progress)
    if config.drop_near_duplicates:
        examples = _drop_near_duplicates(examples, grouping, problems)
    splits = {ex.id: assign_split(grouping.group[ex.id], config.split.train, config.split.validation)
              for ex in examples}
    # 7. corpus: program folders plus train-split code; validation/test code is held out
    held_out = HeldOutIndex([c for ex in examples if splits[ex.id] != "train" for c in ex.code])
    train_code = [(f"{ex.source}#code{k}", c) for ex in examples if splits[ex.id] == "train" and ex.compiles
                  for k, c in enumerate(ex.code, 1)]
    corpus = build_corpus(sources.programs, train_code, held_out, checker, config.keep_failing_corpus, progress)
    problems += corpus.problems
    if not examples and not corpus.records:
        raise DataError(f"nothing to build from {', '.join(config.sources)}: no valid examples and no corpus "
                        "programs; run `bbjcoder data validate` on the sources")
    # 8. evaluation overlap
    overlap = _eval_overlap(examples, config, problems)
    problems += label_warnings(examples, splits)
    # 9. write
    out = Path(config.out)
    outputs = _write_data(out, examples, splits, grouping, corpus, loaded, problems)
    stats = stats_document(config, sources, loaded, examples, splits, grouping, conflicts, corpus, overlap,
                           problems, outputs)
    _write_reports(out, stats, loaded, examples, splits, config.coverage)
    return BuildResult(out, stats, problems, config.skip_invalid)


def _deduplicate(examples: list[Example], problems: list[Problem]) -> tuple[list[Example], list[Conflict]]:
    dropped = exact_duplicates(examples)
    by_id = {ex.id: ex for ex in examples}
    for gone, kept in sorted(dropped.items()):
        problems.append(error_at(by_id[gone].source, "exact-duplicate", f"{gone}: same prompt and answer as {kept}"))
    examples = [ex for ex in examples if ex.id not in dropped]
    resolution = resolve_conflicts(examples)
    for gone, kept in sorted(resolution.dropped.items()):
        problems.append(error_at(by_id[gone].source, "conflict", f"{gone}: same prompt as {kept} with a different answer; "
                            f"kept {kept}"))
    return [ex for ex in examples if ex.id not in resolution.dropped], resolution.conflicts


def group_examples(examples: Sequence[Example], threshold: float, num_perm: int,
                   progress: ProgressFn | None = None) -> Grouping:
    """Link near-duplicates (MinHash LSH) and examples that share a code block; group = smallest id."""
    ids = [ex.id for ex in examples]
    texts = [ex.prompt_text + "\n" + ex.answer_text for ex in examples]
    near = near_duplicate_pairs(texts, threshold, num_perm, progress)
    first_with: dict[str, int] = {}
    shared: list[tuple[int, int]] = []
    for i, ex in enumerate(examples):
        for code in ex.code:
            key = normalize(code)
            if key in first_with and first_with[key] != i:
                shared.append((first_with[key], i))
            first_with.setdefault(key, i)
    group = group_ids(ids, [(i, j) for i, j, _ in near] + shared)
    return Grouping(
        group=group,
        near_pairs=[{"a": ids[i], "b": ids[j], "jaccard": round(s, 4)} for i, j, s in near],
        shared_code=[{"a": ids[i], "b": ids[j]} for i, j in sorted(set(shared))],
    )


def _drop_near_duplicates(examples: list[Example], grouping: Grouping, problems: list[Problem]) -> list[Example]:
    members: dict[str, list[Example]] = {}
    for ex in examples:
        members.setdefault(grouping.group[ex.id], []).append(ex)
    keep = set()
    for group in members.values():
        best = min(group, key=lambda e: (not e.compiles, tuple(-x for x in richness(e)), e.id))
        keep.add(best.id)
        for ex in group:
            if ex.id != best.id:
                problems.append(error_at(ex.source, "near-duplicate", f"{ex.id}: near-duplicate of {best.id}; kept {best.id}"))
    return [ex for ex in examples if ex.id in keep]


def _eval_overlap(examples: list[Example], config: BuildConfig, problems: list[Problem]) -> dict:
    files = eval_files(config.eval_sets)
    prompts = []
    for path in files:
        found, bad = load_eval_prompts(path)
        prompts += found
        problems += [warning(p.file, p.line, "eval-overlap", f"evaluation set: {p.message}") for p in bad]
    pairs = eval_overlap(examples, prompts, config.near_duplicate_threshold, config.minhash_permutations)
    for pair in pairs:
        problems.append(warning(pair["eval"], 0, "eval-overlap", f"evaluation prompt {pair['eval']} near-duplicates "
                                f"training example {pair['example']} (Jaccard {pair['jaccard']}); rewrite one"))
    return {"files": [p.name for p in files], "prompts": len(prompts), "threshold": config.near_duplicate_threshold,
            "pairs": pairs}


def _write_data(out: Path, examples: list[Example], splits: dict[str, str], grouping: Grouping,
                corpus: CorpusReport, loaded: Loaded, problems: list[Problem]) -> dict[str, dict]:
    """Write the data files; return {name: {"records": n, "sha256": ...}}."""
    files: dict[str, list] = {"examples.jsonl": [ex.to_record() for ex in examples]}
    for split in SPLITS:
        files[f"{split}.jsonl"] = [
            {"messages": [dict(m) for m in ex.messages], "meta": ex.meta(grouping.group[ex.id], split)}
            for ex in examples if splits[ex.id] == split
        ]
    files["corpus.jsonl"] = corpus.records
    files["corpus-manifest.jsonl"] = sorted(corpus.manifest, key=lambda r: r["source"])
    files["changes.jsonl"] = [c.to_record() for c in loaded.changes]
    rejected = sorted((p for p in problems if p.is_error), key=lambda p: (p.file, p.line, p.reason, p.message))
    files["rejected.jsonl"] = [p.to_record() for p in rejected]
    outputs = {}
    for name, records in files.items():
        count = write_jsonl_atomic(out / name, records)
        outputs[name] = {"records": count, "sha256": sha256_file(out / name)}
    return outputs


def _write_reports(out: Path, stats: dict, loaded: Loaded, examples: list[Example], splits: dict[str, str],
                   coverage_in_sources: bool) -> None:
    write_text_atomic(out / "stats.json", json.dumps(stats, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(out / "dataset-card.md", dataset_card(stats))
    for root, label in loaded.markdown_roots:
        mine = [ex for ex in examples if ex.source.startswith(f"{label}/")]
        text = coverage_markdown(mine, splits, label)
        write_text_atomic(out / "COVERAGE.md" if len(loaded.markdown_roots) == 1 else out / f"COVERAGE-{label}.md",
                          text)
        if coverage_in_sources:
            write_text_atomic(root / "COVERAGE.md", text)
