"""The tiny preset's tokenizer: byte-level BPE trained on our own BBj text, Qwen2-compatible.

    tok = train_tiny_tokenizer(texts, vocab_size=4096)      # a transformers PreTrainedTokenizerFast
    tok.apply_chat_template(messages, tokenize=False)      # ChatML, Qwen style

Why it looks like Qwen2's:
- the pre-tokenizer is Qwen2's exact split (NFC, the regex below, byte-level without prefix space), so the
  export stage can write `tokenizer.ggml.pre = "qwen2"` and llama.cpp splits text the way the HF tokenizer does;
- the special tokens are Qwen's ChatML ones, so the same chat template, stop token and Modelfile work for the
  tiny model and for Qwen2.5-Coder.

The chat template wraps each assistant turn's content and its closing `<|im_end|>` in `{% generation %}` ...
`{% endgeneration %}`, so `return_assistant_tokens_mask=True` marks exactly the tokens stage 2 learns from.
The newline after `<|im_end|>` and the `<|im_start|>assistant\\n` header stay outside: they are template.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerFast

__all__ = [
    "IM_START",
    "IM_END",
    "END_OF_TEXT",
    "SPECIAL_TOKENS",
    "QWEN2_PRETOKENIZE_REGEX",
    "CHATML_TEMPLATE",
    "train_tiny_tokenizer",
]

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
END_OF_TEXT = "<|endoftext|>"
# Order fixes the ids: <|endoftext|> = 0, <|im_start|> = 1, <|im_end|> = 2.
SPECIAL_TOKENS = (END_OF_TEXT, IM_START, IM_END)

# Qwen2's pre-tokenizer split (transformers models/qwen2/tokenization_qwen2.py, llama.cpp LLAMA_VOCAB_PRE_TYPE_QWEN2).
QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

# Qwen-style ChatML. No default system prompt is injected: our data always carries its own, and a hidden default
# would have to be reproduced by every Modelfile. The generation markers cover content + <|im_end|> only.
CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def _qwen2_pipeline(tokenizer) -> None:
    """Give a `tokenizers.Tokenizer` Qwen2's normalizer, pre-tokenizer and decoder."""
    from tokenizers import Regex, decoders, normalizers, pre_tokenizers

    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()


def train_tiny_tokenizer(texts: Iterable[str], vocab_size: int = 4096, min_frequency: int = 2) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on `texts` and wrap it for transformers.

    Every byte has a token (the 256-symbol byte alphabet is seeded), so any text round-trips. eos is `<|im_end|>`
    (what a chat turn ends with, as in Qwen2.5-Instruct), pad is `<|endoftext|>` (also the document separator of
    stage 1); there is no bos, like Qwen.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    # 1. BPE model with Qwen2's text pipeline
    tokenizer = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    _qwen2_pipeline(tokenizer)
    # 2. train; special tokens first so their ids are 0, 1, 2
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    # 3. wrap; the special tokens are never split or normalised
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=IM_END,
        pad_token=END_OF_TEXT,
        unk_token=None,
        bos_token=None,
        additional_special_tokens=[IM_START],
        model_max_length=1_000_000,
        clean_up_tokenization_spaces=False,
    )
    wrapped.chat_template = CHATML_TEMPLATE
    return wrapped
