"""The local HF backend on a real micro model: batching, stopping, truncation, sampling, run folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bbjcoder.errors import EvalError
from bbjcoder.evaluate.generation import GenParams
from bbjcoder.evaluate.models import open_generator, resolve_target

CONVERSATIONS = [
    [{"role": "user", "content": "Print Hello World in BBj."}],
    [{"role": "system", "content": "You are an expert BBj programmer."}, {"role": "user", "content": "Sum 1 to 10."}],
    [{"role": "user", "content": "Open a window with an OK button and wait for events, then close it again."}],
    [{"role": "user", "content": "x"}],
    [{"role": "user", "content": "Read a customer record by key and print the name, or say there is none."}],
]


@pytest.fixture(scope="module")
def generator(tiny_model_dir: Path):
    gen = open_generator(resolve_target(str(tiny_model_dir)), batch_size=4, threads=1)
    yield gen
    gen.close()


def test_batched_greedy_equals_one_at_a_time(generator) -> None:
    params = GenParams(max_new_tokens=24)
    batched = generator.generate(CONVERSATIONS, params)
    generator.batch_size = 1
    try:
        single = generator.generate(CONVERSATIONS, params)
    finally:
        generator.batch_size = 4
    assert [a[0].text for a in batched] == [a[0].text for a in single]
    assert all(len(a) == 1 for a in batched)


def test_in_place_kv_cache_gives_the_logits_of_transformers_own_cache(generator) -> None:
    """The generator's preallocated cache (evaluate.kv_cache) against the default DynamicCache: a left-padded batch,
    the prompt pass and six decode steps, logits compared at every step (greedy tokens alone hide small errors)."""
    import torch
    from transformers import DynamicCache

    from bbjcoder.evaluate.kv_cache import InPlaceCache

    prompts = [generator.render(c) for c in CONVERSATIONS[:3]]
    width, pad = max(map(len, prompts)), generator.tok.pad_token_id
    ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    layers = generator.model.config.num_hidden_layers
    runs = []
    for cache in (DynamicCache(config=generator.model.config), InPlaceCache(layers, width + 6)):
        step_ids, step_mask, logits = ids, mask, []
        with torch.inference_mode():
            for _ in range(6):
                out = generator.model(input_ids=step_ids, attention_mask=step_mask, cache=cache, use_cache=True)
                logits.append(out.logits[:, -1])
                step_ids = out.logits[:, -1].argmax(-1, keepdim=True)
                step_mask = torch.cat([step_mask, torch.ones_like(step_ids)], dim=1)
        runs.append(torch.stack(logits))
    assert torch.allclose(runs[0], runs[1], atol=1e-6, rtol=0)
    assert cache.get_seq_length() == width + 5


def test_in_place_kv_cache_refuses_to_overflow() -> None:
    import torch

    from bbjcoder.evaluate.kv_cache import InPlaceCache

    cache = InPlaceCache(1, capacity=4)
    cache.update(torch.zeros(1, 1, 3, 2), torch.zeros(1, 1, 3, 2), 0)
    with pytest.raises(ValueError, match="capacity 4"):
        cache.update(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2), 0)


def test_prompt_is_the_chat_template_with_assistant_header(generator) -> None:
    ids = generator.render(CONVERSATIONS[0])
    text = generator.tok.decode(ids)
    assert text == "<|im_start|>user\nPrint Hello World in BBj.<|im_end|>\n<|im_start|>assistant\n"
    assert generator.tok.convert_ids_to_tokens(generator.stop_ids)[0] == "<|im_end|>"


def test_token_limit_marks_truncation(generator) -> None:
    answers = generator.generate(CONVERSATIONS[:2], GenParams(max_new_tokens=5))
    for (a,) in answers:
        # a random model rarely ends its turn within 5 tokens; when it does, it is not truncated
        assert a.truncated == (a.tokens == 5)


def test_stops_at_the_end_of_turn_token(generator) -> None:
    first = generator.generate(CONVERSATIONS[:1], GenParams(max_new_tokens=3))[0][0]
    saved = generator.stop_ids
    out = generator.model.generate(**_encode(generator, CONVERSATIONS[0]), max_new_tokens=1, do_sample=False)
    token = out[0, -1].item()  # the model's own first answer token, used as the end-of-turn token
    generator.stop_ids = [token]
    try:
        stopped = generator.generate(CONVERSATIONS[:1], GenParams(max_new_tokens=8))[0][0]
    finally:
        generator.stop_ids = saved
    assert stopped.text == "" and stopped.tokens == 0 and stopped.truncated is False
    assert first.tokens >= 1


def _encode(generator, conversation):
    import torch

    ids = generator.render(conversation)
    return {"input_ids": torch.tensor([ids]), "attention_mask": torch.ones(1, len(ids), dtype=torch.long)}


def test_sampling_gives_n_answers_reproducibly(generator) -> None:
    params = GenParams(max_new_tokens=8, temperature=1.0, top_p=0.95, n=3, seed=11)
    a = generator.generate(CONVERSATIONS[:2], params)
    b = generator.generate(CONVERSATIONS[:2], params)
    assert [len(x) for x in a] == [3, 3]
    assert [[c.text for c in x] for x in a] == [[c.text for c in x] for x in b]
    assert len({c.text for c in a[0]}) > 1  # 3 samples of a random model at temperature 1 differ


def test_small_model_decodes_on_one_thread_and_gives_the_threads_back(tiny_model_dir: Path) -> None:
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        gen = open_generator(resolve_target(str(tiny_model_dir)))
        assert gen.describe()["threads"] == 1  # overhead-bound: a second thread only contends
        gen.close()
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(saved)


def test_bfloat16_weights_on_request_float32_by_default_on_cpu(tiny_model_dir: Path) -> None:
    target = resolve_target(str(tiny_model_dir))
    for dtype, expected in (("auto", "float32"), ("bfloat16", "bfloat16")):
        gen = open_generator(target, threads=1, dtype=dtype)
        try:
            assert gen.describe()["dtype"] == expected
            answer = gen.generate(CONVERSATIONS[:1], GenParams(max_new_tokens=6))[0][0]
            assert answer.tokens == 6 or not answer.truncated
        finally:
            gen.close()


def test_prompt_longer_than_the_context_is_an_error(generator) -> None:
    long = [{"role": "user", "content": "print 1 " * 800}]
    with pytest.raises(EvalError, match="leaves no room to answer in the model's 1024 positions"):
        generator.generate([long], GenParams(max_new_tokens=8))


def test_run_folder_and_its_base(run_dir: Path) -> None:
    run = resolve_target(str(run_dir))
    base = resolve_target(f"{run_dir}@base")
    assert (run.kind, base.kind) == ("run", "run-base")
    assert run.eval_location("bbj-eval", Path("evals")) == (run_dir / "eval", "bbj-eval")
    assert base.eval_location("bbj-eval", Path("evals")) == (run_dir / "eval", "base-bbj-eval")
    assert run.train_data[0].name == "train.jsonl"
    gen = open_generator(base, threads=1)
    try:
        info = gen.describe()
        assert info["weights"] == "untrained" and info["base"] == "tiny"
        assert gen.generate(CONVERSATIONS[:1], GenParams(max_new_tokens=4))[0][0].tokens == 4
    finally:
        gen.close()


def test_model_spec_errors(tmp_path: Path, run_dir: Path) -> None:
    with pytest.raises(EvalError, match="no such file or directory; give a run folder"):
        resolve_target(str(tmp_path / "nope"))
    (tmp_path / "weights.bin").write_bytes(b"not gguf")
    with pytest.raises(EvalError, match="a file that is not GGUF"):
        resolve_target(str(tmp_path / "weights.bin"))
    with pytest.raises(EvalError, match="@base only applies to a run folder"):
        resolve_target(f"{tmp_path}@base")
    unfinished = tmp_path / "run-x"
    (unfinished / "tokenizer").mkdir(parents=True)
    (unfinished / "config.yaml").write_text("data: {}\n")
    (unfinished / "state.json").write_text(json.dumps({"state": "instruct", "history": []}))
    with pytest.raises(EvalError, match=r"the run has no model/ or adapter/ yet \(state: instruct\)"):
        resolve_target(str(unfinished))


def test_gguf_without_llama_cpp_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # `import llama_cpp` fails, as where it is not installed
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 20)
    target = resolve_target(str(path))
    assert target.kind == "gguf"
    with pytest.raises(EvalError, match=r"needs llama-cpp-python, which is not installed: pip install 'bbjcoder\[llama\]'"):
        open_generator(target)
