"""Our GGUF writer: transformers loads the files back with the same logits; metadata llama.cpp needs is there.

Tolerances, relative to the largest reference logit (the tiny trained model: max |logit| ~18, std ~3.4; fp32):
    F16   max |diff| <= 0.2% of max |logit| (~0.036)  and the same argmax at every position
    Q8_0  max |diff| <= 2.5% of max |logit| (~0.45)   (8-bit blocks of 32: ~0.4% error per weight, compounding)
Measured on the fixture model: F16 0.005 (0.03%), Q8_0 0.20 (1.1%).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bbjcoder.errors import ExportError

from .conftest import PROGRAMS

F16_TOL = 0.002
Q8_0_TOL = 0.025
PROMPTS = [PROGRAMS[1][:60], 'rem Read a customer\nopen (1,err=nofile)"CUST', "<|im_start|>user\nPrint Hello World in BBj.<|im_end|>\n<|im_start|>assistant\n"]


def _logits(model, tok, text: str):
    import torch

    with torch.no_grad():
        return model(torch.tensor([tok.encode(text)])).logits[0]


def _compare(reference_dir: Path, gguf: Path, tok) -> tuple[float, float, bool]:
    """(max |logit diff|, max |reference logit|, same argmax everywhere) over PROMPTS."""
    from transformers import AutoModelForCausalLM

    ref = AutoModelForCausalLM.from_pretrained(str(reference_dir)).eval()
    got = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name).eval()
    worst, scale, same_argmax = 0.0, 0.0, True
    for text in PROMPTS:
        a, b = _logits(ref, tok, text), _logits(got, tok, text)
        worst = max(worst, (a - b).abs().max().item())
        scale = max(scale, a.abs().max().item())
        same_argmax &= bool((a.argmax(-1) == b.argmax(-1)).all())
    return worst, scale, same_argmax


@pytest.mark.parametrize(("kind", "tol"), [("f16", F16_TOL), ("q8_0", Q8_0_TOL)])
def test_transformers_loads_our_gguf_with_matching_logits(full_export, tok, kind, tol):
    gguf = full_export.export_dir / f"bbj-coder-{kind}.gguf"
    worst, scale, same_argmax = _compare(full_export.export_dir / "merged", gguf, tok)
    print(f"{kind}: max |logit diff| = {worst:.5f}, {worst / scale:.3%} of max |logit| {scale:.2f} (tolerance {tol:.1%})")
    assert worst <= tol * scale
    assert same_argmax or kind == "q8_0"


def test_llama_architecture_round_trip(llama_dir, tok, tmp_path):
    """Llama needs q/k rows permuted for llama.cpp; transformers undoes it on load, so the logits only match if
    the permutation is right."""
    from bbjcoder.export.gguf_file import write_gguf

    info = write_gguf(llama_dir, tok, tmp_path / "llama-f16.gguf", "f16", name="t")
    assert info.arch.gguf_arch == "llama" and info.arch.permute_qk
    worst, scale, same_argmax = _compare(llama_dir, tmp_path / "llama-f16.gguf", tok)
    print(f"llama f16: max |logit diff| = {worst:.5f}, {worst / scale:.3%} of max |logit| {scale:.2f}")
    assert worst <= F16_TOL * scale and same_argmax


def _fields(path: Path) -> dict:
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    out = {}
    for name, field in reader.fields.items():
        values = [field.contents(i) for i in range(len(field.data))] if field.types and field.types[0].name == "ARRAY" else field.contents()
        out[name] = values
    out["__tensors__"] = {t.name: t.tensor_type.name for t in reader.tensors}
    return out


def test_gguf_metadata_is_what_llama_cpp_reads(full_export, tok):
    meta = _fields(full_export.export_dir / "bbj-coder-q8_0.gguf")
    expected = {
        "general.architecture": "qwen2",
        "qwen2.context_length": 256,
        "qwen2.embedding_length": 64,
        "qwen2.feed_forward_length": 128,
        "qwen2.block_count": 2,
        "qwen2.attention.head_count": 4,
        "qwen2.attention.head_count_kv": 2,
        "qwen2.rope.freq_base": 10000.0,
        "qwen2.attention.layer_norm_rms_epsilon": pytest.approx(1e-6),
        "general.file_type": 7,  # MOSTLY_Q8_0
        "tokenizer.ggml.model": "gpt2",
        "tokenizer.ggml.pre": "qwen2",
        "tokenizer.ggml.eos_token_id": tok.convert_tokens_to_ids("<|im_end|>"),
        "tokenizer.ggml.padding_token_id": tok.convert_tokens_to_ids("<|endoftext|>"),
        "tokenizer.ggml.add_bos_token": False,
    }
    assert {k: meta.get(k) for k in expected} == expected
    tokens = meta["tokenizer.ggml.tokens"]
    assert len(tokens) == len(tok) and tokens[tok.convert_tokens_to_ids("<|im_start|>")] == "<|im_start|>"
    types = meta["tokenizer.ggml.token_type"]
    assert types[tok.convert_tokens_to_ids("<|im_end|>")] == 3 and types[100] == 1  # CONTROL, NORMAL
    assert len(meta["tokenizer.ggml.merges"]) > 0 and " " in meta["tokenizer.ggml.merges"][0]
    assert "{%- generation" not in meta["tokenizer.chat_template"] and "<|im_start|>" in meta["tokenizer.chat_template"]
    kinds = meta["__tensors__"]
    assert kinds["blk.0.attn_q.weight"] == "Q8_0" and kinds["blk.0.attn_q.bias"] == "F32" and kinds["output_norm.weight"] == "F32"
    assert "output.weight" not in kinds  # tied embeddings: llama.cpp falls back to token_embd


def test_gguf_chat_template_renders_like_the_training_template(tok):
    """The GGUF copy drops {% generation %} (unknown to llama.cpp / jinja2) without changing a byte of output."""
    import jinja2

    from bbjcoder.export.gguf_file import gguf_chat_template

    from .conftest import CHATS

    plain = jinja2.Environment().from_string(gguf_chat_template(tok.chat_template))
    for chat in CHATS:
        for gen in (False, True):
            want = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=gen)
            assert plain.render(messages=chat, add_generation_prompt=gen) == want


def test_unsupported_architecture_is_refused_before_any_work(tmp_path, tok):
    from transformers import GPT2Config, GPT2LMHeadModel

    from bbjcoder.export import export_run

    from .conftest import write_run

    model_dir = tmp_path / "gpt2"
    GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=1, n_head=2, n_positions=64)).save_pretrained(str(model_dir))
    run = write_run(tmp_path / "runs" / "gpt2-run", tok, model_dir=model_dir)
    with pytest.raises(ExportError) as err:
        export_run(run)
    assert str(err.value) == (
        f"{run / 'model' / 'config.json'}: architecture 'gpt2' (GPT2LMHeadModel) is not supported by the GGUF writer;"
        " supported: llama, qwen2. llama.cpp's convert_hf_to_gguf.py can convert the merged/ folder of this export instead"
    )
    assert not (run / "export").exists() and not (run / ".export.partial").exists()


def test_unknown_pre_tokenizer_is_refused():
    from bbjcoder.export.vocab import pre_tokenizer_name

    data = {"model": {"type": "BPE"}, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": r"\w+|\s+"}}, {"type": "ByteLevel"}]}}
    with pytest.raises(ExportError, match=r"unknown pre-tokenizer split regex '\\\\w\+\|\\\\s\+'"):
        pre_tokenizer_name(data, "tok")
    with pytest.raises(ExportError, match="is not byte-level BPE"):
        pre_tokenizer_name({"model": {"type": "Unigram"}}, "tok")


@pytest.mark.parametrize("values", [
    [f"tok{i}" for i in range(300)] + ["ünïcode ✓", "Ġthe", ""],
    list(range(-5, 400)),
    [1, 2, "mixed"] * 30,
])
def test_fast_array_packing_writes_the_stock_bytes(values):
    import gguf

    from bbjcoder.export.gguf_writer import FastArrayGGUFWriter

    stock, fast = gguf.GGUFWriter(None, "qwen2"), FastArrayGGUFWriter(None, "qwen2")
    if len({type(v) for v in values}) > 1:
        with pytest.raises(ValueError, match="same type"):
            fast._pack_val(values, gguf.GGUFValueType.ARRAY, add_vtype=True)
        return
    want = stock._pack_val(values, gguf.GGUFValueType.ARRAY, add_vtype=True)
    assert fast._pack_val(values, gguf.GGUFValueType.ARRAY, add_vtype=True) == want


def test_bf16_weights_are_converted(qwen2_dir, tok, tmp_path):
    """Real bases are saved in bfloat16; the writer reads them straight from the mapped file."""
    import shutil

    import torch
    from transformers import AutoModelForCausalLM

    from bbjcoder.export.gguf_file import write_gguf

    model = AutoModelForCausalLM.from_pretrained(str(qwen2_dir), dtype=torch.bfloat16)
    model.save_pretrained(str(tmp_path / "bf16"))
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(qwen2_dir / name, tmp_path / "bf16" / name)
    write_gguf(tmp_path / "bf16", tok, tmp_path / "bf16-f16.gguf", "f16", name="t")
    reference = AutoModelForCausalLM.from_pretrained(str(tmp_path / "bf16"), dtype=torch.float32)
    reference.save_pretrained(str(tmp_path / "fp32"))
    worst, scale, same_argmax = _compare(tmp_path / "fp32", tmp_path / "bf16-f16.gguf", tok)
    assert worst <= F16_TOL * scale and same_argmax
