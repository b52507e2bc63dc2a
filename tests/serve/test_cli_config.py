"""`bbjcoder mcp` through Typer's runner, and the serve config (YAML, then flags; every error at once)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbjcoder.cli import app
from bbjcoder.errors import ConfigError
from bbjcoder.serve.config import ServeConfig, load_config

runner = CliRunner()


def test_config_defaults() -> None:
    cfg = ServeConfig()
    assert (cfg.knowledge, cfg.endpoint, cfg.model, cfg.checker, cfg.http) == (
        ["training-data"], "http://localhost:11434/v1", "bbj-coder", "auto", None)
    assert all(field.description for field in ServeConfig.model_fields.values())


def test_yaml_then_flags(tmp_path: Path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text("knowledge: [a, b]\nmodel: from-yaml\nendpoint: http://127.0.0.1:8080/v1/\nmax_attempts: 4\n")
    cfg = load_config(path, {"model": "from-flag", "endpoint": None})
    assert (cfg.knowledge, cfg.model, cfg.endpoint, cfg.max_attempts) == (
        ["a", "b"], "from-flag", "http://127.0.0.1:8080/v1", 4)


def test_every_config_error_at_once(tmp_path: Path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text("modle: x\nhttp: localhost\nretries: -1\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: 3 problem(s):\n  - ")
    assert "  - modle: unknown key (valid keys: api_key_env, cache_dir, checker," in message
    assert "http: expected HOST:PORT such as 127.0.0.1:8765 (got 'localhost')" in message
    assert "retries: Input should be greater than or equal to 0 (got -1)" in message
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="a config must be a mapping"):
        load_config(path)


def test_dry_run_prints_the_summary(knowledge_dir: Path, tmp_path: Path) -> None:
    args = ["mcp", "--knowledge", str(knowledge_dir), "--cache-dir", str(tmp_path / "c"), "--backend", "builtin",
            "--model", "bbj-coder:q4", "--http", "127.0.0.1:8765", "--dry-run"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[0].startswith(f"knowledge: {knowledge_dir}: 5 files, ") and "(built, " in lines[0]
    assert lines[1:] == ["checker: builtin", "model: bbj-coder:q4 at http://localhost:11434/v1",
                         "transport: streamable HTTP on http://127.0.0.1:8765/mcp"]
    second = runner.invoke(app, args)
    assert "(loaded from cache, " in second.stdout


def test_errors_are_clear_and_exit_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["mcp", "--knowledge", str(tmp_path / "nope"), "--dry-run"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: knowledge: folder(s) not found: {tmp_path / 'nope'} ")
    result = runner.invoke(app, ["mcp", "--endpoint", "localhost:11434", "--backend", "gcc", "--dry-run"])
    assert result.exit_code == 1 and result.stderr.startswith("error: flags: 2 problem(s):\n")
    assert "  - endpoint: expected an http:// or https:// URL" in result.stderr
    assert "checker: Input should be 'auto', 'builtin' or 'bbjcpl' (got 'gcc')" in result.stderr


def test_help_is_listed() -> None:
    result = runner.invoke(app, ["mcp", "--help"])
    assert result.exit_code == 0 and "--http" in result.stdout and "--knowledge" in result.stdout
