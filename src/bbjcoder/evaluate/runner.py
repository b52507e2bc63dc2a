"""`evaluate(cfg)`: from a config to one evaluation folder per model.

Order of work:
    1. check everything that can be checked before a model loads: config, prompt set, model specs, checker,
       training data for the copy rate
    2. per model: load, greedy answers (compile@1, requires@1), sampled answers for code prompts (compile@k),
       HumanEval answers (forgetting check); free the model
    3. score every answer (extract code, trivial/no code, checker, requires, verbatim copies)
    4. write the folder (never an existing one): samples.jsonl, report.json, report.md, compile_by_generation.png,
       humaneval_samples.jsonl when --general
    5. with several models: a comparison (table + chart) under --out, the first model as the baseline
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import EvalError, InputError
from .config import EvalConfig
from .generation import GenParams, ProgressFn
from .models import Target, http_target, open_generator, resolve_target
from .prompts import PromptSet, load_prompts

__all__ = ["EvalOutcome", "evaluate", "write_eval_dir", "reserve_dir", "DEFAULT_TRAIN_DATA"]

DEFAULT_TRAIN_DATA = (Path("build/train.jsonl"), Path("build/corpus.jsonl"))


@dataclass
class EvalOutcome:
    target: Target
    folder: Path
    report: dict


def evaluate(cfg: EvalConfig, progress: ProgressFn | None = None) -> tuple[list[EvalOutcome], Path | None]:
    """Evaluate every model of `cfg`; returns the outcomes and the comparison file (several models) or None."""
    from ..bbj import get_checker

    # 1. checks before loading anything
    prompts = load_prompts(cfg.prompts, cfg.limit)
    targets = [resolve_target(spec) for spec in cfg.models]
    if cfg.endpoint:
        targets.append(http_target(cfg.endpoint, cfg.model))
    checker = get_checker(cfg.backend, cfg.compiler)
    _preflight(cfg, targets)
    copy_plans = [_copy_sources(cfg, t) for t in targets]
    # 2-4. each model in turn
    outcomes = []
    indexes: dict[tuple, object] = {}
    for target, (sources, note) in zip(targets, copy_plans):
        index = _copy_index(sources, indexes)
        outcomes.append(_evaluate_one(cfg, target, prompts, checker, index, note, progress))
    # 5. comparison
    comparison = _write_comparison(cfg, outcomes) if len(outcomes) > 1 else None
    return outcomes, comparison


def _preflight(cfg: EvalConfig, targets: list[Target]) -> None:
    """Fail now, not after an hour of evaluating the models before it: missing llama-cpp, an endpoint that is down."""
    for target in targets:
        if target.kind == "gguf":
            from .gguf import require_llama_cpp

            require_llama_cpp(target.path)
        elif target.kind == "http":
            from .openai_http import HttpGenerator

            probe = HttpGenerator(target.endpoint, target.model_name, api_key_env=cfg.api_key_env)
            try:
                probe.check_reachable()
            finally:
                probe.close()


def _copy_sources(cfg: EvalConfig, target: Target) -> tuple[list[Path] | None, str | None]:
    """Training files for the verbatim-copy rate, and a note when it cannot be measured."""
    if cfg.train_data is not None:  # given explicitly: a missing file is an error, reported before any model loads
        missing = [str(p) for p in cfg.train_data if not p.is_file()]
        if missing:
            raise InputError(f"--train-data {', '.join(missing)}: not found; give the build's train.jsonl / corpus.jsonl")
        return list(cfg.train_data), None
    candidates = list(target.train_data) or list(DEFAULT_TRAIN_DATA)
    found = [p for p in candidates if p.is_file()]
    missing = [str(p) for p in candidates if not p.is_file()]
    if not found:
        return None, f"verbatim-copy rate not measured: {', '.join(missing)} not found (give --train-data)"
    return found, f"verbatim-copy rate measured without {', '.join(missing)} (not found)" if missing else None


def _copy_index(sources: list[Path] | None, cache: dict):
    """The verbatim-copy index of these files (built once per set of files)."""
    from .copying import CopyIndex

    if not sources:
        return None
    key = tuple(str(p) for p in sources)
    if key not in cache:
        cache[key] = CopyIndex.from_files(sources)
    return cache[key]


def _evaluate_one(cfg: EvalConfig, target: Target, prompts: PromptSet, checker, index, note, progress) -> EvalOutcome:
    answers = _generate(cfg, target, prompts, progress)
    samples = _score(prompts, answers, checker, index, progress)
    general, general_samples = answers.get("general", (None, None))
    report = _report(cfg, target, prompts, checker, samples, general, index, note, answers["model"])
    parent, name = target.eval_location(cfg.eval_name, cfg.out_root)
    folder = reserve_dir(parent, name)
    try:
        write_eval_dir(folder, report, samples, general_samples)
    except BaseException:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)  # a half-written folder would pass for an evaluation
        raise
    return EvalOutcome(target, folder, report)


def _generate(cfg: EvalConfig, target: Target, prompts: PromptSet, progress) -> dict:
    http = {"api_key_env": cfg.api_key_env, "concurrency": cfg.concurrency, "timeout": cfg.timeout, "retries": cfg.retries}
    gen = open_generator(target, batch_size=cfg.batch_size, threads=cfg.threads, dtype=cfg.dtype, http=http)
    try:
        out: dict = {"model": {"label": target.label, "kind": target.kind, "spec": target.spec, **gen.describe()}}
        conversations = [list(p.messages) for p in prompts.prompts]
        out["greedy"] = gen.generate(conversations, GenParams(cfg.max_new_tokens, step=f"{target.label}: greedy"), progress)
        if cfg.samples:
            code = [i for i, p in enumerate(prompts.prompts) if p.expects_code]
            params = GenParams(cfg.max_new_tokens, cfg.temperature, cfg.top_p, cfg.samples, cfg.seed, f"{target.label}: sampling")
            sampled = gen.generate([conversations[i] for i in code], params, progress)
            out["sampled"] = dict(zip(code, sampled))
        if cfg.general:
            from .humaneval import run_general

            out["general"] = run_general(gen, cfg.general, max_new_tokens=cfg.general_max_new_tokens,
                                         timeout=cfg.general_timeout, progress=progress)
        return out
    finally:
        gen.close()


def _score(prompts: PromptSet, answers: dict, checker, index, progress) -> list[dict]:
    from .report import sample_record
    from .scoring import score_answer

    jobs = [(i, "greedy", 0, answers["greedy"][i][0]) for i in range(len(prompts.prompts))]
    for i, completions in answers.get("sampled", {}).items():
        jobs += [(i, "sampled", j, c) for j, c in enumerate(completions)]
    samples = []
    step = "scoring"
    if progress:
        progress(step, 0, len(jobs))
    for n, (i, mode, j, completion) in enumerate(jobs, 1):
        prompt = prompts.prompts[i]
        verdict = score_answer(prompt, completion.text, checker)
        copy = index.count(verdict.code) if index and verdict.passed is not None else (0, 0)
        samples.append(sample_record(prompt, mode, j, completion, verdict, copy))
        if progress and (n % 16 == 0 or n == len(jobs)):
            progress(step, n, len(jobs))
    return samples


def _report(cfg: EvalConfig, target: Target, prompts: PromptSet, checker, samples, general, index, note, model) -> dict:
    from .report import build_report

    settings = {"max_new_tokens": cfg.max_new_tokens, "samples": cfg.samples, "k": cfg.effective_k,
                "temperature": cfg.temperature if cfg.samples else None, "top_p": cfg.top_p if cfg.samples else None,
                "seed": cfg.seed, "batch_size": cfg.batch_size, "limit": cfg.limit, "general": cfg.general}
    report = build_report(model=model, prompt_set=prompts.describe(), settings=settings, checker=checker.name,
                          samples=samples, general=general, copy_sources=index.sources if index else None,
                          notes=[note] if note else [])
    report["note"] = cfg.note
    return report


def reserve_dir(parent: Path, name: str) -> Path:
    """Create and return parent/name, or parent/name-2, -3 ... when taken: an earlier evaluation is never overwritten."""
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        folder = parent / (name if n == 1 else f"{name}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise EvalError(f"{parent}: no free folder name for {name}")  # pragma: no cover


def write_eval_dir(folder: Path, report: dict, samples: list[dict], general_samples: list[dict] | None = None) -> None:
    from .plots import CHART_NAME, plot_compile_by_generation
    from .render import render_report

    _write_jsonl(folder / "samples.jsonl", samples)
    if general_samples:
        _write_jsonl(folder / "humaneval_samples.jsonl", general_samples)
    report["files"] = {"samples": "samples.jsonl", "chart": CHART_NAME,
                       "humaneval_samples": "humaneval_samples.jsonl" if general_samples else None}
    (folder / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    plot_compile_by_generation([report], folder / CHART_NAME)
    (folder / "report.md").write_text(render_report(report, CHART_NAME), encoding="utf-8")


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _write_comparison(cfg: EvalConfig, outcomes: list[EvalOutcome]) -> Path:
    from .compare import write_comparison

    stamp = time.strftime("%Y%m%d-%H%M%S")
    return write_comparison([o.report for o in outcomes], cfg.out_root, f"comparison-{stamp}",
                            sources=[str(o.folder / "report.json") for o in outcomes])
