"""The `bbjcoder` command line: a thin Typer layer over each stage's entry point.

Library errors (BBJCoderError) become one line on stderr and exit code 1 (2 for usage errors);
no tracebacks. Heavy imports happen inside commands so `bbjcoder --help` is instant.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated

import typer

from .data.cli import data_app
from .errors import BBJCoderError, InputError
from .evaluate.cli import compare_command, eval_app, gaps_command
from .export.cli import export_command
from .pipeline.cli import pipeline_command
from .serve.cli import mcp_command
from .train.cli import train_command

app = typer.Typer(
    name="bbjcoder",
    help="Build, measure, ship and serve a code model for BBj.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


app.add_typer(data_app, name="data", help="Training data: validate examples, build splits and corpus, check overlap.")
app.add_typer(eval_app, name="eval", help="Evaluate models: compile@k, requires@1, copy rate, HumanEval; review sheets.")
data_app.command("gaps")(gaps_command)


@app.callback()
def _root() -> None:
    """bbjcoder: from curated BBj examples to a self-hosted model that writes BBj that compiles."""


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line to stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="BBj files, Markdown files or folders; '-' reads stdin.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="text (bbjcpl's line format) or json.")] = OutputFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings (FOR without NEXT, unknown labels ...) as errors.")] = False,
    explain: Annotated[bool, typer.Option("--explain/--no-explain", help="Add an indented line with the reason after each bbjcpl-format line.")] = True,
    warnings: Annotated[bool, typer.Option("--warnings/--no-warnings", help="Show warnings.")] = True,
    backend: Annotated[str, typer.Option(help="auto (bbjcpl when found), builtin or bbjcpl.")] = "auto",
    compiler: Annotated[str | None, typer.Option(help="Path of bbjcpl (else $BBJCODER_BBJCPL, else PATH).")] = None,
) -> None:
    """Check BBj syntax like `bbjcpl -N`: exit 0 when all valid, 1 on any error, 2 on usage errors."""
    from .bbj import format_bbjcpl, get_checker, to_json_record
    from .bbj.files import check_path, collect_paths

    try:
        files = collect_paths(paths)
        checker = get_checker(backend, compiler, strict=strict)
        reports = [check_path(p, checker) for p in files]
    except InputError as exc:
        raise fail(str(exc), 2) from None
    except BBJCoderError as exc:
        raise fail(str(exc)) from None
    errors = sum(1 for r in reports for d in r.diagnostics if d.is_error)
    shown = [(r.path, d) for r in reports for d in r.diagnostics if warnings or d.is_error]
    if output is OutputFormat.json:
        typer.echo(json.dumps([to_json_record(path, d) for path, d in shown], indent=1))
    else:
        for path, d in shown:
            typer.echo(format_bbjcpl(path, d))
            if explain:
                where = f"column {d.column}: " if d.column else ""
                typer.echo(f"    {where}{d.message}")
        bad_files = sum(1 for r in reports if any(d.is_error for d in r.diagnostics))
        typer.echo(
            f"{len(reports)} file(s) checked with {checker.name}: {bad_files} with errors, {errors} error(s)",
            err=True,
        )
    raise typer.Exit(1 if errors else 0)


app.command("train")(train_command)
app.command("compare")(compare_command)
app.command("export")(export_command)
app.command("mcp")(mcp_command)
app.command("pipeline")(pipeline_command)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
