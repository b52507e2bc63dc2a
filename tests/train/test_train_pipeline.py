"""The train stage end to end on the micro model: artifacts, parameters change, determinism, LoRA, clear errors."""

from __future__ import annotations

import json

import pytest
import torch
import yaml

from bbjcoder.errors import BBJCoderError, InputError, TrainError
from bbjcoder.train import train
from bbjcoder.train.config import resolved_dict, validate_config


@pytest.fixture(scope="module")
def finished_run(micro, data_dir, tmp_path_factory):
    """One complete two-stage run, shared by the tests that inspect it."""
    runs = tmp_path_factory.mktemp("runs")
    cfg = validate_config(micro(data_dir, runs))
    return cfg, train(cfg)


@pytest.mark.slow
def test_run_directory_has_every_artifact(finished_run):
    from pathlib import Path

    cfg, result = finished_run
    root = Path(result["run_dir"])
    # config.yaml: fully resolved, loads back to the same config
    saved = yaml.safe_load((root / "config.yaml").read_text())
    assert resolved_dict(validate_config(saved)) == resolved_dict(cfg) == saved
    # dataset.json: content hash and counts per stage
    dataset = json.loads((root / "dataset.json").read_text())
    assert len(dataset["content_hash"]) == 64 and set(dataset["files"]) == {"corpus", "train", "validation"}
    assert dataset["counts"]["instruct"]["train_examples"] == 16 and dataset["counts"]["pretrain"]["validation_examples"] >= 1
    # metrics.jsonl: {stage, step, split, loss, lr}, train and validation for both stages
    metrics = [json.loads(line) for line in (root / "metrics.jsonl").read_text().splitlines()]
    assert all({"stage", "step", "split", "loss", "lr"} <= set(m) for m in metrics)
    for stage in ("pretrain", "instruct"):
        steps = [m["step"] for m in metrics if m["stage"] == stage and m["split"] == "train"]
        assert steps == [1, 2, 3, 4]
        assert [m["step"] for m in metrics if m["stage"] == stage and m["split"] == "validation"] == [0, 2, 4]
    # the rest of the contract
    assert (root / "loss.png").stat().st_size > 0
    assert list((root / "tensorboard" / "pretrain").glob("events.out.tfevents.*"))
    assert list((root / "tensorboard" / "instruct").glob("events.out.tfevents.*"))
    assert (root / "tokenizer" / "tokenizer.json").is_file()
    assert sorted(p.name for p in (root / "checkpoints" / "instruct").glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-4"]
    assert (root / "model" / "model.safetensors").is_file() and not (root / "adapter").exists()
    assert json.loads((root / "state.json").read_text())["state"] == "done"
    assert result["output"] == str(root / "model")


@pytest.mark.slow
def test_training_changes_the_parameters(finished_run):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from bbjcoder.train.model import load_model

    cfg, result = finished_run
    tok = AutoTokenizer.from_pretrained(result["run_dir"] + "/tokenizer")
    initial = load_model(cfg.model, tok, "cpu", False, cfg.run.seed, 128)  # the same seeded init the run started from
    trained = AutoModelForCausalLM.from_pretrained(result["output"])
    before, after = dict(initial.named_parameters()), dict(trained.named_parameters())
    assert before.keys() == after.keys()
    changed = [name for name in before if not torch.equal(before[name], after[name])]
    assert len(changed) == len(before), f"unchanged: {sorted(set(before) - set(changed))}"
    # the saved model generates and stops on <|im_end|>
    assert trained.generation_config.eos_token_id == [tok.convert_tokens_to_ids("<|im_end|>"), tok.pad_token_id]


@pytest.mark.slow
def test_same_seed_same_loss(micro, data_dir, tmp_path):
    def losses(seed):
        raw = micro(data_dir, tmp_path / str(seed), max_steps=3, eval_steps=3, save_steps=3)
        raw["run"]["seed"] = seed
        raw["pretrain"] = {"enabled": False}
        result = train(validate_config(raw))
        lines = [json.loads(x) for x in open(result["run_dir"] + "/metrics.jsonl")]
        return [m["loss"] for m in lines if m["split"] == "train"]

    first, again, other = losses(7), losses(7), losses(8)
    assert len(first) == 3 and first == again  # exactly equal at every step on CPU
    assert first != other


@pytest.mark.slow
def test_lora_on_a_local_base_trains_one_adapter_through_both_stages(finished_run, micro, data_dir, tmp_path):
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    _, base_run = finished_run  # a trained tiny model is a local HF folder like any other base
    raw = micro(data_dir, tmp_path, max_steps=2, eval_steps=2, save_steps=2, learning_rate=1e-2)
    raw["model"] = {"base": base_run["output"], "method": "lora", "lora": {"r": 4, "alpha": 8, "dropout": 0.0}}
    result = train(validate_config(raw))
    assert result["output"].endswith("/adapter")
    adapter = {k: v for k, v in load_file(result["output"] + "/adapter_model.safetensors").items() if "lora_B" in k}
    after_pretrain = load_file(result["run_dir"] + "/checkpoints/pretrain/final/adapter_model.safetensors")
    assert adapter and all(v.abs().sum() > 0 for v in adapter.values())  # B starts at zero: non-zero means it trained
    assert any(not torch.equal(v, after_pretrain[k]) for k, v in adapter.items())  # stage 2 kept training it
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_run["output"]), result["output"])
    assert model.peft_config["default"].r == 4


