"""Model and tokenizer factory: the tiny from-scratch Qwen2, or a real base (HF dir, hub id, GGUF file).

    device = resolve_device(cfg.model)                       # "cpu" or "cuda", checked against the method
    tok = load_base_tokenizer(cfg.model)                     # real bases; tiny trains its own (tokenizer.py)
    check_fits(cfg.model, count_parameters(cfg.model, tok), device)   # before a single weight is loaded
    model = load_model(cfg.model, tok, device, stage_input=None)      # stage_input: a previous stage's weights

Methods:
- full: every weight trains (tiny, small bases); fp32 on CPU, bf16 autocast on CUDA.
- lora: PEFT adapters on all linear layers of a frozen base.
- qlora: the base in 4-bit NF4 (bitsandbytes, CUDA only) + adapters; gradient checkpointing on by default.
Unsloth replaces the loading and wrapping when `model.unsloth: true` and it is installed (CUDA only).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, TrainError
from .config import ModelSection, TinySection

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = [
    "base_source",
    "plain_weights",
    "resolve_device",
    "use_bf16",
    "is_gguf",
    "load_base_tokenizer",
    "apply_chat_template_choice",
    "tiny_model_config",
    "count_parameters",
    "memory_needed",
    "check_fits",
    "load_model",
    "save_final",
]

GIB = 1 << 30
# Bytes per parameter while training (weights + gradients + AdamW moments), by method and weight dtype.
# full: fp32 master weights 4 + grads 4 + two fp32 moments 8 = 16, whatever the autocast dtype.
# lora/qlora: the frozen base dominates; adapters and their optimizer state are ~1% of it.
_BYTES_PER_PARAM = {"full": 16.0, "lora-float32": 4.0, "lora-bfloat16": 2.0, "qlora": 0.6}
_ACTIVATION_HEADROOM = 1.2  # activations, buffers, allocator slack
_QWEN_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


# --- device ----------------------------------------------------------------------------------------------------


def resolve_device(cfg: ModelSection) -> str:
    """'cuda' or 'cpu'; fail early when the method or Unsloth needs what this machine lacks."""
    import torch

    has_cuda = torch.cuda.is_available()
    if cfg.device == "cuda" and not has_cuda:
        raise TrainError("model.device is cuda but no CUDA GPU is visible: set model.device: auto or cpu")
    device = "cuda" if (cfg.device == "cuda" or (cfg.device == "auto" and has_cuda)) else "cpu"
    if cfg.method == "qlora":
        if device != "cuda":
            raise TrainError("model.method qlora needs a CUDA GPU (4-bit NF4 via bitsandbytes); on CPU use method: lora or full")
        _require("bitsandbytes", "model.method qlora needs bitsandbytes: pip install bitsandbytes")
    if cfg.unsloth:
        if device != "cuda":
            raise TrainError("model.unsloth needs a CUDA GPU: set model.unsloth: false on CPU")
        if cfg.method == "full":
            raise ConfigError("model.unsloth is supported here with method lora or qlora, not full")
        _require("unsloth", "model.unsloth is true but Unsloth is not installed: pip install unsloth, or set model.unsloth: false")
    return device


def _require(module: str, message: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise TrainError(message)


def use_bf16(cfg: ModelSection, device: str) -> bool:
    import torch

    if cfg.dtype == "bfloat16":
        if device == "cuda" and not torch.cuda.is_bf16_supported():
            raise TrainError("model.dtype is bfloat16 but this GPU does not support it: set model.dtype: float32")
        return True
    return cfg.dtype == "auto" and device == "cuda" and torch.cuda.is_bf16_supported()


# --- base model sources ----------------------------------------------------------------------------------------


def is_gguf(base: str) -> bool:
    """A file that starts with the GGUF magic (Ollama keeps them as extension-less blobs)."""
    path = Path(base).expanduser()
    if not path.is_file():
        return False
    with path.open("rb") as fh:
        return fh.read(4) == b"GGUF"


def base_source(base: str, revision: str | None = None, trust_remote_code: bool = False) -> tuple[str, dict[str, Any]]:
    """(name_or_path, extra from_pretrained kwargs) for a real base: a GGUF file, an HF directory or a hub id."""
    path = Path(base).expanduser()
    if is_gguf(base):
        return str(path.parent), {"gguf_file": path.name}
    if path.exists() and not path.is_dir():
        raise TrainError(f"model.base {base}: a file that is not GGUF; give a GGUF file, an HF model directory or a hub id")
    kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if revision:
        kwargs["revision"] = revision
    return (str(path) if path.is_dir() else base), kwargs


def _source(cfg: ModelSection) -> tuple[str, dict[str, Any]]:
    return base_source(cfg.base, cfg.revision, cfg.trust_remote_code)


def plain_weights(model):
    """Drop the "quantized with GGUF" mark from a model loaded from a GGUF file.

    transformers dequantizes every GGUF tensor into an ordinary float tensor, yet keeps an hf_quantizer and
    config.quantization_config {quant_method: gguf}: the Trainer then refuses to train the model (also with
    LoRA) and save_pretrained writes the mark into config.json. The weights are plain, so the mark goes.
    """
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None and str(quantizer.quantization_config.quant_method.value) == "gguf":
        quantizer.remove_quantization_config(model)
        for module in model.modules():  # the loader also marks each sub-model's config
            if hasattr(module, "config") and getattr(module.config, "_is_quantized", False):
                module.config._is_quantized = False
    return model


def load_base_tokenizer(cfg: ModelSection) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    name, kwargs = _source(cfg)
    try:
        tok = AutoTokenizer.from_pretrained(name, **kwargs)
    except (OSError, ValueError) as exc:
        raise TrainError(f"model.base {cfg.base}: cannot load its tokenizer ({exc}); check the path or hub id") from None
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def apply_chat_template_choice(tok: PreTrainedTokenizerBase, cfg: ModelSection) -> None:
    """Set the tokenizer's chat template from model.chat_template; fail if stage 2 would have none."""
    from .tokenizer import CHATML_TEMPLATE

    choice = cfg.chat_template
    if choice == "chatml":
        missing = [t for t in ("<|im_start|>", "<|im_end|>") if t not in tok.get_vocab()]
        if missing:
            raise TrainError(f"model.chat_template chatml needs {', '.join(missing)} in the vocabulary of {cfg.base}; give a .jinja template that uses its own tokens")
        tok.chat_template = CHATML_TEMPLATE
    elif choice is not None:
        path = Path(choice)
        if not path.is_file():
            raise ConfigError(f"model.chat_template {choice!r}: no such file; use chatml, a .jinja path, or leave it empty")
        tok.chat_template = path.read_text(encoding="utf-8")
    if not tok.chat_template:
        raise TrainError(
            f"the tokenizer of {cfg.base} has no chat template, so stage 2 cannot render conversations:"
            " set model.chat_template: chatml (Qwen-style ChatML) or a path to a .jinja file"
        )


