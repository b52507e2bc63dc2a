"""`export_run`: a finished training run -> runs/<id>/export/ (and optionally a model registry folder).

    result = export_run("runs/tiny-20250101-120000", ExportOptions(quants=["f16", "q8_0", "q4_k_m"]))
    result.export_dir        # runs/<id>/export
    result.files             # [FileEntry(name, size, sha256, note), ...] as listed in MODEL_CARD.md

Layout written (ARCHITECTURE.md "Export"):

    runs/<id>/export/
      merged/                      standalone transformers model: safetensors, config, tokenizer + chat template
      <name>-f16.gguf              our GGUF writer (gguf-py), F16
      <name>-q8_0.gguf             our GGUF writer, Q8_0
      <name>-q4_k_m.gguf ...       llama.cpp's quantizer via llama-cpp-python, from the F16 file
      Modelfile                    FROM the preferred GGUF, TEMPLATE generated from the training chat template
      MODEL_CARD.md                what it is, how it was made, results, files with sha256, how to run it
      .gitattributes               Git LFS for weights
    <registry>/<name>/<run id>/    the deployable files (GGUFs, Modelfile, card, .gitattributes, adapter/ for LoRA)

Order of work, an explicit state machine (`_Steps`): check -> merge -> gguf -> quantize -> modelfile -> card ->
publish -> registry -> done. Everything that can fail cheaply (run, quant names, llama-cpp-python, an existing
export without --force, architecture, tokenizer, chat template) fails in `check`, before any weight is loaded.
Everything is built in runs/<id>/.export.partial/ and renamed to export/ at the end: a killed export never leaves a
half-written export/, and an existing one is only replaced (with force) once the new one is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExportError
from .card import CardInputs, FileEntry, model_card
from .files import GITATTRIBUTES, copy_tree, remove_tree, sha256_file, write_text_atomic
from .gguf_file import GGUF_TYPES, GGUFInfo
from .quantize import LLAMA_QUANTS, llama_cpp_missing
from .source import RunSource, open_run

__all__ = ["ExportOptions", "ExportResult", "export_run", "parse_quants", "ALL_QUANTS", "PREFERRED_FROM"]

ALL_QUANTS = (*GGUF_TYPES, *LLAMA_QUANTS)
# Which GGUF the Modelfile's FROM uses, best first: Q4_K_M is the deployment default (size vs quality).
PREFERRED_FROM = ("q4_k_m", "q5_k_m", "q8_0", "f16", "q2_k")
MAX_NUM_CTX = 4096


@dataclass
class ExportOptions:
    quants: list[str] | None = None  # None: f16 and q8_0, plus q4_k_m when llama-cpp-python is installed
    force: bool = False  # replace an existing export (and registry version)
    registry: Path | None = None  # copy the deployable files to <registry>/<name>/<run id>/
    name: str = "bbj-coder"  # model name: GGUF file names, `ollama create <name>`, registry folder
    runs_dir: Path = Path("runs")  # where a bare run id is looked up
    system: str | None = None  # Modelfile SYSTEM; None: the default generation-aware BBj prompt


@dataclass
class ExportResult:
    run_id: str
    export_dir: Path
    files: list[FileEntry]
    modelfile_from: str
    registry_dir: Path | None = None
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


class _Steps:
    """The export's ordered work; a step may be skipped, never repeated or taken out of order."""

    ORDER = ("start", "check", "merge", "gguf", "quantize", "modelfile", "card", "publish", "registry", "done")

    def __init__(self, notify: Callable[[str, str], None]) -> None:
        self.state = "start"
        self.notify = notify
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def enter(self, step: str, message: str) -> None:
        if self.ORDER.index(step) <= self.ORDER.index(self.state):
            raise ExportError(f"export: expected a step after {self.state!r}, got {step!r}")
        now = time.perf_counter()
        self.seconds[self.state] = round(now - self.started, 3)
        self.state, self.started = step, now
        self.notify(step, message)


def parse_quants(quants: list[str] | None) -> tuple[list[str], list[str]]:
    """(quant types to write, notes). Unknown names and unavailable llama.cpp types are ExportErrors."""
    notes: list[str] = []
    if quants is None:
        quants = ["f16", "q8_0"]
        if llama_cpp_missing() is None:
            quants.append("q4_k_m")
        else:
            notes.append("q4_k_m not written: llama-cpp-python is not installed (pip install 'bbjcoder[llama]')")
    chosen = list(dict.fromkeys(q.strip().lower() for q in quants if q.strip()))
    unknown = [q for q in chosen if q not in ALL_QUANTS]
    if unknown or not chosen:
        raise ExportError(f"--quant {','.join(unknown) or '(empty)'}: unknown type; choose from {', '.join(ALL_QUANTS)}")
    if any(q in LLAMA_QUANTS for q in chosen) and llama_cpp_missing():
        raise ExportError(f"--quant {','.join(q for q in chosen if q in LLAMA_QUANTS)}: {llama_cpp_missing()}")
    return chosen, notes


