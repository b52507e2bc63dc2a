"""The serve stage: an MCP server that searches BBj knowledge, validates BBj and writes BBj that compiles.

    from bbjcoder.serve import BBjService, build_server, load_config, run
    config = load_config("serve.yaml", {"model": "bbj-coder"})
    run(build_server(BBjService.from_config(config)), config)     # what `bbjcoder mcp` does

Modules, one job each:

    config.py     ServeConfig (YAML + flags), HOST:PORT parsing
    documents.py  finding Markdown/HTML files in the knowledge folders, chunking, generation labels
    index.py      BM25 index over the chunks, its disk cache, refresh on change
    llm.py        OpenAI-compatible chat client (timeouts, retries with backoff)
    repair.py     the generate -> extract -> check -> repair loop
    results.py    the tools' result models (their outputSchema) and text renderings
    service.py    the three operations with their limits, free of MCP
    server.py     the MCPServer, its tools, stdio / streamable HTTP
    cli.py        `bbjcoder mcp`
"""

from importlib import import_module

__all__ = ["ServeConfig", "load_config", "KnowledgeBase", "ChatClient", "generate_validate_repair", "BBjService",
           "RequestError", "build_server", "run"]

# Loaded on first use, so that `bbjcoder --help` (which imports serve.cli) does not pay for mcp and bm25s.
_HOMES = {"ServeConfig": "config", "load_config": "config", "KnowledgeBase": "index", "ChatClient": "llm",
          "generate_validate_repair": "repair", "BBjService": "service", "RequestError": "service",
          "build_server": "server", "run": "server"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