# --- size checks -----------------------------------------------------------------------------------------------


def tiny_model_config(t: TinySection, tok: PreTrainedTokenizerBase):
    from transformers import Qwen2Config

    eot = tok.get_vocab().get("<|im_end|>", tok.eos_token_id)
    return Qwen2Config(
        vocab_size=len(tok),
        hidden_size=t.hidden_size,
        intermediate_size=t.intermediate_size,
        num_hidden_layers=t.num_layers,
        num_attention_heads=t.num_heads,
        num_key_value_heads=t.num_kv_heads,
        max_position_embeddings=t.max_position_embeddings,
        rope_parameters={"rope_type": "default", "rope_theta": t.rope_theta},
        tie_word_embeddings=True,  # saves vocab*hidden params; Qwen2.5's small models tie too
        use_sliding_window=False,
        bos_token_id=None,
        eos_token_id=[eot, tok.pad_token_id],  # stop on <|im_end|> (chat) and <|endoftext|> (documents)
        pad_token_id=tok.pad_token_id,
    )


def _base_config(cfg: ModelSection):
    from transformers import AutoConfig

    name, kwargs = _source(cfg)
    try:
        return AutoConfig.from_pretrained(name, **kwargs)
    except (OSError, ValueError) as exc:
        raise TrainError(f"model.base {cfg.base}: cannot read its config ({exc}); check the path or hub id") from None


def count_parameters(cfg: ModelSection, tok: PreTrainedTokenizerBase) -> int:
    """Parameters of the model `cfg` describes, counted on the meta device (no memory, no download of weights)."""
    import torch
    from transformers import AutoModelForCausalLM

    config = tiny_model_config(cfg.tiny, tok) if cfg.base == "tiny" else _base_config(cfg)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, trust_remote_code=cfg.trust_remote_code)
    return sum(p.numel() for p in model.parameters())


def memory_needed(method: str, n_params: int, bf16: bool) -> int:
    """Rough bytes to train `n_params` with `method`; see _BYTES_PER_PARAM."""
    key = method if method != "lora" else f"lora-{'bfloat16' if bf16 else 'float32'}"
    return int(n_params * _BYTES_PER_PARAM[key] * _ACTIVATION_HEADROOM)


def _available_bytes(device: str) -> int:
    import torch

    if device == "cuda":
        free, _total = torch.cuda.mem_get_info(torch.cuda.current_device())
        return int(free)
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 1 << 62


