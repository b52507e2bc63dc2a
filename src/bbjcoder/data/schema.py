"""The front-matter schema of a training example, and its errors as Problems with line numbers.

SCHEMA is the one definition; training-data/schema/example.schema.json is the same document written
out for editors and other tools (tests/data/test_schema.py keeps the two equal; `schema_json()`
prints it). Error messages name the key, show the value and say the fix, e.g.

    training-data/oop/x.md:3: error: type: 'tutorial' is not allowed; use one of completion,
    comprehension, migration, explanation [bad-enum]
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from jsonschema import Draft202012Validator

from .example import DIFFICULTIES, GENERATION_LABELS, TYPES
from .problems import Problem, error

__all__ = ["SCHEMA", "ALLOWED_KEYS", "schema_json", "schema_problems"]

_GENERATIONS = {
    "anyOf": [
        {"enum": ["all", *GENERATION_LABELS]},
        {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(GENERATION_LABELS)}},
    ]
}

SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "bbjcoder training example (YAML front matter)",
    "description": "Front matter of one training-data/<topic>/<slug>.md example. See training-data/FORMAT.md.",
    "type": "object",
    "required": ["title", "type", "generation"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "pattern": "\\S", "description": "What the example is about; non-empty."},
        "type": {"enum": list(TYPES), "description": "How the build turns the example into chat turns."},
        "generation": {"$ref": "#/$defs/generations",
                       "description": "Where the code runs: all, or one or a list of the four generations."},
        "difficulty": {"enum": list(DIFFICULTIES)},
        "tags": {"type": "array", "items": {"type": "string", "pattern": "\\S"}},
        "description": {"type": "string", "pattern": "\\S",
                        "description": "One or two sentences; for completion this is the user's request."},
        "requires_version": {"type": "string", "pattern": "\\S", "description": "e.g. \"BBj 18.0\"."},
        "from_generation": {"$ref": "#/$defs/generations", "description": "Migration only: the old generation."},
        "to_generation": {"$ref": "#/$defs/generations", "description": "Migration only: the new generation."},
    },
    "$defs": {"generations": _GENERATIONS},
}

ALLOWED_KEYS = tuple(SCHEMA["properties"])
_VALIDATOR = Draft202012Validator(SCHEMA)
_ENUMS = {"type": TYPES, "difficulty": DIFFICULTIES}
_GENERATION_HINT = (
    'use "all", one of character, vpro5, bbj-gui, dwc, or a non-empty list of distinct ones, '
    "e.g. [character, vpro5]"
)


def schema_json() -> str:
    """The schema as written to training-data/schema/example.schema.json."""
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"


def schema_problems(meta: Mapping, file: str, key_lines: Mapping[str, int], start_line: int = 1) -> list[Problem]:
    """All schema errors of one front matter, one per key, in key order.

    key_lines maps each key to its line in the file; start_line is the opening '---' line, used
    for keys that are missing.
    """
    problems: dict[str, Problem] = {}
    for err in _VALIDATOR.iter_errors(dict(meta)):
        for key, reason, message in _describe(err, meta):
            problems.setdefault(key, error(file, key_lines.get(key, start_line), reason, message))
    return sorted(problems.values(), key=lambda p: (p.line, p.message))


def _describe(err, meta: Mapping) -> list[tuple[str, str, str]]:
    """(key, reason, message) for one jsonschema error."""
    if err.validator == "required" and not err.path:
        missing = [k for k in SCHEMA["required"] if k not in meta]
        return [(k, "missing-field", f"missing required key '{k}': add `{k}: ...` to the front matter")
                for k in missing]
    if err.validator == "additionalProperties" and not err.path:
        extra = sorted(k for k in meta if k not in SCHEMA["properties"])
        allowed = ", ".join(ALLOWED_KEYS)
        return [(str(k), "unknown-field", f"unknown key {str(k)!r}: allowed keys are {allowed}; "
                 "remove it or fix its spelling") for k in extra]
    key = str(err.path[0]) if err.path else "front matter"
    value = meta.get(key) if isinstance(meta, Mapping) else None
    if key in ("generation", "from_generation", "to_generation"):
        return [(key, "bad-enum", f"{key}: {value!r} is not allowed; {_GENERATION_HINT}")]
    if key in _ENUMS:
        return [(key, "bad-enum", f"{key}: {value!r} is not allowed; use one of {', '.join(_ENUMS[key])}")]
    if err.validator == "pattern":
        return [(key, "bad-value", f"{key} is empty: write some text or remove the key")]
    if err.validator == "type" and len(err.path) > 1:
        item = err.path[1]
        return [(key, "bad-value", f"{key}: item {item + 1 if isinstance(item, int) else item} is "
                 f"{err.instance!r}, not a {err.validator_value}; write text or remove the item")]
    if err.validator == "type":
        expected = err.validator_value
        hint = ' (quote it, e.g. "BBj 18.0")' if expected == "string" else ""
        if key == "tags" and expected == "array":
            hint = " (write a list: [sql, templates])"
        return [(key, "bad-value", f"{key}: expected a {expected}, got {value!r}{hint}")]
    return [(key, "bad-value", f"{key}: {value!r}: {err.message}")]
