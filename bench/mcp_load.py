"""MCP server under load: concurrent validate_bbj_syntax calls over streamable HTTP on loopback.

    .venv/bin/python bench/mcp_load.py [--calls 200] [--sessions 4] [--lines 40]

Starts `bbjcoder mcp --http 127.0.0.1:<free port>` as a subprocess (built-in checker, empty
knowledge folder), opens --sessions MCP client sessions, warms each with one call, then fires all
--calls validate_bbj_syntax calls at once, spread over the sessions. Each program is a different
~--lines-line BBj program; every third one has a syntax error, and an answer whose validity is
wrong counts as an error, as do transport failures and tool errors. Prints throughput, p50/p99/max
latency and the error count (target: zero errors), and the ratio against a baseline run in this
process: the same programs through the checker directly, one after another (the cost of the
checking itself, without MCP, HTTP and JSON). Exit 1 when any call failed.
"""

from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx
from mcp import Client

from bbjcoder.bbj import BuiltinChecker, has_errors

_BODY = """\
rem {name}: list open orders for one customer
seterr {name}_err
dim {rec}$:"ID:C(6),CUST:C(8),QTY:N(6),PRICE:N(10)"
{ch}=unt
open ({ch},err={name}_err) "orders.dat"
{tot}=0
while 1
  read record ({ch},end={name}_done) {rec}$
  if {rec}.cust$<>"{cust}" then continue
  {tot}={tot}+{rec}.qty*{rec}.price
  print {rec}.id$,@(10),{rec}.qty:"###,##0",@(20),{rec}.price:"$###,##0.00"
wend
{name}_done:
close ({ch})
for {i}=1 to {n}
  {s}$={s}$+str({i})+","
next {i}
print "total: ",{tot}:"$###,##0.00"
"""
_BROKEN = "for {i}=1 {n}\n"  # FOR without TO


def programs(count: int, lines: int, seed: int = 1) -> list[tuple[str, bool]]:
    """(source, valid) pairs: random names, about `lines` lines, every third one broken."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        def name(prefix: str) -> str:
            return prefix + "".join(rng.choice("abcdefgh") for _ in range(5))
        fields = dict(name=name("r"), rec=name("o"), ch=name("c"), tot=name("t"), cust=name("C"), i=name("i"),
                      s=name("s"), n=rng.randint(2, 99))
        parts = [_BODY.format(**fields)]
        while sum(p.count("\n") for p in parts) < lines:
            parts.append(f"print \"{name('line')}\",{rng.randint(1, 999)}\n")
        broken = k % 3 == 2
        if broken:
            parts.insert(1, _BROKEN.format(**fields))
        out.append(("".join(parts) + "end\n", not broken))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workdir: Path) -> subprocess.Popen:
    (workdir / "knowledge").mkdir()
    cmd = [sys.executable, "-m", "bbjcoder.cli", "mcp", "--http", f"127.0.0.1:{port}", "--knowledge",
           str(workdir / "knowledge"), "--cache-dir", str(workdir / "cache"), "--backend", "builtin",
           "--log-level", "ERROR"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=0.5, trust_env=False)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start listening within 60 s")


async def load(url: str, work: list[tuple[str, bool]], sessions: int) -> tuple[list[float], list[str], float]:
    """Latencies (s), error descriptions and wall time of all calls in flight at once."""
    latencies: list[float] = []
    errors: list[str] = []

    async def one(client: Client, code: str, valid: bool) -> None:
        start = time.perf_counter()
        try:
            result = await client.call_tool("validate_bbj_syntax", {"code": code})
        except Exception as exc:  # a benchmark counts every failure, of any kind
            errors.append(f"{type(exc).__name__}: {exc}")
            return
        latencies.append(time.perf_counter() - start)
        if result.is_error:
            errors.append(f"tool error: {result.content[0].text[:200]}")
        elif result.structured_content["valid"] is not valid:
            errors.append(f"wrong answer: valid={result.structured_content['valid']}, expected {valid}")

    async with anyio.create_task_group() as outer:
        clients: list[Client] = []
        ready = anyio.Event()
        done = anyio.Event()

        async def hold(i: int) -> None:  # keep one session open until the load is done
            async with Client(url) as client:
                await client.call_tool("validate_bbj_syntax", {"code": "print 1\n"})  # warm-up
                clients.append(client)
                if len(clients) == sessions:
                    ready.set()
                await done.wait()

        for i in range(sessions):
            outer.start_soon(hold, i)
        await ready.wait()
        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for k, (code, valid) in enumerate(work):
                tg.start_soon(one, clients[k % sessions], code, valid)
        wall = time.perf_counter() - start
        done.set()
    return latencies, errors, wall


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="concurrent validate_bbj_syntax calls")
    parser.add_argument("--sessions", type=int, default=4, help="MCP client sessions sharing the calls")
    parser.add_argument("--lines", type=int, default=40, help="about how many lines each program has")
    args = parser.parse_args()
    work = programs(args.calls, args.lines)

    # baseline: the checker itself, in this process, one program after another
    checker = BuiltinChecker()
    start = time.perf_counter()
    answers = [has_errors(checker.check(code, "program.bbj")) is not valid for code, valid in work]
    direct = time.perf_counter() - start
    if not all(answers):
        raise SystemExit("the generated programs are not valid/invalid as intended: fix programs()")

    with tempfile.TemporaryDirectory(prefix="bbjcoder-mcp-load-") as tmp:
        port = free_port()
        proc = start_server(port, Path(tmp))
        try:
            latencies, errors, wall = anyio.run(load, f"http://127.0.0.1:{port}/mcp", work, args.sessions)
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    lines = sum(code.count("\n") for code, _ in work) / len(work)
    print(f"validate_bbj_syntax over streamable HTTP (127.0.0.1), built-in checker, {len(work)} calls in flight "
          f"at once over {args.sessions} sessions, {lines:.0f} lines per program")
    print(f"  wall time      {wall:8.3f} s")
    print(f"  throughput     {len(latencies) / wall:8.1f} calls/s")
    print(f"  latency p50    {percentile(latencies, 0.50) * 1000:8.1f} ms")
    print(f"  latency p99    {percentile(latencies, 0.99) * 1000:8.1f} ms")
    print(f"  latency max    {max(latencies, default=float('nan')) * 1000:8.1f} ms")
    print(f"  errors         {len(errors):8d}   (target 0)")
    print(f"  baseline: direct checker calls in-process {len(work) / direct:8.1f} calls/s; "
          f"MCP over HTTP reaches {direct / wall:.2f}x of it")
    for error in errors[:5]:
        print(f"  error: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
