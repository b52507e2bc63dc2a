"""`bbjcoder data ...`: validate examples, build the training files, check for duplicates.

Thin: parse flags, call validate.py / build.py / overlap.py, print. Exit 0 when all is well, 1 on
errors (invalid inputs, near-duplicates found by dedup-check, a library error), 2 on usage errors.
Heavy imports live inside the commands so `bbjcoder --help` stays instant.
"""

from __future__ import annotations

import json
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["data_app"]

data_app = typer.Typer(
    help="Training data: validate Markdown examples, build ChatML splits and the stage-1 corpus, check overlap.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    text = "text"
    json = "json"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _progress_bars(enabled: bool = True):
    """Transient bars: the build's summary replaces them."""
    from ..progress import progress_bars

    return progress_bars(enabled, transient=True, eta=False)


_BACKEND = typer.Option(help="Checker: auto (bbjcpl when found), builtin or bbjcpl.")
_COMPILER = typer.Option(help="Path of bbjcpl (else $BBJCODER_BBJCPL, else PATH).")


@data_app.command()
def validate(
    paths: Annotated[list[str] | None, typer.Argument(help="Example folders or .md files [default: training-data].")] = None,
    backend: Annotated[str, _BACKEND] = "auto",
    compiler: Annotated[str | None, _COMPILER] = None,
    warnings: Annotated[bool, typer.Option("--warnings/--no-warnings", help="Show warnings.")] = True,
    output: Annotated[Format, typer.Option("--format", help="text (file:line: ...) or json.")] = Format.text,
) -> None:
    """Check Markdown examples: front matter schema, sections, every ```bbj block, generation lint."""
    from ..bbj import get_checker
    from ..errors import BBJCoderError
    from .validate import MarkdownReport, load_markdown_file, load_markdown_folder

    report = MarkdownReport()
    try:
        checker = get_checker(backend, compiler)
        for arg in paths or ["training-data"]:
            path = Path(arg)
            if path.is_dir():
                report.extend(load_markdown_folder(path, checker, label=arg.rstrip("/")))
            elif path.is_file():
                folder = path.resolve().parent
                report.extend(load_markdown_file(folder.parent, Path(folder.name) / path.name, checker,
                                                 str(path.parent.parent)))
            else:
                raise _fail(f"{arg}: no such file or folder", 2)
    except BBJCoderError as exc:
        raise _fail(str(exc)) from None
    shown = [p for p in report.problems if warnings or p.is_error]
    if output is Format.json:
        typer.echo(json.dumps([p.to_record() | {"severity": p.severity} for p in shown], indent=1))
    else:
        for p in shown:
            typer.echo(str(p))
    errors = len(report.errors)
    bad = len({p.file for p in report.errors})
    typer.echo(f"{report.files} example file(s): {report.files - bad} valid, {errors} error(s) in {bad} file(s), "
               f"{len(report.problems) - errors} warning(s)", err=True)
    raise typer.Exit(1 if errors else 0)


@data_app.command()
def build(
    sources: Annotated[list[str] | None, typer.Argument(
        help="Markdown example folders, ChatML .jsonl files, BBj program folders [default: training-data corpus].")] = None,
    out: Annotated[str | None, typer.Option(help="Output folder [default: build].")] = None,
    config: Annotated[Path | None, typer.Option(help="YAML with the same settings; flags override it.")] = None,
    skip_invalid: Annotated[bool | None, typer.Option(
        "--skip-invalid/--no-skip-invalid", help="Exit 0 even when some inputs were invalid (they are still listed).")] = None,
    threshold: Annotated[float | None, typer.Option(help="Near-duplicate Jaccard threshold [default: 0.85].")] = None,
    drop_near_duplicates: Annotated[bool | None, typer.Option(
        "--drop-near-duplicates/--keep-near-duplicates", help="Keep one example per near-duplicate group.")] = None,
    keep_failing_code: Annotated[bool | None, typer.Option(
        "--keep-failing-code/--drop-failing-code", help="Keep imported examples whose code fails the checker.")] = None,
    keep_failing_corpus: Annotated[bool | None, typer.Option(
        "--keep-failing-corpus/--drop-failing-corpus", help="Keep corpus files that fail the checker.")] = None,
    eval_set: Annotated[list[str] | None, typer.Option(
        help="Evaluation JSONL (file or folder) to check for overlap [default: evalsets].")] = None,
    coverage: Annotated[bool | None, typer.Option(
        "--coverage/--no-coverage", help="Also write COVERAGE.md into each Markdown examples folder.")] = None,
    backend: Annotated[str | None, typer.Option(help="Checker: auto, builtin or bbjcpl.")] = None,
    compiler: Annotated[str | None, _COMPILER] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars.")] = True,
) -> None:
    """Build examples.jsonl, train/validation/test.jsonl, corpus.jsonl, stats.json and the dataset card."""
    from ..errors import BBJCoderError
    from .build import build_dataset
    from .config import load_config

    overrides = {"sources": sources or None, "out": out, "skip_invalid": skip_invalid,
                 "near_duplicate_threshold": threshold, "drop_near_duplicates": drop_near_duplicates,
                 "keep_failing_code": keep_failing_code, "keep_failing_corpus": keep_failing_corpus,
                 "eval_sets": eval_set or None, "coverage": coverage, "checker": backend, "compiler": compiler}
    started = time.perf_counter()
    try:
        settings = load_config(config, overrides)
        with _progress_bars(progress) as report:
            result = build_dataset(settings, report)
    except BBJCoderError as exc:
        raise _fail(str(exc)) from None
    _print_build(result, time.perf_counter() - started)
    raise typer.Exit(result.exit_code)


def _print_build(result, seconds: float) -> None:
    stats = result.stats
    invalid = result.invalid
    for p in invalid[:30]:
        typer.echo(str(p), err=True)
    if len(invalid) > 30:
        typer.echo(f"... and {len(invalid) - 30} more in {result.out / 'rejected.jsonl'}", err=True)
    split = stats["examples"]["by_split"]
    rejected = stats["rejected"]
    typer.echo(
        f"{stats['examples']['kept']} examples (train {split['train']} / validation {split['validation']} / "
        f"test {split['test']}), corpus {stats['corpus']['programs']} programs ({stats['corpus']['lines']} lines) "
        f"-> {result.out}/ in {seconds:.1f}s; left out: {rejected['invalid']} invalid, {rejected['filtered']} "
        f"filtered (rejected.jsonl); {len(stats['warnings'])} warning(s) (stats.json)"
    )
    if invalid and not result.skip_invalid:
        typer.echo("fix the invalid inputs above, or pass --skip-invalid to accept the build without them", err=True)


@data_app.command("dedup-check")
def dedup_check(
    sources: Annotated[list[str] | None, typer.Argument(
        help="Training sources: example folders and .jsonl files [default: training-data].")] = None,
    eval_set: Annotated[list[str] | None, typer.Option(
        "--eval", help="Evaluation JSONL file or folder to compare with the training data (repeatable).")] = None,
    threshold: Annotated[float, typer.Option(help="Jaccard threshold for near-duplicates.")] = 0.85,
    backend: Annotated[str, _BACKEND] = "auto",
    output: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
) -> None:
    """Report near-duplicate pairs inside the training data and between evaluation sets and it; exit 1 if any."""
    from ..bbj import get_checker
    from ..errors import BBJCoderError
    from .overlap import eval_files, eval_overlap, load_eval_prompts, training_overlap
    from .sources import load_examples, resolve_sources

    try:
        loaded = load_examples(resolve_sources(sources or ["training-data"], defaults=False), get_checker(backend))
        inside = training_overlap(loaded.examples, threshold)
        across, bad_lines, prompts = [], [], 0
        for path in eval_files(eval_set or []):
            found, problems = load_eval_prompts(path)
            prompts += len(found)
            bad_lines += problems
            across += [p | {"eval_file": path.name} for p in eval_overlap(loaded.examples, found, threshold)]
    except BBJCoderError as exc:
        raise _fail(str(exc)) from None
    if eval_set and not eval_files(eval_set):
        raise _fail(f"no evaluation JSONL found at {', '.join(eval_set)}", 2)
    if output is Format.json:
        typer.echo(json.dumps({"training_pairs": inside, "eval_pairs": across,
                               "problems": [p.to_record() for p in bad_lines]}, indent=1))
    else:
        for p in inside:
            typer.echo(f"training near-duplicates: {p['a']} ~ {p['b']} (Jaccard {p['jaccard']})")
        for p in across:
            typer.echo(f"eval overlap: {p['eval_file']} {p['eval']} ~ {p['example']} (Jaccard {p['jaccard']})")
        for p in bad_lines:
            typer.echo(str(p), err=True)
    typer.echo(f"{len(loaded.examples)} training examples, {prompts} evaluation prompts, threshold {threshold}: "
               f"{len(inside)} pair(s) inside the training data, {len(across)} between evaluation and training",
               err=True)
    raise typer.Exit(1 if inside or across or bad_lines else 0)
