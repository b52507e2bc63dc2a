"""The stage-1 corpus: BBj programs from source folders plus the code of train-split examples.

    report = build_corpus([(Path("corpus"), "corpus")], train_code, held_out, checker)
    report.records    # corpus.jsonl lines
    report.manifest   # corpus-manifest.jsonl lines (per-file provenance)

corpus.jsonl, one program per line (ARCHITECTURE.md contract):

    {"text": "rem Print the aging report\\nopen (1) \\"AR\\"\\n...", "source": "corpus/procedural/ar_aging.bbj"}

corpus-manifest.jsonl, one line per file read or example block offered, kept or not:

    {"source": "corpus/procedural/ar_aging.bbj", "status": "kept", "encoding": "cp1252",
     "line_endings": "crlf", "lines": 212, "sha256": "4b1e...", "note": ""}

status is kept | duplicate | checker-error | tokenized | empty | held-out-code. Folder files: every
`*.bbj`, `*.bbx`, `*.src` below the folder (not under `_*` or `.*` folders), in path order. Text is
decoded as UTF-8, else CP1252, else Latin-1, with CRLF and CR turned into LF; tokenized (binary)
programs are skipped with a note to list them first; exact duplicates (same text after that) are
dropped; files that fail the checker are left out unless keep_failing (listed with their first
error). No text that contains validation or test code goes in: example splits are fixed before the
corpus is built, and any program that equals or contains a held-out code block (3+ lines,
compared line by line without indentation or case) is left out and listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..bbj.files import SOURCE_SUFFIXES
from ..bbj.source import decode_source, looks_tokenized
from .io import sha256_hex
from .problems import Problem, error
from .progress import ProgressFn, tracked

__all__ = ["CorpusReport", "HeldOutIndex", "build_corpus", "corpus_files", "read_program"]


@dataclass(slots=True)
class CorpusReport:
    records: list[dict] = field(default_factory=list)
    manifest: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _norm_lines(text: str) -> list[str]:
    return [line.strip().lower() for line in text.split("\n") if line.strip()]


class HeldOutIndex:
    """Validation/test code blocks, to find corpus text that contains one."""

    def __init__(self, blocks: Sequence[str]) -> None:
        self._whole = {"\n".join(_norm_lines(b)) for b in blocks if _norm_lines(b)}
        self._by_first: dict[str, list[list[str]]] = {}
        for b in blocks:
            lines = _norm_lines(b)
            if len(lines) >= 3:
                self._by_first.setdefault(lines[0], []).append(lines)

    def __len__(self) -> int:
        return len(self._whole)

    def contains_held_out(self, text: str) -> bool:
        lines = _norm_lines(text)
        if "\n".join(lines) in self._whole:
            return True
        for i, line in enumerate(lines):
            for block in self._by_first.get(line, ()):
                if lines[i:i + len(block)] == block:
                    return True
        return False


def read_program(data: bytes) -> tuple[str, str, str] | None:
    """(text with LF line ends and a final newline, encoding, line endings) or None when tokenized."""
    if looks_tokenized(data):
        return None
    decoded = decode_source(data)
    text = decoded.text.removeprefix("\ufeff")
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = [name for name, n in (("crlf", crlf), ("cr", cr), ("lf", lf)) if n]
    endings = kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "none")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    return text, decoded.encoding, endings


def corpus_files(root: Path) -> list[Path]:
    """BBj source files below root (relative paths, sorted); root may also be a single file."""
    if root.is_file():
        return [Path(root.name)]
    found = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if p.suffix.lower() in SOURCE_SUFFIXES and p.is_file() and not any(
            part.startswith(("_", ".")) for part in rel.parts[:-1]
        ):
            found.append(rel)
    return sorted(found, key=lambda p: p.as_posix())


def build_corpus(folders: Sequence[tuple[Path, str]], train_code: Sequence[tuple[str, str]],
                 held_out: HeldOutIndex, checker, keep_failing: bool = False,
                 progress: ProgressFn | None = None) -> CorpusReport:
    """folders: (folder or file, label); train_code: (source, code) of train-split examples."""
    report = CorpusReport()
    seen: dict[str, str] = {}
    jobs = [(root, label, rel) for root, label in folders for rel in corpus_files(root)]
    for root, label, rel in tracked(jobs, "reading corpus files", len(jobs), progress):
        path = root if root.is_file() else root / rel
        source = f"{label}/{rel.as_posix()}" if not root.is_file() else label
        _add_file(path, source, checker, keep_failing, held_out, seen, report)
    for source, code in train_code:
        text = code if code.endswith("\n") else code + "\n"
        _add_text(text, source, "utf-8", "lf", None, held_out, seen, report)
    return report


def _add_file(path: Path, source: str, checker, keep_failing: bool, held_out: HeldOutIndex,
              seen: dict[str, str], report: CorpusReport) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.problems.append(error(source, 0, "unreadable", f"cannot read: {exc.strerror}"))
        return
    entry = {"source": source, "status": "", "encoding": "", "line_endings": "", "lines": 0,
             "sha256": sha256_hex(data), "note": ""}
    program = read_program(data)
    if program is None:
        note = "tokenized (binary) BBj program: list it to source first (bbjlst), then add the listing"
        _skip(entry, "tokenized", note, "corpus-tokenized", report)
        return
    text, encoding, endings = program
    if not text.strip():
        _skip(entry | {"encoding": encoding}, "empty", "empty file", "corpus-empty", report)
        return
    failure = _first_error(checker, text, source)
    _add_text(text, source, encoding, endings, None if keep_failing else failure, held_out, seen, report,
              entry["sha256"])


def _first_error(checker, text: str, source: str) -> str | None:
    errors = [d for d in checker.check(text, source) if d.is_error]
    if not errors:
        return None
    d = errors[0]
    return f"line {d.line}: {d.message}: `{d.source_text.strip()}`"


def _add_text(text: str, source: str, encoding: str, endings: str, failure: str | None, held_out: HeldOutIndex,
              seen: dict[str, str], report: CorpusReport, file_hash: str | None = None) -> None:
    entry = {"source": source, "status": "", "encoding": encoding, "line_endings": endings,
             "lines": text.count("\n"), "sha256": file_hash or sha256_hex(text), "note": ""}
    key = sha256_hex(text)
    if key in seen:
        _skip(entry, "duplicate", f"same text as {seen[key]}", "corpus-duplicate", report)
    elif failure is not None:
        _skip(entry, "checker-error", failure, "corpus-checker-error", report)
    elif held_out.contains_held_out(text):
        _skip(entry, "held-out-code", "contains code of a validation or test example", "held-out-code", report)
    else:
        seen[key] = source
        entry["status"] = "kept"
        report.manifest.append(entry)
        report.records.append({"text": text, "source": source})


def _skip(entry: dict, status: str, note: str, reason: str, report: CorpusReport) -> None:
    entry["status"], entry["note"] = status, note
    report.manifest.append(entry)
    report.problems.append(error(entry["source"], 0, reason, note))
