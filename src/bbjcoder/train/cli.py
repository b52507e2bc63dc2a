"""`bbjcoder train`: thin CLI over `bbjcoder.train.train`.

    bbjcoder train configs/tiny.yaml
    bbjcoder train configs/tiny.yaml --set instruct.epochs=5 --set run.seed=7
    bbjcoder train --resume runs/tiny-20250101-120000          # continue from the last checkpoint
    bbjcoder train configs/qwen2.5-coder-14b-qlora.yaml --dry-run   # validate and print the resolved config
    accelerate launch --num_processes 4 -m bbjcoder.cli train configs/qwen2.5-coder-14b-qlora.yaml   # multi-GPU

Exit codes: 0 done, 1 a config/data/training error (one line on stderr), 2 usage error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..errors import BBJCoderError

__all__ = ["train_command"]


def _quiet_libraries() -> None:
    """Keep the terminal to our progress bar: library warnings and their own bars off."""
    import logging
    import warnings

    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    logging.getLogger("accelerate").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)


def _import_unsloth_first() -> None:
    """Unsloth patches transformers and TRL when imported before them; a missing Unsloth is reported later."""
    import importlib.util

    if importlib.util.find_spec("unsloth") is not None:  # pragma: no cover - needs CUDA + unsloth
        import unsloth  # noqa: F401


def train_command(
    config: Annotated[Path | None, typer.Argument(help="YAML config (configs/tiny.yaml, configs/qwen2.5-coder-14b-qlora.yaml ...). Optional with --resume.")] = None,
    resume: Annotated[str | None, typer.Option("--resume", help="Continue run RUN (an id under run.output_dir, or a path) from its last checkpoint.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a config key, e.g. --set instruct.learning_rate=1e-4 (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate the config, print it resolved, and stop.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show the libraries' own warnings and logs.")] = False,
) -> None:
    """Train: stage 1 (continued pretraining on corpus.jsonl), stage 2 (instruction tuning, assistant-only loss)."""
    from ..cli import fail

    # OpenMP threads that spin while waiting stall ~10x when the cores are shared with another busy process
    # (measured: 2 threads, 214 vs 1,089 tokens/s); passive waiting costs a few % on an idle machine.
    # Must be set before torch loads; an explicit OMP_WAIT_POLICY wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if config is None and resume is None:
        raise fail("give a CONFIG file, or --resume RUN", 2)
    if resume is not None and config is None and set_:
        raise fail("--set cannot change a run on --resume; start a new run to change its config", 2)
    try:
        from .config import load_config

        cfg = load_config(config, set_ or []) if config is not None else None
        if dry_run:
            from .pipeline import dump_resolved

            if cfg is None:
                raise fail("--dry-run needs a CONFIG file", 2)
            typer.echo(dump_resolved(cfg), nl=False)
            return
        if cfg is not None and cfg.model.unsloth:
            _import_unsloth_first()
        if not verbose:
            _quiet_libraries()
        from .pipeline import train
        from .progress import RichReporter

        reporter = RichReporter()
        result = train(cfg, resume=resume, reporter=reporter)
    except BBJCoderError as exc:
        raise fail(str(exc)) from None
    reporter.note(f"run {result['run_id']}: {result['output']}")
    typer.echo(result["run_dir"])
