"""Tokenizer for one logical BBj line.

A token is a tuple `(kind, text, column)` (tuples, not objects: the checker lexes about a million
tokens a second and object creation would dominate). Kinds:

    id    name, maybe with a type suffix:  count  name$  n%  obj!  (keywords are ids too)
    fld   field or method of the current class:  #Side  #name$  #this!
    num   12  3.14  .5  10.
    str   "text"  ("" is a literal quote)
    hex   $0D0A$  $$
    mnem  'CS'  'BOX'
    fc    ::path/file.bbj::ClassName
    op    punctuation and operators: <= >= <> + - * / ^ = < > ( ) [ ] , ; : . ! @ ? ::
    rem   a REM comment, the rest of the line
    eof   end of line (always last)

`REM` is only a comment where a statement begins (line start, after a line number or label, after
`;`, THEN or ELSE); elsewhere it is an ordinary name, and the parser reports it out of place.
"""

from __future__ import annotations

import re

__all__ = ["LexError", "tokenize", "Token"]

Token = tuple[str, str, int]

# Leading blanks are consumed with each token (one match per token, not two); at the end of the
# line the final blanks match with no group, which ends the loop.
_TOKEN_RE = re.compile(
    r"""
    [ \t\f\v\x1a]*
    (?:
     (?P<id>[A-Za-z_][A-Za-z0-9_]*[$%!]?)
    |(?P<num>\d+\.?\d*|\.\d+)
    |(?P<str>"(?:[^"]|"")*")
    |(?P<op><=|>=|<>|[-+*/^=<>()\[\],;.!@?])
    |(?P<fc>::[^:"\s][^:"]*::[A-Za-z_][A-Za-z0-9_]*)
    |(?P<colon>:)
    |(?P<fld>\#[A-Za-z_][A-Za-z0-9_]*[$%!]?)
    |(?P<hex>\$[^$"]*\$)
    |(?P<mnem>'[A-Za-z0-9_]+')
    |(?P<bad>.)
    |$
    )
    """,
    re.VERBOSE,
)
_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]*")


class LexError(Exception):
    """A character sequence that is no BBj token. column is 0-based."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _bad(text: str, col: int) -> LexError:
    """Name the problem for a character that starts no token."""
    ch = text[col]
    if ch == '"':
        return LexError(col, "string literal not closed on this line")
    if ch == "'":
        return LexError(col, "mnemonic not closed: expected 'NAME'")
    if ch == "$":
        return LexError(col, "stray '$': hex strings are written $0D0A$")
    if ch == "#":
        return LexError(col, "'#' must be followed by a field or method name")
    if ch == "&":
        return LexError(col, "'&' is not a BBj operator: join strings with '+'")
    if ch == "{" or ch == "}":
        return LexError(col, f"'{ch}' is not BBj: blocks end with a keyword (endif, wend, next, methodend)")
    return LexError(col, f"unexpected character {ch!r}")


def tokenize(text: str) -> list[Token]:
    """Split one logical line into tokens; raise LexError at the first bad character.

    >>> [t[:2] for t in tokenize('x$="a"; rem "unclosed')]
    [('id', 'x$'), ('op', '='), ('str', '"a"'), ('op', ';'), ('rem', 'rem "unclosed'), ('eof', '')]
    """
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind is None:
            break
        col = m.start(kind)
        if kind == "id":
            value = m.group(kind)
            if len(value) == 3 and value.lower() == "rem" and _statement_starts(tokens):
                append(("rem", text[col:], col))
                break
        elif kind == "colon":
            kind = "op"
            value = ":"
        elif kind == "hex":
            value = m.group(kind)
            _check_hex(value, col)
        elif kind == "bad":
            raise _bad(text, col)
        else:
            value = m.group(kind)
        append((kind, value, col))
    append(("eof", "", len(text)))
    return tokens


def _check_hex(value: str, col: int) -> None:
    digits = value[1:-1]
    if _HEX_DIGITS.fullmatch(digits) is None:
        raise LexError(col, f"hex string {value} may hold only 0-9 and A-F")
    if len(digits) % 2:
        raise LexError(col, f"hex string {value} needs an even number of digits")


def _statement_starts(tokens: list[Token]) -> bool:
    """True where a statement may begin: line start, after a line number, a label, ';', THEN, ELSE."""
    if not tokens:
        return True
    kind, text, _ = tokens[-1]
    n = len(tokens)
    if kind == "op":
        return text == ";" or (text == ":" and (n == 2 or (n == 3 and tokens[0][0] == "num")))
    if kind == "id":
        return text.lower() in ("then", "else")
    return kind == "num" and n == 1
