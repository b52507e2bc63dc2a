"""The tokenizer as llama.cpp reads it from GGUF: `tokenizer.ggml.*` keys of a byte-level BPE ("gpt2") vocabulary.

    spec = vocab_spec(tokenizer, vocab_size=config["vocab_size"], where="runs/x/tokenizer")
    spec.pre        # "qwen2" for Qwen2's split regex (our tiny tokenizer and Qwen2.5), "llama-bpe" for Llama 3

llama.cpp picks its pre-tokenizer (the regex that splits text before BPE) from `tokenizer.ggml.pre`, not from
the tokenizer.json it never sees; a wrong name tokenizes differently from transformers without any error. So the
name is derived from the tokenizer's own split regex and anything unknown is refused, never guessed.

Token types follow convert_hf_to_gguf.py: special added tokens CONTROL, other added tokens USER_DEFINED, the BPE
vocabulary NORMAL, and rows of the embedding beyond the tokenizer (padding to a round vocab size) UNUSED "[PAD<id>]".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..errors import ExportError

__all__ = ["QWEN2_REGEX", "LLAMA3_REGEX", "VocabSpec", "vocab_spec", "pre_tokenizer_name"]

QWEN2_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
# split regex -> llama.cpp pre-tokenizer name (llama-vocab.cpp LLAMA_VOCAB_PRE_TYPE_*)
_PRE_BY_REGEX = {QWEN2_REGEX: "qwen2", LLAMA3_REGEX: "llama-bpe"}

# gguf.TokenType values (kept as ints here so this module imports without gguf)
NORMAL, CONTROL, USER_DEFINED, UNUSED = 1, 3, 4, 5


@dataclass(frozen=True)
class VocabSpec:
    tokens: list[str]
    token_types: list[int]
    merges: list[str]
    pre: str
    bos_id: int | None
    eos_id: int | None
    pad_id: int | None
    add_bos: bool
    add_eos: bool
    chat_template: str


def _walk(node: Any) -> list[dict[str, Any]]:
    """A tokenizers component and, for Sequence components, its members, flattened."""
    if not isinstance(node, dict):
        return []
    items = [node]
    for key in ("pretokenizers", "decoders", "normalizers"):
        for child in node.get(key) or []:
            items += _walk(child)
    return items


def pre_tokenizer_name(tokenizer_json: dict[str, Any], where: str) -> str:
    """llama.cpp's name for the tokenizer's pre-tokenizer; ExportError when it is not byte-level BPE or unknown."""
    model = tokenizer_json.get("model") or {}
    parts = _walk(tokenizer_json.get("pre_tokenizer")) + _walk(tokenizer_json.get("decoder"))
    if model.get("type") != "BPE" or not any(p.get("type") == "ByteLevel" for p in parts):
        raise ExportError(
            f"{where}: tokenizer model {model.get('type')!r} is not byte-level BPE; the GGUF writer writes"
            " tokenizer.ggml.model = 'gpt2' only (SentencePiece vocabularies are not supported yet)"
        )
    regexes = [p["pattern"]["Regex"] for p in _walk(tokenizer_json.get("pre_tokenizer"))
               if p.get("type") == "Split" and "Regex" in (p.get("pattern") or {})]
    for regex in regexes:
        if regex in _PRE_BY_REGEX:
            return _PRE_BY_REGEX[regex]
    shown = regexes[0] if regexes else "none (ByteLevel's GPT-2 default)"
    raise ExportError(
        f"{where}: unknown pre-tokenizer split regex {shown!r}; llama.cpp would split text differently from"
        f" transformers. Known: {', '.join(sorted(set(_PRE_BY_REGEX.values())))} (Qwen2, Llama 3)"
    )


def _merges(model: dict[str, Any]) -> list[str]:
    return [m if isinstance(m, str) else " ".join(m) for m in model.get("merges") or []]


def _adds(tok) -> tuple[bool, bool]:
    """Does encoding plain text add bos / eos? Asked of the tokenizer itself (post-processors differ)."""
    ids = tok("a")["input_ids"]
    add_bos = tok.bos_token_id is not None and len(ids) > 1 and ids[0] == tok.bos_token_id
    add_eos = tok.eos_token_id is not None and len(ids) > 1 and ids[-1] == tok.eos_token_id
    return add_bos, add_eos


def vocab_spec(tok, vocab_size: int, where: str, bos_fallback: int | None = None) -> VocabSpec:
    """Everything `tokenizer.ggml.*` needs, from a transformers fast tokenizer.

    vocab_size is the model's embedding rows; the token list is padded to it. `bos_fallback` (the model config's
    bos_token_id) is used when the tokenizer has none, as convert_hf_to_gguf.py does for Qwen2.
    """
    data = json.loads(tok.backend_tokenizer.to_str())
    pre = pre_tokenizer_name(data, where)
    vocab = tok.get_vocab()
    if len(vocab) > vocab_size:
        raise ExportError(f"{where}: the tokenizer has {len(vocab)} tokens but the model only {vocab_size} embedding rows")
    by_id = {i: t for t, i in vocab.items()}
    added = {i: t for i, t in tok.added_tokens_decoder.items()}
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(UNUSED)
        elif i in added:
            tokens.append(added[i].content)
            types.append(CONTROL if added[i].special else USER_DEFINED)
        else:
            tokens.append(by_id[i])
            types.append(NORMAL)
    template = tok.chat_template
    if isinstance(template, dict):
        template = template.get("default")
    if not template:
        raise ExportError(f"{where}: the tokenizer has no chat template; the GGUF and the Modelfile need the one used in training")
    add_bos, add_eos = _adds(tok)
    return VocabSpec(
        tokens=tokens,
        token_types=types,
        merges=_merges(data.get("model") or {}),
        pre=pre,
        bos_id=tok.bos_token_id if tok.bos_token_id is not None else bos_fallback,
        eos_id=tok.eos_token_id,
        pad_id=tok.pad_token_id,
        add_bos=add_bos,
        add_eos=add_eos,
        chat_template=template,
    )
