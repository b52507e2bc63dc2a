"""The chat client and the generate-validate-repair loop against a scripted OpenAI-compatible server."""

from __future__ import annotations

from pathlib import Path

import pytest

from bbjcoder.bbj import BuiltinChecker
from bbjcoder.errors import ServeError
from bbjcoder.serve.index import KnowledgeBase
from bbjcoder.serve.llm import ChatClient
from bbjcoder.serve.repair import generate_validate_repair

from .support import BROKEN_CODE, FIXED_CODE, ScriptedLLM, answer, free_port, run_async

HELLO = [{"role": "user", "content": "hi"}]


def _client(endpoint: str, **kw) -> ChatClient:
    return ChatClient(endpoint, "bbj-coder", **{"retries": 1, "retry_backoff": 0.01, "request_timeout": 5.0,
                                                "connect_timeout": 1.0, **kw})


def test_chat_sends_openai_request_and_reads_the_answer() -> None:
    with ScriptedLLM(["print 1"]) as llm:
        text = run_async(_client(llm.endpoint, temperature=0.1, max_tokens=99).chat, HELLO)
    assert text == "print 1"
    assert llm.paths == ["/v1/chat/completions"]
    assert llm.requests == [{"model": "bbj-coder", "messages": HELLO, "temperature": 0.1, "max_tokens": 99,
                             "stream": False}]


def test_chat_retries_5xx_then_succeeds() -> None:
    with ScriptedLLM([(503, {"error": "model loading"}), "ok"]) as llm:
        assert run_async(_client(llm.endpoint).chat, HELLO) == "ok"
    assert len(llm.requests) == 2


def test_chat_gives_up_after_retries_with_the_status() -> None:
    with ScriptedLLM([(500, {"error": "boom"})]) as llm:
        with pytest.raises(ServeError, match=r"answered HTTP 500: \{\"error\": \"boom\"\} after 3 tries"):
            run_async(_client(llm.endpoint, retries=2).chat, HELLO)
    assert len(llm.requests) == 3


def test_endpoint_down_is_one_clear_error() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ServeError) as err:
        run_async(_client(endpoint).chat, HELLO)
    message = str(err.value)
    assert message.startswith(f"model endpoint {endpoint} not reachable (nothing accepted the connection")
    assert "after 2 tries: start the model server (`ollama serve`, `llama-server ...`) or fix --endpoint" in message


def test_unknown_model_and_wrong_path_say_what_to_fix() -> None:
    with ScriptedLLM([(404, {"error": "model 'bbj-coder' not found"})]) as llm:
        with pytest.raises(ServeError, match=r"HTTP 404.*ollama create bbj-coder -f Modelfile"):
            run_async(_client(llm.endpoint).chat, HELLO)
        with pytest.raises(ServeError, match=r"HTTP 404.*should be the /v1 base URL"):
            run_async(_client(llm.endpoint.removesuffix("/v1")).chat, HELLO)
        assert len(llm.requests) == 2  # 404 is not retried


def test_timeout_and_malformed_answers() -> None:
    with ScriptedLLM(["late"], delay=1.0) as llm:
        with pytest.raises(ServeError, match=r"no answer within request_timeout=0.2s after 2 tries"):
            run_async(_client(llm.endpoint, request_timeout=0.2).chat, HELLO)
    with ScriptedLLM([(200, {"choices": []})]) as llm:
        with pytest.raises(ServeError, match=r"gave no choices\[0\]\.message\.content"):
            run_async(_client(llm.endpoint).chat, HELLO)


def _generate(llm: ScriptedLLM, kb: KnowledgeBase | None = None, **kw):
    hits = kb.search("count with a for loop", "all", 2) if kb else []
    args = {"generation": "all", "context": None, "max_attempts": 3, **kw}
    return run_async(lambda: generate_validate_repair(
        "Print the numbers 1 to 10", chat=_client(llm.endpoint).chat, checker=BuiltinChecker(), hits=hits,
        model="bbj-coder", **args))


