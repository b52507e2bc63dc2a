"""Loading a stage's settings: YAML (optional), then flags, validated by the stage's pydantic model.

    cfg = load_settings(BuildConfig, "build.yaml", {"out": "x"}, keys_hint="sources, out, split ...")

None-valued overrides are ignored (an unset flag), and every problem is reported in one
ConfigError that names the field, the value and the allowed keys. Every config loader (data, train,
eval, pipeline, serve) words its problems through `validation_problems` and `config_error`, so a
mistake reads the same whichever command found it:

    build.yaml: 2 problem(s):
      - treshold: unknown key (valid keys: out, sources, split, ...)
      - split.seed: Input should be a valid integer (got 'x')
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError

__all__ = ["load_settings", "validation_problems", "config_error"]

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
        raise config_error(where, validation_problems(exc, model)) from None


def validation_problems(exc: ValidationError, model: type[BaseModel], prefix: str = "") -> list[str]:
    """One line per problem: the dotted key (after `prefix`), what is wrong and the value given.

    An unknown key lists the valid keys of its own section; a check of the whole model (a model validator
    raising ValueError with one problem per line) gives its lines as they are.
    """
    lines: list[str] = []
    for err in exc.errors():
        loc = prefix + ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            lines.append(f"{loc}: unknown key (valid keys: {', '.join(_valid_keys(model, err['loc']))})")
        elif not err["loc"]:
            lines += message.split("\n")
        else:
            lines.append(f"{loc}: {message} (got {err.get('input')!r})")
    return lines


def config_error(source: str, problems: list[str]) -> ConfigError:
    """The one ConfigError for a config's problems, one per line."""
    return ConfigError(f"{source}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))


def _valid_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The allowed keys of the section that contains `loc` (nested models are followed)."""
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        if field is None:
            break
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        nested = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nested is None:
            break
        model = nested
    return sorted(model.model_fields)
