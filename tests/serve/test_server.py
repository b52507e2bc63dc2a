"""The MCP server through a real MCP client session (the SDK's in-memory Client): tool listing with
schemas, each tool's happy path and error paths, the repair loop end to end over MCP."""

from __future__ import annotations

from pathlib import Path

from mcp import Client

from bbjcoder.serve import BBjService, build_server, load_config

from .support import BROKEN_CODE, FIXED_CODE, ScriptedLLM, answer, config_overrides, free_port, run_async


def _server(tmp_path: Path, knowledge: Path, **more):
    return build_server(BBjService.from_config(load_config(overrides=config_overrides(tmp_path, knowledge, **more))))


def _calls(server, calls: list[tuple[str, dict]]):
    """Open one client session, make the calls in order, return the CallToolResults."""
    async def go():
        async with Client(server) as client:
            return [await client.call_tool(name, args) for name, args in calls]
    return run_async(go)


def _text(result) -> str:
    return result.content[0].text


def test_tool_listing_with_schemas(knowledge_dir: Path, tmp_path: Path) -> None:
    async def go():
        async with Client(_server(tmp_path, knowledge_dir, max_search_results=15, max_attempts=4)) as client:
            return (await client.list_tools()).tools
    tools = {t.name: t for t in run_async(go)}
    assert sorted(tools) == ["generate_bbj_code", "search_bbj_knowledge", "validate_bbj_syntax"]
    generations = ["all", "character", "vpro5", "bbj-gui", "dwc"]

    search = tools["search_bbj_knowledge"].input_schema
    assert search["required"] == ["query"]
    assert search["properties"]["query"]["type"] == "string"
    assert search["properties"]["generation"]["anyOf"] == [{"enum": generations, "type": "string"},
                                                           {"type": "null"}]
    assert search["properties"]["generation"]["default"] is None
    assert {k: search["properties"]["limit"][k] for k in ("type", "default", "minimum", "maximum")} == {
        "type": "integer", "default": 5, "minimum": 1, "maximum": 15}

    validate = tools["validate_bbj_syntax"].input_schema
    assert validate["required"] == ["code"] and list(validate["properties"]) == ["code"]
    assert "100,000 characters" in validate["properties"]["code"]["description"]

    generate = tools["generate_bbj_code"].input_schema
    assert generate["required"] == ["prompt"]
    assert generate["properties"]["generation"]["enum"] == generations
    assert generate["properties"]["generation"]["default"] == "dwc"
    assert generate["properties"]["context"]["default"] is None
    assert (generate["properties"]["max_attempts"]["default"], generate["properties"]["max_attempts"]["maximum"]) \
        == (3, 4)

    for tool in tools.values():
        assert len(tool.description) > 200 and tool.output_schema["type"] == "object"
        assert all(p.get("description") for p in tool.input_schema["properties"].values())
    assert set(tools["validate_bbj_syntax"].output_schema["required"]) >= {"valid", "errors", "checker"}
    assert set(tools["generate_bbj_code"].output_schema["required"]) >= {"code", "compiled", "attempts", "sources"}
    assert tools["validate_bbj_syntax"].annotations.read_only_hint
    assert tools["generate_bbj_code"].annotations.open_world_hint


def test_validate_bbj_syntax(knowledge_dir: Path, tmp_path: Path) -> None:
    server = _server(tmp_path, knowledge_dir, max_code_chars=200)
    good, bad, empty, huge = _calls(server, [
        ("validate_bbj_syntax", {"code": FIXED_CODE}),
        ("validate_bbj_syntax", {"code": BROKEN_CODE}),
        ("validate_bbj_syntax", {"code": "  \n"}),
        ("validate_bbj_syntax", {"code": "print 1\n" * 40}),
    ])
    assert not good.is_error and _text(good) == "VALID: no syntax errors (checker: builtin)"
    assert good.structured_content["valid"] is True and good.structured_content["errors"] == []

    assert not bad.is_error  # invalid code is an answer, not a tool failure
    assert _text(bad).splitlines()[:3] == [
        "INVALID: 1 error(s) (checker: builtin)",
        "program.bbj: error at line 20 (2): for i=1 10",
        "    column 9: expected TO in FOR but found '10'"]
    report = bad.structured_content
    assert (report["valid"], report["error_count"], report["errors"]) == (
        False, 1, ["program.bbj: error at line 20 (2): for i=1 10"])
    assert report["diagnostics"][0] == {"line": 2, "column": 9, "severity": "error",
                                        "message": "expected TO in FOR but found '10'", "source_text": "for i=1 10"}

    assert empty.is_error and _text(empty) == ("Error executing tool validate_bbj_syntax: code is empty: "
                                               "send the BBj source as text")
    assert huge.is_error and _text(huge) == (
        "Error executing tool validate_bbj_syntax: code is 320 characters; the limit is 200 (max_code_chars): "
        "send less, or raise max_code_chars in the server config")


