"""BBj syntax checking: the ground truth for data validation, evaluation and serving.

    from bbjcoder.bbj import check, get_checker
    check('print "hi"')              # [] : valid
    get_checker().check(code, "x.bbj")  # bbjcpl when installed, else the built-in checker
"""

from .backends import BbjcplChecker, BuiltinChecker, Checker, get_checker, parse_bbjcpl_output
from .checker import check, check_bytes
from .diagnostics import Diagnostic, Severity, format_bbjcpl, has_errors, to_json_record
from .extract import CodeBlock, extract_code, looks_like_code, markdown_blocks

__all__ = [
    "check",
    "check_bytes",
    "Checker",
    "BuiltinChecker",
    "BbjcplChecker",
    "get_checker",
    "parse_bbjcpl_output",
    "Diagnostic",
    "Severity",
    "format_bbjcpl",
    "has_errors",
    "to_json_record",
    "CodeBlock",
    "extract_code",
    "looks_like_code",
    "markdown_blocks",
]
