"""File helpers of the export stage: atomic writes, hashes, link-or-copy, the Git LFS attributes.

Every file the export writes goes to a temporary name in the same folder first and is renamed with
`os.replace`, so a reader never sees half a file and a killed export leaves no truncated artifact.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..fileio import sha256_file  # re-exported for the export steps

__all__ = [
    "GITATTRIBUTES",
    "atomic_path",
    "write_text_atomic",
    "sha256_file",
    "link_or_copy",
    "copy_tree",
    "remove_tree",
]

# Git LFS: weights (GGUF, safetensors of merged models and adapters, legacy .bin/.pt) never go into git objects.
GITATTRIBUTES = (
    "# Git LFS for model weights: GGUF files, merged weights and LoRA adapters (safetensors or legacy .bin).\n"
    "*.gguf filter=lfs diff=lfs merge=lfs -text\n"
    "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
    "*.bin filter=lfs diff=lfs merge=lfs -text\n"
    "*.pt filter=lfs diff=lfs merge=lfs -text\n"
)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success rename it to `path`, on error remove it.

        with atomic_path(out / "model-f16.gguf") as tmp:
            write_everything(tmp)
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link `src` to `dst` (run folders are never modified, so sharing bytes is safe), else copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _copy_with(copy: Callable[[Path, Path], None]) -> Callable[[str, str], None]:
    return lambda s, d: copy(Path(s), Path(d))


def copy_tree(src: Path, dst: Path, *, link: bool = False) -> None:
    """Copy a folder atomically: into `dst`.tmp, then renamed. `link` hard-links files where possible."""
    tmp = dst.with_name(f".{dst.name}.tmp-{os.getpid()}")
    remove_tree(tmp)
    try:
        shutil.copytree(src, tmp, copy_function=_copy_with(link_or_copy) if link else shutil.copy2)
        os.replace(tmp, dst)
    finally:
        remove_tree(tmp)


def remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()