def test_search_bbj_knowledge(knowledge_dir: Path, tmp_path: Path) -> None:
    server = _server(tmp_path, knowledge_dir)
    hits, filtered, none, bad_generation, bad_limit, empty = _calls(server, [
        ("search_bbj_knowledge", {"query": "teal Save button addButton"}),
        ("search_bbj_knowledge", {"query": "teal Save button screen", "generation": "character", "limit": 2}),
        ("search_bbj_knowledge", {"query": "zzzz"}),
        ("search_bbj_knowledge", {"query": "button", "generation": "java"}),
        ("search_bbj_knowledge", {"query": "button", "limit": 0}),
        ("search_bbj_knowledge", {"query": " "}),
    ])
    top = hits.structured_content["hits"][0]
    assert top["source"] == f"{knowledge_dir}/dwc/styled-button.md" and top["generation"] == ["dwc"]
    assert top["title"] == "Open a DWC window with a styled button" and top["kind"] == "example"
    assert "teal" in top["excerpt"] and top["line"] > 0
    assert hits.structured_content["total_chunks"] > 5
    n = len(hits.structured_content["hits"])
    assert _text(hits).startswith(f"{n} match(es) for 'teal Save button addButton':\n\n"
                                  f"[1] Open a DWC window with a styled button - {top['section']}\n"
                                  f"    {top['source']}:{top['line']} (generation: dwc)\n{top['excerpt']}")

    assert len(filtered.structured_content["hits"]) <= 2
    assert all({"character", "all"} & set(h["generation"]) for h in filtered.structured_content["hits"])
    assert all("styled-button" not in h["source"] for h in filtered.structured_content["hits"])

    assert not none.is_error and none.structured_content["hits"] == [] and _text(none) == "No matches for 'zzzz'."
    assert bad_generation.is_error and "Input should be 'all', 'character', 'vpro5', 'bbj-gui' or 'dwc'" \
        in _text(bad_generation)
    assert bad_limit.is_error and "limit" in _text(bad_limit) and "greater than or equal to 1" in _text(bad_limit)
    assert empty.is_error and _text(empty).endswith("query is empty: send the query as text")


def test_generate_bbj_code_repairs_over_mcp(knowledge_dir: Path, tmp_path: Path) -> None:
    with ScriptedLLM([answer(BROKEN_CODE), answer(FIXED_CODE)]) as llm:
        server = _server(tmp_path, knowledge_dir, endpoint=llm.endpoint)
        (result,) = _calls(server, [("generate_bbj_code", {
            "prompt": "Show a teal Save button in a browser window", "generation": "dwc",
            "context": "rem main program\n", "max_attempts": 3})])
    assert not result.is_error
    out = result.structured_content
    assert out["compiled"] is True and out["code"] == FIXED_CODE and out["model"] == "bbj-coder"
    assert [(a["attempt"], a["compiled"]) for a in out["attempts"]] == [(1, False), (2, True)]
    assert out["attempts"][0]["errors"][0].startswith("generated.bbj: error at line 20 (2): for i=1 10")
    assert out["sources"][0]["source"] == f"{knowledge_dir}/dwc/styled-button.md"
    assert _text(result).startswith("Compiled on attempt 2 of 2 (model bbj-coder, generation dwc).")
    assert f"```bbj\n{FIXED_CODE}```" in _text(result)
    # the second request to the model carries the diagnostics
    assert len(llm.requests) == 2
    repair = llm.requests[1]["messages"][-1]
    assert repair["role"] == "user" and "generated.bbj: error at line 20 (2): for i=1 10" in repair["content"]
    assert "styled-button.md" in llm.requests[0]["messages"][1]["content"]  # retrieval reached the prompt


def test_generate_bbj_code_errors(knowledge_dir: Path, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"
    server = _server(tmp_path, knowledge_dir, endpoint=down, max_prompt_chars=100, max_context_chars=100)
    no_model, long_prompt, long_context, too_many, bad_generation = _calls(server, [
        ("generate_bbj_code", {"prompt": "hello world program"}),
        ("generate_bbj_code", {"prompt": "x" * 101}),
        ("generate_bbj_code", {"prompt": "hello", "context": "y" * 101}),
        ("generate_bbj_code", {"prompt": "hello", "max_attempts": 9}),
        ("generate_bbj_code", {"prompt": "hello", "generation": "cobol"}),
    ])
    assert no_model.is_error
    assert _text(no_model).startswith(f"Error executing tool generate_bbj_code: model endpoint {down} not reachable")
    assert "start the model server" in _text(no_model)
    assert long_prompt.is_error and "prompt is 101 characters; the limit is 100 (max_prompt_chars)" in _text(
        long_prompt)
    assert long_context.is_error and "context is 101 characters; the limit is 100 (max_context_chars)" in _text(
        long_context)
    assert too_many.is_error and "max_attempts" in _text(too_many) and "less than or equal to 5" in _text(too_many)
    assert bad_generation.is_error and "generation" in _text(bad_generation)


def test_generate_bbj_code_refuses_a_task_that_cannot_fit_the_context_window(knowledge_dir: Path, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"  # never called: the request is refused before any model call
    server = _server(tmp_path, knowledge_dir, endpoint=down, context_window=600, max_tokens=256)
    (refused,) = _calls(server, [("generate_bbj_code", {"prompt": "print the numbers 1 to 10 " * 10})])
    assert refused.is_error and "more than the model's context_window of 600" in _text(refused)
    assert "serve the model with a larger context window" in _text(refused)
