"""The train config: shipped files validate, errors are all reported at once with key, value and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bbjcoder.errors import ConfigError
from bbjcoder.train.config import STAGES, TrainConfig, load_config, parse_overrides, resolved_dict, validate_config

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.yaml"))


def test_configs_folder_is_not_empty():
    names = {p.name for p in CONFIGS}
    assert {"tiny.yaml", "qwen2.5-coder-7b-qlora.yaml", "qwen2.5-coder-14b-qlora.yaml", "qwen2.5-coder-32b-qlora.yaml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_shipped_config_validates(path):
    text = path.read_text()
    header = text.split("\n\n")[0]
    assert text.startswith("#") and ("bbjcoder train" in header or "bbjcoder pipeline" in header)  # how to launch
    cfg = load_config(path)
    # the resolved form (what a run saves) validates again to the same values
    assert resolved_dict(validate_config(resolved_dict(cfg))) == resolved_dict(cfg)
    if path.name.endswith("-cpu.yaml"):  # a real GGUF base trained with LoRA on a CPU
        assert cfg.model.method == "lora" and cfg.model.device == "cpu" and cfg.model.base.endswith(".gguf")
        assert cfg.model.lora.target_modules == "all-linear" and cfg.model.chat_template == "chatml"
    if path.name.endswith("-qlora.yaml"):
        lora, instruct, pretrain = cfg.model.lora, cfg.stage("instruct"), cfg.stage("pretrain")
        assert cfg.model.method == "qlora" and 32 <= lora.r <= 64 and lora.alpha == 2 * lora.r
        assert lora.target_modules == "all-linear"
        assert instruct.learning_rate == 2e-4 and pretrain.learning_rate == 5e-5
        assert 2048 <= instruct.max_length <= 4096 and 1 <= instruct.epochs <= 3
        assert "-Base" not in cfg.model.base and cfg.model.base.startswith("Qwen/Qwen2.5-Coder-")


def test_tiny_is_the_cpu_default():
    cfg = load_config(Path(__file__).parents[2] / "configs" / "tiny.yaml")
    assert cfg.model.base == "tiny" and cfg.model.method == "full" and cfg.model.device == "cpu"
    assert cfg.enabled_stages() == list(STAGES)


def test_every_field_has_help():
    def walk(model):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no help string"
            annotation = field.annotation
            for cand in (annotation, *getattr(annotation, "__args__", ())):
                if isinstance(cand, type) and hasattr(cand, "model_fields"):
                    walk(cand)

    walk(TrainConfig)


def test_stage_overrides_apply_on_top_of_shared_values():
    cfg = validate_config({"training": {"learning_rate": 1e-3, "epochs": 2}, "instruct": {"learning_rate": 5e-4}})
    assert cfg.stage("instruct").learning_rate == 5e-4 and cfg.stage("instruct").epochs == 2
    assert cfg.stage("pretrain").learning_rate == 1e-3


def test_unknown_keys_and_bad_values_are_reported_at_once(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("training:\n  learnig_rate: 1.0e-4\n  batch_size: 0\nmodel:\n  method: qlora4\nextra: 1\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: 4 problem(s):\n")
    assert "  - training.learnig_rate: unknown key (valid keys: batch_size, epochs, eval_batch_size, eval_steps," in message
    assert "  - training.batch_size: Input should be greater than or equal to 1 (got 0)" in message
    assert "  - model.method: Input should be 'full', 'lora' or 'qlora' (got 'qlora4')" in message
    assert "  - extra: unknown key (valid keys: data, instruct, model, pipeline, pretrain, run, tracking, training)" in message


def test_inconsistent_combinations_name_the_fix():
    raw = {"model": {"method": "lora"}, "training": {"eval_steps": 20, "save_steps": 30}}
    with pytest.raises(ConfigError) as err:
        validate_config(raw, "x.yaml")
    assert str(err.value) == (
        "x.yaml: 3 problem(s):\n"
        "  - model.method is 'lora' but a from-scratch tiny model has nothing to adapt: use method: full\n"
        "  - pretrain: save_steps (30) must be a multiple of eval_steps (20) so the best checkpoint can be chosen by"
        " validation loss: set pretrain.save_steps: 40\n"
        "  - instruct: save_steps (30) must be a multiple of eval_steps (20) so the best checkpoint can be chosen by"
        " validation loss: set instruct.save_steps: 40"
    )


def test_cli_overrides_come_after_the_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"run": {"seed": 1}, "training": {"learning_rate": 1e-3}}))
    cfg = load_config(path, ["run.seed=7", "instruct.learning_rate=3e-4", "tracking.backends=[]", "pretrain.enabled=false"])
    assert cfg.run.seed == 7 and cfg.stage("instruct").learning_rate == 3e-4 and cfg.tracking.backends == []
    assert cfg.enabled_stages() == ["instruct"]
    with pytest.raises(ConfigError, match=r"training.lr: unknown key"):
        load_config(path, ["training.lr=1"])


def test_override_syntax_errors():
    assert parse_overrides(["a.b=1", "a.c=x y"]) == {"a": {"b": 1, "c": "x y"}}
    with pytest.raises(ConfigError, match=r"^--set 'oops': expected key=value with a dotted key"):
        parse_overrides(["oops"])


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("run:\n  name: x\n  seed: [1\n")
    with pytest.raises(ConfigError, match=rf"^{path}:\d+: not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match=r"config file not found"):
        load_config(tmp_path / "missing.yaml")
