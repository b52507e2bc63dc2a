"""Fixtures for the export tests: a real tiny model, real run folders, real exports. No mocks, no downloads.

The model is the tiny preset's architecture (Qwen2, the train package's factory when importable) at hidden 64,
trained for a few seconds to recite BBj programs so its next-token choices have clear margins: greedy decoding in
llama.cpp (F16 arithmetic) and in transformers (fp32) can then be compared token for token.
"""

from __future__ import annotations

import json
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

PROGRAMS = [
    'rem Print a greeting\nname$ = "World"\nprint "Hello, ", name$\nend\n',
    "rem Sum 1 to 10\ntotal = 0\nfor i = 1 to 10\n    total = total + i\nnext i\nprint total\nend\n",
    'rem Read a customer\nopen (1,err=nofile)"CUSTFILE"\nread (1,key="000100",dom=missing)name$\nprint name$\nclose (1)\nend\n',
    'rem Count lines\nch = unt\nopen (ch)"data.txt"\nn = 0\nwhile 1\n    read (ch,end=*break)line$\n    n = n + 1\nwend\nclose (ch)\nprint n\nend\n',
    "rem A class\nclass public Counter\n    field public BBjNumber Count\n    method public void add()\n        #Count = #Count + 1\n    methodend\nclassend\n",
    'rem Switch\ncode = 2\nswitch code\n    case 1\n        print "one"\n    break\n    case default\n        print "other"\nswend\nend\n',
]
SYSTEM = "You are an expert BBj (BASIS Business BASIC) programmer."
CHATS = [
    [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Print Hello World in BBj."},
     {"role": "assistant", "content": 'print "Hello World"\nend'}],
    [{"role": "user", "content": "Add the numbers 1 to 10."},
     {"role": "assistant", "content": "total = 0\nfor i = 1 to 10\n    total = total + i\nnext i\nprint total"}],
]
SHAPE = {"vocab_size": 384, "hidden_size": 64, "num_layers": 2, "num_heads": 4, "num_kv_heads": 2,
         "intermediate_size": 128, "max_position_embeddings": 256, "rope_theta": 10000.0}


def _texts() -> list[str]:
    chat_text = [f"{m['role']}\n{m['content']}\n" for chat in CHATS for m in chat]
    return PROGRAMS * 3 + chat_text * 3


def _fallback_tokenizer(texts: list[str], vocab_size: int):
    """The tiny tokenizer built with tokenizers + transformers directly (when the train package is not importable)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from bbjcoder.export.vocab import QWEN2_REGEX

    tk = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    tk.normalizer = normalizers.NFC()
    tk.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated"),
                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tk.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tk.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                  additional_special_tokens=["<|im_start|>"], clean_up_tokenization_spaces=False)
    tok.chat_template = (
        "{%- for message in messages %}{%- if message['role'] == 'assistant' %}{{- '<|im_start|>assistant\\n' }}"
        "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}{{- '\\n' }}{%- else %}"
        "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endif %}"
        "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
    )
    return tok


@contextmanager
def single_thread():
    """One torch thread: on 2 cores shared with other work, two contending threads run up to ~20x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tests run single-threaded; session fixtures (built before this one) use `single_thread` themselves."""
    with single_thread():
        yield


@pytest.fixture(scope="session")
def tok():
    """The tiny preset's tokenizer (byte-level BPE, Qwen2 split, ChatML with generation markers)."""
    try:
        from bbjcoder.train.tokenizer import train_tiny_tokenizer
    except ImportError:
        return _fallback_tokenizer(_texts(), SHAPE["vocab_size"])
    return train_tiny_tokenizer(_texts(), vocab_size=SHAPE["vocab_size"], min_frequency=2)


def qwen2_config(tok):
    try:
        from bbjcoder.train.config import TinySection
        from bbjcoder.train.model import tiny_model_config

        return tiny_model_config(TinySection(**SHAPE), tok)
    except ImportError:
        from transformers import Qwen2Config

        return Qwen2Config(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                           tie_word_embeddings=True, eos_token_id=[tok.eos_token_id, tok.pad_token_id],
                           pad_token_id=tok.pad_token_id)


