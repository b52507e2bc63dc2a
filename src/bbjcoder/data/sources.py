"""What each SOURCE is, and loading all examples from them.

    sources = resolve_sources(["training-data", "old/chat.jsonl", "/src/erp"], defaults=False)
    loaded = load_examples(sources, checker)

A folder holds Markdown examples (`*.md`, see validate.py for which) and/or BBj programs (`*.bbj`,
`*.bbx`, `*.src`) for the corpus; a `.jsonl` file is ChatML to import; a `.md` file is one
example; a BBj source file is one corpus program. Sources are labelled by their own name
(`training-data`, `chat.jsonl`), so output records do not depend on where they lie on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..bbj.files import SOURCE_SUFFIXES
from ..errors import InputError
from .corpus import corpus_files
from .example import Example
from .importer import Change, import_jsonl
from .problems import Problem, error, error_at, warning
from .progress import ProgressFn
from .validate import MarkdownReport, example_files, load_markdown_file, load_markdown_folder

__all__ = ["Sources", "Loaded", "resolve_sources", "load_examples"]


@dataclass(slots=True)
class Sources:
    markdown: list[tuple[Path, str]] = field(default_factory=list)  # (folder, label)
    markdown_files: list[tuple[Path, str]] = field(default_factory=list)  # (file, label)
    jsonl: list[tuple[Path, str]] = field(default_factory=list)
    programs: list[tuple[Path, str]] = field(default_factory=list)  # folders or files
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class Loaded:
    examples: list[Example] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    markdown_files: int = 0
    jsonl_lines: int = 0
    markdown_roots: list[tuple[Path, str]] = field(default_factory=list)


def resolve_sources(paths: list[str], defaults: bool) -> Sources:
    """Classify each path; defaults=True turns a missing path into a warning instead of an error."""
    sources = Sources()
    for arg in paths:
        path = Path(arg)
        label = path.resolve().name
        if path.is_dir():
            if example_files(path):
                sources.markdown.append((path, label))
            if corpus_files(path):
                sources.programs.append((path, label))
            if not example_files(path) and not corpus_files(path):
                sources.problems.append(warning(arg, 0, "source-missing", "no examples (.md) or BBj programs "
                                                "(.bbj/.bbx/.src) in this folder"))
        elif path.is_file():
            suffix = path.suffix.lower()
            if suffix == ".jsonl":
                sources.jsonl.append((path, label))
            elif suffix == ".md":
                sources.markdown_files.append((path, label))
            elif suffix in SOURCE_SUFFIXES:
                sources.programs.append((path, label))
            else:
                raise InputError(f"{arg}: not a source; give a folder, a .jsonl, a .md or a BBj file "
                                 f"({', '.join(SOURCE_SUFFIXES)})")
        elif defaults:
            sources.problems.append(warning(arg, 0, "source-missing", "default source not found; skipped"))
        else:
            raise InputError(f"{arg}: no such file or folder; check the SOURCE argument or `sources:` in the config")
    return sources


def load_examples(sources: Sources, checker, keep_failing: bool = False,
                  progress: ProgressFn | None = None) -> Loaded:
    """All examples of all sources, with every problem and import change; duplicate ids rejected."""
    loaded = Loaded(problems=list(sources.problems), markdown_roots=list(sources.markdown))
    reports: list[MarkdownReport] = [load_markdown_folder(root, checker, label, progress)
                                     for root, label in sources.markdown]
    for path, _ in sources.markdown_files:
        parent = path.resolve().parent
        reports.append(load_markdown_file(parent.parent, Path(parent.name) / path.name, checker, parent.parent.name))
    for report in reports:
        loaded.markdown_files += report.files
        loaded.examples += report.examples
        loaded.problems += report.problems
    for path, label in sources.jsonl:
        imported = import_jsonl(path, checker, label, keep_failing, progress)
        loaded.jsonl_lines += imported.lines
        loaded.examples += imported.examples
        loaded.problems += imported.problems
        loaded.changes += imported.changes
    loaded.examples = _unique_ids(loaded.examples, loaded.problems)
    return loaded


def _unique_ids(examples: list[Example], problems: list[Problem]) -> list[Example]:
    seen: dict[str, Example] = {}
    for ex in examples:
        if ex.id in seen and seen[ex.id].content_hash == ex.content_hash:
            problems.append(error_at(ex.source, "exact-duplicate", f"{ex.id}: same record as {seen[ex.id].source}"))
        elif ex.id in seen:
            problems.append(error(ex.source, 0, "duplicate-id", f"example id {ex.id!r} is also used by "
                                  f"{seen[ex.id].source}; rename one of the files"))
        else:
            seen[ex.id] = ex
    return sorted(seen.values(), key=lambda e: e.id)

