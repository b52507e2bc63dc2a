"""Expressions of a BBj line: the token cursor and a typed Pratt parser, shared by every statement.

Expressions are typed as they are parsed: "S" string, "N" number, "A" anything (objects,
unknown calls). A string meeting a number in `+`, a comparison or an assignment is the
compile-time error 26 ("wrong type of variable or constant"); anything untyped is never an error.
Precedence, lowest first: mask `:`; AND OR; = <> < > <= >=; + -; * /; ^; unary - + !; postfix.
`parser.py` builds the statements on top of this class.
"""

from __future__ import annotations

from .keywords import FUNCTION_TYPES, RESERVED, SYSTEM_VARIABLES
from .lexer import Token

__all__ = ["BLOCK_ENDERS", "ExpressionParser", "LABEL_OPTIONS", "ParseError", "SUFFIX_TYPE", "describe", "suffix_type"]

_MAX_DEPTH = 60
_BINARY_BP = {
    ":": 10,
    "=": 30, "<>": 30, "<": 30, ">": 30, "<=": 30, ">=": 30,
    "+": 40, "-": 40,
    "*": 50, "/": 50,
    "^": 60,
}
_LOGICAL_BP = 20
_RELATIONAL = frozenset({"=", "<>", "<", ">", "<=", ">="})
BLOCK_ENDERS = frozenset({"else", "fi", "endif"})
SUFFIX_TYPE = {"$": "S", "%": "N", "!": "A"}
LABEL_OPTIONS = frozenset({"err", "end", "dom"})
_VALUE_OPTIONS = frozenset({"mode", "tim", "key", "ind", "knum", "siz", "len", "isz", "dir", "tbl", "bsz", "rec"})