def llama_config(tok):
    from transformers import LlamaConfig

    return LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                       tie_word_embeddings=False, bos_token_id=None, eos_token_id=[tok.eos_token_id, tok.pad_token_id],
                       pad_token_id=tok.pad_token_id)


def train_briefly(model, tok, steps: int = 150, seed: int = 0):
    """Teach the model to recite the fixture programs and chats (about 8 s on one thread)."""
    import torch

    torch.manual_seed(seed)
    docs = [tok.encode(p) + [tok.pad_token_id] for p in PROGRAMS]
    docs += [tok.apply_chat_template(c, tokenize=True, return_dict=False) for c in CHATS]
    stream = torch.tensor([t for d in docs for t in d])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(stream) - 65, (8,))
        batch = torch.stack([stream[s : s + 64] for s in starts])
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    return model


def save_trained(config, tok, seed: int, out: Path) -> Path:
    """A model of `config`, seeded, briefly trained on one thread, saved with `tok` as a transformers folder."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    with single_thread():
        model = train_briefly(AutoModelForCausalLM.from_config(config), tok)
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return out


@pytest.fixture(scope="session")
def qwen2_dir(tmp_path_factory, tok) -> Path:
    """A trained tiny Qwen2 saved as a transformers folder (model + tokenizer)."""
    return save_trained(qwen2_config(tok), tok, 1234, tmp_path_factory.mktemp("qwen2"))


@pytest.fixture(scope="session")
def llama_dir(tmp_path_factory, tok) -> Path:
    """The same, with the Llama architecture (untied head, q/k permuted in GGUF)."""
    return save_trained(llama_config(tok), tok, 4321, tmp_path_factory.mktemp("llama"))


def _config(base: str, method: str) -> dict:
    raw = {
        "run": {"name": "t", "output_dir": "runs", "seed": 1234},
        "model": {"base": base, "method": method, "tiny": {k: v for k, v in SHAPE.items()},
                  "lora": {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear"}},
        "training": {"max_steps": 4, "learning_rate": 3e-3, "batch_size": 2, "max_length": 128},
        "pretrain": {"learning_rate": 1e-3},
    }
    try:
        from bbjcoder.train.config import resolved_dict, validate_config

        return resolved_dict(validate_config(raw))
    except ImportError:
        return raw


def write_run(root: Path, tok, *, model_dir: Path | None = None, adapter_dir: Path | None = None,
              base: str = "tiny", method: str = "full", evals: bool = True) -> Path:
    """A run folder as the train stage leaves it (train/run.py layout), around the given weights."""
    root.mkdir(parents=True)
    t0 = 1_732_000_000.0
    (root / "config.yaml").write_text("# Resolved config\n" + yaml.safe_dump(_config(base, method), sort_keys=False))
    (root / "dataset.json").write_text(json.dumps({
        "content_hash": "3f5a" * 16, "created": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t0)),
        "files": {"corpus": {"path": "build/corpus.jsonl", "sha256": "ab" * 32, "bytes": 1234},
                  "train": {"path": "build/train.jsonl", "sha256": "cd" * 32, "bytes": 5678}},
        "counts": {"pretrain": {"train_examples": 6, "validation_examples": 1}, "instruct": {"train_examples": 16, "validation_examples": 4}},
    }))
    metrics = [
        {"stage": "pretrain", "step": 2, "split": "train", "loss": 5.1, "lr": 1e-3, "epoch": 1.0, "time": t0 + 10},
        {"stage": "pretrain", "step": 4, "split": "validation", "loss": 4.9, "lr": None, "epoch": 2.0, "time": t0 + 20},
        {"stage": "instruct", "step": 4, "split": "train", "loss": 2.345, "lr": 3e-3, "epoch": 1.0, "time": t0 + 40},
        {"stage": "instruct", "step": 4, "split": "validation", "loss": 2.678, "lr": None, "epoch": 1.0, "time": t0 + 50},
    ]
    (root / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in metrics))
    history = [{"state": "pretrain", "time": t0 + 1},
               {"stage": "pretrain", "summary": {"steps": 4, "train_seconds": 19.0, "best_checkpoint": "c-4"}, "time": t0 + 21},
               {"state": "instruct", "time": t0 + 22},
               {"stage": "instruct", "summary": {"steps": 4, "train_seconds": 28.0, "best_checkpoint": "c-4"}, "time": t0 + 51},
               {"state": "done", "time": t0 + 60}]
    (root / "state.json").write_text(json.dumps({"state": "done", "history": history}))
    tok.save_pretrained(str(root / "tokenizer"))
    if model_dir is not None:
        shutil.copytree(model_dir, root / "model")
    if adapter_dir is not None:
        shutil.copytree(adapter_dir, root / "adapter")
    if evals:
        (root / "eval" / "heldout").mkdir(parents=True)
        # the evaluate stage's report schema (only the keys the card reads)
        (root / "eval" / "heldout" / "report.json").write_text(json.dumps(
            {"model": {"label": "this run"}, "prompt_set": {"n": 136}, "date": "2026-11-29 10:00",
             "metrics": {"compile@1": {"value": 0.2132, "low": 0.15, "high": 0.29, "passes": 29, "n": 136},
                         "compile@k": {"value": 0.41, "low": 0.33, "high": 0.49, "passes": 56, "n": 136},
                         "requires@1": {"value": 0.5, "low": 0.42, "high": 0.58, "passes": 68, "n": 136}}}))
        (root / "eval" / "base-heldout").mkdir(parents=True)
        (root / "eval" / "base-heldout" / "report.json").write_text(json.dumps(
            {"model": {"label": "untrained"}, "prompt_set": {"n": 136}, "date": "2026-11-29 10:00",
             "metrics": {"compile@1": {"value": 0.0147, "low": 0.004, "high": 0.05, "passes": 2, "n": 136},
                         "compile@k": None,
                         "requires@1": {"value": 0.1, "low": 0.06, "high": 0.16, "passes": 14, "n": 136}}}))
    return root


def llama_cpp_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


@pytest.fixture(scope="session")
def full_export(tmp_path_factory, tok, qwen2_dir):
    """A full-training run of the tiny Qwen2, exported once (f16, q8_0, and q4_k_m when llama-cpp-python is there)."""
    from bbjcoder.export import ExportOptions, export_run

    run = write_run(tmp_path_factory.mktemp("runs") / "tiny-20250101-120000", tok, model_dir=qwen2_dir)
    quants = ["f16", "q8_0"] + (["q4_k_m"] if llama_cpp_available() else [])
    registry = tmp_path_factory.mktemp("registry")
    with single_thread():
        return export_run(run, ExportOptions(quants=quants, registry=registry))


@pytest.fixture(scope="session")
def lora_parts(tmp_path_factory, tok, qwen2_dir):
    """(base folder, adapter folder): a LoRA adapter with random A and B over the tiny Qwen2."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(7)
    base = AutoModelForCausalLM.from_pretrained(str(qwen2_dir))
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False, task_type="CAUSAL_LM")
    peft_model = get_peft_model(base, cfg)
    adapter = tmp_path_factory.mktemp("adapter")
    peft_model.save_pretrained(str(adapter))
    tok.save_pretrained(str(adapter))
    return qwen2_dir, adapter


@pytest.fixture(scope="session")
def lora_export(tmp_path_factory, tok, lora_parts):
    from bbjcoder.export import ExportOptions, export_run

    base, adapter = lora_parts
    run = write_run(tmp_path_factory.mktemp("runs") / "lora-20250101-120000", tok, adapter_dir=adapter,
                    base=str(base), method="lora", evals=False)
    registry = tmp_path_factory.mktemp("registry")
    with single_thread():
        return export_run(run, ExportOptions(quants=["f16"], registry=registry))
