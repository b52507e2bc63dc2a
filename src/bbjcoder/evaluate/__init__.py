"""The evaluate stage: how well a model writes BBj that compiles, measured on held-out prompts.

    from bbjcoder.evaluate import EvalConfig, evaluate
    outcomes, comparison = evaluate(EvalConfig(models=["runs/<id>@base", "runs/<id>"], samples=10, general=20))
    outcomes[1].report["metrics"]["compile@1"]      # {"value", "low", "high", "passes", "n"}

Modules, one job each:
    prompts     prompt sets (evalset JSONL, the build's test.jsonl)
    models      model specs (run, run@base, HF folder, adapter, GGUF, endpoint) -> generators
    local / gguf / openai_http   the generation backends (generation.py: their shared types)
    scoring     one answer -> pass / compile_error / no_code / trivial_code, requires
    copying     verbatim-copy rate against the training data
    metrics     pass@k estimator, Wilson and Newcombe intervals
    report / render / plots      report.json, report.md, the chart
    compare     tables across runs, significance, forgetting check
    humaneval   the sandboxed HumanEval pass@1
    review      human review sheets in and out
    gaps        weakest areas -> draft training examples
    runner      evaluate(): the order of work
Nothing heavy is imported until used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EvalConfig", "load_eval_config", "evaluate", "load_prompts", "pass_at_k", "wilson", "load_report",
           "comparison_markdown", "write_review_sheet", "import_review", "find_gaps", "write_drafts"]

_WHERE = {
    "EvalConfig": "config", "load_eval_config": "config", "evaluate": "runner", "load_prompts": "prompts",
    "pass_at_k": "metrics", "wilson": "metrics", "load_report": "compare", "comparison_markdown": "compare",
    "write_review_sheet": "review", "import_review": "review", "find_gaps": "gaps", "write_drafts": "gaps",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
