"""Which transformers architectures the GGUF writer supports, and their llama.cpp hyper-parameters.

    spec = arch_spec(json.loads(Path("merged/config.json").read_text()), "merged/config.json")
    spec.gguf_arch        # "qwen2" or "llama": general.architecture and the prefix of every model key
    spec.permute_qk       # llama.cpp's llama graph expects q/k rows in its own rotary order; qwen2 (NEOX rope) not

Supported: Qwen2 (`model_type: qwen2`, incl. Qwen2.5/Qwen2.5-Coder) and Llama (`model_type: llama`) with plain
RoPE, SiLU MLP and no sliding window. Anything else is an ExportError that names what is unsupported and the way
out (llama.cpp's convert_hf_to_gguf.py on the merged/ folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ExportError

__all__ = ["SUPPORTED", "ArchSpec", "arch_spec"]

# transformers model_type -> GGUF architecture name (gguf.MODEL_ARCH_NAMES); llama.cpp needs the q/k permutation
# for llama only (it applies "normal" rotary to llama and NEOX rotary to qwen2, which is HF's own layout).
SUPPORTED = {"qwen2": ("qwen2", False), "llama": ("llama", True)}
_WAY_OUT = "llama.cpp's convert_hf_to_gguf.py can convert the merged/ folder of this export instead"


@dataclass(frozen=True)
class ArchSpec:
    gguf_arch: str
    permute_qk: bool
    n_layers: int
    n_heads: int
    n_kv_heads: int
    hidden_size: int
    intermediate_size: int
    context_length: int
    rope_theta: float
    rms_norm_eps: float
    head_dim: int
    vocab_size: int
    tied_embeddings: bool

    def describe(self) -> str:
        return (f"{self.gguf_arch}: {self.n_layers} layers, hidden {self.hidden_size}, FFN {self.intermediate_size},"
                f" {self.n_heads} heads ({self.n_kv_heads} KV), context {self.context_length}, vocab {self.vocab_size}")


def _rope(config: dict[str, Any]) -> tuple[float, str]:
    """(theta, rope_type) from transformers 5 `rope_parameters` or the older `rope_theta` / `rope_scaling`."""
    params = config.get("rope_parameters") or {}
    scaling = config.get("rope_scaling") or {}
    theta = params.get("rope_theta", config.get("rope_theta", 10000.0))
    kind = params.get("rope_type") or scaling.get("rope_type") or scaling.get("type") or "default"
    return float(theta), str(kind)


def arch_spec(config: dict[str, Any], where: str) -> ArchSpec:
    """Validate a config.json for the GGUF writer; every problem is reported at once in one ExportError."""
    model_type = config.get("model_type")
    if model_type not in SUPPORTED:
        names = ", ".join(config.get("architectures") or []) or "no architectures listed"
        raise ExportError(
            f"{where}: architecture {model_type!r} ({names}) is not supported by the GGUF writer;"
            f" supported: {', '.join(sorted(SUPPORTED))}. {_WAY_OUT}"
        )
    problems = []
    theta, rope_type = _rope(config)
    if rope_type != "default":
        problems.append(f"rope type {rope_type!r} (only plain RoPE is written)")
    if config.get("hidden_act", "silu") != "silu":
        problems.append(f"hidden_act {config.get('hidden_act')!r} (llama.cpp's {model_type} graph uses SiLU)")
    if model_type == "qwen2" and config.get("use_sliding_window"):
        problems.append("use_sliding_window: true (llama.cpp's qwen2 graph has no sliding window)")
    if model_type == "llama" and config.get("mlp_bias"):
        problems.append("mlp_bias: true (llama.cpp's llama graph has no MLP bias)")
    if problems:
        raise ExportError(f"{where}: {model_type} model with unsupported settings: {'; '.join(problems)}. {_WAY_OUT}")
    gguf_arch, permute = SUPPORTED[model_type]
    heads = int(config["num_attention_heads"])
    hidden = int(config["hidden_size"])
    return ArchSpec(
        gguf_arch=gguf_arch,
        permute_qk=permute,
        n_layers=int(config["num_hidden_layers"]),
        n_heads=heads,
        n_kv_heads=int(config.get("num_key_value_heads") or heads),
        hidden_size=hidden,
        intermediate_size=int(config["intermediate_size"]),
        context_length=int(config.get("max_position_embeddings") or 4096),
        rope_theta=theta,
        rms_norm_eps=float(config.get("rms_norm_eps", 1e-6)),
        head_dim=int(config.get("head_dim") or hidden // heads),
        vocab_size=int(config["vocab_size"]),
        tied_embeddings=bool(config.get("tie_word_embeddings", False)),
    )