# --- check ------------------------------------------------------------------------------------------------------


def _model_config(run: RunSource) -> tuple[dict | None, str]:
    """config.json of the model to export when it is on disk (full run, or a LoRA base given as a folder)."""
    path = run.final / "config.json" if not run.is_adapter else Path(run.base).expanduser() / "config.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8")), str(path)
    return None, str(path)


def _check(run: RunSource, opts: ExportOptions, registry_dir: Path | None):
    """Everything that can fail before weights load. Returns the training chat template's ChatFormat."""
    from .arch import arch_spec
    from .merge import load_merged_tokenizer
    from .modelfile import chat_format
    from .vocab import pre_tokenizer_name

    if run.export_dir.exists() and not opts.force:
        raise ExportError(f"{run.export_dir} already exists; pass --force to replace it")
    if registry_dir is not None and registry_dir.exists() and not opts.force:
        raise ExportError(f"{registry_dir} already exists in the registry; pass --force to replace it")
    config, where = _model_config(run)
    if config is not None:
        arch_spec(config, where)
    tok = load_merged_tokenizer(run.tokenizer)
    pre_tokenizer_name(json.loads(tok.backend_tokenizer.to_str()), str(run.tokenizer))
    if not tok.chat_template:
        raise ExportError(
            f"{run.tokenizer}: the tokenizer has no chat template, so the Modelfile cannot match training;"
            " train with model.chat_template: chatml (or a .jinja file)"
        )
    return chat_format(lambda msgs, gen: tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen))


# --- artifacts --------------------------------------------------------------------------------------------------


def _write_ggufs(merged: Path, tok, staging: Path, quants: list[str], name: str, steps: _Steps) -> tuple[dict[str, Path], GGUFInfo]:
    from .gguf_file import write_gguf
    from .quantize import quantize_gguf

    paths: dict[str, Path] = {}
    info = None
    need_f16 = "f16" in quants or any(q in LLAMA_QUANTS for q in quants)
    for kind in [q for q in GGUF_TYPES if q in quants or (q == "f16" and need_f16)]:
        out = staging / (f"{name}-{kind}.gguf" if kind in quants else f".{name}-{kind}.intermediate.gguf")
        info = write_gguf(merged, tok, out, kind, name)
        paths[kind] = out
    if info is None:  # parse_quants never returns an empty list; this guards the invariant
        raise ExportError("export: no GGUF type to write")
    llama = [q for q in quants if q in LLAMA_QUANTS]
    if llama:
        steps.enter("quantize", f"llama.cpp quantizer: {', '.join(llama)}")
        for kind in llama:
            paths[kind] = quantize_gguf(paths["f16"], staging / f"{name}-{kind}.gguf", kind)
    if "f16" in paths and "f16" not in quants:  # only the quantizer's input
        paths.pop("f16").unlink()
    return paths, info


def _n_params(merged: Path) -> int:
    import math

    from safetensors import safe_open

    total = 0
    for file in merged.glob("*.safetensors"):
        with safe_open(str(file), framework="pt") as fh:
            total += sum(math.prod(fh.get_slice(k).get_shape()) for k in fh.keys())
    return total


def _file_entries(staging: Path, notes: dict[str, str]) -> list[FileEntry]:
    files = sorted(p for p in staging.rglob("*") if p.is_file() and p.name != "MODEL_CARD.md")
    return [FileEntry(str(p.relative_to(staging)), p.stat().st_size, sha256_file(p), notes.get(p.name, "")) for p in files]


def _eos_ids(merged: Path) -> list[int]:
    ids: list[int] = []
    for name in ("config.json", "generation_config.json"):
        path = merged / name
        if path.is_file():
            value = json.loads(path.read_text(encoding="utf-8")).get("eos_token_id")
            ids += value if isinstance(value, list) else [value] if isinstance(value, int) else []
    return list(dict.fromkeys(ids))


def _publish(staging: Path, export_dir: Path) -> None:
    old = export_dir.with_name(".export.replaced")
    remove_tree(old)
    if export_dir.exists():
        os.replace(export_dir, old)
    os.replace(staging, export_dir)
    remove_tree(old)