@pytest.mark.slow
def test_lora_on_a_gguf_base_trains_and_saves_no_quantization_mark(finished_run, micro, data_dir, tmp_path):
    """A GGUF base (an Ollama blob, say) is dequantized on load but marked quantized; the Trainer must still train it."""
    from pathlib import Path

    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    from bbjcoder.export.gguf_file import write_gguf

    _, base_run = finished_run
    gguf = tmp_path / "base" / "micro-f16.gguf"
    gguf.parent.mkdir()
    write_gguf(Path(base_run["output"]), AutoTokenizer.from_pretrained(base_run["run_dir"] + "/tokenizer"), gguf, "f16", name="micro")
    raw = micro(data_dir, tmp_path / "runs", max_steps=2, eval_steps=2, save_steps=2, learning_rate=1e-2)
    raw["model"] = {"base": str(gguf), "method": "lora", "lora": {"r": 4, "alpha": 8, "dropout": 0.0}}
    result = train(validate_config(raw))
    adapter = {k: v for k, v in load_file(result["output"] + "/adapter_model.safetensors").items() if "lora_B" in k}
    assert adapter and all(v.abs().sum() > 0 for v in adapter.values())
    assert "quantization_config" not in json.loads((Path(result["output"]) / "adapter_config.json").read_text())


def test_missing_dataset_names_the_file_and_creates_no_run(micro, data_dir, tmp_path):
    raw = micro(data_dir, tmp_path / "runs")
    raw["data"]["train"] = str(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match=r"nope.jsonl: ChatML split not found; run the data stage first \(bbjcoder data build\)"):
        train(validate_config(raw))
    assert not (tmp_path / "runs").exists()


def test_malformed_line_names_file_and_line(micro, data_dir, tmp_path):
    bad = tmp_path / "train.jsonl"
    bad.write_text((data_dir / "train.jsonl").read_text() + '{"messages": [{"role": "user", "content": "hi"}]}\n')
    raw = micro(data_dir, tmp_path / "runs")
    raw["data"]["train"] = str(bad)
    with pytest.raises(InputError, match=r"train.jsonl:17: no non-empty assistant message"):
        train(validate_config(raw))


def test_model_too_large_for_the_device_fails_before_loading(micro, data_dir, tmp_path):
    raw = micro(data_dir, tmp_path / "runs")
    raw["model"]["tiny"] = {"vocab_size": 384, "hidden_size": 8192, "num_layers": 96, "num_heads": 64,
                            "num_kv_heads": 8, "intermediate_size": 29568, "max_position_embeddings": 256}
    with pytest.raises(TrainError, match=r"has \d+\.\d\dB parameters; method full on cpu needs about [\d.]+ GiB but [\d.]+ GiB is free"):
        train(validate_config(raw))
    assert not (tmp_path / "runs").exists()


def test_tokenizer_without_chat_template_is_refused(tiny_tok, micro, data_dir, tmp_path):
    base = tmp_path / "base"
    tiny_tok.save_pretrained(str(base))
    (base / "chat_template.jinja").unlink()
    raw = micro(data_dir, tmp_path / "runs")
    raw["model"] = {"base": str(base), "method": "lora"}
    with pytest.raises(TrainError, match=r"has no chat template, so stage 2 cannot render conversations: set model.chat_template: chatml"):
        train(validate_config(raw))


def test_resume_refuses_a_finished_run(finished_run):
    _, result = finished_run
    with pytest.raises(BBJCoderError, match=r"already finished"):
        train(resume=result["run_dir"])


def test_resume_with_a_different_config_names_the_keys(finished_run, micro, data_dir):
    from pathlib import Path

    _, result = finished_run
    raw = micro(data_dir, Path(result["run_dir"]).parent)
    raw["training"]["learning_rate"] = 0.5
    with pytest.raises(TrainError, match=r"differs from the run's config.yaml in instruct.learning_rate,"
                                         r" pretrain.learning_rate, training.learning_rate; resume without a config"):
        train(validate_config(raw), resume=result["run_dir"])
