"""The export stage: a finished training run -> merged weights, GGUF files, an Ollama Modelfile, a model card.

    from bbjcoder.export import ExportOptions, export_run
    result = export_run("runs/tiny-20250101-120000", ExportOptions(quants=["f16", "q8_0", "q4_k_m"]))
    result.export_dir     # runs/<id>/export: merged/, *.gguf, Modelfile, MODEL_CARD.md, .gitattributes

Modules, one job each:

    source.py      reading the run folder (config.yaml, dataset.json, metrics.jsonl, model/ or adapter/)
    merge.py       merged/: the full model, or the LoRA adapter merged into its base
    arch.py        supported architectures (Qwen2, Llama) and their llama.cpp hyper-parameters
    vocab.py       the tokenizer as tokenizer.ggml.* (byte-level BPE, pre-tokenizer name, token types)
    gguf_file.py   the GGUF writer on gguf-py (F16, Q8_0), tensor names via gguf's TensorNameMap
    quantize.py    Q4_K_M / Q5_K_M / Q2_K through llama.cpp's quantizer (llama-cpp-python, optional)
    gotemplate.py  a renderer for the Go-template subset the Modelfile uses (to test it against transformers)
    modelfile.py   the Modelfile: TEMPLATE generated from the training chat template, stop tokens, defaults
    card.py        MODEL_CARD.md
    files.py       atomic writes, sha256, .gitattributes for Git LFS
    pipeline.py    export_run: the steps in order, staging folder, publish, registry copy
    cli.py         `bbjcoder export`

Nothing heavy is imported until used: torch, transformers and peft load inside functions.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ExportOptions", "ExportResult", "export_run", "write_gguf", "render_go_template"]


def __getattr__(name: str) -> Any:
    if name in ("ExportOptions", "ExportResult", "export_run"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "write_gguf":
        from .gguf_file import write_gguf

        return write_gguf
    if name == "render_go_template":
        from .gotemplate import render_go_template

        return render_go_template
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
