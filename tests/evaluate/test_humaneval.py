"""The HumanEval harness: canonical solutions pass, a wrong one fails, an endless one times out, no network."""

from __future__ import annotations

import pytest

from bbjcoder.evaluate.humaneval import (
    build_program,
    load_problems,
    run_general,
    run_program,
    sandbox_mode,
    select,
    subset_id,
)
from bbjcoder.evaluate.openai_http import HttpGenerator


@pytest.fixture(scope="module")
def problems():
    return load_problems()


def test_data_and_fixed_subset(problems) -> None:
    assert len(problems) == 164 and problems[0]["task_id"] == "HumanEval/0"
    assert [p["task_id"] for p in select(problems, 4)] == ["HumanEval/0", "HumanEval/41", "HumanEval/82", "HumanEval/123"]
    assert select(problems, 500) == problems and (subset_id(4), subset_id(164)) == ("even-4-of-164", "all")


def test_canonical_solutions_pass(problems) -> None:
    for p in problems[:3]:
        as_body = build_program(p, p["canonical_solution"])  # the completion style
        as_function = build_program(p, f"Sure:\n\n```python\n{p['prompt']}{p['canonical_solution']}```\n")  # the chat style
        assert run_program(as_body) == ("passed", "")
        assert run_program(as_function) == ("passed", "")


def test_wrong_solution_fails(problems) -> None:
    status, detail = run_program(build_program(problems[0], "    return 42\n"))
    assert (status, detail) == ("failed", "AssertionError")


def test_endless_solution_times_out(problems) -> None:
    status, detail = run_program(build_program(problems[0], "    while True:\n        pass\n"), timeout=3, cpu_s=1)
    assert status == "timeout"


def test_wall_clock_limit_kills_a_sleeper(problems) -> None:
    status, detail = run_program(build_program(problems[0], "    import time\n    time.sleep(30)\n"), timeout=1)
    assert (status, detail) == ("timeout", "wall-clock limit of 1s")


def test_no_network_and_limited_memory(problems) -> None:
    status, detail = run_program(build_program(problems[0], "    import socket\n    socket.create_connection(('127.0.0.1', 80))\n"))
    assert (status, detail) == ("failed", "OSError: network access is disabled in the HumanEval sandbox")
    if sandbox_mode() == "netns":  # below the socket module too: a namespace without any usable interface
        raw = "    import _socket\n    s = _socket.socket()\n    s.connect(('1.1.1.1', 80))\n"
        assert run_program(build_program(problems[0], raw)) == ("failed", "OSError: [Errno 101] Network is unreachable")
    assert run_program(build_program(problems[0], "    x = bytearray(4 << 30)\n"), memory_mb=512) == ("failed", "MemoryError")
    assert sandbox_mode() in ("netns", "socket-guard")


def test_answer_without_code(problems) -> None:
    assert build_program(problems[0], "```\n```") is None
    assert build_program(problems[0], "I don't know.\n```bbj\nprint 1\n```") is None


def test_run_general_over_http(chat_server, problems) -> None:
    chosen = select(problems, 3)
    chat_server.answers = {
        f"def {chosen[0]['entry_point']}(": f"```python\n{chosen[0]['prompt']}{chosen[0]['canonical_solution']}```",
        f"def {chosen[1]['entry_point']}(": "```python\n    return None\n```",
        f"def {chosen[2]['entry_point']}(": "```python\n    while True:\n        pass\n```",
    }
    gen = HttpGenerator(chat_server.url, "tiny", retries=0)
    general, samples = run_general(gen, 3, timeout=2)
    assert [s["status"] for s in samples] == ["passed", "failed", "timeout"]
    assert general["pass@1"]["passes"] == 1 and general["subset"] == "even-3-of-164" and general["timeouts"] == 1
    assert chat_server.requests[0]["messages"][0]["role"] == "system"