def check_fits(cfg: ModelSection, n_params: int, device: str, bf16: bool) -> int:
    """Raise TrainError before loading when the model cannot train on this device; return the estimate."""
    need = memory_needed(cfg.method, n_params, bf16)
    have = _available_bytes(device)
    if need > have:
        fix = "use method: qlora on a CUDA GPU" if cfg.method != "qlora" else "use a GPU with more memory or a smaller base"
        raise TrainError(
            f"model.base {cfg.base} has {n_params / 1e9:.2f}B parameters; method {cfg.method} on {device} needs about"
            f" {need / GIB:.1f} GiB but {have / GIB:.1f} GiB is free: {fix}, or pick a smaller base"
        )
    return need


# --- loading ---------------------------------------------------------------------------------------------------


def load_model(
    cfg: ModelSection, tok: PreTrainedTokenizerBase, device: str, bf16: bool, seed: int, max_length: int,
    stage_input: Path | None = None,
) -> PreTrainedModel:
    """The model a stage trains.

    stage_input None: the starting point (tiny: fresh random init with `seed`; else the base, wrapped with LoRA).
    stage_input a folder: the previous stage's result (a full model, or an adapter on top of the base).
    """
    from transformers import set_seed

    set_seed(seed)  # the tiny init and the LoRA init depend on it
    model = _load(cfg, tok, device, bf16, seed, max_length, stage_input)
    # No KV cache while training: transformers only turns packed position ids into a block-diagonal mask when
    # there is no cache (TRL also passes use_cache=False); save_final switches it back on for generation.
    model.config.use_cache = False
    return model


def _load(cfg, tok, device, bf16, seed, max_length, stage_input):
    if cfg.unsloth:
        return _load_unsloth(cfg, seed, max_length, stage_input)
    if cfg.method == "full":
        if stage_input is not None:
            return _from_pretrained(str(stage_input), {}, cfg, device, bf16)
        if cfg.base == "tiny":
            from transformers import AutoModelForCausalLM

            config = tiny_model_config(cfg.tiny, tok)
            config._attn_implementation = cfg.attn_implementation
            return AutoModelForCausalLM.from_config(config)
        return _from_pretrained(*_source(cfg), cfg, device, bf16)
    base = _from_pretrained(*_source(cfg), cfg, device, bf16)
    return _wrap_lora(base, cfg, stage_input)


def _from_pretrained(name: str, kwargs: dict[str, Any], cfg: ModelSection, device: str, bf16: bool):
    import torch
    from transformers import AutoModelForCausalLM

    kwargs = {**kwargs, "attn_implementation": cfg.attn_implementation, "dtype": torch.bfloat16 if bf16 else torch.float32}
    if cfg.method == "qlora":
        from accelerate import PartialState
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,  # ~0.4 bits/param saved on the quantization constants
            bnb_4bit_compute_dtype=torch.bfloat16 if bf16 else torch.float16,
        )
        kwargs["device_map"] = {"": PartialState().local_process_index}  # one full copy per GPU under accelerate launch
    try:
        model = plain_weights(AutoModelForCausalLM.from_pretrained(name, **kwargs))
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot load model weights from {name} ({exc})") from None
    if cfg.method == "qlora":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg.gradient_checkpointing is not False)
    return model


def _lora_config(cfg: ModelSection):
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=cfg.lora.target_modules,
        task_type="CAUSAL_LM",
    )


def _wrap_lora(base, cfg: ModelSection, stage_input: Path | None):
    from peft import PeftModel, get_peft_model

    if stage_input is not None:  # stage 2 keeps training stage 1's adapter
        return PeftModel.from_pretrained(base, str(stage_input), is_trainable=True)
    return get_peft_model(base, _lora_config(cfg))


def _load_unsloth(cfg: ModelSection, seed: int, max_length: int, stage_input: Path | None):  # pragma: no cover - CUDA
    from unsloth import FastLanguageModel

    model, _tok = FastLanguageModel.from_pretrained(
        model_name=str(stage_input) if stage_input is not None else cfg.base,
        max_seq_length=max_length,
        dtype=None,
        load_in_4bit=cfg.method == "qlora",
    )
    if stage_input is not None:  # a saved adapter folder loads as a trainable PeftModel
        return model
    targets = _QWEN_LINEAR if cfg.lora.target_modules == "all-linear" else cfg.lora.target_modules
    return FastLanguageModel.get_peft_model(
        model,
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=targets,
        use_gradient_checkpointing="unsloth",
        random_state=seed,
    )


def save_final(model, tok: PreTrainedTokenizerBase, folder: Path) -> None:
    """Save weights (full model or adapter) with the tokenizer, so the folder loads on its own."""
    model.config.use_cache = True
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
