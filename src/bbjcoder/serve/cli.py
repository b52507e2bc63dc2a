"""`bbjcoder mcp`: thin CLI over `bbjcoder.serve`.

    bbjcoder mcp                                            # stdio, for Claude Desktop / VS Code / Cursor
    bbjcoder mcp --http 127.0.0.1:8765                      # streamable HTTP at http://127.0.0.1:8765/mcp
    bbjcoder mcp --config serve.yaml --model bbj-coder:q4   # YAML, then flags
    bbjcoder mcp --knowledge training-data --knowledge ~/bbj-docs --dry-run   # index, summary, exit

Exit codes: 0 stopped, 1 a config/index/checker error before serving (one line on stderr), 2 usage
error. Logs go to stderr; stdout belongs to the protocol on stdio.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["mcp_command"]


def mcp_command(
    config: Annotated[Path | None, typer.Option("--config", help="YAML config; flags override it.")] = None,
    knowledge: Annotated[list[str] | None, typer.Option(
        "--knowledge", help="Folder of Markdown examples or Markdown/HTML docs to search (repeatable; replaces "
                            "the default training-data/).")] = None,
    endpoint: Annotated[str | None, typer.Option(
        help="OpenAI-compatible base URL of the model (default http://localhost:11434/v1: Ollama).")] = None,
    model: Annotated[str | None, typer.Option(help="Model name at the endpoint (default bbj-coder).")] = None,
    checker: Annotated[str | None, typer.Option(
        "--backend", "--checker", help="Checker: auto (bbjcpl when found), builtin or bbjcpl (default auto).")] = None,
    compiler: Annotated[str | None, typer.Option(help="Path of bbjcpl (else $BBJCODER_BBJCPL, else PATH).")] = None,
    http: Annotated[str | None, typer.Option(
        "--http", metavar="HOST:PORT", help="Serve streamable HTTP (path /mcp) instead of stdio.")] = None,
    cache_dir: Annotated[str | None, typer.Option(help="Knowledge index cache folder.")] = None,
    log_level: Annotated[str | None, typer.Option(help="DEBUG, INFO, WARNING or ERROR (stderr).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check the config, build or load the index, print a summary and exit.")] = False,
) -> None:
    """Serve the MCP tools search_bbj_knowledge, validate_bbj_syntax and generate_bbj_code."""
    from ..cli import fail
    from ..errors import BBJCoderError

    overrides = {"knowledge": knowledge or None, "endpoint": endpoint, "model": model, "checker": checker,
                 "compiler": compiler, "http": http, "cache_dir": cache_dir, "log_level": log_level}
    try:
        from .config import load_config
        from .service import BBjService

        cfg = load_config(config, overrides)
        _log_to_stderr(cfg.log_level)
        service = BBjService.from_config(cfg)
        if dry_run:
            typer.echo(_summary(service))
            return
        from .server import build_server, run

        server = build_server(service)
    except BBJCoderError as exc:
        raise fail(str(exc)) from None
    try:
        run(server, cfg)
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass


def _log_to_stderr(level: str) -> None:
    import logging

    logging.basicConfig(level=level, format="bbjcoder mcp: %(levelname)s %(message)s")


def _summary(service) -> str:
    cfg, index = service.config, service.knowledge.index
    cached = "loaded from cache" if index.from_cache else "built"
    return "\n".join([
        f"knowledge: {', '.join(service.knowledge.folders) or '(none)'}: {index.files} files, "
        f"{len(index.chunks)} chunks ({cached}, {cfg.cache_dir}/{index.key})",
        *(f"  problem: {p}" for p in index.problems),
        f"checker: {service.checker.name}",
        f"model: {cfg.model} at {cfg.endpoint}",
        f"transport: {'streamable HTTP on http://' + cfg.http + '/mcp' if cfg.http else 'stdio'}",
    ])
