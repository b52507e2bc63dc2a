"""`bbjcoder pipeline CONFIG`: the whole workflow in one command (see runner.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["pipeline_command"]


def pipeline_command(
    config: Annotated[Path, typer.Argument(help="Training YAML with a pipeline: section.")] = Path("configs/tiny.yaml"),
    overrides: Annotated[list[str] | None, typer.Option("--set", help="Override a train setting, e.g. --set instruct.epochs=2 (repeatable).")] = None,
    summary_json: Annotated[Path | None, typer.Option(help="Also write the closing summary as JSON here.")] = None,
) -> None:
    """Validate, build, train (both stages), evaluate before/after, export: skipping what is already done."""
    from rich.console import Console

    from ..errors import BBJCoderError
    from .config import load_pipeline_config
    from .runner import run_pipeline
    from .summary import render_summary

    console = Console(stderr=True)
    try:
        cfg = load_pipeline_config(config, overrides)
        from ..progress import progress_bars
        from ..train.cli import _quiet_libraries
        from ..train.progress import RichReporter

        _quiet_libraries()
        with progress_bars() as bars:
            result = run_pipeline(cfg, on_stage=lambda name: console.rule(f"[bold]{name}"),
                                  reporter=RichReporter(), progress=bars)
    except BBJCoderError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    out = Console()
    for table in render_summary(result.summary):
        out.print(table)
    out.print(f"pipeline state: {result.state_file}")
    if summary_json is not None:
        summary_json.write_text(json.dumps(result.summary, indent=1) + "\n", encoding="utf-8")
