"""Call generate_bbj_code through a real MCP session for the first N code tasks of an eval set.

    # 1. serve a model on an OpenAI-compatible endpoint, e.g. our exported GGUF through llama.cpp:
    python -m llama_cpp.server --model runs/<id>/export/<name>-q8_0.gguf --model_alias bbj-coder \\
        --n_ctx 4096 --n_threads 1 --port 8080
    # 2. ask the MCP server (spawned here over stdio) for code, with the repair loop:
    .venv/bin/python scripts/mcp_generate.py --endpoint http://127.0.0.1:8080/v1 --tasks 10 --out /tmp/mcp.jsonl

`bbjcoder mcp` runs as a subprocess, exactly as Claude Desktop or an IDE starts it; each task's prompt and
generation label go to generate_bbj_code, and the tool's structured answer (attempts, errors, compiled) is written
one JSON line per task. The summary counts tasks that compiled on the first attempt and after repair.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bbjcoder.evaluate.prompts import EvalPrompt


def code_tasks(path: Path, n: int) -> list[EvalPrompt]:
    """The first n tasks that expect code, read the way `bbjcoder eval` reads them (bad lines named by file:line)."""
    from bbjcoder.evaluate.prompts import load_prompts

    return [p for p in load_prompts(path).prompts if p.expects_code][:n]


async def run(args: argparse.Namespace) -> list[dict]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    server = StdioServerParameters(command=sys.executable, args=[
        "-m", "bbjcoder.cli", "mcp", "--endpoint", args.endpoint, "--model", args.model, "--log-level", "ERROR",
        *(["--config", str(args.config)] if args.config else [])])
    rows = []
    async with Client(server) as client:
        for task in code_tasks(args.prompts, args.tasks):
            generation = task.generation[0]
            start = time.perf_counter()
            result = await client.call_tool("generate_bbj_code", {
                "prompt": task.prompt, "generation": generation, "max_attempts": args.max_attempts})
            out = result.structured_content or {"error": result.content[0].text}
            rows.append({"id": task.id, "generation": generation, "seconds": round(time.perf_counter() - start, 1),
                         "is_error": result.is_error, **out})
            attempts = out.get("attempts", [])
            print(f"{task.id}: compiled={out.get('compiled')} attempts={len(attempts)} "
                  f"({rows[-1]['seconds']} s)", file=sys.stderr)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    ap.add_argument("--model", default="bbj-coder", help="model name (alias) at the endpoint")
    ap.add_argument("--prompts", type=Path, default=Path("evalsets/bbj-eval.jsonl"))
    ap.add_argument("--tasks", type=int, default=10, help="first N code tasks")
    ap.add_argument("--max-attempts", type=int, default=3, help="model calls per task (1 = no repair)")
    ap.add_argument("--config", type=Path, help="bbjcoder mcp YAML config (timeouts, max_tokens)")
    ap.add_argument("--out", type=Path, required=True, help="JSONL of the tool's answers")
    args = ap.parse_args()
    rows = asyncio.run(run(args))
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    first = sum(1 for r in rows if r.get("compiled") and len(r.get("attempts", [])) == 1)
    repaired = sum(1 for r in rows if r.get("compiled")) - first
    print(f"{len(rows)} tasks: {first} compiled on the first attempt, {repaired} more after repair, "
          f"{len(rows) - first - repaired} not compiled; {args.out}")


if __name__ == "__main__":
    main()
