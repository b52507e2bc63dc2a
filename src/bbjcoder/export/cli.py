"""`bbjcoder export`: thin CLI over `bbjcoder.export.export_run`.

    bbjcoder export runs/tiny-20250101-120000                       # f16, q8_0 (+ q4_k_m with llama-cpp-python)
    bbjcoder export tiny-20250101-120000 --quant f16,q8_0,q4_k_m    # a run id under runs/
    bbjcoder export RUN --force --registry /srv/models              # replace export/, copy to the registry

Exit codes: 0 exported, 1 an export error (one line on stderr), 2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import BBJCoderError

__all__ = ["export_command"]

_QUANT_HELP = (
    "Comma-separated: f16, q8_0 (our writer), q4_k_m, q5_k_m, q2_k (llama.cpp's quantizer via llama-cpp-python)."
    " Default: f16,q8_0 plus q4_k_m when llama-cpp-python is installed."
)


def export_command(
    run: Annotated[str, typer.Argument(help="The training run: its folder, or its id under --runs-dir.")],
    quant: Annotated[str | None, typer.Option("--quant", help=_QUANT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing runs/<id>/export (and registry version).")] = False,
    registry: Annotated[Path | None, typer.Option("--registry", help="Also copy the deployable files to DIR/<name>/<run id>/.")] = None,
    name: Annotated[str, typer.Option("--name", help="Model name: GGUF file names, `ollama create NAME`, registry folder.")] = "bbj-coder",
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where a bare run id is looked up.")] = Path("runs"),
) -> None:
    """Export a finished run: merged weights, GGUF files, an Ollama Modelfile, MODEL_CARD.md."""
    from ..cli import fail

    quants = quant.split(",") if quant is not None else None
    try:
        from .pipeline import ExportOptions, export_run

        opts = ExportOptions(quants=quants, force=force, registry=registry, name=name, runs_dir=runs_dir)
        result = export_run(run, opts, notify=lambda step, message: typer.echo(f"{step}: {message}", err=True) if message else None)
    except BBJCoderError as exc:
        raise fail(str(exc)) from None
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    for entry in result.files:
        if entry.name.endswith(".gguf"):
            typer.echo(f"{entry.name}: {entry.size / (1 << 20):.1f} MiB", err=True)
    if result.registry_dir is not None:
        typer.echo(f"registry: {result.registry_dir}", err=True)
    typer.echo(str(result.export_dir))