def _to_registry(run: RunSource, export_dir: Path, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.partial")
    remove_tree(tmp)
    tmp.mkdir(parents=True)
    for path in export_dir.iterdir():
        if path.is_file() and (path.suffix == ".gguf" or path.name in ("Modelfile", "MODEL_CARD.md", ".gitattributes")):
            shutil.copy2(path, tmp / path.name)
    if run.is_adapter:
        copy_tree(run.final, tmp / "adapter")
    old = dest.with_name(f".{dest.name}.replaced")
    remove_tree(old)
    if dest.exists():
        os.replace(dest, old)
    os.replace(tmp, dest)
    remove_tree(old)


# --- the whole export -------------------------------------------------------------------------------------------


def export_run(ref: str | Path, opts: ExportOptions | None = None, notify: Callable[[str, str], None] | None = None) -> ExportResult:
    """Export run `ref` (a run folder or an id under opts.runs_dir). `notify(step, message)` hears each step."""
    opts = opts or ExportOptions()
    steps = _Steps(notify or (lambda step, message: None))
    # 1. check: options, run, destination, architecture, tokenizer, chat template
    quants, notes = parse_quants(opts.quants)
    run = open_run(ref, opts.runs_dir)
    steps.enter("check", f"run {run.id} ({run.method}, base {run.base})")
    registry_dir = opts.registry / opts.name / run.id if opts.registry is not None else None
    fmt = _check(run, opts, registry_dir)
    # 2.-6. build everything in the staging folder; a failure removes it (weights can be tens of GB)
    staging = run.root / ".export.partial"
    remove_tree(staging)  # what a killed export left behind
    try:
        entries, from_file = _build(run, opts, quants, fmt, staging, steps, notes)
        # 7. publish: staging -> export/ (an existing one is replaced only now, with force)
        steps.enter("publish", str(run.export_dir))
        _publish(staging, run.export_dir)
    finally:
        remove_tree(staging)
    # 8. registry copy
    if registry_dir is not None:
        steps.enter("registry", str(registry_dir))
        _to_registry(run, run.export_dir, registry_dir)
    steps.enter("done", "")
    return ExportResult(run.id, run.export_dir, entries, from_file, registry_dir, notes, steps.seconds)


def _build(run: RunSource, opts: ExportOptions, quants: list[str], fmt, staging: Path, steps: _Steps,
           notes: list[str]) -> tuple[list[FileEntry], str]:
    """merged/, the GGUF files, Modelfile, .gitattributes and MODEL_CARD.md in `staging`; (files, Modelfile FROM)."""
    from .merge import load_merged_tokenizer, merge_run
    from .modelfile import default_system_prompt, modelfile_text, stop_tokens

    # 2. merge
    steps.enter("merge", "merging the adapter into the base" if run.is_adapter else "linking the full model")
    merged = merge_run(run, staging / "merged")
    tok = load_merged_tokenizer(merged)
    # 3./4. GGUF files (ours), then llama.cpp's k-quants from the F16 one
    steps.enter("gguf", f"writing {', '.join(q for q in quants if q in GGUF_TYPES) or 'f16 (intermediate)'}")
    ggufs, info = _write_ggufs(merged, tok, staging, quants, opts.name, steps)
    # 5. Modelfile and .gitattributes
    steps.enter("modelfile", "Modelfile from the training chat template")
    chosen = next(q for q in PREFERRED_FROM if q in ggufs)
    from_file = f"./{ggufs[chosen].name}"
    num_ctx = min(MAX_NUM_CTX, info.arch.context_length)
    if num_ctx < MAX_NUM_CTX:
        notes.append(f"Modelfile num_ctx is {num_ctx}, the model's trained context length, instead of {MAX_NUM_CTX}")
    stops = stop_tokens(tok, fmt, _eos_ids(merged))
    header = (f"Ollama Modelfile for {opts.name}, run {run.id}; written by `bbjcoder export`.\n"
              "TEMPLATE generated from the training chat template; stop tokens from the tokenizer.")
    modelfile = modelfile_text(from_file, fmt, stops, opts.system or default_system_prompt(), num_ctx, header)
    write_text_atomic(staging / "Modelfile", modelfile)
    write_text_atomic(staging / ".gitattributes", GITATTRIBUTES)
    # 6. the card, listing every file with its size and sha256
    steps.enter("card", "MODEL_CARD.md")
    if run.method == "qlora":
        notes.append("QLoRA: the adapter was trained on the 4-bit NF4 base and merged into the 16-bit base")
    file_notes = {p.name: f"{k.upper()}{' (Modelfile FROM)' if k == chosen else ''}" for k, p in ggufs.items()}
    entries = _file_entries(staging, file_notes)
    card = CardInputs(run, opts.name, info.arch, _n_params(merged), entries, from_file, stops, notes)
    write_text_atomic(staging / "MODEL_CARD.md", model_card(card))
    return entries, from_file
