"""`bbjcoder mcp` as a subprocess: an MCP client session over stdio, and one over streamable HTTP."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from .support import BROKEN_CODE, free_port, run_async


def _args(tmp_path: Path, knowledge: Path) -> list[str]:
    return ["-m", "bbjcoder.cli", "mcp", "--knowledge", str(knowledge), "--cache-dir", str(tmp_path / "cache"),
            "--backend", "builtin", "--log-level", "ERROR"]


async def _session(target) -> tuple[list[str], object, object]:
    async with Client(target) as client:
        names = sorted(t.name for t in (await client.list_tools()).tools)
        checked = await client.call_tool("validate_bbj_syntax", {"code": BROKEN_CODE})
        found = await client.call_tool("search_bbj_knowledge", {"query": "teal button", "limit": 1})
    return names, checked, found


def test_stdio_session(knowledge_dir: Path, tmp_path: Path) -> None:
    params = StdioServerParameters(command=sys.executable, args=_args(tmp_path, knowledge_dir), cwd=str(tmp_path))
    names, checked, found = run_async(_session, params)
    assert names == ["generate_bbj_code", "search_bbj_knowledge", "validate_bbj_syntax"]
    assert checked.structured_content["errors"] == ["program.bbj: error at line 20 (2): for i=1 10"]
    assert found.structured_content["hits"][0]["source"].endswith("dwc/styled-button.md")
    assert (tmp_path / "cache").is_dir()  # the index was cached by the subprocess


def test_streamable_http_session(knowledge_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, *_args(tmp_path, knowledge_dir), "--http", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        _wait_for_port(port, proc)
        names, checked, found = run_async(_session, f"http://127.0.0.1:{port}/mcp")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert names == ["generate_bbj_code", "search_bbj_knowledge", "validate_bbj_syntax"]
    assert checked.structured_content["valid"] is False
    assert found.structured_content["hits"]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=0.5, trust_env=False)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"server not listening on {port} after {timeout}s")
