"""`bbjcoder eval ...` and `bbjcoder compare ...`: thin CLI over the evaluate stage.

    bbjcoder eval runs/tiny-20250101-120000@base runs/tiny-20250101-120000      # before/after on evalsets/bbj-eval.jsonl
    bbjcoder eval runs/<id> --samples 10 --k 5 --general 20                      # + compile@5 and the HumanEval check
    bbjcoder eval --endpoint http://localhost:11434/v1 --model bbjcoder --prompts build/test.jsonl
    bbjcoder eval review-sheet runs/<id>/eval/bbj-eval --n 20                    # then fill in the scores
    bbjcoder eval import-review runs/<id>/eval/bbj-eval/review.md
    bbjcoder compare runs/<id>@base runs/<id> evals/bbj-eval/qwen/report.json
    bbjcoder data gaps runs/<id>/eval/bbj-eval/report.json                       # drafts in training-data/_drafts/

`bbjcoder eval MODEL...` is `bbjcoder eval run MODEL...`. Exit codes: 0 done, 1 an error (one line on stderr),
2 usage error. Heavy imports happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from ..errors import BBJCoderError, ConfigError, InputError

__all__ = ["eval_app", "compare_command", "gaps_command"]


class _RunByDefault(TyperGroup):
    """A group whose default command is `run`: `eval MODEL ...` means `eval run MODEL ...`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(
    cls=_RunByDefault,
    help="Evaluate models on held-out prompts: compile@1, compile@k, requires@1, copy rate, HumanEval; review sheets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _bars(enabled: bool = True):
    from ..progress import progress_bars

    return progress_bars(enabled)


def _quiet_libraries() -> None:
    import logging
    import warnings

    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    logging.getLogger("accelerate").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)


@eval_app.command("run")
def run_command(
    models: Annotated[list[str] | None, typer.Argument(help="runs/<id>, runs/<id>@base (its untrained/base model), HF model or adapter folders, .gguf files. The first is the baseline.")] = None,
    prompts: Annotated[Path | None, typer.Option(help="Prompt set: evalsets/*.jsonl or build/test.jsonl (default: evalsets/bbj-eval.jsonl).")] = None,
    endpoint: Annotated[str | None, typer.Option(help="OpenAI-compatible URL, e.g. http://localhost:11434/v1 (Ollama).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model name on --endpoint.")] = None,
    api_key_env: Annotated[str | None, typer.Option(help="Environment variable with the endpoint's API key (default: OPENAI_API_KEY).")] = None,
    concurrency: Annotated[int | None, typer.Option(help="HTTP requests in flight (default: 4).")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds per HTTP answer (default: 300).")] = None,
    retries: Annotated[int | None, typer.Option(help="Retries of transient HTTP failures (default: 3).")] = None,
    samples: Annotated[int | None, typer.Option(help="Sampled answers per code prompt for compile@k; 0 = greedy only (default: 0).")] = None,
    k: Annotated[int | None, typer.Option("--k", help="k of compile@k (default: min(5, samples)).")] = None,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature for compile@k (default: 0.8).")] = None,
    top_p: Annotated[float | None, typer.Option(help="Nucleus sampling for compile@k (default: 0.95).")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampling seed (default: 0).")] = None,
    max_new_tokens: Annotated[int | None, typer.Option(help="Answer length limit (default: 1024).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Prompts per batch, local models (default: 8).")] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch / llama.cpp (default: 1 for local models under 50M parameters on CPU).")] = None,
    dtype: Annotated[str | None, typer.Option(help="Local model weights: auto (float32 on CPU), float32 or bfloat16.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N prompts (smoke runs).")] = None,
    general: Annotated[int | None, typer.Option(help="HumanEval forgetting check on N problems (fixed subset); 0 = off, 164 = all.")] = None,
    general_max_new_tokens: Annotated[int | None, typer.Option(help="Answer length limit for HumanEval (default: 512).")] = None,
    general_timeout: Annotated[float | None, typer.Option(help="Seconds per HumanEval program (default: 10).")] = None,
    name: Annotated[str | None, typer.Option(help="Evaluation name: runs/<id>/eval/<name>/ (default: the prompt file's stem).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for models that are not runs (default: evals/<name>/).")] = None,
    train_data: Annotated[list[Path] | None, typer.Option(help="train.jsonl / corpus.jsonl for the verbatim-copy rate (repeatable).")] = None,
    backend: Annotated[str | None, typer.Option(help="Checker: auto, builtin or bbjcpl.")] = None,
    compiler: Annotated[str | None, typer.Option(help="Path of bbjcpl.")] = None,
    note: Annotated[str | None, typer.Option(help="Text for the Notes column.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML with any of these settings; flags override it.")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bars on stderr.")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show the libraries' own warnings.")] = False,
) -> None:
    """Evaluate models: one folder per model (samples.jsonl, report.json, report.md, chart); prints the table."""
    flags = {k_: v for k_, v in locals().items() if k_ not in ("config", "progress", "verbose")}
    flags["models"] = models or None
    flags["train_data"] = train_data or None
    try:
        from .config import load_eval_config

        cfg = load_eval_config(config, flags)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    try:
        if not verbose and cfg.models:
            _quiet_libraries()
        from .runner import evaluate

        with _bars(progress) as bar:
            outcomes, comparison = evaluate(cfg, bar)
    except BBJCoderError as exc:
        raise _fail(str(exc)) from None
    _print_results(outcomes, comparison)


def _print_results(outcomes, comparison) -> None:
    from .render import table_header, table_row

    base = outcomes[0].report
    for line in table_header() + [table_row(o.report, None if i == 0 else base) for i, o in enumerate(outcomes)]:
        typer.echo(line)
    for o in outcomes:
        typer.echo(f"{o.target.label}: {o.folder / 'report.md'}", err=True)
    if comparison:
        typer.echo(f"comparison: {comparison}", err=True)


@eval_app.command("review-sheet")
def review_sheet_command(
    evaluation: Annotated[Path, typer.Argument(help="An evaluation folder (runs/<id>/eval/<name>) or its report.json.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Answers on the sheet (a fixed random choice of greedy answers).")] = 20,
    seed: Annotated[int, typer.Option(help="Which answers: the same seed picks the same ones.")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="md or csv.")] = "md",
) -> None:
    """Write a sheet of answers to score 1-5 (correctness, idiom, explanation) next to the report."""
    from .review import write_review_sheet

    try:
        path = write_review_sheet(evaluation, n, seed, fmt)
    except InputError as exc:
        raise _fail(str(exc), 2) from None
    except BBJCoderError as exc:
        raise _fail(str(exc)) from None
    typer.echo(path)


