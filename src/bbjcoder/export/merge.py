"""merged/: the run's final weights as one standalone transformers model folder (safetensors + config + tokenizer).

    merge_run(run, export_dir / "merged")

- full training: model/ is already the whole model; its files are hard-linked (copied across file systems).
- LoRA / QLoRA: config.yaml's model.base is loaded unquantized in its own dtype (a QLoRA adapter trained on the
  4-bit NF4 base is merged into the 16-bit base, the usual practice; the difference is the NF4 rounding of the
  base) and the adapter folded in with PEFT's merge_and_unload.
The tokenizer always comes from the run's tokenizer/ (the one both stages trained with, chat template included).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import ExportError
from .files import link_or_copy
from .source import RunSource

__all__ = ["merge_run", "load_merged_tokenizer"]

_MODEL_FILES = ("config.json", "generation_config.json", "model.safetensors.index.json")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                    "chat_template.jinja", "chat_template.json", "vocab.json", "merges.txt", "tokenizer.model")


def merge_run(run: RunSource, out: Path) -> Path:
    """Write merged/ at `out` (which must not exist yet; the export builds it in its staging folder)."""
    out.mkdir(parents=True)
    if run.is_adapter:
        _merge_adapter(run, out)
    elif any(run.final.glob("*.safetensors")):
        for path in run.final.iterdir():
            if path.name in _MODEL_FILES or path.suffix == ".safetensors":
                link_or_copy(path, out / path.name)
    else:  # legacy pytorch_model.bin: load and save as safetensors
        _resave(run, out)
    for name in _TOKENIZER_FILES:
        if (run.tokenizer / name).is_file():
            shutil.copy2(run.tokenizer / name, out / name)
    return out


def _resave(run: RunSource, out: Path) -> None:
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(str(run.final), dtype="auto")
    except (OSError, ValueError) as exc:
        raise ExportError(f"{run.final}: cannot load the final model ({exc})") from None
    model.save_pretrained(str(out))


def _base_source(run: RunSource) -> tuple[str, dict]:
    from ..train.model import base_source

    model_cfg = run.config.get("model", {})
    return base_source(run.base, model_cfg.get("revision"), bool(model_cfg.get("trust_remote_code", False)))


def _merge_adapter(run: RunSource, out: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from ..train.model import plain_weights

    name, kwargs = _base_source(run)
    try:
        base = plain_weights(AutoModelForCausalLM.from_pretrained(name, dtype="auto", **kwargs))
    except (OSError, ValueError) as exc:
        raise ExportError(f"run {run.id}: cannot load the base model {run.base} to merge the adapter into ({exc})") from None
    try:
        model = PeftModel.from_pretrained(base, str(run.final))
    except (OSError, ValueError, RuntimeError) as exc:
        raise ExportError(f"{run.final}: the adapter does not load on {run.base} ({exc})") from None
    merged = model.merge_and_unload()
    merged.config.use_cache = True
    merged.save_pretrained(str(out))


def load_merged_tokenizer(merged: Path):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(merged))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{merged}: cannot load the tokenizer ({exc})") from None
