"""What can be evaluated, and how each is opened. A model spec is one of:

    runs/<id>              a training run: model/ (full) or adapter/ (LoRA over config.yaml's model.base), tokenizer/
    runs/<id>@base         that run's starting point: the base model, or for the tiny preset the untrained model
                           initialised exactly as stage 1 started (same config, same seed, the run's tokenizer)
    path/to/hf-model       a transformers model directory (config.json + weights + tokenizer with a chat template)
    path/to/adapter        a PEFT adapter directory (adapter_config.json; the base named there is loaded under it)
    path/to/model.gguf     a GGUF file, run in-process by llama-cpp-python
    --endpoint URL --model NAME   an OpenAI-compatible server (see openai_http.py)

Where the results go: a run's evaluations live in runs/<id>/eval/<name>/ (base-<name>/ for @base); anything
else under --out (default evals/<name>/), in a folder named after the model. Never overwritten: a second
evaluation gets <name>-2, <name>-3 ...
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EvalError

__all__ = ["Target", "resolve_target", "http_target", "open_generator", "BASE_SUFFIX"]

BASE_SUFFIX = "@base"


@dataclass(frozen=True)
class Target:
    spec: str
    kind: str  # run | run-base | hf | adapter | gguf | http
    label: str
    path: Path | None = None
    slug: str = "model"  # folder name under --out for a model that is not a run
    train_data: tuple[Path, ...] = field(default_factory=tuple)  # training files for the verbatim-copy rate
    endpoint: str | None = None
    model_name: str | None = None

    @property
    def run_dir(self) -> Path | None:
        return self.path if self.kind in ("run", "run-base") else None

    def eval_location(self, name: str, out_root: Path) -> tuple[Path, str]:
        """(parent folder, folder name) of this target's evaluation called `name`."""
        if self.run_dir is not None:
            return self.run_dir / "eval", ("base-" if self.kind == "run-base" else "") + name
        return out_root, self.slug


def _is_run(path: Path) -> bool:
    return (path / "config.yaml").is_file() and (path / "tokenizer").is_dir()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "model"


def resolve_target(spec: str) -> Target:
    """Turn a model spec into a Target; every mistake is an EvalError that says what was expected."""
    base = spec.endswith(BASE_SUFFIX)
    path = Path(spec.removesuffix(BASE_SUFFIX)).expanduser()
    if not path.exists():
        raise EvalError(f"model {spec}: no such file or directory; give a run folder (runs/<id>), an HF model folder,"
                        " a .gguf file, or --endpoint URL --model NAME")
    if _is_run(path):
        return _run_target(spec, path, base)
    if base:
        raise EvalError(f"model {spec}: {BASE_SUFFIX} only applies to a run folder (one with config.yaml and tokenizer/)")
    if path.is_file():
        from ..train.model import is_gguf

        if not is_gguf(str(path)):
            raise EvalError(f"model {spec}: a file that is not GGUF (no GGUF magic); give a .gguf file or a model folder")
        return Target(spec, "gguf", str(path), path, _slug(path.stem))
    if (path / "adapter_config.json").is_file():
        return Target(spec, "adapter", str(path), path, _slug(path.name))
    if (path / "config.json").is_file():
        return Target(spec, "hf", str(path), path, _slug(path.name))
    if (path / "config.yaml").is_file():
        raise EvalError(f"model {spec}: a run folder without tokenizer/ yet; wait for training to write it")
    raise EvalError(f"model {spec}: not a run folder (config.yaml), an HF model folder (config.json) or an adapter"
                    " folder (adapter_config.json)")


def _run_target(spec: str, path: Path, base: bool) -> Target:
    import yaml

    config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")) or {}
    data = config.get("data") or {}
    train_data = tuple(Path(data[k]) for k in ("train", "corpus") if data.get(k))
    if not base and not (path / "model").is_dir() and not (path / "adapter").is_dir():
        state = path / "state.json"
        where = json.loads(state.read_text())["state"] if state.is_file() else "unknown"
        raise EvalError(f"model {spec}: the run has no model/ or adapter/ yet (state: {where}); let training finish,"
                        f" resume it with `bbjcoder train --resume {path}`, or evaluate {spec}{BASE_SUFFIX}")
    label = f"{path.name}{BASE_SUFFIX}" if base else path.name
    return Target(spec, "run-base" if base else "run", label, path, _slug(label), train_data)