class ParseError(Exception):
    """The first syntax error on a line. column is 0-based within the logical line."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def suffix_type(name: str) -> str:
    return SUFFIX_TYPE.get(name[-1], "N")


def describe(tok: Token) -> str:
    kind, text, _ = tok
    if kind == "eof":
        return "end of line"
    return repr(text if len(text) <= 20 else text[:20] + "...")


class ExpressionParser:
    """The token cursor over one line and the expression grammar; statements live in parser._Parser."""

    def __init__(self, toks: list[Token]) -> None:
        end = toks[-1]
        self.toks = toks + [end, end, end]  # look-ahead never runs off the end
        self.i = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------
    def fail(self, message: str, tok: Token | None = None) -> ParseError:
        tok = tok or self.toks[self.i]
        return ParseError(tok[2], message)

    def is_op(self, text: str, offset: int = 0) -> bool:
        tok = self.toks[self.i + offset]
        return tok[0] == "op" and tok[1] == text

    def word(self, offset: int = 0) -> str:
        """The lower-cased name at i+offset, or '' when it is no name."""
        tok = self.toks[self.i + offset]
        return tok[1].lower() if tok[0] == "id" else ""

    def expect_op(self, text: str, what: str = "") -> None:
        tok = self.toks[self.i]
        if tok[0] != "op" or tok[1] != text:
            raise self.fail(f"expected '{text}'{what} but found {describe(tok)}")
        self.i += 1

    def expect_name(self, what: str) -> Token:
        tok = self.toks[self.i]
        if tok[0] != "id":
            raise self.fail(f"expected {what} but found {describe(tok)}")
        self.i += 1
        return tok

    def at_end(self) -> bool:
        """True at the end of a statement: end of line, ';', or ELSE/FI/ENDIF."""
        kind, text, _ = self.toks[self.i]
        if kind == "eof" or kind == "rem":
            return True
        if kind == "op":
            return text == ";"
        return kind == "id" and text.lower() in BLOCK_ENDERS

    # expressions ---------------------------------------------------------------------------
    def expr(self, min_bp: int = 0) -> str:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.fail("expression nested too deeply")
        left = self.unary()
        toks = self.toks
        while True:
            kind, text, col = toks[self.i]
            if kind == "op":
                bp = _BINARY_BP.get(text)
            elif kind == "id" and (text.lower() == "and" or text.lower() == "or"):
                bp = _LOGICAL_BP
                text = "and"
            else:
                bp = None
            if bp is None or bp < min_bp:
                break
            self.i += 1
            if text == ":":
                if self.is_op("("):
                    self.paren_list()
                else:
                    self.expr(bp + 1)
                left = "S"
                continue
            right = self.expr(bp + 1)
            left = self.combine(text, left, right, col)
        self.depth -= 1
        return left

    def combine(self, op: str, left: str, right: str, col: int) -> str:
        if op == "+":
            if left == right:
                return left
            if "A" in (left, right):
                return "A"
            raise ParseError(col, "type mismatch: cannot add a string and a number (use str() or num())")
        if op in _RELATIONAL:
            if left != right and "A" not in (left, right):
                raise ParseError(col, "type mismatch: cannot compare a string with a number")
            return "N"
        if op == "and":
            return "N"
        if left == "S" or right == "S":
            raise ParseError(col, f"type mismatch: '{op}' needs numbers, not strings")
        return "N"

    def unary(self) -> str:
        kind, text, col = self.toks[self.i]
        if kind == "op" and text in ("-", "+", "!"):
            self.i += 1
            t = self.unary()
            if t == "S" and text != "!":
                raise ParseError(col, f"type mismatch: unary '{text}' needs a number")
            return "N"
        return self.postfix()

    def postfix(self) -> str:
        tok = self.toks[self.i]
        kind, text, col = tok
        if kind == "num":
            self.i += 1
            return "N"
        if kind == "str" or kind == "hex":
            self.i += 1
            typ = "S"
        elif kind == "mnem":
            self.i += 1
            if self.is_op("("):
                self.args()
            return "S"
        elif kind == "id":
            typ = self.name_primary(tok)
        elif kind == "fld":
            self.i += 1
            if self.is_op("("):
                self.args()
                typ = "A"
            else:
                typ = suffix_type(text)
        elif kind == "op" and text == "(":
            self.i += 1
            typ = self.expr()
            if self.is_op(","):
                raise self.fail("expected ')': a parenthesised list is not an expression")
            self.expect_op(")", " to close '('")
        elif kind == "op" and text == "@":
            self.i += 1
            if not self.is_op("("):
                raise self.fail("expected '(' after '@': write @(column,row)")
            self.args()
            return "S"
        elif kind == "fc":
            self.i += 1
            typ = "A"
        elif kind == "op" and text == "[":
            self.index()  # key definitions [1:6]+[7:10:"N"] and FIELD's [index]
            typ = "A"
        else:
            if kind == "op" and text == "*" and self.toks[self.i + 1][0] == "id":
                raise self.fail("a *LABEL target is only allowed after an option such as ERR=")
            raise self.fail(f"expected an expression but found {describe(tok)}")
        return self.members(typ)

    def members(self, typ: str) -> str:
        """Member access, calls, indexes and chained substrings after a primary."""
        while True:
            tok = self.toks[self.i]
            if tok[0] != "op":
                return typ
            if tok[1] == ".":
                self.i += 1
                member = self.toks[self.i]
                if member[0] != "id":
                    raise self.fail(f"expected a member name after '.', found {describe(member)}")
                self.i += 1
                typ = SUFFIX_TYPE.get(member[1][-1], "A")
                if self.is_op("("):
                    self.args()
                    typ = "A" if member[1][-1] not in "$%" else typ
            elif tok[1] == "[":
                self.index()
            elif tok[1] == "(" and typ == "S":
                self.args()
            else:
                return typ

    def name_primary(self, tok: Token) -> str:
        name = tok[1]
        low = name.lower()
        self.i += 1
        if low == "new" and self.toks[self.i][0] in ("id", "fc"):
            self.type_name()
            if self.is_op("["):
                self.index()
            elif self.is_op("("):
                self.args()
            else:
                raise self.fail("expected '(' or '[' after the class name in NEW")
            return "A"
        if low == "cast" and self.is_op("("):
            self.i += 1
            self.type_name()
            self.expect_op(",", " between the type and the value in CAST")
            self.expr()
            self.expect_op(")", " to close CAST(")
            return "A"
        suffix = name[-1]
        if self.is_op("("):
            if suffix == "!":
                raise self.fail("object variables cannot take a substring: x!(...) is not allowed", tok)
            self.args()
            if low.startswith("fn"):
                return "S" if suffix == "$" else "N"
            if suffix == "$":
                return "S"
            return FUNCTION_TYPES.get(low, "A")
        if self.is_op("["):
            self.index()
            return suffix_type(name)
        if self.is_op("."):
            return "A"
        if suffix in SUFFIX_TYPE:
            return SUFFIX_TYPE[suffix]
        if low in RESERVED:
            raise self.fail(f"{name.upper()} must stand alone on its line", tok)
        return SYSTEM_VARIABLES.get(low, "N")

    def args(self) -> None:
        """'(' [arg {, arg}] ')' for calls, substrings and channel lists."""
        self.i += 1
        if self.is_op(")"):
            self.i += 1
            return
        self.delimited(self.arg, ")")

    def delimited(self, item, close: str, where: str = "") -> None:
        """item {',' item} then `close`; the opening bracket is already consumed."""
        while True:
            item()
            tok = self.toks[self.i]
            if tok[0] == "op" and tok[1] == ",":
                self.i += 1
                continue
            if tok[0] == "op" and tok[1] == close:
                self.i += 1
                return
            raise self.fail(f"expected ',' or '{close}'{where} but found {describe(tok)}")

    def paren_list(self) -> None:
        """An input-verification list after ':', e.g. n$:(""=done,LEN=1,20).

        Its items pair a value with a label (`"Q"=quit`), so `=` here is no comparison and is not
        type-checked.
        """
        self.i += 1
        self.delimited(self.verification_item, ")", " in the verification list")

    def verification_item(self) -> None:
        self.expr(31)
        if self.is_op("="):
            self.i += 1
            if self.is_op("*"):
                self.label_target()
            else:
                self.expr(31)

    def arg(self) -> None:
        """One argument: an expression, OPT=value (value may be *LABEL), or arr[ALL]."""
        toks = self.toks
        tok = toks[self.i]
        if tok[0] == "id" and self.is_op("=", 1):
            nxt = toks[self.i + 2]
            low = tok[1].lower()
            if (nxt[0] == "op" and nxt[1] == "*") or low in LABEL_OPTIONS:
                self.i += 2
                self.label_target()
                return
            if low in _VALUE_OPTIONS:  # MODE="theme=x", TIM=5: an option, not a comparison
                self.i += 2
                self.expr()
                return
        self.expr()

    def index(self) -> None:
        """'[' dims ']' : array subscripts; [ALL] for a whole array; lo:hi ranges for DIM."""
        self.i += 1
        if self.word() == "all" and self.is_op("]", 1):
            self.i += 2
            return
        if self.is_op("]"):  # a$[] : the whole array
            self.i += 1
            return
        self.delimited(self.subscript, "]")

    def subscript(self) -> None:
        self.expr(11)
        while self.is_op(":"):  # lo:hi ranges, key segments [7:10:"N"]
            self.i += 1
            self.expr(11)

    def type_name(self) -> str:
        """A type: BBjString, java.util.List, ::file.bbj::Class, with optional @ and []."""
        tok = self.toks[self.i]
        if tok[0] == "fc":
            self.i += 1
            name = tok[1]
        else:
            name = self.expect_name("a type name")[1]
            while self.is_op(".") and self.toks[self.i + 1][0] == "id":
                self.i += 2
                name = self.toks[self.i - 1][1]
        if self.is_op("@"):
            self.i += 1
        while self.is_op("[") and self.is_op("]", 1):
            self.i += 2
        return name
