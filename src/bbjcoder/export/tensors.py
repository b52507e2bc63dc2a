"""Reading safetensors without copies, and writing F16 in chunks: what keeps the GGUF writer near disk speed.

    with SafetensorsFile(path) as st:
        st.shape("model.norm.weight"), st.dtype("model.norm.weight")
        t = st.tensor("model.embed_tokens.weight")        # torch view on the mapped file, nothing read yet
    ChunkedF16(t).tofile(fh)                               # converts 1M values at a time into one reused buffer

The safetensors format: 8 bytes little-endian header length N, N bytes of JSON
    {"<name>": {"dtype": "F32", "shape": [384, 64], "data_offsets": [begin, end]}, "__metadata__": {...}}
then the raw little-endian data; offsets count from the end of the header. The file is mapped copy-on-write
(never written), so a tensor is a view whose pages are read from the page cache only when converted.

`ChunkedF16` has what GGUFWriter.write_tensor_data needs (`nbytes`, `tofile`): the writer keeps its own state
machine and padding, and the F16 copy never exists in full (no 2-bytes-per-parameter allocation, no page faults
on fresh memory), which is most of the difference to a plain copy of the same bytes.
"""

from __future__ import annotations

import json
import mmap
import struct
from pathlib import Path
from typing import IO, Any

from ..errors import ExportError

__all__ = ["SafetensorsFile", "ChunkedF16"]

_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64"}
_CHUNK = 1 << 20  # values per conversion step: 4 MiB of fp32 in, 2 MiB of F16 out; stays in cache


class SafetensorsFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("rb")
        try:
            (n,) = struct.unpack("<Q", self._fh.read(8))
            self.header: dict[str, Any] = json.loads(self._fh.read(n))
        except (struct.error, json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._fh.close()
            raise ExportError(f"{path}: not a safetensors file ({exc})") from None
        self.header.pop("__metadata__", None)
        self._base = 8 + n
        self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_COPY)
        if hasattr(mmap, "MADV_SEQUENTIAL"):
            self._map.madvise(mmap.MADV_SEQUENTIAL)

    def __enter__(self) -> SafetensorsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._map.close()
        except BufferError:  # a view is still alive (an exception's traceback holds it): freed with the last view
            pass
        self._fh.close()

    def keys(self) -> list[str]:
        return list(self.header)

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.header[name]["shape"])

    def dtype(self, name: str) -> str:
        return self.header[name]["dtype"]

    def tensor(self, name: str):
        """A torch tensor viewing the mapped bytes (no copy); ExportError for dtypes other than float."""
        import torch

        info = self.header[name]
        if info["dtype"] not in _DTYPES:
            raise ExportError(f"{self.path}: tensor {name!r} has dtype {info['dtype']}; only float tensors are converted")
        begin, end = info["data_offsets"]
        dtype = getattr(torch, _DTYPES[info["dtype"]])
        count = (end - begin) // dtype.itemsize
        flat = torch.frombuffer(self._map, dtype=dtype, count=count, offset=self._base + begin) if count else torch.empty(0, dtype=dtype)
        return flat.reshape(info["shape"])


class ChunkedF16:
    """A float tensor written as F16 chunk by chunk; duck-types the numpy array GGUFWriter.write_tensor_data takes."""

    def __init__(self, tensor) -> None:
        self.flat = tensor.reshape(-1)
        self.nbytes = self.flat.numel() * 2

    def tofile(self, fh: IO[bytes]) -> None:
        import torch

        buf = torch.empty(min(_CHUNK, self.flat.numel()), dtype=torch.float16)
        for start in range(0, self.flat.numel(), _CHUNK):
            part = self.flat[start : start + _CHUNK]
            out = buf[: part.numel()]
            out.copy_(part)
            fh.write(out.numpy().data)
