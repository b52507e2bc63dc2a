"""What each pipeline stage last did, and for which inputs: the file that makes a rerun resume.

runs/pipeline-<name>.json:

    {"stages": {"build": {"fingerprint": "sha256:...", "outputs": {"dir": "build"}, "seconds": 2.4,
                          "finished": 1732890000.0}, ...}}

A stage is skipped when its recorded fingerprint equals the fingerprint of its current inputs and
its outputs still exist; anything else runs it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

__all__ = ["PipelineState", "fingerprint", "files_digest"]


def files_digest(paths: list[Path]) -> str:
    """sha256 over the relative names and bytes of every file below `paths` (files or folders), sorted."""
    digest = hashlib.sha256()
    for root in sorted(paths, key=str):
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root] if root.exists() else []
        for file in files:
            name = file.relative_to(root).as_posix() if root.is_dir() else file.name
            digest.update(f"{root}/{name}\0".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint(*parts: Any) -> str:
    """A stable hash of JSON-able parts (settings, digests, run ids)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class PipelineState:
    """The per-stage records, saved atomically after every stage."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stages: dict[str, dict[str, Any]] = {}
        if path.is_file():
            self.stages = json.loads(path.read_text(encoding="utf-8")).get("stages", {})

    def current(self, stage: str, print_: str) -> dict[str, Any] | None:
        """The record of `stage` when it was made for fingerprint `print_`, else None."""
        record = self.stages.get(stage)
        return record if record and record.get("fingerprint") == print_ else None

    def record(self, stage: str, print_: str, outputs: dict[str, Any], seconds: float) -> None:
        self.stages[stage] = {"fingerprint": print_, "outputs": outputs, "seconds": round(seconds, 2),
                              "finished": time.time()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"stages": self.stages}, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
