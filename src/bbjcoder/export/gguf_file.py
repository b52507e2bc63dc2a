"""Write a GGUF file from a transformers model folder, with our own code on gguf-py (no llama.cpp, no network).

    info = write_gguf(Path("export/merged"), tokenizer, Path("export/bbj-coder-f16.gguf"), "f16", name="bbj-coder")
    info.tensor_types     # {"F16": 14, "F32": 9}

File types (what llama.cpp's convert_hf_to_gguf.py writes for --outtype f16 / q8_0):
    f16   2-D weights F16; 1-D tensors (norms, biases) F32
    q8_0  2-D weights Q8_0 (gguf.quants, blocks of 32) or F16 when a row is not a multiple of 32; 1-D F32

Order of work, the same as GGUFWriter's own state machine (NO_FILE -> EMPTY -> HEADER -> KV_DATA -> TI_DATA ->
WEIGHTS): 1. plan every tensor (name via gguf's TensorNameMap, shape, type, bytes) from the safetensors headers
without loading a weight; 2. metadata (architecture, hyper-parameters, tokenizer); 3. header, key/values, tensor
infos; 4. stream the tensors one at a time from the memory-mapped safetensors (tensors.py: F16 is converted in
1M-value chunks, so memory stays at one tensor at most, whatever the model size); 5. check that every planned
tensor was written; 6. rename the temporary file to its name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExportError
from .arch import ArchSpec, arch_spec
from .files import atomic_path
from .tensors import ChunkedF16, SafetensorsFile
from .vocab import VocabSpec, vocab_spec

__all__ = ["GGUF_TYPES", "GGUFInfo", "write_gguf", "gguf_chat_template"]

GGUF_TYPES = ("f16", "q8_0")
_SKIPPED = (".rotary_emb.inv_freq",)  # buffers transformers may save; llama.cpp computes them itself


@dataclass
class _Planned:
    hf_name: str
    gguf_name: str
    file: Path
    shape: tuple[int, ...]
    qtype: Any  # gguf.GGMLQuantizationType
    kind: Any  # gguf.MODEL_TENSOR


@dataclass
class GGUFInfo:
    path: Path
    file_type: str
    arch: ArchSpec
    vocab: VocabSpec
    tensor_types: dict[str, int] = field(default_factory=dict)


def gguf_chat_template(template: str) -> str:
    """The training template without `{% generation %}` markers, which only transformers knows.

    llama.cpp's Jinja engine and llama-cpp-python's jinja2 environment reject the unknown tag. Each marker
    becomes an always-true `if` with the same whitespace control, so the rendered text stays byte-identical.
    """
    import re

    template = re.sub(r"\{%(-?)\s*generation\s*(-?)%\}", r"{%\1 if true \2%}", template)
    return re.sub(r"\{%(-?)\s*endgeneration\s*(-?)%\}", r"{%\1 endif \2%}", template)


# --- 1. plan ----------------------------------------------------------------------------------------------------


def _tensor_type(shape: tuple[int, ...], file_type: str):
    from gguf import GGMLQuantizationType as Q

    if len(shape) == 1:
        return Q.F32
    if file_type == "q8_0" and shape[-1] % 32 == 0:
        return Q.Q8_0
    return Q.F16


def _plan(model_dir: Path, spec: ArchSpec, file_type: str) -> list[_Planned]:
    import gguf

    arch = next(a for a, n in gguf.MODEL_ARCH_NAMES.items() if n == spec.gguf_arch)
    names = gguf.TensorNameMap(arch, spec.n_layers)
    allowed = set(gguf.MODEL_TENSORS[arch])
    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        raise ExportError(f"{model_dir}: no *.safetensors weights to convert")
    plan: list[_Planned] = []
    for file in files:
        with SafetensorsFile(file) as st:
            for hf_name in st.keys():
                if hf_name.endswith(_SKIPPED) or (spec.tied_embeddings and hf_name == "lm_head.weight"):
                    continue
                found = names.get_type_and_name(hf_name, try_suffixes=(".weight", ".bias"))
                if found is None or found[0] not in allowed:
                    raise ExportError(f"{file}: tensor {hf_name!r} has no {spec.gguf_arch} GGUF name; the model has parts llama.cpp's {spec.gguf_arch} graph does not know")
                shape = st.shape(hf_name)
                plan.append(_Planned(hf_name, found[1], file, shape, _tensor_type(shape, file_type), found[0]))
    dupes = {p.gguf_name for p in plan if sum(q.gguf_name == p.gguf_name for q in plan) > 1}
    if dupes:
        raise ExportError(f"{model_dir}: several tensors map to {', '.join(sorted(dupes))}")
    return plan


# --- 2. metadata ------------------------------------------------------------------------------------------------


def _add_metadata(w, spec: ArchSpec, vocab: VocabSpec, file_type: str, name: str) -> None:
    import gguf

    w.add_name(name)
    w.add_type("model")
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if file_type == "q8_0" else gguf.LlamaFileType.MOSTLY_F16)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_vocab_size(spec.vocab_size)
    w.add_context_length(spec.context_length)
    w.add_embedding_length(spec.hidden_size)
    w.add_feed_forward_length(spec.intermediate_size)
    w.add_block_count(spec.n_layers)
    w.add_head_count(spec.n_heads)
    w.add_head_count_kv(spec.n_kv_heads)
    w.add_rope_freq_base(spec.rope_theta)
    w.add_rope_dimension_count(spec.head_dim)
    w.add_layer_norm_rms_eps(spec.rms_norm_eps)
    if spec.head_dim * spec.n_heads != spec.hidden_size:
        w.add_key_length(spec.head_dim)
        w.add_value_length(spec.head_dim)
    _add_tokenizer(w, vocab)


def _add_tokenizer(w, vocab: VocabSpec) -> None:
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(vocab.pre)
    w.add_token_list(vocab.tokens)
    w.add_token_types(vocab.token_types)
    if not vocab.merges:
        raise ExportError("the tokenizer has no BPE merges; llama.cpp's gpt2 tokenizer cannot load it")
    w.add_token_merges(vocab.merges)
    for token_id, add in ((vocab.bos_id, w.add_bos_token_id), (vocab.eos_id, w.add_eos_token_id), (vocab.pad_id, w.add_pad_token_id)):
        if token_id is not None:
            add(token_id)
    w.add_add_bos_token(vocab.add_bos)
    w.add_add_eos_token(vocab.add_eos)
    w.add_chat_template(gguf_chat_template(vocab.chat_template))


# --- 4. tensors -------------------------------------------------------------------------------------------------


def _permute(weights, n_head: int):
    """HF's rotate-half q/k row order -> llama.cpp's interleaved one (convert_hf_to_gguf.py LlamaModel.permute).

    (rows, cols) -> (heads, 2, rows/heads/2, cols), swap the middle axes, back: a torch tensor in, a copy out."""
    shape = weights.shape
    return weights.reshape(n_head, 2, shape[0] // n_head // 2, *shape[1:]).transpose(1, 2).reshape(shape).contiguous()


def _convert(p: _Planned, tensor, spec: ArchSpec):
    """The bytes to write for one tensor: F16 streamed in chunks, F32 and Q8_0 as numpy arrays."""
    import gguf
    import numpy as np
    import torch

    if spec.permute_qk and p.gguf_name.endswith(".weight") and p.kind in (gguf.MODEL_TENSOR.ATTN_Q, gguf.MODEL_TENSOR.ATTN_K):
        tensor = _permute(tensor, spec.n_heads if p.kind == gguf.MODEL_TENSOR.ATTN_Q else spec.n_kv_heads)
    if p.qtype == gguf.GGMLQuantizationType.F16:
        return ChunkedF16(tensor)
    data = tensor.to(torch.float32).numpy()
    if p.qtype == gguf.GGMLQuantizationType.Q8_0:
        return gguf.quants.quantize(np.ascontiguousarray(data), p.qtype)
    return np.ascontiguousarray(data)


def _nbytes(p: _Planned) -> tuple[tuple[int, ...], int, Any]:
    """(shape as given to add_tensor_info, bytes, numpy dtype) of a planned tensor."""
    import math

    import gguf
    import numpy as np

    if p.qtype == gguf.GGMLQuantizationType.Q8_0:
        byte_shape = gguf.quant_shape_to_byte_shape(p.shape, p.qtype)
        return byte_shape, math.prod(byte_shape), np.uint8
    dtype = np.float16 if p.qtype == gguf.GGMLQuantizationType.F16 else np.float32
    return p.shape, math.prod(p.shape) * np.dtype(dtype).itemsize, dtype


def _stream(w, plan: list[_Planned], spec: ArchSpec) -> None:
    import torch

    # The conversion is memory-bound: a second torch thread only adds synchronisation (measured 2-10x slower on
    # 2 shared cores), so it runs on one thread and the process's setting is restored afterwards.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for file in dict.fromkeys(p.file for p in plan):
            with SafetensorsFile(file) as st:
                for p in (q for q in plan if q.file == file):
                    w.write_tensor_data(_convert(p, st.tensor(p.hf_name), spec))  # no view outlives the map
    finally:
        torch.set_num_threads(threads)


# --- the whole file ---------------------------------------------------------------------------------------------


def write_gguf(model_dir: Path, tok, out: Path, file_type: str, name: str) -> GGUFInfo:
    """Convert the model in `model_dir` (config.json + safetensors) with tokenizer `tok` to `out`."""
    import gguf

    from .gguf_writer import FastArrayGGUFWriter

    if file_type not in GGUF_TYPES:
        raise ExportError(f"GGUF type {file_type!r} is written by llama.cpp's quantizer, not here; ours: {', '.join(GGUF_TYPES)}")
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    spec = arch_spec(config, str(model_dir / "config.json"))
    bos = config.get("bos_token_id") if isinstance(config.get("bos_token_id"), int) else tok.pad_token_id
    vocab = vocab_spec(tok, spec.vocab_size, str(model_dir), bos_fallback=bos)
    plan = _plan(model_dir, spec, file_type)  # 1
    with atomic_path(out) as tmp:
        w = FastArrayGGUFWriter(str(tmp), spec.gguf_arch)
        try:
            _add_metadata(w, spec, vocab, file_type, name)  # 2
            for p in plan:
                shape, nbytes, dtype = _nbytes(p)
                w.add_tensor_info(p.gguf_name, shape, dtype, nbytes, raw_dtype=p.qtype if p.qtype == gguf.GGMLQuantizationType.Q8_0 else None)
            w.write_header_to_file()  # 3
            w.write_kv_data_to_file()
            w.write_ti_data_to_file()
            _stream(w, plan, spec)  # 4
            left = sum(len(t) for t in w.tensors)
            if left:  # 5
                raise ExportError(f"{out}: expected {len(plan)} tensors written, {left} still pending")
        except ValueError as exc:  # GGUFWriter's own state and duplicate checks
            raise ExportError(f"{out}: {exc}") from None
        finally:
            w.close()
    counts: dict[str, int] = {}
    for p in plan:
        counts[p.qtype.name] = counts.get(p.qtype.name, 0) + 1
    return GGUFInfo(out, file_type, spec, vocab, counts)
