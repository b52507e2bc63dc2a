"""The serve-stage config: one model for the Python API, the `bbjcoder mcp` flags and `--config` YAML.

    config = load_config("serve.yaml", {"endpoint": "http://127.0.0.1:8080/v1"})  # YAML, then flags

Example YAML (every key optional; unknown keys are errors, all reported at once):

    # bbjcoder mcp --config serve.yaml            (stdio, for Claude Desktop / VS Code / Cursor)
    # bbjcoder mcp --config serve.yaml --http 127.0.0.1:8765
    knowledge: [/home/me/bbjcoder/training-data, /home/me/bbj-docs]
    endpoint: http://localhost:11434/v1    # Ollama; llama.cpp's llama-server: http://127.0.0.1:8080/v1
    model: bbj-coder
    checker: auto                          # bbjcpl when installed, else the built-in checker
    max_code_chars: 100000
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..settings import load_settings

__all__ = ["ServeConfig", "load_config", "parse_host_port", "DEFAULT_KNOWLEDGE", "default_cache_dir"]

DEFAULT_KNOWLEDGE = ("training-data",)
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})$")


def default_cache_dir() -> str:
    """$XDG_CACHE_HOME/bbjcoder/knowledge, else ~/.cache/bbjcoder/knowledge."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "bbjcoder" / "knowledge")


def parse_host_port(value: str) -> tuple[str, int]:
    """Split `HOST:PORT` for --http.

    >>> parse_host_port("127.0.0.1:8765")
    ('127.0.0.1', 8765)
    >>> parse_host_port("[::1]:9000")
    ('::1', 9000)
    >>> parse_host_port("8765")
    Traceback (most recent call last):
    ValueError: expected HOST:PORT such as 127.0.0.1:8765
    """
    m = _HOST_PORT.match(value.strip())
    if not m or not 0 < int(m["port"]) < 65536:
        raise ValueError("expected HOST:PORT such as 127.0.0.1:8765")
    return m["host"].strip("[]"), int(m["port"])


class ServeConfig(BaseModel):
    """Settings of `bbjcoder mcp`; each field's description is its --help text."""

    model_config = ConfigDict(extra="forbid")

    # -- knowledge index
    knowledge: list[str] = Field(
        default_factory=lambda: list(DEFAULT_KNOWLEDGE),
        description="Folders indexed for search_bbj_knowledge: Markdown examples (front matter) and Markdown/HTML "
        "documentation. The default training-data/ is skipped with a warning when missing; named folders must exist.",
    )
    cache_dir: str = Field(
        default_factory=default_cache_dir,
        description="Where the BM25 index is cached, keyed by a hash of the indexed files' contents.",
    )
    refresh_seconds: float = Field(
        10.0, ge=0.0,
        description="How often (at most) a search re-checks the folders for changed files. 0 checks on every "
        "search: always fresh, but a stat of every file per call.",
    )
    # -- model endpoint
    endpoint: str = Field(
        "http://localhost:11434/v1",
        description="OpenAI-compatible base URL (Ollama http://localhost:11434/v1, llama-server "
        "http://127.0.0.1:8080/v1, vLLM ...); /chat/completions is appended.",
    )
    model: str = Field("bbj-coder", description="Model name sent to the endpoint (the Ollama model tag).")
    api_key_env: str = Field(
        "BBJCODER_API_KEY",
        description="Environment variable holding the endpoint's API key, sent as a Bearer token when set "
        "(keeps secrets out of config files). Ollama and llama-server need none.",
    )
    temperature: float = Field(0.2, ge=0.0, le=2.0, description="Sampling temperature: low keeps code conventional.")
    max_tokens: int = Field(
        1024, ge=16, le=32768,
        description="Longest answer per model call. Too low cuts programs off (they then fail to compile).",
    )
    request_timeout: float = Field(
        120.0, gt=0.0, description="Seconds one model call may take (a 14B model on CPU needs minutes).")
    connect_timeout: float = Field(5.0, gt=0.0, description="Seconds to wait for the endpoint to accept a connection.")
    retries: int = Field(
        2, ge=0, le=10,
        description="Extra tries of a model call after a connection error, timeout, 429 or 5xx, with exponential "
        "backoff. More rides out a model still loading; fewer reports a dead endpoint sooner.",
    )
    retry_backoff: float = Field(0.5, ge=0.0, description="Seconds before the first retry; doubles each retry.")
    generate_timeout: float = Field(
        600.0, gt=0.0, description="Seconds a whole generate_bbj_code call (all attempts) may take.")
    # -- checker
    checker: Literal["auto", "builtin", "bbjcpl"] = Field(
        "auto", description="Checker backend: auto (bbjcpl when found), builtin or bbjcpl.")
    compiler: str | None = Field(None, description="Path of bbjcpl (else $BBJCODER_BBJCPL, else PATH).")
    compiler_timeout: float = Field(30.0, gt=0.0, description="Seconds bbjcpl may take on one program.")
    # -- limits
    max_code_chars: int = Field(
        100_000, ge=100, description="Largest program validate_bbj_syntax accepts (about 3,000 lines).")
    max_prompt_chars: int = Field(8_000, ge=100, description="Longest prompt generate_bbj_code accepts.")
    max_context_chars: int = Field(
        20_000, ge=0, description="Longest surrounding code generate_bbj_code accepts; it goes into every prompt.")
    max_query_chars: int = Field(2_000, ge=10, description="Longest search query.")
    max_search_results: int = Field(20, ge=1, le=100, description="Upper bound of search_bbj_knowledge's limit.")
    max_attempts: int = Field(
        5, ge=1, le=10,
        description="Upper bound of generate_bbj_code's max_attempts: each attempt is one model call.",
    )
    # -- prompt
    retrieved_excerpts: int = Field(
        4, ge=0, le=20,
        description="Knowledge excerpts put into each generation prompt. More grounds the model, but fills a "
        "small model's context window.",
    )
    excerpt_chars: int = Field(1500, ge=100, description="Longest excerpt in search results and prompts.")
    context_window: int | None = Field(
        None, ge=256,
        description="The served model's context window in tokens (llama.cpp's --n_ctx, Ollama's num_ctx). When "
        "set, generate_bbj_code drops knowledge excerpts, least relevant first, until the prompt (estimated at 3 "
        "characters per token) leaves room for max_tokens to answer and, with repairs, for one repair turn; a "
        "task that cannot fit is refused with the numbers. Unset: the prompt is sent as built.",
    )
    # -- transport
    http: str | None = Field(
        None, description="Serve streamable HTTP on HOST:PORT (endpoint /mcp) instead of stdio.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING", description="Server log level (logs go to stderr; stdout carries the protocol).")

    @field_validator("http")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is not None:
            parse_host_port(value)
        return value

    @field_validator("endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL such as http://localhost:11434/v1")
        return value.rstrip("/")

    @property
    def knowledge_is_default(self) -> bool:
        return tuple(self.knowledge) == DEFAULT_KNOWLEDGE

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) or None


def load_config(path: str | Path | None = None, overrides: dict | None = None) -> ServeConfig:
    """Config from YAML (optional), then overrides (None values ignored); every error at once."""
    return load_settings(ServeConfig, path, overrides, keys_hint="knowledge, endpoint, model ...")