@eval_app.command("import-review")
def import_review_command(
    sheet: Annotated[Path, typer.Argument(help="A filled-in review.md or review.csv.")],
    report: Annotated[Path | None, typer.Option(help="The report.json to update (default: the one the sheet names).")] = None,
) -> None:
    """Add the sheet's scores to report.json (and report.md)."""
    from .review import CRITERIA, import_review

    try:
        path, review = import_review(sheet, report)
    except BBJCoderError as exc:
        raise _fail(str(exc)) from None
    means = ", ".join(f"{c} {review['means'][c]:.2f}" if review["means"][c] is not None else f"{c} —" for c in CRITERIA)
    typer.echo(f"{path}: {review['scored']} scored answer(s) ({review['unscored']} left empty): {means}")


def compare_command(
    refs: Annotated[list[str], typer.Argument(help="Runs (runs/<id>, runs/<id>@base), evaluation folders or report.json files; the first is the baseline.")],
    name: Annotated[str | None, typer.Option(help="For run folders: which evaluation (runs/<id>/eval/<name>) (default: the newest).")] = None,
    out: Annotated[Path | None, typer.Option(help="Also write comparison.md and comparison.png into this folder.")] = None,
) -> None:
    """Compare evaluations made on the same prompt set: the table, significance, the forgetting check."""
    from .compare import check_comparable, comparison_markdown, load_report, write_comparison

    try:
        loaded = [load_report(ref, name) for ref in refs]
        reports = [r for r, _ in loaded]
        paths = [str(p) for _, p in loaded]
        check_comparable(reports, paths)
        if out is not None:
            typer.echo(f"written: {write_comparison(reports, out, 'comparison', paths)}", err=True)
    except BBJCoderError as exc:
        raise _fail(str(exc)) from None
    typer.echo(comparison_markdown(reports, paths))


def gaps_command(
    report: Annotated[str, typer.Argument(help="A report.json, its evaluation folder, or a run folder (its newest evaluation).")],
    out: Annotated[Path, typer.Option(help="Folder for the draft examples (skipped by validation and the build).")] = Path("training-data/_drafts"),
    top: Annotated[int, typer.Option(min=1, help="Weak cells and errors to list and draft.")] = 5,
    drafts: Annotated[bool, typer.Option("--drafts/--no-drafts", help="Write draft example files.")] = True,
) -> None:
    """List the weakest labels and most frequent compile errors of an evaluation; write draft examples for them."""
    import json

    from .compare import load_report
    from .gaps import find_gaps, render_gaps, write_drafts

    try:
        data, path = load_report(report)
        samples_path = path.parent / "samples.jsonl"
        if not samples_path.is_file():
            raise InputError(f"{samples_path}: not found; gaps need the evaluation's samples.jsonl next to report.json")
        samples = [json.loads(line) for line in samples_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        gaps = find_gaps(data, samples, top)
        typer.echo(render_gaps(gaps))
        if drafts:
            for written in write_drafts(gaps, out, str(path)):
                typer.echo(f"draft: {written}")
    except BBJCoderError as exc:
        raise _fail(str(exc)) from None
