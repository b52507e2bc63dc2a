"""llama.cpp's OpenAI-compatible server serving our exported GGUF, used by evaluation and by serving.

Real parts only: the tiny Qwen2 of the export tests (briefly trained to recite BBj), a run folder,
`export_run` writing the F16 GGUF, `python -m llama_cpp.server` on 127.0.0.1 (the chat template
comes from the GGUF itself), then `bbjcoder eval --endpoint` against it (the HTTP backend the
evaluate tests otherwise drive with a scripted server), and an MCP client session calling
generate_bbj_code. One server for the module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from mcp import Client
from typer.testing import CliRunner

from bbjcoder.cli import app
from bbjcoder.serve import BBjService, build_server, load_config

from .export.conftest import qwen2_config, save_trained, write_run
from .jsonl import write_jsonl
from .serve.support import config_overrides, free_port, run_async

pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server] (make install)")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported_gguf(tmp_path_factory) -> Path:
    from bbjcoder.export.pipeline import ExportOptions, export_run
    from bbjcoder.train.tokenizer import train_tiny_tokenizer

    from .export.conftest import SHAPE, _texts

    tok = train_tiny_tokenizer(_texts(), vocab_size=SHAPE["vocab_size"], min_frequency=2)
    config = qwen2_config(tok)
    config.max_position_embeddings = 2048  # room for the tool's prompt (excerpts, a repair turn); RoPE extends
    weights = save_trained(config, tok, 1234, tmp_path_factory.mktemp("weights"))
    run = write_run(tmp_path_factory.mktemp("runs") / "tiny-e2e", tok, model_dir=weights)
    result = export_run(run, ExportOptions(quants=["f16"], runs_dir=run.parent))
    (gguf,) = result.export_dir.glob("*-f16.gguf")
    return gguf


@pytest.fixture(scope="module")
def llama_server(exported_gguf: Path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(exported_gguf), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--model_alias", "bbj-coder"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    endpoint = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{endpoint}/models", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not answer within 60 s")
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


def test_eval_over_http_against_llama_cpp_server(llama_server: str, tmp_path: Path) -> None:
    """`bbjcoder eval --endpoint`: greedy and sampled answers from llama.cpp, checked, reported; answers cut by
    the token limit are counted from llama.cpp's finish_reason."""
    prompts = tmp_path / "evalset.jsonl"
    write_jsonl(prompts, [
        {"id": "t-1", "prompt": "Print Hello World in BBj.", "generation": "all", "type": "completion",
         "difficulty": "basic", "requires": ["(?i)print"]},
        {"id": "t-2", "prompt": "Sum the numbers 1 to 10 with a FOR loop.", "generation": "character",
         "type": "completion", "difficulty": "basic", "requires": ["(?i)for"]},
    ])
    out = tmp_path / "evals"
    result = CliRunner().invoke(app, [
        "eval", "--endpoint", llama_server, "--model", "bbj-coder", "--prompts", str(prompts), "--out", str(out),
        "--max-new-tokens", "40", "--samples", "2", "--k", "2", "--timeout", "60", "--no-progress"])
    assert result.exit_code == 0, result.output
    folder = out / "bbj-coder"
    report = json.loads((folder / "report.json").read_text())
    assert report["model"]["backend"] == "http" and report["model"]["endpoint"] == llama_server
    m = report["metrics"]
    assert m["compile@1"]["n"] == 2 and m["compile@k"]["k"] == 2 and m["compile@k"]["samples"] == 2
    samples = [json.loads(line) for line in (folder / "samples.jsonl").read_text().splitlines()]
    assert sorted((s["mode"], s["id"]) for s in samples) == [("greedy", "t-1"), ("greedy", "t-2")] + [
        ("sampled", "t-1")] * 2 + [("sampled", "t-2")] * 2
    assert all(s["output"] for s in samples)  # the served model wrote something for every request
    greedy = [s for s in samples if s["mode"] == "greedy"]
    assert m["truncated"]["count"] == sum(s["truncated"] for s in greedy) and m["truncated"]["n"] == 2


def test_generate_bbj_code_through_llama_cpp_server(llama_server: str, tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    cfg = load_config(overrides=config_overrides(tmp_path, knowledge, endpoint=llama_server, model="bbj-coder",
                                                 request_timeout=60.0, max_tokens=96))
    server = build_server(BBjService.from_config(cfg))

    async def go():
        async with Client(server) as client:
            return await client.call_tool("generate_bbj_code", {"prompt": "Print Hello World in BBj.",
                                                                "generation": "all", "max_attempts": 2})
    result = run_async(go)
    assert not result.is_error, result.content[0].text
    out = result.structured_content
    assert 1 <= len(out["attempts"]) <= 2
    assert isinstance(out["compiled"], bool)
    # every attempt holds what the served model wrote, checked by the BBj checker
    assert all(a["code"] or a["errors"] for a in out["attempts"])
    if not out["compiled"]:
        assert len(out["attempts"]) == 2 and out["attempts"][0]["errors"]
