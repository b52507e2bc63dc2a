"""Problems found in input files, and the reasons an input is left out of the build.

A Problem names the file and line, says what is wrong with the value, and how to fix it. Its
`reason` is a short stable code that tests, stats.json and rejected.jsonl use. Reasons are of two
kinds:

- invalid: the input is broken (bad YAML, a bad enum, a code block that does not compile, a broken
  JSONL line ...). `bbjcoder data build` writes everything else and exits 1 unless --skip-invalid.
- filtered: the input is fine but the build leaves it out on purpose (an exact duplicate, the
  losing side of a conflict, imported code that does not compile, a corpus file that fails the
  checker ...). Listed, never silent, and not an error.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "REASONS", "WARNINGS", "FILTERED", "error", "warning", "error_at"]

# reason code -> one-line description (FORMAT.md shows the same table).
REASONS: dict[str, str] = {
    # invalid: the file or line is broken
    "unreadable": "the file cannot be read",
    "not-utf8": "the file is not UTF-8",
    "empty-file": "the file is empty",
    "missing-front-matter": "no YAML front matter between '---' lines at the top",
    "malformed-yaml": "the front matter is not valid YAML",
    "duplicate-key": "a front-matter key appears twice",
    "missing-field": "a required front-matter key is missing",
    "unknown-field": "a front-matter key that the schema does not allow",
    "bad-enum": "a front-matter value outside its allowed set",
    "bad-value": "a front-matter value of the wrong type or empty",
    "missing-section": "a required ## section is missing",
    "empty-section": "a section has no text",
    "duplicate-section": "a ## section appears twice",
    "bad-code-block": "a code block that is untagged, unclosed or in the wrong place",
    "code-error": "a ```bbj block fails the checker",
    "broken-jsonl-line": "a JSONL line that is not valid JSON",
    "bad-record": "a JSONL record without a valid messages list",
    "duplicate-id": "two examples with the same id (same path below two example folders)",
    # filtered: left out on purpose, listed
    "code-does-not-compile": "imported example whose code fails the checker",
    "exact-duplicate": "same prompt and answer as a kept example",
    "conflict": "same prompt as a kept example, with a different answer",
    "near-duplicate": "near-duplicate of a kept example (only with drop_near_duplicates)",
    "corpus-checker-error": "corpus file that fails the checker",
    "corpus-tokenized": "tokenized (binary) BBj program; list it to source first",
    "corpus-duplicate": "corpus file identical to one already kept",
    "corpus-empty": "empty corpus file",
    "held-out-code": "corpus text that contains validation or test code",
}

# warning reason codes (never reject anything)
WARNINGS: dict[str, str] = {
    "generation-lint": "the code uses an API that the labelled generation lacks",
    "checker-warning": "the checker warns about a ```bbj block",
    "unused-section": "a ## section the build does not use",
    "unused-text": "text before the first ## section",
    "section-order": "sections out of the documented order",
    "slug": "a file name that is not a lower-case slug",
    "topic": "a file outside the topic folders",
    "migration-fields": "from_generation / to_generation on a non-migration example",
    "requires-version": "requires_version not in the form 'BBj <number>'",
    "code-does-not-compile": "imported code fails the checker but was kept (keep_failing_code)",
    "import-label": "an imported record's type/generation/difficulty outside the allowed values",
    "no-eval-split": "a label with no validation or test example",
    "source-missing": "a default source folder that does not exist",
    "eval-overlap": "an evaluation prompt that near-duplicates a training example",
}

FILTERED = frozenset(
    {
        "code-does-not-compile", "exact-duplicate", "conflict", "near-duplicate",
        "corpus-checker-error", "corpus-tokenized", "corpus-duplicate", "corpus-empty", "held-out-code",
    }
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: file, 1-based line (0: the whole file), severity, reason code, message."""

    file: str
    line: int
    severity: str  # "error" | "warning"
    reason: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def kind(self) -> str:
        """invalid | filtered | warning (see module doc)."""
        if not self.is_error:
            return "warning"
        return "filtered" if self.reason in FILTERED else "invalid"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message} [{self.reason}]"

    def to_record(self) -> dict:
        """The rejected.jsonl record (see build.py)."""
        return {"file": self.file, "line": self.line, "kind": self.kind, "reason": self.reason,
                "message": self.message}


def error(file: str, line: int, reason: str, message: str) -> Problem:
    return Problem(file, line, "error", reason, message)


def warning(file: str, line: int, reason: str, message: str) -> Problem:
    return Problem(file, line, "warning", reason, message)


def error_at(source: str, reason: str, message: str) -> Problem:
    """An error at an example's source: 'old.jsonl:17' (file and line) or 'training-data/oop/x.md'."""
    file, _, line = source.rpartition(":")
    if file and line.isdigit():
        return error(file, int(line), reason, message)
    return error(source, 0, reason, message)
