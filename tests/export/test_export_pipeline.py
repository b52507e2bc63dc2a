"""`bbjcoder export` end to end through Typer's runner: layout, card, registry, refusals, atomic writes."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bbjcoder.cli import app
from bbjcoder.errors import ExportError

from .conftest import single_thread, write_run

runner = CliRunner()


def _export(*args: str):
    with single_thread():
        return runner.invoke(app, ["export", *args])


def test_export_layout_and_model_card(full_export):
    out = full_export.export_dir
    names = {p.name for p in out.iterdir()}
    assert {"merged", "bbj-coder-f16.gguf", "bbj-coder-q8_0.gguf", "Modelfile", "MODEL_CARD.md", ".gitattributes"} <= names
    assert not [p for p in out.parent.rglob("*") if ".tmp" in p.name or ".partial" in p.name or ".replaced" in p.name]
    assert "*.gguf filter=lfs diff=lfs merge=lfs -text" in (out / ".gitattributes").read_text()
    card = (out / "MODEL_CARD.md").read_text()
    f16 = out / "bbj-coder-f16.gguf"
    for expected in [
        "| Base model | tiny: trained from scratch",
        "| Method | full |",
        "| learning_rate | 0.001 | 0.003 |",  # every hyper-parameter, per stage
        "| model.tiny.hidden_size | 64 |",
        "Content hash: `" + "3f5a" * 16 + "`",
        "| train_examples | 6 | 16 |",
        "| instruct | 4 | 2.345 | 2.678 | 2.678 |",  # final train / validation loss
        "| heldout | this run | 21.3% [15.0%, 29.0%] (29/136) | 41.0% [33.0%, 49.0%] (56/136) | 50.0% [42.0%, 58.0%] (68/136) | 136 |",
        "| base-heldout | untrained | 1.5% [0.4%, 5.0%] (2/136) | - | 10.0% [6.0%, 16.0%] (14/136) | 136 |",
        "duration: 1.0 min",
        f"| `{f16.name}` | ",
        hashlib.sha256(f16.read_bytes()).hexdigest(),
        "ollama create bbj-coder -f Modelfile",
        "ollama run bbj-coder",
        "http://localhost:11434/v1",
    ]:
        assert expected in card, expected


def test_registry_holds_the_deployable_files(full_export):
    version = full_export.registry_dir
    assert version.parent.name == "bbj-coder" and version.name == full_export.run_id
    expected = {p.name for p in full_export.export_dir.iterdir() if p.suffix == ".gguf"} | {"Modelfile", "MODEL_CARD.md", ".gitattributes"}
    assert {p.name for p in version.iterdir()} == expected
    modelfile = (version / "Modelfile").read_text()
    assert (version / modelfile.split("FROM ", 1)[1].split("\n", 1)[0]).is_file()  # relative FROM works there too


def test_cli_refuses_to_overwrite_without_force(tmp_path, tok, qwen2_dir):
    run = write_run(tmp_path / "runs" / "tiny-1", tok, model_dir=qwen2_dir, evals=False)
    first = _export(str(run), "--quant", "f16")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == str(run / "export")
    (run / "export" / "marker").write_text("old export")
    again = _export(str(run), "--quant", "f16")
    assert again.exit_code == 1
    assert again.stderr.strip().splitlines()[-1] == f"error: {run / 'export'} already exists; pass --force to replace it"
    assert (run / "export" / "marker").is_file()
    forced = _export(str(run), "--quant", "q8_0", "--force")
    assert forced.exit_code == 0, forced.output
    assert not (run / "export" / "marker").exists()
    assert sorted(p.name for p in (run / "export").glob("*.gguf")) == ["bbj-coder-q8_0.gguf"]
    assert not (run / ".export.partial").exists() and not (run / ".export.replaced").exists()


def test_cli_run_without_final_model(tmp_path, tok):
    run = write_run(tmp_path / "runs" / "killed", tok, evals=False)
    result = _export("killed", "--runs-dir", str(tmp_path / "runs"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: run killed has no final model: {run / 'model'} is missing or incomplete (method full, state done);"
        f" finish the run with `bbjcoder train --resume {run}` and export again"
    )


def test_cli_unknown_run_and_quant(tmp_path, tok, qwen2_dir):
    missing = _export(str(tmp_path / "nope"), "--runs-dir", str(tmp_path))
    assert missing.exit_code == 1 and "no training run found" in missing.stderr, missing.output
    run = write_run(tmp_path / "runs" / "t", tok, model_dir=qwen2_dir, evals=False)
    bad = _export(str(run), "--quant", "f16,q3")
    assert bad.exit_code == 1
    assert bad.stderr.strip() == "error: --quant q3: unknown type; choose from f16, q8_0, q4_k_m, q5_k_m, q2_k"
    assert not (run / "export").exists()


def test_k_quants_without_llama_cpp_say_how_to_get_them(monkeypatch: pytest.MonkeyPatch):
    from bbjcoder.export.pipeline import parse_quants

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",  # as on a machine without llama-cpp-python
                        lambda name, *a: None if name == "llama_cpp" else real_find_spec(name, *a))

    with pytest.raises(ExportError, match=r"--quant q4_k_m: llama-cpp-python is not installed.*pip install 'bbjcoder\[llama\]'"):
        parse_quants(["f16", "q4_k_m"])
    quants, notes = parse_quants(None)
    assert quants == ["f16", "q8_0"] and "q4_k_m not written" in notes[0]


def test_atomic_path_leaves_nothing_on_failure(tmp_path: Path):
    from bbjcoder.export.files import atomic_path

    target = tmp_path / "model.gguf"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"GGUF half")
            raise RuntimeError("killed mid-write")
    assert list(tmp_path.iterdir()) == []


def test_failure_while_building_leaves_no_partial_export(tmp_path, tok, qwen2_dir):
    """A tensor llama.cpp's graph does not know is only seen while writing the GGUF, after merged/ exists."""
    import shutil

    from safetensors.torch import load_file, save_file

    model_dir = tmp_path / "odd"
    shutil.copytree(qwen2_dir, model_dir)
    weights = load_file(str(model_dir / "model.safetensors"))
    weights["model.layers.0.self_attn.extra_gate.weight"] = weights["model.norm.weight"].clone()
    save_file(weights, str(model_dir / "model.safetensors"), metadata={"format": "pt"})
    run = write_run(tmp_path / "runs" / "odd", tok, model_dir=model_dir, evals=False)
    result = _export(str(run), "--quant", "f16")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {run / '.export.partial' / 'merged' / 'model.safetensors'}: tensor"
        " 'model.layers.0.self_attn.extra_gate.weight' has no qwen2 GGUF name; the model has parts llama.cpp's qwen2 graph does not know"
    )
    assert sorted(p.name for p in run.iterdir()) == ["config.yaml", "dataset.json", "metrics.jsonl", "model", "state.json", "tokenizer"]