def test_repair_loop_sends_diagnostics_and_returns_fixed_code(knowledge_dir: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase([str(knowledge_dir)], tmp_path / "cache")
    with ScriptedLLM([answer(BROKEN_CODE), answer(FIXED_CODE)]) as llm:
        result = _generate(llm, kb, context="rem caller\ngosub count\n", generation="character")
    assert result.compiled and result.code == FIXED_CODE
    assert [(a.attempt, a.compiled) for a in result.attempts] == [(1, False), (2, True)]
    assert result.attempts[0].errors == [
        "generated.bbj: error at line 20 (2): for i=1 10  <- expected TO in FOR but found '10'"]
    first, second = llm.requests
    # the first prompt: target generation, the surrounding code, the task, the excerpts
    system, user = first["messages"]
    assert system["role"] == "system" and "character-mode BBj" in system["content"]
    assert "Surrounding code (the new code must fit into it):\n```bbj\nrem caller\ngosub count\n```" in user["content"]
    assert "Task: Print the numbers 1 to 10" in user["content"]
    assert "Reference excerpts" in user["content"] and result.sources
    assert all(s.source in user["content"] for s in result.sources)
    # the second request: the same conversation plus the answer and the diagnostics in bbjcpl format
    assert second["messages"][:2] == first["messages"]
    assert second["messages"][2] == {"role": "assistant", "content": answer(BROKEN_CODE)}
    follow_up = second["messages"][3]
    assert follow_up["role"] == "user" and "does not compile" in follow_up["content"]
    assert "generated.bbj: error at line 20 (2): for i=1 10" in follow_up["content"]


def test_repair_loop_stops_at_max_attempts_with_the_best_code() -> None:
    worse = "for i=1 10\nx=(1+\nnext i\n"
    with ScriptedLLM([answer(worse), answer(BROKEN_CODE)]) as llm:
        result = _generate(llm, max_attempts=3)
    assert not result.compiled and len(result.attempts) == 3 and len(llm.requests) == 3
    assert [len(a.errors) for a in result.attempts] == [2, 1, 1]
    assert result.code == BROKEN_CODE  # fewest errors, latest on a tie
    # each repair call shows only the latest attempt: the prompt does not grow with the attempts
    third = llm.requests[2]["messages"]
    assert third[:2] == llm.requests[0]["messages"] and len(third) == 4
    assert third[2] == {"role": "assistant", "content": answer(BROKEN_CODE)}
    assert "Did NOT compile after 3 attempt(s)" in result.text()


def test_an_answer_without_code_is_sent_back() -> None:
    with ScriptedLLM(["I am sorry, but I cannot write that program for you.", answer(FIXED_CODE)]) as llm:
        result = _generate(llm)
    assert result.compiled and result.attempts[0].code == ""
    assert result.attempts[0].errors[0].startswith("no BBj code found in the answer")
    assert "no BBj code found" in llm.requests[1]["messages"][-1]["content"]


def test_first_answer_that_compiles_ends_the_loop() -> None:
    with ScriptedLLM([answer(FIXED_CODE)]) as llm:
        result = _generate(llm, max_attempts=3)
    assert result.compiled and len(result.attempts) == 1 and len(llm.requests) == 1
    assert result.text().startswith("Compiled on attempt 1 of 1")


def test_excerpts_are_dropped_least_relevant_first_to_fit_the_context_window() -> None:
    from bbjcoder.serve.documents import Chunk
    from bbjcoder.serve.index import SearchHit
    from bbjcoder.serve.repair import CHARS_PER_TOKEN, build_messages, fit_hits

    hits = [SearchHit(Chunk(f"ex{n}.md", 1, f"Example {n}", "Code", f"for i=1 to {n}\nprint i\nnext i\n" * 20,
                            ("all",), "example"), score=3.0 - n) for n in range(3)]
    args = ("Print the numbers 1 to 10", "all", None)
    sizes = [sum(len(m["content"]) for m in build_messages(*args, hits[:n], 1500)) // CHARS_PER_TOKEN for n in range(4)]
    assert sizes[0] < sizes[1] < sizes[2] < sizes[3]
    fits = lambda window, **kw: fit_hits(*args, hits, 1500, window, **{"max_tokens": 100, "repairs": False, **kw})  # noqa: E731
    assert fits(10_000) == hits  # everything fits: nothing dropped
    assert fits(sizes[2] + 100 + 16) == hits[:2]  # the least relevant excerpt goes first
    assert fits(sizes[0] + 100 + 16) == []
    # with repairs allowed the room is two answers and an error listing: fewer excerpts fit the same window
    assert fits(sizes[3] + 100 + 16) == hits and len(fits(sizes[3] + 100 + 16, repairs=True)) < 3
    with pytest.raises(ValueError, match="context_window of 50"):
        fits(50)
