"""The MCP server: three tools over BBjService, served on stdio or streamable HTTP.

    server = build_server(BBjService.from_config(config))
    run(server, config)                       # stdio, or streamable HTTP at http://HOST:PORT/mcp

Each tool answers with a text block for the reading model and `structuredContent` for programs
(schemas in results.py). A bad request or an unreachable model endpoint comes back as a tool
error (`isError: true`) whose text says what went wrong and how to fix it.
"""

# No `from __future__ import annotations`: the SDK reads the tools' annotations at registration, and
# they use limits from the config in this function's scope, which string annotations cannot see.
from typing import Annotated

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from .. import __version__
from ..errors import BBJCoderError
from .config import ServeConfig, parse_host_port
from .results import Generation, GenerationResult, SearchResults, ValidationReport
from .service import BBjService

__all__ = ["build_server", "run", "INSTRUCTIONS"]

INSTRUCTIONS = """\
Tools for BBj (BASIS Business BASIC) code, backed by a BBj syntax checker, a searchable BBj
knowledge base and a fine-tuned BBj code model.
- search_bbj_knowledge: look up BBj syntax, APIs and worked examples before writing BBj.
- validate_bbj_syntax: check BBj code you wrote or edited; fix every reported error.
- generate_bbj_code: have the BBj model write code; it is checked and repaired before it is returned.
BBj has four generations with different APIs: character (terminal), vpro5 (Visual PRO/5 SYSGUI),
bbj-gui (BBjAPI() GUI) and dwc (Dynamic Web Client, the browser); say which one the code is for."""


def _answer(result: BaseModel) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=result.text())],
                          structured_content=result.model_dump(mode="json"))


def build_server(service: BBjService) -> MCPServer:
    """An MCPServer with search_bbj_knowledge, validate_bbj_syntax and generate_bbj_code."""
    cfg = service.config
    server = MCPServer("bbjcoder", title="BBj Coder", instructions=INSTRUCTIONS, version=__version__,
                       log_level=cfg.log_level)

    @server.tool(annotations=ToolAnnotations(title="Search BBj knowledge", read_only_hint=True,
                                             idempotent_hint=True, open_world_hint=False))
    def search_bbj_knowledge(
        query: Annotated[str, Field(description=f"What to look up, in words or code: an API, a statement, a task "
                                                f"('read a keyed file', 'BBjGridExWidget setColumnWidth'). At "
                                                f"most {cfg.max_query_chars:,} characters.")],
        generation: Annotated[Generation | None, Field(
            description="Only excerpts for this BBj generation (plus general ones labelled 'all'): character, "
                        "vpro5, bbj-gui or dwc. Omit or 'all' to search everything.")] = None,
        limit: Annotated[int, Field(ge=1, le=cfg.max_search_results,
                                    description="How many excerpts to return, best first.")] = 5,
    ) -> Annotated[CallToolResult, SearchResults]:
        """Search the local BBj knowledge base (curated BBj examples and documentation) with BM25.

        Returns the best-matching sections, each with its title, an excerpt (code included), the
        source file, and the BBj generations it applies to. Use it to check BBj syntax and APIs
        before writing or changing BBj code."""
        return _answer(_run(service.search, query, generation, limit))

    @server.tool(annotations=ToolAnnotations(title="Validate BBj syntax", read_only_hint=True,
                                             idempotent_hint=True, open_world_hint=False))
    def validate_bbj_syntax(
        code: Annotated[str, Field(description=f"A complete BBj program or fragment, as plain source (no Markdown "
                                               f"fences). At most {cfg.max_code_chars:,} characters.")],
    ) -> Annotated[CallToolResult, ValidationReport]:
        """Check BBj source code for syntax errors, like the BBj compiler `bbjcpl -N`.

        Answers VALID or INVALID, and lists each error in bbjcpl's format
        `program.bbj: error at line <program line> (<physical line>): <source line>` followed by
        the reason. Uses bbjcpl when the server has it, else the built-in BBj checker. Warnings
        (such as FOR without NEXT) do not make the code invalid."""
        return _answer(_run(service.validate, code))

    @server.tool(annotations=ToolAnnotations(title="Generate BBj code", read_only_hint=True,
                                             idempotent_hint=False, open_world_hint=True))
    async def generate_bbj_code(
        prompt: Annotated[str, Field(description=f"What the code should do, in words. At most "
                                                 f"{cfg.max_prompt_chars:,} characters.")],
        generation: Annotated[Generation, Field(
            description="BBj generation to write for: dwc (browser, default), bbj-gui, vpro5, character, or "
                        "all for general BBj.")] = "dwc",
        context: Annotated[str | None, Field(
            description=f"Surrounding code the new code must fit into (variables, labels, style). At most "
                        f"{cfg.max_context_chars:,} characters.")] = None,
        max_attempts: Annotated[int, Field(ge=1, le=cfg.max_attempts, description=(
            "Model calls at most: after each answer that does not compile, the checker's errors are sent back "
            "for a fix."))] = 3,
    ) -> Annotated[CallToolResult, GenerationResult]:
        """Write BBj code with the fine-tuned BBj model, checked and repaired before it is returned.

        Retrieves relevant excerpts from the BBj knowledge base, asks the model for code for the
        target generation, checks it with the BBj syntax checker and, while it does not compile,
        sends the errors back for a corrected version (up to max_attempts). Returns the code,
        whether it compiled, every attempt with its errors, and the knowledge sources used. Fails
        with a clear message when the model endpoint is not reachable."""
        try:
            result = await service.generate(prompt, generation, context, max_attempts)
        except BBJCoderError as exc:
            raise ToolError(str(exc)) from None
        return _answer(result)

    return server


def _run(fn, *args):
    """Call a service operation; library errors become tool errors with the same message."""
    try:
        return fn(*args)
    except BBJCoderError as exc:
        raise ToolError(str(exc)) from None


def run(server: MCPServer, config: ServeConfig) -> None:
    """Serve until stopped: streamable HTTP on config.http (path /mcp), else stdio."""
    import anyio

    if config.http:
        host, port = parse_host_port(config.http)
        anyio.run(lambda: server.run_streamable_http_async(host=host, port=port))
    else:
        anyio.run(server.run_stdio_async)