def http_target(endpoint: str, model: str) -> Target:
    return Target(f"{model}@{endpoint}", "http", f"{model} @ {endpoint}", None, _slug(model),
                  endpoint=endpoint, model_name=model)


# --- opening -----------------------------------------------------------------------------------------------


def open_generator(target: Target, *, batch_size: int = 8, threads: int | None = None, dtype: str = "auto",
                   http: dict | None = None):
    """The Generator for a target (models load here; nothing heavy before)."""
    if target.kind == "http":
        from .openai_http import HttpGenerator

        return HttpGenerator(target.endpoint, target.model_name, **(http or {}))
    if target.kind == "gguf":
        from .gguf import GgufGenerator

        return GgufGenerator(target.path, n_threads=threads)
    from .local import LocalGenerator

    model, tok, source = _load_local(target, dtype)
    return LocalGenerator(model, tok, target.label, batch_size, source, threads=threads)


def device_dtype(dtype: str = "auto"):
    """(device, torch dtype) for local weights: `auto` is bf16 (or fp16) on a CUDA GPU and float32 on a CPU."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if dtype != "auto":
        return device, getattr(torch, dtype)
    if device == "cuda":
        return device, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return device, torch.float32


def _load_local(target: Target, dtype_name: str = "auto"):
    from transformers import AutoTokenizer

    device, dtype = device_dtype(dtype_name)
    path = target.path
    if target.kind == "hf":
        return _pretrained(str(path), {}, device, dtype), _tokenizer(path), {"path": str(path)}
    if target.kind == "adapter":
        base = json.loads((path / "adapter_config.json").read_text()).get("base_model_name_or_path")
        if not base:
            raise EvalError(f"{path}/adapter_config.json names no base_model_name_or_path; evaluate the run folder instead")
        model = _with_adapter(_pretrained(*_base_source(base), device, dtype), path)
        tok_dir = path if (path / "tokenizer_config.json").is_file() else Path(base)
        return model, _tokenizer(tok_dir), {"path": str(path), "base": base}
    from ..train.config import read_config_file, validate_config

    cfg = validate_config(read_config_file(path / "config.yaml"), str(path / "config.yaml"))
    tok = AutoTokenizer.from_pretrained(str(path / "tokenizer"))
    source = {"run": str(path), "base": cfg.model.base, "method": cfg.model.method}
    if target.kind == "run-base":
        return _initial_model(cfg, tok, device, dtype), tok, {**source, "weights": "untrained" if cfg.model.base == "tiny" else "base"}
    if (path / "model").is_dir():
        return _pretrained(str(path / "model"), {}, device, dtype), tok, {**source, "weights": "model/"}
    model = _with_adapter(_pretrained(*_base_source(cfg.model.base), device, dtype), path / "adapter")
    return model, tok, {**source, "weights": "adapter/ merged into the base"}


def _tokenizer(path: Path):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(path))
    except (OSError, ValueError) as exc:
        raise EvalError(f"{path}: cannot load a tokenizer ({exc})") from None


def _base_source(base: str) -> tuple[str, dict]:
    from ..train.model import base_source

    if base == "tiny":
        raise EvalError("an adapter over model.base tiny cannot be loaded: the tiny preset has no saved base; train it with method full")
    return base_source(base)


def _pretrained(name: str, kwargs: dict, device: str, dtype):
    from transformers import AutoModelForCausalLM

    from ..train.model import plain_weights

    try:
        model = plain_weights(AutoModelForCausalLM.from_pretrained(name, dtype=dtype, **kwargs))
    except (OSError, ValueError) as exc:
        raise EvalError(f"cannot load model weights from {name} ({exc})") from None
    return model.to(device)


def _with_adapter(base, adapter: Path):
    """LoRA weights merged into the base: generation then runs at the base's speed."""
    from peft import PeftModel

    return PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()


def _initial_model(cfg, tok, device: str, dtype):
    """The run's starting point: tiny = the same random init stage 1 started from; else the plain base."""
    if cfg.model.base != "tiny":
        return _pretrained(*_base_source(cfg.model.base), device, dtype)
    from ..train.model import load_model

    model = load_model(cfg.model.model_copy(update={"method": "full"}), tok, device, False, cfg.run.seed,
                       cfg.stage("pretrain").max_length)
    model.config.use_cache = True
    return model.to(device)
