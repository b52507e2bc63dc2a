"""The build config: YAML then flags, unknown keys rejected, every problem at once."""

from __future__ import annotations

import pytest

from bbjcoder.data.config import BuildConfig, load_config
from bbjcoder.errors import ConfigError

from .conftest import write


def test_defaults_and_field_help():
    config = load_config()
    assert config.sources == ["training-data", "corpus"] and config.near_duplicate_threshold == 0.85
    assert (config.split.train, config.split.validation, config.split.test) == (0.8, 0.1, 0.1)
    assert all(field.description for field in BuildConfig.model_fields.values())


def test_yaml_then_flags(tmp_path):
    path = write(tmp_path, "data.yaml", "sources: [a, b.jsonl]\nout: x\nsplit: {train: 0.9, validation: 0.05, test: 0.05}\n")
    config = load_config(path, {"out": "y", "skip_invalid": None})
    assert (config.sources, config.out, config.split.train, config.skip_invalid) == (["a", "b.jsonl"], "y", 0.9, False)


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "data.yaml", "treshold: 0.8\nsplit: {train: 0.5, validation: 0.1, test: 0.1}\n"
                                         "checker: javac\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 3 problem(s):\n  - ")
    assert "  - treshold: unknown key (valid keys: " in message and "out, " in message and "sources, split" in message
    assert "train + validation + test must be 1, got 0.7" in message
    assert "checker: Input should be 'auto', 'builtin' or 'bbjcpl' (got 'javac')" in message


def test_config_that_is_not_a_mapping(tmp_path):
    with pytest.raises(ConfigError, match="a config must be a mapping"):
        load_config(write(tmp_path, "data.yaml", "- a\n- b\n"))
