"""The three operations behind the MCP tools, with their limits, free of any MCP code.

    service = BBjService.from_config(load_config(overrides={"knowledge": ["training-data"]}))
    service.validate('print "hi"').valid                     # True
    service.search("keyed file", generation="all", limit=3).hits
    await service.generate("Write a DWC login form", generation="dwc")

Bad requests (empty, too long, unknown generation) raise RequestError; a model endpoint that is
down raises ServeError; both carry a message meant for the calling client. Nothing here runs a
shell: the only subprocess is bbjcpl (argument list, timeout, temporary copy removed afterwards).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import anyio

from ..bbj import Checker, format_bbjcpl, get_checker
from ..errors import CheckerError, ServeError
from .config import ServeConfig
from .index import KnowledgeBase
from .llm import ChatClient
from .repair import excerpt, fit_hits, generate_validate_repair
from .results import (
    GENERATION_CHOICES,
    DiagnosticOut,
    GenerationResult,
    SearchHitOut,
    SearchResults,
    ValidationReport,
)

__all__ = ["BBjService", "RequestError", "VALIDATE_FILENAME"]

log = logging.getLogger("bbjcoder.serve")
VALIDATE_FILENAME = "program.bbj"


class RequestError(ServeError):
    """A tool request is out of bounds: empty, too long, or an unknown choice."""


@dataclass
class BBjService:
    config: ServeConfig
    knowledge: KnowledgeBase
    checker: Checker
    chat: ChatClient

    @classmethod
    def from_config(cls, config: ServeConfig) -> "BBjService":
        """Open the knowledge index and pick the checker; ConfigError/CheckerError when they cannot be had."""
        folders = list(config.knowledge)
        if config.knowledge_is_default and not Path(folders[0]).is_dir():
            log.warning("knowledge folder %s not found in %s: search starts empty; set --knowledge",
                        folders[0], Path.cwd())
            folders = []
        knowledge = KnowledgeBase(folders, config.cache_dir, config.refresh_seconds)
        for problem in knowledge.index.problems:
            log.warning("knowledge: %s", problem)
        checker = get_checker(config.checker, config.compiler, timeout=config.compiler_timeout)
        chat = ChatClient(config.endpoint, config.model, api_key=config.api_key(), temperature=config.temperature,
                          max_tokens=config.max_tokens, request_timeout=config.request_timeout,
                          connect_timeout=config.connect_timeout, retries=config.retries,
                          retry_backoff=config.retry_backoff)
        return cls(config, knowledge, checker, chat)

    # -- validate_bbj_syntax
    def validate(self, code: str) -> ValidationReport:
        _require_text("code", code, self.config.max_code_chars, "max_code_chars")
        try:
            diagnostics = self.checker.check(code, VALIDATE_FILENAME)
        except CheckerError as exc:
            raise ServeError(f"the {self.checker.name} checker could not run: {exc}") from None
        ordered = [d for d in diagnostics if d.is_error] + [d for d in diagnostics if not d.is_error]
        lines = [format_bbjcpl(VALIDATE_FILENAME, d) for d in ordered]
        errors = sum(1 for d in ordered if d.is_error)
        return ValidationReport(
            valid=errors == 0, checker=self.checker.name, error_count=errors, warning_count=len(ordered) - errors,
            errors=lines[:errors], warnings=lines[errors:],
            diagnostics=[DiagnosticOut(line=d.line, column=d.column, severity=d.severity.value, message=d.message,
                                       source_text=d.source_text) for d in ordered],
        )

    # -- search_bbj_knowledge
    def search(self, query: str, generation: str | None = None, limit: int = 5) -> SearchResults:
        _require_text("query", query, self.config.max_query_chars, "max_query_chars")
        _require_generation(generation, allow_none=True)
        if not 1 <= limit <= self.config.max_search_results:
            raise RequestError(f"limit must be between 1 and {self.config.max_search_results} (max_search_results), "
                               f"got {limit}")
        hits = self.knowledge.search(query, generation, limit)
        return SearchResults(
            query=query, generation=generation, total_chunks=len(self.knowledge.index.chunks),
            hits=[SearchHitOut(title=h.chunk.title, section=h.chunk.section,
                               excerpt=excerpt(h.chunk.text, self.config.excerpt_chars), source=h.chunk.source,
                               line=h.chunk.line, generation=list(h.chunk.generation), kind=h.chunk.kind,
                               score=round(h.score, 4)) for h in hits],
        )

    # -- generate_bbj_code
    async def generate(self, prompt: str, generation: str = "dwc", context: str | None = None,
                       max_attempts: int = 3) -> GenerationResult:
        cfg = self.config
        _require_text("prompt", prompt, cfg.max_prompt_chars, "max_prompt_chars")
        _require_generation(generation, allow_none=False)
        if context is not None and len(context) > cfg.max_context_chars:
            raise RequestError(f"context is {len(context):,} characters; the limit is {cfg.max_context_chars:,} "
                               "(max_context_chars): send only the code around the insertion point")
        if not 1 <= max_attempts <= cfg.max_attempts:
            raise RequestError(f"max_attempts must be between 1 and {cfg.max_attempts} (server setting "
                               f"max_attempts), got {max_attempts}")
        hits = []
        if cfg.retrieved_excerpts:
            hits = await anyio.to_thread.run_sync(self.knowledge.search, prompt, generation, cfg.retrieved_excerpts)
        if cfg.context_window:
            try:
                hits = fit_hits(prompt, generation, context, hits, cfg.excerpt_chars, cfg.context_window,
                                cfg.max_tokens, repairs=max_attempts > 1)
            except ValueError as exc:
                raise RequestError(f"{exc}: shorten the task or context, lower max_tokens, or serve the model with a"
                                   " larger context window") from None
        try:
            with anyio.fail_after(cfg.generate_timeout):
                return await generate_validate_repair(
                    prompt, generation=generation, context=context, max_attempts=max_attempts, chat=self.chat.chat,
                    checker=self.checker, hits=hits, model=cfg.model, excerpt_chars=cfg.excerpt_chars)
        except TimeoutError:
            raise ServeError(f"generation took longer than generate_timeout={cfg.generate_timeout:g}s; "
                             "lower max_attempts or raise generate_timeout") from None
        except CheckerError as exc:
            raise ServeError(f"the {self.checker.name} checker could not run: {exc}") from None


def _require_text(name: str, value: str, limit: int, setting: str) -> None:
    if not value.strip():
        raise RequestError(f"{name} is empty: send the {'BBj source' if name == 'code' else name} as text")
    if len(value) > limit:
        raise RequestError(f"{name} is {len(value):,} characters; the limit is {limit:,} ({setting}): "
                           f"send less, or raise {setting} in the server config")


def _require_generation(generation: str | None, *, allow_none: bool) -> None:
    if generation is None and allow_none:
        return
    if generation not in GENERATION_CHOICES:
        raise RequestError(f"unknown generation {generation!r}: use one of {', '.join(GENERATION_CHOICES)}")

