"""Loading a stage's settings: YAML (optional), then flags, validated by the stage's pydantic model.

    cfg = load_settings(BuildConfig, "build.yaml", {"out": "x"}, keys_hint="sources, out, split ...")

None-valued overrides are ignored (an unset flag), and every problem is reported in one
ConfigError that names the field, the value and the allowed keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError

__all__ = ["load_settings"]

M = TypeVar("M", bound=BaseModel)


def load_settings(model: type[M], path: str | Path | None = None, overrides: dict | None = None,
                  *, keys_hint: str = "") -> M:
    """Config from YAML (optional), then overrides (None values ignored); every error at once."""
    data: dict = {}
    where = str(path) if path else "flags"
    if path:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: a config must be a mapping of keys ({keys_hint})")
        data = dict(loaded or {})
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return model(**data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "config"
            if err["type"] == "extra_forbidden":
                problems.append(f"{field}: unknown key; allowed keys are {', '.join(model.model_fields)}")
            else:
                message = err["msg"].removeprefix("Value error, ")
                problems.append(f"{field}: {message} (got {err.get('input')!r})")
        raise ConfigError(f"{where}: {len(problems)} problem(s): " + "; ".join(problems)) from None
