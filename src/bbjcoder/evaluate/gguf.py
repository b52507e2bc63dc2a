"""GGUF generation in-process through llama-cpp-python: the fast way to evaluate a quantized model on a CPU.

    gen = GgufGenerator("runs/<id>/export/model-q4_k_m.gguf", n_threads=2)

llama-cpp-python is optional (`pip install 'bbjcoder[llama]'`); without it this backend raises an EvalError that
says so. The chat template and its stop tokens come from the GGUF metadata (written by export), so the prompt is
rendered exactly as Ollama or llama-server would render it. One conversation at a time: llama.cpp's in-process API
has no batched chat completion.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import EvalError
from .generation import Completion, GenParams, ProgressFn, report

__all__ = ["GgufGenerator", "require_llama_cpp"]

_DEFAULT_CONTEXT = 4096  # prompt + answer; a 32k-context model would otherwise reserve a KV cache we never use


def require_llama_cpp(path: str | Path):
    """The llama_cpp.Llama class, or an EvalError saying how to get it."""
    try:
        from llama_cpp import Llama
    except ImportError:
        raise EvalError(
            f"{path}: evaluating a GGUF file needs llama-cpp-python, which is not installed:"
            " pip install 'bbjcoder[llama]' (or pip install llama-cpp-python), or serve the file with"
            " llama-server / Ollama and use --endpoint"
        ) from None
    return Llama


class GgufGenerator:
    kind = "gguf"

    def __init__(self, path: str | Path, n_threads: int | None = None, n_ctx: int | None = None) -> None:
        Llama = require_llama_cpp(path)
        self.path = Path(path)
        self.label = str(path)
        try:
            # n_threads_batch follows n_threads: its own default (all cores) makes the prompt pass spin against
            # whatever else runs on a shared machine
            self.llm = Llama(model_path=str(path), n_ctx=n_ctx or _DEFAULT_CONTEXT, n_threads=n_threads,
                             n_threads_batch=n_threads, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise EvalError(f"{path}: llama.cpp cannot load this GGUF file ({exc})") from None

    def describe(self) -> dict:
        return {"backend": "gguf", "path": str(self.path), "n_ctx": self.llm.n_ctx()}

    def generate(self, conversations: list[list[dict]], params: GenParams, progress: ProgressFn | None = None) -> list[list[Completion]]:
        results: list[list[Completion]] = []
        report(progress, params.step, 0, len(conversations))
        for i, conv in enumerate(conversations):
            results.append([self._one(conv, params, params.seed + i * params.n + j) for j in range(params.n)])
            report(progress, params.step, i + 1, len(conversations))
        return results

    def _one(self, conv: list[dict], params: GenParams, seed: int) -> Completion:
        sampling = {"temperature": 0.0, "top_k": 1} if params.greedy else {"temperature": params.temperature, "top_p": params.top_p, "top_k": 0}
        out = self.llm.create_chat_completion(messages=conv, max_tokens=params.max_new_tokens, seed=seed, **sampling)
        choice = out["choices"][0]
        return Completion(choice["message"]["content"] or "", choice.get("finish_reason") == "length",
                          (out.get("usage") or {}).get("completion_tokens"))

    def close(self) -> None:
        if hasattr(self.llm, "close"):
            self.llm.close()
