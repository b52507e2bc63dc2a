"""Writing output files so that a crash never leaves half a file and the same data gives the same bytes.

Every writer here goes through a temporary file in the target folder and `os.replace`, which is
atomic on POSIX and Windows: a reader sees the old file or the new one, never a mix. JSON is
written one way only (UTF-8, no ASCII escaping, `\\n` line ends, keys in the order the caller built
them), so equal records give equal bytes on every machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import DataError
from ..fileio import sha256_file  # re-exported: the build reports output hashes

__all__ = ["dumps_line", "write_text_atomic", "write_jsonl_atomic", "sha256_hex", "sha256_file"]


def dumps_line(record: object) -> str:
    """One JSONL line (without the newline): compact, UTF-8 text kept as is.

    >>> dumps_line({"text": "é", "n": 1})
    '{"text": "é", "n": 1}'
    """
    return json.dumps(record, ensure_ascii=False)


def sha256_hex(data: str | bytes) -> str:
    """Hex SHA-256 of text (encoded as UTF-8) or bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def write_text_atomic(path: Path, text: str) -> None:
    """Write text (UTF-8, `\\n` line ends) to path atomically, creating parent folders."""
    _write_atomic(path, [text])


def write_jsonl_atomic(path: Path, records: Iterable[object]) -> int:
    """Write one JSON record per line atomically; return the number of records."""
    count = 0

    def lines() -> Iterable[str]:
        nonlocal count
        for record in records:
            count += 1
            yield dumps_line(record) + "\n"

    _write_atomic(path, lines())
    return count


def _write_atomic(path: Path, chunks: Iterable[str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise DataError(f"{path}: cannot write: {exc.strerror}; check that the output folder is writable") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
