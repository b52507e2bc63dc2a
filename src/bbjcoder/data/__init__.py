"""The data stage: from Markdown examples, ChatML JSONL and BBj program folders to training files.

    from bbjcoder.data import load_config, build_dataset
    result = build_dataset(load_config(overrides={"sources": ["training-data", "corpus"], "out": "build"}))
    result.stats["examples"]["by_split"]   # {'train': ..., 'validation': ..., 'test': ...}

Modules, one job each:

    example.py    the Example model and its examples.jsonl record
    schema.py     front-matter JSON schema (training-data/schema/example.schema.json)
    markdown.py   parsing one Markdown example file
    lint.py       generation-label lint
    validate.py   loading + checking an examples folder
    chatml.py     Markdown example -> system/user/assistant turns
    importer.py   ChatML JSONL import: escape repair, fencing, empty turns
    dedup.py      exact and MinHash-LSH near-duplicates, groups
    conflicts.py  same prompt, different answers
    split.py      group-hash split assignment
    corpus.py     stage-1 corpus from program folders and train code
    overlap.py    evaluation-set overlap checks
    reports.py    stats.json, dataset-card.md, COVERAGE.md
    build.py      the build, step by step
    config.py     BuildConfig (YAML + flags)
    io.py         atomic, byte-stable writers
    cli.py        `bbjcoder data ...`
"""

from importlib import import_module

__all__ = ["BuildConfig", "BuildResult", "Example", "MarkdownReport", "Problem", "build_dataset", "load_config",
           "load_markdown_folder"]

# Loaded on first use, so that `bbjcoder --help` (which imports data.cli) does not pay for pydantic,
# jsonschema and numpy.
_HOMES = {"BuildConfig": "config", "load_config": "config", "BuildResult": "build", "build_dataset": "build",
          "Example": "example", "Problem": "problems", "MarkdownReport": "validate", "load_markdown_folder": "validate"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
