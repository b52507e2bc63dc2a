"""Reading the data stage's files: corpus hold-out, the forgetting mix, stage-1 tokens."""

from __future__ import annotations

import json

from bbjcoder.train.config import validate_config
from bbjcoder.train.data import Document, split_corpus
from bbjcoder.train.stages import prepare_stage, read_raw


def test_corpus_holdout_is_stable_when_programs_are_added():
    docs = [Document(f"print {i}\nend\n", f"p{i}.bbj") for i in range(60)]
    _, val = split_corpus(docs, 0.1)
    _, val_more = split_corpus(docs + [Document(f"rem new {i}\n", f"n{i}.bbj") for i in range(40)], 0.1)
    assert 1 <= len(val) < 60 and set(d.source for d in val) <= set(d.source for d in val_more)


def test_mix_adds_the_configured_share_to_training_only(micro, data_dir, tmp_path):
    mix = tmp_path / "general.jsonl"
    mix.write_text("".join(json.dumps({"text": f"def f{i}():\n    return {i}\n"}) + "\n" for i in range(100)))
    raw_cfg = micro(data_dir, tmp_path / "runs")
    raw_cfg["pretrain"] = {"mix": {"path": str(mix), "fraction": 0.25}}
    cfg = validate_config(raw_cfg)
    raw = read_raw(cfg)
    assert len(raw.pretrain_mix) == round(0.25 / 0.75 * len(raw.corpus_train))  # a quarter of the final set
    assert raw.files["pretrain_mix"] == mix and raw.instruct_mix == []
    assert read_raw(cfg).pretrain_mix == raw.pretrain_mix  # same seed, same draw


def test_pretrain_learns_every_token_and_ends_each_program(tiny_tok, micro, data_dir):
    cfg = validate_config(micro(data_dir, data_dir / "runs"))
    raw = read_raw(cfg)
    data = prepare_stage("pretrain", cfg, raw, tiny_tok)
    assert data.counts["train_examples"] + data.counts["validation_examples"] == 12
    for ex, doc in zip(data.train, raw.corpus_train):
        assert ex.labels == ex.input_ids and ex.input_ids[-1] == tiny_tok.convert_tokens_to_ids("<|endoftext|>")
        assert tiny_tok.decode(ex.input_ids[:-1]) == doc.text
