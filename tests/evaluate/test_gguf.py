"""The GGUF backend in-process through llama-cpp-python, on the micro model exported with the export stage's writer.

Skipped where llama-cpp-python (optional: bbjcoder[llama]) or the export stage's GGUF writer is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bbjcoder.evaluate.generation import GenParams
from bbjcoder.evaluate.models import open_generator, resolve_target

pytest.importorskip("llama_cpp")
gguf_file = pytest.importorskip("bbjcoder.export.gguf_file")

CONV = [{"role": "user", "content": "Print Hello World in BBj."}]


@pytest.fixture(scope="module")
def gguf_path(tiny_model_dir: Path, tmp_path_factory) -> Path:
    from transformers import AutoTokenizer

    out = tmp_path_factory.mktemp("gguf") / "tiny-f16.gguf"
    gguf_file.write_gguf(tiny_model_dir, AutoTokenizer.from_pretrained(str(tiny_model_dir)), out, "f16", name="tiny")
    return out


def test_gguf_greedy_matches_transformers(gguf_path: Path, tiny_model_dir: Path) -> None:
    target = resolve_target(str(gguf_path))
    assert target.kind == "gguf"
    gguf = open_generator(target, threads=1)
    hf = open_generator(resolve_target(str(tiny_model_dir)), threads=1)
    try:
        (g,), = gguf.generate([CONV], GenParams(max_new_tokens=8))
        (h,), = hf.generate([CONV], GenParams(max_new_tokens=8))
    finally:
        gguf.close()
        hf.close()
    assert g.text == h.text and g.truncated == h.truncated


def test_gguf_sampling_is_seeded(gguf_path: Path) -> None:
    gen = open_generator(resolve_target(str(gguf_path)), threads=1)
    try:
        params = GenParams(max_new_tokens=8, temperature=1.0, top_p=0.95, n=2, seed=4)
        a = gen.generate([CONV], params)
        b = gen.generate([CONV], params)
    finally:
        gen.close()
    assert len(a[0]) == 2 and [c.text for c in a[0]] == [c.text for c in b[0]]
