"""The tiny tokenizer: Qwen2's text pipeline, ChatML specials, a chat template with generation markers."""

from __future__ import annotations

import json

from bbjcoder.train.tokenizer import CHATML_TEMPLATE, QWEN2_PRETOKENIZE_REGEX, SPECIAL_TOKENS


def test_special_tokens_and_roles(tiny_tok):
    assert tiny_tok.convert_tokens_to_ids(list(SPECIAL_TOKENS)) == [0, 1, 2]
    assert (tiny_tok.eos_token, tiny_tok.pad_token, tiny_tok.bos_token) == ("<|im_end|>", "<|endoftext|>", None)
    # specials are never split, and text around them is not merged into them
    ids = tiny_tok("<|im_start|>user\nhi<|im_end|>", add_special_tokens=False)["input_ids"]
    assert ids[0] == 1 and ids[-1] == 2 and 1 not in ids[1:-1]


def test_every_text_round_trips(tiny_tok):
    text = 'rem Ünïcödé, tabs\tand emoji 🙂\nprint "x$"; a = 12345\n\n    methodend\r\n'
    assert tiny_tok.decode(tiny_tok(text, add_special_tokens=False)["input_ids"]) == text


def test_pre_tokenizer_is_qwen2s(tiny_tok, tmp_path):
    """The saved tokenizer.json carries Qwen2's exact split, so llama.cpp's `qwen2` pre-tokenizer matches."""
    tiny_tok.save_pretrained(str(tmp_path))
    spec = json.loads((tmp_path / "tokenizer.json").read_text())
    split, byte_level = spec["pre_tokenizer"]["pretokenizers"]
    assert split["type"] == "Split" and split["pattern"]["Regex"] == QWEN2_PRETOKENIZE_REGEX and split["behavior"] == "Isolated"
    assert byte_level["type"] == "ByteLevel" and byte_level["add_prefix_space"] is False and byte_level["use_regex"] is False
    assert spec["normalizer"]["type"] == "NFC" and spec["decoder"]["type"] == "ByteLevel"
    # digits are split one by one, as Qwen2 does
    assert tiny_tok.tokenize("12345") == ["1", "2", "3", "4", "5"]


def test_chat_template_renders_chatml_and_round_trips(tiny_tok, tmp_path):
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]
    assert tiny_tok.apply_chat_template(messages, tokenize=False) == (
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
    )
    assert tiny_tok.apply_chat_template(messages[:2], tokenize=False, add_generation_prompt=True).endswith(
        "<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
    )
    assert "{%- generation %}" in CHATML_TEMPLATE and "{%- endgeneration %}" in CHATML_TEMPLATE
    from transformers import AutoTokenizer

    tiny_tok.save_pretrained(str(tmp_path))
    again = AutoTokenizer.from_pretrained(str(tmp_path))
    assert again.chat_template == CHATML_TEMPLATE and again.eos_token == "<|im_end|>"
    assert again("print 1")["input_ids"] == tiny_tok("print 1")["input_ids"]
