"""k-quants (Q4_K_M, Q5_K_M, Q2_K) through llama.cpp's own quantizer, reached via llama-cpp-python.

    if llama_cpp_missing() is None:
        quantize_gguf(Path("bbj-coder-f16.gguf"), Path("bbj-coder-q4_k_m.gguf"), "q4_k_m")

The k-quants' importance-weighted block search lives in llama.cpp (C++); gguf-py only has the simple types, so we
call `llama_cpp.llama_model_quantize` on our F16 file rather than reimplementing it. llama-cpp-python is the
optional extra `bbjcoder[llama]`; without it these types are an ExportError that says how to get them.
Rows not divisible by 256 (tiny models) get llama.cpp's own fallback type for that tensor.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from pathlib import Path

from ..errors import ExportError
from .files import atomic_path

__all__ = ["LLAMA_QUANTS", "llama_cpp_missing", "quantize_gguf"]

# our name -> llama_cpp ftype constant (llama.h enum llama_ftype)
LLAMA_QUANTS = {
    "q4_k_m": "LLAMA_FTYPE_MOSTLY_Q4_K_M",  # recommended for deployment: ~4.8 bits/weight, small quality loss
    "q5_k_m": "LLAMA_FTYPE_MOSTLY_Q5_K_M",  # ~5.7 bits/weight, closer to F16
    "q2_k": "LLAMA_FTYPE_MOSTLY_Q2_K",  # ~2.6 bits/weight, for very small machines; visibly worse
}


def llama_cpp_missing() -> str | None:
    """None when llama-cpp-python is importable, else the message to show."""
    if importlib.util.find_spec("llama_cpp") is not None:
        return None
    return (
        "llama-cpp-python is not installed, so llama.cpp's quantizer is unavailable for "
        + ", ".join(LLAMA_QUANTS)
        + ": install it with `pip install 'bbjcoder[llama]'` (or `make install`), or export only f16,q8_0"
    )


def quantize_gguf(src: Path, dst: Path, kind: str, threads: int | None = None) -> Path:
    """Quantize the GGUF `src` (F16 or F32) to `dst` with llama.cpp; atomic."""
    if kind not in LLAMA_QUANTS:
        raise ExportError(f"unknown llama.cpp quantization {kind!r}; known: {', '.join(LLAMA_QUANTS)}")
    missing = llama_cpp_missing()
    if missing:
        raise ExportError(missing)
    import ctypes

    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, LLAMA_QUANTS[kind])
    params.nthread = threads or os.cpu_count() or 1
    with atomic_path(dst) as tmp, _stderr_to_file() as log:
        status = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), ctypes.byref(params))
        if status != 0 or not tmp.is_file():
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-15:]
            said = "its log ends:\n" + "\n".join(tail) if tail else "it logged nothing (is the input an F16/F32 GGUF?)"
            raise ExportError(f"llama.cpp could not quantize {src} to {kind} (status {status}); {said}")
    return dst


@contextmanager
def _stderr_to_file() -> Iterator:
    """Standard error into a temporary file for the block: llama.cpp logs a line per tensor.

    Both paths are caught: C writes to file descriptor 2, and llama-cpp-python's log callback prints to
    sys.stderr. A quantization that works says nothing (the export prints its own progress); one that fails
    shows the log's end in its error.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            with open(log.fileno(), "w", encoding="utf-8", errors="replace", buffering=1, closefd=False) as text, \
                    redirect_stderr(text):
                yield log
        finally:
            os.dup2(saved, 2)
            os.close(saved)
