"""What the three MCP tools return: one pydantic model per tool, which is also its outputSchema.

Each call answers with both forms: `structuredContent` (these models, as JSON) for programs, and one
text block (the `text()` rendering) for the model reading the answer. Examples:

    validate_bbj_syntax -> {"valid": false, "checker": "builtin", "error_count": 1, "warning_count": 0,
                            "errors": ["program.bbj: error at line 20 (2): for i=1 10"], "warnings": [],
                            "diagnostics": [{"line": 2, "column": 9, "severity": "error",
                                             "message": "expected TO", "source_text": "for i=1 10"}]}
    search_bbj_knowledge -> {"query": "keyed file", "generation": null, "total_chunks": 1007,
                             "hits": [{"title": "...", "section": "Code", "excerpt": "...",
                                       "source": "training-data/file-io/x.md", "line": 9,
                                       "generation": ["all"], "kind": "example", "score": 5.9}]}
    generate_bbj_code -> {"code": "...", "compiled": true, "generation": "dwc", "model": "bbj-coder",
                          "attempts": [{"attempt": 1, "compiled": false, "errors": ["..."], "code": "..."},
                                       {"attempt": 2, "compiled": true, "errors": [], "code": "..."}],
                          "sources": [{"title": "...", "section": "Code", "source": "...", "line": 9,
                                       "generation": ["dwc"]}]}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["DiagnosticOut", "ValidationReport", "SearchHitOut", "SearchResults", "SourceRef", "AttemptReport",
           "GenerationResult", "GENERATION_CHOICES"]

GENERATION_CHOICES = ("all", "character", "vpro5", "bbj-gui", "dwc")
Generation = Literal["all", "character", "vpro5", "bbj-gui", "dwc"]


class DiagnosticOut(BaseModel):
    line: int = Field(description="1-based physical line.")
    column: int = Field(description="1-based column; 0 when unknown (bbjcpl reports none).")
    severity: Literal["error", "warning"]
    message: str
    source_text: str = Field(description="The offending line, verbatim.")


class ValidationReport(BaseModel):
    valid: bool = Field(description="True when the checker found no errors (warnings do not count).")
    checker: str = Field(description="The checker that ran: bbjcpl or builtin.")
    error_count: int
    warning_count: int
    errors: list[str] = Field(description="One line per error in bbjcpl's format.")
    warnings: list[str] = Field(description="One line per warning in bbjcpl's format.")
    diagnostics: list[DiagnosticOut] = Field(description="Errors first, then warnings, in the order of the lines.")

    def text(self) -> str:
        if self.valid:
            head = f"VALID: no syntax errors (checker: {self.checker})"
        else:
            head = f"INVALID: {self.error_count} error(s) (checker: {self.checker})"
        lines = [head]
        for line, diag in zip(self.errors + self.warnings, self.diagnostics):  # diagnostics: errors first
            where = f"column {diag.column}: " if diag.column else ""
            lines.append(f"{line}\n    {where}{diag.message}" if diag.message else line)
        return "\n".join(lines)


class SearchHitOut(BaseModel):
    title: str
    section: str = Field(description="Heading of the section the excerpt comes from ('' for the introduction).")
    excerpt: str
    source: str = Field(description="File the excerpt comes from, inside a configured knowledge folder.")
    line: int = Field(description="1-based line of the section in the file; 0 for HTML.")
    generation: list[str] = Field(description="Generations the excerpt applies to; 'all' means every generation.")
    kind: Literal["example", "doc"]
    score: float = Field(description="BM25 score: higher is more relevant; comparable only within one search.")


class SearchResults(BaseModel):
    query: str
    generation: str | None
    total_chunks: int = Field(description="Chunks in the index.")
    hits: list[SearchHitOut]

    def text(self) -> str:
        where = f" for generation {self.generation}" if self.generation else ""
        if not self.hits:
            empty = " (the index is empty: configure knowledge folders)" if not self.total_chunks else ""
            return f"No matches for {self.query!r}{where}{empty}."
        parts = [f"{len(self.hits)} match(es) for {self.query!r}{where}:"]
        for n, hit in enumerate(self.hits, 1):
            section = f" - {hit.section}" if hit.section else ""
            at = f"{hit.source}:{hit.line}" if hit.line else hit.source
            parts.append(f"\n[{n}] {hit.title}{section}\n    {at} (generation: {', '.join(hit.generation)})\n"
                         f"{hit.excerpt}")
        return "\n".join(parts)


class SourceRef(BaseModel):
    title: str
    section: str
    source: str
    line: int
    generation: list[str]


class AttemptReport(BaseModel):
    attempt: int = Field(description="1-based attempt number; each attempt is one model call.")
    compiled: bool
    errors: list[str] = Field(description="Checker errors in bbjcpl's format (with the reason after '<-'), "
                              "or why no code could be taken from the answer.")
    code: str = Field(description="The code taken from the model's answer ('' when none).")


class GenerationResult(BaseModel):
    code: str = Field(description="The code that compiled; when none did, the attempt with the fewest errors.")
    compiled: bool
    generation: str
    model: str
    attempts: list[AttemptReport]
    sources: list[SourceRef] = Field(description="Knowledge excerpts that were put into the prompt.")

    def text(self) -> str:
        tries = len(self.attempts)
        if self.compiled:
            head = f"Compiled on attempt {tries} of {tries} (model {self.model}, generation {self.generation})."
        else:
            best = min((len(a.errors) for a in self.attempts), default=0)
            head = (f"Did NOT compile after {tries} attempt(s) (model {self.model}, generation "
                    f"{self.generation}); best attempt has {best} error(s) - review before use.")
        parts = [head, "", "```bbj", self.code.rstrip("\n"), "```"]
        failed = [a for a in self.attempts if a.errors]
        if failed:
            parts.append("")
            parts.append("Attempts:")
            for a in self.attempts:
                state = "compiled" if a.compiled else f"{len(a.errors)} error(s)"
                parts.append(f"  {a.attempt}: {state}")
                parts.extend(f"     {e}" for e in a.errors[:10])
        if self.sources:
            parts.append("")
            parts.append("Sources: " + "; ".join(f"{s.source}" + (f":{s.line}" if s.line else "")
                                                 for s in self.sources))
        return "\n".join(parts)
