"""Scoring one answer: find its code, refuse empty wins, check it, match the prompt's `requires` patterns.

    verdict = score_answer(prompt, completion, checker)
    verdict.status     # pass | compile_error | no_code | trivial_code | prose (no code expected)

Rules (each failure kind is counted separately in the report):
- no_code: the answer has no fenced bbj/basic/untagged block and does not look like code.
- trivial_code: the code has no statement besides REM lines and blank lines (a bare line number, a bare label and
  a lone `;` are blank lines too: `0000000000` parses as an empty numbered line). An empty program compiles, so it
  must not count as a pass.
- compile_error: some block has an error diagnostic (warnings do not fail). Every block must compile.
- prose: the prompt expects an explanation (type comprehension); compile@k does not count it.
`requires`: every pattern must match (re.search) the code, or the whole answer for a prose prompt. Prompts
without patterns have requires_pass None and stay out of requires@1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .prompts import EvalPrompt

__all__ = ["Verdict", "score_answer", "is_trivial", "STATUSES"]

STATUSES = ("pass", "compile_error", "no_code", "trivial_code", "prose")
# A line without a statement: optional line number, optional label, empty statements (;), optional REM.
# `rem\b` keeps REMOVE a statement.
_TRIVIAL_LINE = re.compile(r"^\s*(?:\d+(?=\s|;|$))?\s*(?:[A-Za-z_][A-Za-z0-9_.]*:(?!=)\s*)?[\s;]*(?:rem\b.*)?$", re.IGNORECASE)
_FILENAME = "answer.bbj"


@dataclass
class Verdict:
    status: str
    code: list[str] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)  # bbjcpl-format lines, errors and warnings
    errors: list[str] = field(default_factory=list)  # error messages, for the most-frequent-errors table
    requires_pass: bool | None = None
    requires_missing: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool | None:
        return None if self.status == "prose" else self.status == "pass"


def is_trivial(blocks: list[str]) -> bool:
    """True when no line of any block is a statement (only REM and blank lines).

    >>> is_trivial(["rem TODO\\n\\n  REM more\\n0000000000\\ndone:\\n"]), is_trivial(["rem x\\nremove (1,key=k$)\\n"])
    (True, False)
    """
    return all(_TRIVIAL_LINE.match(line) for block in blocks for line in block.splitlines())


def score_answer(prompt: EvalPrompt, text: str, checker) -> Verdict:
    from ..bbj import extract_code, format_bbjcpl

    code = extract_code(text)
    verdict = Verdict("prose", code=code)
    if prompt.expects_code:
        if not code:
            verdict.status = "no_code"
        elif is_trivial(code):
            verdict.status = "trivial_code"
        else:
            verdict.status = "pass"
            for block in code:
                for d in checker.check(block, _FILENAME):
                    verdict.diagnostics.append(format_bbjcpl(_FILENAME, d, with_message=True))
                    if d.is_error:
                        verdict.errors.append(d.message or d.source_text.strip()[:80])
            if verdict.errors:
                verdict.status = "compile_error"
    if prompt.requires:
        haystack = "\n".join(code) if prompt.expects_code else text
        verdict.requires_missing = [p for p in prompt.requires if not re.search(p, haystack)]
        verdict.requires_pass = not verdict.requires_missing
    return verdict
