"""llama.cpp (through llama-cpp-python) reads our GGUF files: same tokens as transformers, same greedy output.

Skipped when llama-cpp-python is not installed (it is the optional extra `bbjcoder[llama]`).
"""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import CHATS, PROGRAMS

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (pip install 'bbjcoder[llama]'); llama.cpp loading, greedy and Q4_K_M checks need it",
)

TEXTS = [
    PROGRAMS[2],
    "héllo wörld: 12345 + 3.14  \n\n\t  x$ = \"ünïcode ✓\"\r\n",
    "can't won't I'm   spaces    and\ttabs\n\n\n",
]
GREEDY_PROMPTS = ["rem Sum 1 to 10\ntotal = 0\n", 'rem Read a customer\nopen (1,err=nofile)"CUST', "class public Counter\n"]
MAX_NEW = 20


@contextmanager
def llama(path: Path, **kwargs):
    import llama_cpp

    llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, n_threads=1, verbose=False, **kwargs)
    try:
        yield llm
    finally:
        llm.close()


def _llama_greedy(llm, ids: list[int], stop: set[int]) -> list[int]:
    out: list[int] = []
    for token in llm.generate(ids, top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0, reset=True):
        out.append(token)
        if token in stop or len(out) >= MAX_NEW:
            return out
    return out  # pragma: no cover - generate is endless


def _hf_greedy(model, ids: list[int], stop: set[int]) -> list[int]:
    import torch

    out = model.generate(torch.tensor([ids]), max_new_tokens=MAX_NEW, do_sample=False, eos_token_id=sorted(stop))
    return out[0, len(ids):].tolist()


def _chat_prompts(tok) -> list[str]:
    return [tok.apply_chat_template(chat[:-1], tokenize=False, add_generation_prompt=True) for chat in CHATS]


def test_llama_cpp_tokenizes_like_transformers(full_export, tok):
    texts = TEXTS + [tok.apply_chat_template(chat, tokenize=False) for chat in CHATS]
    with llama(full_export.export_dir / "bbj-coder-f16.gguf", vocab_only=True) as llm:
        for text in texts:
            assert llm.tokenize(text.encode(), add_bos=False, special=True) == tok.encode(text), text
            assert llm.metadata["tokenizer.ggml.pre"] == "qwen2"


@pytest.mark.parametrize("arch", ["qwen2", "llama"])
def test_llama_cpp_greedy_tokens_equal_transformers(arch, full_export, llama_dir, tok, tmp_path):
    from transformers import AutoModelForCausalLM

    from bbjcoder.export.gguf_file import write_gguf

    if arch == "qwen2":
        model_dir, gguf = full_export.export_dir / "merged", full_export.export_dir / "bbj-coder-f16.gguf"
    else:
        model_dir, gguf = llama_dir, write_gguf(llama_dir, tok, tmp_path / "llama-f16.gguf", "f16", "t").path
    stop = {tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<|endoftext|>")}
    model = AutoModelForCausalLM.from_pretrained(str(model_dir)).eval()
    with llama(gguf) as llm:
        for prompt in GREEDY_PROMPTS + _chat_prompts(tok):
            ids = tok.encode(prompt)
            want = _hf_greedy(model, ids, stop)
            assert len(want) >= 5
            assert _llama_greedy(llm, ids, stop) == want, prompt


def test_q4_k_m_loads_generates_and_is_in_the_card(full_export, tok):
    path = full_export.export_dir / "bbj-coder-q4_k_m.gguf"
    with llama(path) as llm:
        assert llm.metadata["general.file_type"] == "15"  # LLAMA_FTYPE_MOSTLY_Q4_K_M
        out = _llama_greedy(llm, tok.encode(GREEDY_PROMPTS[0]), set())
    assert len(out) == MAX_NEW and all(0 <= t < len(tok) for t in out)
    card = (full_export.export_dir / "MODEL_CARD.md").read_text()
    entry = next(f for f in full_export.files if f.name == path.name)
    assert entry.size == path.stat().st_size
    assert f"| `{path.name}` | " in card and f"({entry.size:,} bytes)" in card and entry.sha256 in card
    assert "Q4_K_M (Modelfile FROM)" in card
    assert f"FROM ./{path.name}" in (full_export.export_dir / "Modelfile").read_text()


def test_quantizer_log_is_kept_out_of_the_terminal_and_shown_on_failure(tmp_path, capfd):
    from bbjcoder.errors import ExportError
    from bbjcoder.export.quantize import quantize_gguf

    bad = tmp_path / "not-a-model.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 60)
    # the log's end is in the message, unless an earlier Llama(verbose=False) in this process silenced llama.cpp
    with pytest.raises(ExportError, match=r"could not quantize .*not-a-model.gguf to q4_k_m \(status \d+\); it"):
        quantize_gguf(bad, tmp_path / "out.gguf", "q4_k_m", threads=1)
    assert capfd.readouterr().err == ""  # the log went into the error, not onto the terminal
    assert not (tmp_path / "out.gguf").exists()
