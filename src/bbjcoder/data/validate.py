"""Loading and validating a folder of Markdown examples: schema, sections, checker, lint.

    report = load_markdown_folder(Path("training-data"), checker)
    report.examples   # valid examples as Example (ChatML turns included)
    report.problems   # every error and warning, file and line named

Which files are examples: every `*.md` below the folder, except documentation (files whose
name is in capitals: README.md, FORMAT.md, CONTRIBUTING.md, COVERAGE.md) and anything under a
folder whose name starts with `_` or `.` (`_drafts/`). An example's id is its path below the
folder without `.md` (`oop/stock-item-class`); its topic is the first folder of that path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..bbj.files import check_markdown
from .chatml import to_example
from .example import Example
from .lint import lint_generation
from .markdown import MarkdownExample, parse_markdown
from .problems import Problem, error, warning
from .progress import ProgressFn, tracked

__all__ = ["MarkdownReport", "example_files", "load_markdown_folder", "load_markdown_file", "is_example_path"]

_VERSION = re.compile(r"^BBj \d+(?:\.\d+)*$")


@dataclass(slots=True)
class MarkdownReport:
    files: int = 0
    examples: list[Example] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def extend(self, other: "MarkdownReport") -> None:
        self.files += other.files
        self.examples += other.examples
        self.problems += other.problems


def is_example_path(rel: Path) -> bool:
    """True for an example file path relative to the examples folder (see module doc)."""
    if rel.suffix.lower() != ".md" or rel.stem.isupper():
        return False
    return not any(part.startswith(("_", ".")) for part in rel.parts[:-1])


def example_files(root: Path) -> list[Path]:
    """The example files below root, sorted, as paths relative to root."""
    found = (p.relative_to(root) for p in root.rglob("*.md") if p.is_file())
    return sorted((rel for rel in found if is_example_path(rel)), key=lambda p: p.as_posix())


def load_markdown_folder(root: Path, checker, label: str | None = None,
                         progress: ProgressFn | None = None) -> MarkdownReport:
    """Load every example below root. label prefixes file names in problems and `source`
    (default: the folder's name, so records do not depend on where the folder lies)."""
    label = label if label is not None else root.name
    files = example_files(root)
    report = MarkdownReport()
    for rel in tracked(files, "checking examples", len(files), progress):
        report.extend(load_markdown_file(root, rel, checker, label))
    return report


def load_markdown_file(root: Path, rel: Path, checker, label: str) -> MarkdownReport:
    """Load one example file (root / rel)."""
    display = (Path(label) / rel).as_posix() if label else rel.as_posix()
    example_id, topic = _id_and_topic(root, rel)
    report = MarkdownReport(files=1)
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        report.problems.append(error(display, 0, "unreadable", f"cannot read: {exc.strerror}"))
        return report
    md, problems = parse_markdown(data, display, example_id, topic)
    if md is not None and not any(p.is_error for p in problems):
        problems += _check_code(md, checker) + _lint(md)
    problems.sort(key=lambda p: (p.line, p.severity, p.message))
    report.problems += problems
    if md is not None and not any(p.is_error for p in problems):
        report.examples.append(to_example(md, display, compiles=True))
    return report


def _id_and_topic(root: Path, rel: Path) -> tuple[str, str]:
    stem = rel.with_suffix("").as_posix()
    if len(rel.parts) == 1:  # the folder given is itself a topic folder
        return f"{root.resolve().name}/{stem}", root.resolve().name
    return stem, rel.parts[0]


def _check_code(md: MarkdownExample, checker) -> list[Problem]:
    problems = []
    for d in check_markdown(md.text, checker, md.path):
        shown = d.source_text.strip()
        if d.is_error:
            problems.append(error(md.path, d.line, "code-error", f"{d.message}: `{shown}`; fix the code "
                                  f"(`bbjcoder check {md.path}` shows the same)"))
        else:
            problems.append(warning(md.path, d.line, "checker-warning", f"{d.message}: `{shown}`"))
    return problems


def _lint(md: MarkdownExample) -> list[Problem]:
    meta = md.meta
    problems = []
    if meta["type"] == "migration":
        pairs = [(b, meta.get("from_generation")) for b in md.before if meta.get("from_generation")]
        pairs += [(b, meta.get("to_generation") or meta["generation"]) for b in md.after]
    else:
        pairs = [(b, meta["generation"]) for b in md.code_blocks]
        for key in ("from_generation", "to_generation"):
            if key in meta:
                problems.append(warning(md.path, 0, "migration-fields", f"{key} is only used by migration "
                                        f"examples; remove it (type is {meta['type']})"))
    for block, generation in pairs:
        for message in lint_generation(block.code, generation):
            problems.append(warning(md.path, block.start_line - 1, "generation-lint", message))
    version = meta.get("requires_version")
    if isinstance(version, str) and not _VERSION.match(version.strip()):
        problems.append(warning(md.path, 0, "requires-version", f"requires_version {version!r} should look like "
                                "'BBj 18.0'"))
    return problems
