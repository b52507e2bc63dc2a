"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1: answers, retries, limits, failures."""

from __future__ import annotations

import socket
import time

import pytest

from bbjcoder.errors import ConfigError, EvalError
from bbjcoder.evaluate.generation import GenParams
from bbjcoder.evaluate.openai_http import HttpGenerator

CONV = [{"role": "user", "content": "Print Hello World in BBj."}]


def _gen(server, **kw) -> HttpGenerator:
    kw = {"retries": 2, "backoff": 0.01, "timeout": 5.0, **kw}
    return HttpGenerator(server.url, "tiny", **kw)


def test_answers_and_request_shape(chat_server) -> None:
    gen = _gen(chat_server)
    (answer,), (other,) = gen.generate([CONV, CONV], GenParams(max_new_tokens=64))
    assert answer.text == chat_server.answer and answer.truncated is False and answer.tokens > 0
    body = chat_server.requests[0]
    assert body["model"] == "tiny" and body["messages"] == CONV and body["max_tokens"] == 64 and body["temperature"] == 0.0
    gen.close()


def test_sampling_sends_one_request_per_sample_with_seeds(chat_server) -> None:
    gen = _gen(chat_server)
    answers = gen.generate([CONV], GenParams(max_new_tokens=8, temperature=0.7, top_p=0.9, n=3, seed=5))
    assert len(answers[0]) == 3
    assert sorted(r["seed"] for r in chat_server.requests) == [5, 6, 7]
    assert all(r["temperature"] == 0.7 and r["top_p"] == 0.9 for r in chat_server.requests)


def test_length_finish_is_truncation(chat_server) -> None:
    chat_server.finish_reason = "length"
    assert _gen(chat_server).generate([CONV], GenParams())[0][0].truncated is True


def test_transient_failures_are_retried(chat_server) -> None:
    chat_server.fail_first = 2
    gen = _gen(chat_server, concurrency=1)
    assert gen.generate([CONV], GenParams())[0][0].text == chat_server.answer
    assert gen.attempts == 3


def test_retries_run_out_with_a_clear_error(chat_server) -> None:
    chat_server.fail_first = 10
    gen = _gen(chat_server, retries=1, concurrency=1)
    with pytest.raises(EvalError, match=r"/v1/chat/completions: failed after 2 attempt\(s\); last error HTTP 503"):
        gen.generate([CONV], GenParams())


def test_permanent_failure_is_not_retried(chat_server) -> None:
    chat_server.status = 404
    gen = _gen(chat_server)
    with pytest.raises(EvalError, match="HTTP 404 .*check --model 'tiny' exists on the server and the URL ends in /v1"):
        gen.generate([CONV], GenParams())
    assert gen.attempts == 1


def test_rejected_key_names_the_variable(chat_server, monkeypatch) -> None:
    monkeypatch.setenv("BBJ_TEST_KEY", "secret")
    chat_server.status = 401
    gen = _gen(chat_server, api_key_env="BBJ_TEST_KEY")
    assert gen.client.headers["Authorization"] == "Bearer secret"
    with pytest.raises(EvalError, match=r"the API key was refused; set \$BBJ_TEST_KEY"):
        gen.generate([CONV], GenParams())


def test_concurrency_limit_holds(chat_server) -> None:
    chat_server.delay = 0.05
    gen = _gen(chat_server, concurrency=2)
    gen.generate([CONV] * 8, GenParams())
    assert chat_server.max_in_flight == 2


def test_slow_server_times_out_and_is_retried(chat_server) -> None:
    chat_server.delay = 1.0
    gen = _gen(chat_server, timeout=0.2, retries=1, concurrency=1)
    with pytest.raises(EvalError, match="failed after 2 attempt.*ReadTimeout"):
        gen.generate([CONV], GenParams())


def test_unreachable_endpoint_fails_fast() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gen = HttpGenerator(f"http://127.0.0.1:{port}/v1", "tiny", retries=3, connect_timeout=2.0)
    start = time.monotonic()
    with pytest.raises(EvalError, match=rf"http://127.0.0.1:{port}/v1: cannot reach the endpoint \(ConnectError.*is the server running\?"):
        gen.generate([CONV], GenParams())
    assert time.monotonic() - start < 3


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="give an http\\(s\\) URL"):
        HttpGenerator("localhost:11434/v1", "x")
    with pytest.raises(ConfigError, match="--concurrency must be >= 1"):
        HttpGenerator("http://localhost:1/v1", "x", concurrency=0)
