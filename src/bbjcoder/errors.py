"""The one exception tree of bbjcoder.

Library code raises these; only the CLI turns them into exit codes and one-line messages.

    BBJCoderError
    ├── ConfigError        a config file or flag is wrong (names the field, the value and the fix)
    ├── InputError         an input file is missing, unreadable or malformed (names file and line)
    ├── CheckerError       a checker backend cannot run (bbjcpl missing, timed out)
    ├── DataError          the dataset build cannot go on
    ├── TrainError         training cannot start or continue
    ├── EvalError          evaluation cannot run (endpoint down, no prompts)
    ├── ExportError        export cannot write a valid artifact
    └── ServeError         the MCP server cannot serve
"""

from __future__ import annotations

__all__ = [
    "BBJCoderError",
    "ConfigError",
    "InputError",
    "CheckerError",
    "DataError",
    "TrainError",
    "EvalError",
    "ExportError",
    "ServeError",
]


class BBJCoderError(Exception):
    """Base of every error bbjcoder raises on purpose."""


class ConfigError(BBJCoderError):
    """A configuration value is invalid."""


class InputError(BBJCoderError):
    """An input file is missing, unreadable or malformed."""


class CheckerError(BBJCoderError):
    """A BBj checker backend could not run."""


class DataError(BBJCoderError):
    """The dataset build cannot continue."""


class TrainError(BBJCoderError):
    """Training cannot start or continue."""


class EvalError(BBJCoderError):
    """Evaluation cannot run."""


class ExportError(BBJCoderError):
    """Export cannot produce a valid artifact."""


class ServeError(BBJCoderError):
    """The server cannot serve."""
