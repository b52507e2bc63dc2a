"""Fixtures for the serve tests (the pieces themselves live in support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import make_knowledge


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    return make_knowledge(tmp_path)
