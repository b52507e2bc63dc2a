"""Parser for one logical BBj line: its statements, on top of the expression parser of expressions.py.

The compiler reads BBj a line at a time, and so does this parser: `parse_line` takes one logical
line and returns a `LineInfo` with the first syntax error (bbjcpl reports at most one per line),
the block events the line contributes (IF blocks, loops, CLASS, METHOD ...) and the labels it
defines and jumps to. Matching blocks across lines is `structure.py`'s job, which keeps this
parse context-free and lets the checker cache it by line text.

The token cursor, expressions and their types are `ExpressionParser` (expressions.py); `_Parser` adds the
statements, one method per verb.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .expressions import BLOCK_ENDERS, LABEL_OPTIONS, SUFFIX_TYPE, ExpressionParser, ParseError, describe, suffix_type
from .keywords import ACCESS, OPEN_OPTIONS, RECORD_VERBS, RESERVED, SPECIAL_LABELS, VERBS
from .lexer import LexError, Token, tokenize

__all__ = ["LineInfo", "ParseError", "parse_line"]


@dataclass(slots=True)
class LineInfo:
    """What one logical line contributes to the file-level check.

    events: block structure, in order, as (kind, name, column); kinds: if else endif for next
    while wend repeat until switch case swend def fnend class classend interface interfaceend
    method (with a return type) ctor (without: must be the constructor) methodend methodret field
    stmt (any plain statement, for "unreachable code" in a class). A METHOD line with an error adds no
    event, so its METHODEND is reported too, as bbjcpl does.
    """

    error: tuple[int, str] | None = None
    number: int | None = None
    labels: list[str] = field(default_factory=list)
    refs: list[tuple[str, int]] = field(default_factory=list)
    events: list[tuple[str, str, int]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


class _Parser(ExpressionParser):
    """Recursive-descent parser over the tokens of one line (see module doc)."""

    def __init__(self, toks: list[Token], info: LineInfo) -> None:
        super().__init__(toks)
        self.info = info
        self.open_ifs: list[bool] = []  # single-line IFs still open on this line: has ELSE?
        self.stmt_no = 0
        self.deferred: ParseError | None = None  # an error reported once the line is read

    # -- line ----------------------------------------------------------------------------
    def line(self) -> None:
        toks = self.toks
        info = self.info
        if toks[0][0] == "num":
            info.number = int(float(toks[0][1]))
            self.i = 1
        tok = toks[self.i]
        if tok[0] == "id" and self.is_op(":", 1) and tok[1].lower() not in RESERVED:
            info.labels.append(tok[1].lower())
            self.i += 2
        self.statements()
        if self.deferred is not None:
            raise self.deferred

    def statements(self) -> None:
        toks = self.toks
        while True:
            kind = toks[self.i][0]
            if kind == "eof":
                return
            if kind == "rem" or (kind == "op" and toks[self.i][1] == ";"):
                self.i += 1  # comments and empty statements (`x=1;;y=2`, a trailing `;`)
                continue
            chained = self.statement()
            self.stmt_no += 1
            if not chained and self.separator():
                return

    def separator(self) -> bool:
        """After a statement: consume ';', ELSE, FI or ENDIF. True at the end of the line."""
        toks = self.toks
        while True:
            kind, text, _ = toks[self.i]
            if kind == "op" and text == ";":
                self.i += 1
                return False
            if kind == "eof" or kind == "rem":
                return True
            if kind == "id" and self.block_word_midline(text.lower()) == "else":
                return False
            if kind != "id" or text.lower() not in BLOCK_ENDERS:
                raise self.fail(f"expected ';' or end of line after the statement, found {describe(toks[self.i])}")

    def block_word_midline(self, low: str) -> str:
        """Consume ELSE / FI / ENDIF that belongs to a single-line IF; returns the word or ''."""
        if low not in BLOCK_ENDERS:
            return ""
        if low == "else":
            for k in range(len(self.open_ifs) - 1, -1, -1):
                if not self.open_ifs[k]:
                    self.open_ifs[k] = True
                    self.i += 1
                    return low
            raise self.fail("ELSE without an IF ... THEN before it on this line")
        if not self.open_ifs:
            raise self.fail(f"{low.upper()} without an IF before it on this line")
        self.open_ifs.pop()
        self.i += 1
        return low

    # -- statements ----------------------------------------------------------------------
    def statement(self) -> bool:
        """Parse one statement. Returns True when another statement may follow with no ';'."""
        tok = self.toks[self.i]
        kind = tok[0]
        if kind == "num" and self.open_ifs:
            self.label_target()  # `IF x THEN 100`: a line number after THEN/ELSE is a GOTO
            return False
        if kind == "id":
            low = tok[1].lower()
            if low in VERBS:
                nxt = self.toks[self.i + 1]
                if not (nxt[0] == "op" and nxt[1] in ("=", ".", "[")) or low in ("let", "if", "for"):
                    handler = getattr(self, "v_" + low, None)
                    if handler is not None:
                        return bool(handler(tok))
                    self.generic(tok)
                    return False
            self.events_stmt(tok)
            self.assignment_or_call()
            return False
        if kind == "fld":
            self.events_stmt(tok)
            self.assignment_or_call()
            return False
        if kind == "op" and tok[1] == "?":
            self.events_stmt(tok)
            self.v_print(tok)
            return False
        if kind == "op" and tok[1] == "!":
            raise self.fail("'!' does not start a comment in BBj: use REM")
        if kind == "op" and tok[1] == ":":
            raise self.fail("':' is not a statement separator in BBj: use ';'")
        raise self.fail(f"a statement cannot begin with {describe(tok)}")

    def events_stmt(self, tok: Token) -> None:
        self.info.events.append(("stmt", "", tok[2]))

    def event(self, kind: str, tok: Token, name: str = "") -> None:
        self.info.events.append((kind, name, tok[2]))

    # assignment / call --------------------------------------------------------------------
    def assignment_or_call(self) -> None:
        while True:
            start = self.toks[self.i]
            target_kind, ttype = self.target()
            if self.is_op("="):
                if target_kind == "call":
                    raise self.fail("cannot assign to the result of a call", start)
                if target_kind == "function":
                    raise self.fail(f"cannot assign to a function call {start[1]}(...)", start)
                if target_kind == "fn":
                    raise self.fail("variable names may not begin with FN (FN names are user functions)", start)
                eq = self.toks[self.i]
                self.i += 1
                vtype = self.expr()
                if (ttype == "S" and vtype == "N") or (ttype == "N" and vtype == "S"):
                    raise self.fail(
                        "type mismatch: cannot assign a "
                        + ("number to a string variable (use str())" if ttype == "S" else
                           "string to a numeric variable (use num())"),
                        eq,
                    )
                if self.is_op(",") and self.toks[self.i + 1][0] in ("id", "fld"):
                    self.i += 1
                    continue
                return
            if target_kind == "call":
                return
            if target_kind == "function":
                raise self.fail(f"a function call is not a statement: assign its result, e.g. x = {start[1]}(...)", start)
            tok = self.toks[self.i]
            if tok[0] == "op" and tok[1] in ("+", "-", "*", "/") and self.is_op("=", 1):
                raise self.fail(f"'{tok[1]}=' does not exist in BBj: write x = x {tok[1]} ...")
            if target_kind == "name" and start[1].lower() not in VERBS:
                raise self.fail(f"unknown statement {start[1]!r}: expected a verb, an assignment or a method call", start)
            raise self.fail(f"expected '=' or a method call, found {describe(tok)}")

    def target(self) -> tuple[str, str]:
        """Parse an assignment target or call statement; returns (kind, type).

        kinds: name (plain variable), fn (an FN name), elem, function (a built-in call such as
        BBjAPI()), call (a method call), member.
        """
        tok = self.toks[self.i]
        if tok[0] == "fld":
            self.i += 1
            if self.is_op("("):
                self.args()
                kind, typ = "call", "A"
            else:
                kind, typ = "member", suffix_type(tok[1])
        elif tok[0] == "id":
            name = tok[1]
            low = name.lower()
            self.i += 1
            kind, typ = "name", suffix_type(name)
            if low.startswith("fn") and len(low) > 2:
                kind = "fn"
            if low in RESERVED:
                raise self.fail(f"{name.upper()} must stand alone on its line", tok)
            if self.is_op("["):
                self.index()
                kind = "elem"
            if self.is_op("("):
                if name[-1] == "!":
                    raise self.fail("object variables cannot take a substring: x!(...) is not allowed", tok)
                self.args()
                kind = "elem" if name[-1] == "$" else "function"
        else:
            raise self.fail(f"a statement cannot begin with {describe(tok)}")
        while self.is_op("."):
            self.i += 1
            member = self.toks[self.i]
            if member[0] != "id":
                raise self.fail(f"expected a member name after '.', found {describe(member)}")
            self.i += 1
            kind, typ = "member", SUFFIX_TYPE.get(member[1][-1], "A")
            if self.is_op("("):
                self.args()
                kind, typ = "call", "A"
            while self.is_op("["):
                self.index()
                kind = "elem"
        return kind, typ

    def label_target(self) -> None:
        """A jump target: label, line number or *SPECIAL (after '*')."""
        tok = self.toks[self.i]
        if tok[0] == "op" and tok[1] == "*":
            self.i += 1
            special = self.toks[self.i]
            if special[0] != "id" or special[1].lower() not in SPECIAL_LABELS:
                raise self.fail("unknown *LABEL: use *NEXT, *SAME, *END, *BREAK, *CONTINUE, *ESCAPE, *RETRY ...")
            self.i += 1
            return
        if tok[0] == "id":
            self.i += 1
            self.info.refs.append((tok[1].lower(), tok[2]))
            return
        if tok[0] == "num":
            self.i += 1
            self.info.refs.append((tok[1], tok[2]))
            return
        raise self.fail(f"expected a label or line number but found {describe(tok)}")

    # channel lists and generic verbs ----------------------------------------------------------
    def channel(self, allowed: frozenset[str] | None = None) -> None:
        """'(' channel {, OPTION=value} ')'; allowed restricts the option names (OPEN)."""
        self.i += 1
        if self.is_op(")"):
            raise self.fail("expected a channel number")
        self.expr()
        seen: set[str] = set()
        while self.is_op(","):
            self.i += 1
            tok = self.toks[self.i]
            if tok[0] != "id" or not self.is_op("=", 1):
                raise self.fail(f"expected an option such as ERR=label, found {describe(tok)}")
            low = tok[1].lower()
            if allowed is not None:
                if low not in allowed:
                    raise self.fail(
                        f"{low.upper()}= is not an option of this verb (allowed: "
                        + ", ".join(sorted(o.upper() + "=" for o in allowed)) + ")"
                    )
                if low in seen:
                    raise self.fail(f"option {low.upper()}= given twice")
            seen.add(low)
            self.i += 2
            if self.is_op("*") or low in LABEL_OPTIONS:
                self.label_target()
            else:
                self.expr()
        self.expect_op(")", " to close the channel list")

    def items(self, separators: tuple[str, ...] = (",",)) -> None:
        """Comma-separated items until the statement ends; a trailing ',' is allowed."""
        while not self.at_end():
            if self.is_op("*") and (self.is_op(",", 1) or self.toks[self.i + 1][0] == "eof"):
                self.i += 1  # '*' skips a field in READ
            elif self.word() == "iol" and self.is_op("=", 1):
                self.i += 2
                self.label_target()
            else:
                self.arg()
            tok = self.toks[self.i]
            if tok[0] == "op" and tok[1] in separators:
                self.i += 1
                continue
            if tok[0] == "id" and tok[1].lower() in separators:
                self.i += 1
                continue
            if not self.at_end():
                raise self.fail(f"expected ',' between items but found {describe(tok)}")

    def generic(self, tok: Token) -> None:
        """VERB [(channel, OPT=...)] [item {, item}] for verbs without a grammar of their own."""
        self.events_stmt(tok)
        self.i += 1
        if self.is_op("("):
            self.channel()
        elif self.is_op(","):
            self.i += 1
        if self.word() == "except":  # CLEAR EXCEPT a, b[ALL] / BEGIN EXCEPT ...
            self.i += 1
        self.items(separators=(",", "to"))

    # classic verbs ------------------------------------------------------------------------
    def io_verb(self, tok: Token, allowed: frozenset[str] | None = None) -> None:
        self.events_stmt(tok)
        self.i += 1
        low = tok[1].lower()
        if self.word() == "record" and low in RECORD_VERBS:
            self.i += 1
        if self.is_op("("):
            self.channel(allowed)
        self.items()

    v_print = v_write = v_read = v_input = v_extract = v_find = io_verb
    v_inpute = v_inputn = v_printrecord = v_writerecord = v_readrecord = io_verb
    v_inputrecord = v_extractrecord = v_findrecord = v_remove = v_lock = v_unlock = io_verb
    v_sqlopen = v_sqlprep = v_sqlexec = v_sqlset = v_sqlclose = v_sqlcommit = v_sqlrollback = io_verb

    def v_open(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if not self.is_op("("):
            raise self.fail("expected '(' after OPEN: OPEN (channel[,MODE=][,TIM=][,ISZ=][,ERR=]) file")
        self.channel(OPEN_OPTIONS)
        if self.at_end():
            raise self.fail("expected the file name after OPEN (...)")
        self.expr()

    def v_close(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        while True:
            if not self.is_op("("):
                raise self.fail("expected '(' after CLOSE: CLOSE (channel[,ERR=label])")
            self.channel()
            if not self.is_op(","):
                return
            self.i += 1

    def v_let(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        self.assignment_or_call()

    def v_dim(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        while True:
            if self.word() == "err" and self.is_op("=", 1):
                self.arg()  # DIM ...,ERR=label
                break
            name = self.expect_name("an array or string name after DIM")
            if self.is_op("["):
                self.index()
            if self.is_op("("):
                if name[1][-1] == "!":
                    raise self.fail("object variables cannot be DIMmed as strings", name)
                self.args()
            if self.is_op(":"):
                if name[1][-1] == "!":
                    raise self.fail("object variables cannot take a string template", name)
                self.i += 1
                self.expr(11)
            if not self.is_op(","):
                break
            self.i += 1
        if not self.at_end():
            raise self.fail(f"expected ',' between DIM items but found {describe(self.toks[self.i])}")

    v_redim = v_dim

    def v_for(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        var = self.expect_name("the loop variable after FOR")
        if var[1][-1] == "$":
            raise self.fail("a FOR loop variable must be numeric", var)
        if self.is_op("["):
            self.index()
        self.expect_op("=", " after the FOR variable")
        self.expr()
        if self.word() != "to":
            raise self.fail(f"expected TO in FOR but found {describe(self.toks[self.i])}")
        self.i += 1
        self.expr()
        if self.word() == "step":
            self.i += 1
            self.expr()
        self.event("for", tok, var[1].lower())

    def v_next(self, tok: Token) -> None:
        self.i += 1
        name = ""
        if self.toks[self.i][0] == "id" and not self.at_end():
            name = self.toks[self.i][1].lower()
            self.i += 1
        self.event("next", tok, name)

    def v_while(self, tok: Token) -> None:
        self.i += 1
        self.expr()
        self.event("while", tok)

    def v_wend(self, tok: Token) -> None:
        self.i += 1
        self.event("wend", tok)

    def v_repeat(self, tok: Token) -> None:
        self.i += 1
        self.event("repeat", tok)

    def v_until(self, tok: Token) -> None:
        self.i += 1
        self.expr()
        self.event("until", tok)

    def v_switch(self, tok: Token) -> None:
        self.i += 1
        self.expr()
        self.event("switch", tok)

    def v_case(self, tok: Token) -> None:
        self.i += 1
        if self.word() == "default":
            self.i += 1
        else:
            self.expr()
            while self.is_op(","):
                self.i += 1
                self.expr()
        self.event("case", tok)

    def v_swend(self, tok: Token) -> None:
        self.i += 1
        self.event("swend", tok)

    def v_default(self, tok: Token) -> None:
        raise self.fail("DEFAULT belongs in CASE DEFAULT inside a SWITCH")

    def v_if(self, tok: Token) -> bool:
        self.events_stmt(tok)
        self.i += 1
        self.expr()
        if self.word() == "then":
            self.i += 1
        elif self.at_end() and self.toks[self.i][0] not in ("eof", "rem"):
            raise self.fail(f"expected THEN after the IF condition but found {describe(self.toks[self.i])}")
        kind = self.toks[self.i][0]  # THEN may be left out: `if x>0` alone opens a block
        if kind == "eof" or kind == "rem":
            self.event("if", tok)
            return False
        self.open_ifs.append(False)
        return True

    def v_else(self, tok: Token) -> bool:
        if self.stmt_no or self.open_ifs:
            if self.block_word_midline("else"):
                return True
        self.i += 1
        self.event("else", tok)
        return not self.at_end()

    def v_endif(self, tok: Token) -> bool:
        if self.stmt_no:
            raise self.fail(f"{tok[1].upper()} without an IF before it on this line")
        self.i += 1
        self.event("endif", tok)
        return False

    v_fi = v_endif

    def jump(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if self.at_end():
            raise self.fail(f"{tok[1].upper()} needs a label or line number")
        self.label_target()

    v_goto = v_gosub = v_exitto = jump

    def v_seterr(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if self.at_end():
            raise self.fail(f"{tok[1].upper()} needs a label, a line number or 0")
        if self.toks[self.i][0] == "num":
            self.i += 1
            return
        self.label_target()

    v_setesc = v_seterr

    def v_on(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        self.expr()
        if self.word() not in ("goto", "gosub"):
            raise self.fail(f"expected GOTO or GOSUB after ON ... but found {describe(self.toks[self.i])}")
        self.i += 1
        while True:
            self.label_target()
            if not self.is_op(","):
                return
            self.i += 1

    def v_call(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if self.at_end():
            raise self.fail("CALL needs the program to call")
        self.items()

    def v_callback(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if not self.is_op("("):
            raise self.fail(f"expected '(' after {tok[1].upper()}")
        toks = self.toks
        for k in range(self.i, len(toks) - 2):
            if toks[k][0] == "id" and toks[k + 1][1] == ":" and toks[k + 2][1] == ":":
                raise ParseError(toks[k][2], "a callback entry point must be quoted: \"prog::label\"")
        self.args()

    v_remove_callback = v_callback

    def v_process_events(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        while self.is_op(","):
            self.i += 1
            tok = self.toks[self.i]
            if tok[0] != "id" or not self.is_op("=", 1):
                raise self.fail("expected TIM= or ERR= after PROCESS_EVENTS,")
            self.arg()

    def v_def(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        self.expect_name("a function name (FNname) after DEF")
        if self.is_op("("):
            self.i += 1
            while not self.is_op(")"):
                self.expect_name("a parameter name")
                if self.is_op("["):
                    self.index()
                if self.is_op(","):
                    self.i += 1
                elif not self.is_op(")"):
                    raise self.fail(f"expected ',' or ')' in the DEF parameters, found {describe(self.toks[self.i])}")
            self.i += 1
        if self.is_op("="):
            self.i += 1
            self.expr()
        else:
            self.event("def", tok)

    def v_fnend(self, tok: Token) -> None:
        self.i += 1
        self.event("fnend", tok)

    def v_return(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if not self.at_end():
            self.expr()

    v_exit = v_release = v_fnerr = v_wait = v_precision = v_return

    def simple(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1

    v_end = v_stop = v_bye = v_retry = v_break = v_continue = v_escape = simple

    def v_run(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if self.at_end():
            raise self.fail("RUN needs the program to run")
        self.items()

    def v_use(self, tok: Token) -> None:
        self.i += 1
        self.type_name()

    def v_declare(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if self.word() == "auto":
            self.i += 1
        typ = self.type_name()
        name = self.expect_name("a variable name after the DECLARE type")
        self.check_suffix(typ, name)

    def v_select(self, tok: Token) -> None:
        self.events_stmt(tok)
        self.i += 1
        if self.is_op("("):
            self.channel()
        self.expr(11)
        if self.is_op(":"):
            self.i += 1
            self.select_fields()
        for clause in ("from", "where", "sortby", "limit"):
            if self.word() == clause:
                self.i += 1
                self.expr()
                while clause == "limit" and self.is_op(","):
                    self.i += 1
                    self.expr()

    def select_fields(self) -> None:
        while True:
            self.expr(11)
            if not self.is_op(","):
                return
            self.i += 1

    def v_field(self, tok: Token) -> None:
        nxt = self.toks[self.i + 1]
        if nxt[0] == "id" and nxt[1][-1] == "$" and self.toks[self.i + 2][1] == ",":
            self.template_field(tok)
            return
        self.must_start(tok)
        self.i += 1
        if self.word() in ACCESS:
            self.i += 1
        if self.word() == "static":
            self.i += 1
        typ = self.type_name()
        name = self.expect_name("a field name after the FIELD type")
        self.check_suffix(typ, name)
        if self.is_op("="):
            self.i += 1
            self.expr()
        self.event("field", tok, name[1])
        self.alone(tok)

    def template_field(self, tok: Token) -> None:
        """Classic FIELD: FIELD tpl$,name$[,[index]]=value[,ERR=label] (value of any type)."""
        self.events_stmt(tok)
        self.i += 2
        self.expect_op(",")
        self.expr(31)
        if self.is_op(",") and self.is_op("[", 1):
            self.i += 1
            self.index()
        self.expect_op("=", " before the field's new value")
        self.expr()
        while self.is_op(","):
            self.i += 1
            self.arg()

    def check_suffix(self, typ: str, name: Token) -> None:
        low = typ.lower()
        suffix = name[1][-1]
        if low == "bbjstring" and suffix not in "$!":
            raise self.fail(f"a BBjString name must end in '$': {name[1]}$", name)
        if low in ("bbjnumber", "bbjint") and suffix == "$":
            raise self.fail(f"a {typ} name cannot end in '$'", name)

    # custom objects --------------------------------------------------------------------------
    def must_start(self, tok: Token) -> None:
        if self.stmt_no:
            raise self.fail(f"{tok[1].upper()} must start a new line", tok)

    def alone(self, tok: Token) -> None:
        """Only `; REM ...` may follow CLASS, CLASSEND, FIELD, METHOD ... on their line."""
        cur = self.toks[self.i]
        if cur[0] == "eof" or cur[0] == "rem":
            return
        if cur[0] == "op" and cur[1] == ";" and self.toks[self.i + 1][0] in ("rem", "eof"):
            self.i += 1
            return
        raise self.fail(f"{tok[1].upper()} must be alone on its line (only '; rem ...' may follow)")

    def access(self, tok: Token) -> None:
        """The access level CLASS, INTERFACE and METHOD must carry.

        A missing one is reported after the rest of the header is read, so the block still opens
        and its end keyword is not reported as well.
        """
        if self.word() not in ACCESS:
            if self.deferred is None:
                self.deferred = self.fail(f"{tok[1].upper()} needs an access level: public, private or protected")
            return
        self.i += 1

    def v_class(self, tok: Token) -> None:
        self.must_start(tok)
        self.i += 1
        self.access(tok)
        if self.word() == "static":
            self.i += 1
        name = self.expect_name("the class name")
        for clause in ("extends", "implements"):
            if self.word() == clause:
                self.i += 1
                self.type_name()
                while self.is_op(","):
                    self.i += 1
                    self.type_name()
        self.event("class", tok, name[1])
        self.alone(tok)

    def v_interface(self, tok: Token) -> None:
        self.must_start(tok)
        self.i += 1
        self.access(tok)
        name = self.expect_name("the interface name")
        if self.word() == "extends":
            self.i += 1
            self.type_name()
            while self.is_op(","):
                self.i += 1
                self.type_name()
        self.event("interface", tok, name[1])
        self.alone(tok)

    def ender(self, tok: Token) -> None:
        self.must_start(tok)
        self.i += 1
        self.event(tok[1].lower(), tok)
        self.alone(tok)

    v_classend = v_interfaceend = v_methodend = ender

    def v_method(self, tok: Token) -> None:
        self.must_start(tok)
        self.i += 1
        self.access(tok)
        if self.word() == "static":
            self.i += 1
        first = self.type_name()
        has_type = not self.is_op("(")
        name = first if not has_type else self.expect_name("the method name")[1]
        self.expect_op("(", " after the method name")
        while not self.is_op(")"):
            typ = self.type_name()
            param = self.expect_name("a parameter name after its type")
            self.check_suffix(typ, param)
            if self.is_op(","):
                self.i += 1
            elif not self.is_op(")"):
                raise self.fail(f"expected ',' or ')' in the parameter list, found {describe(self.toks[self.i])}")
        self.i += 1
        self.alone(tok)
        self.event("method" if has_type else "ctor", tok, name)

    def v_methodret(self, tok: Token) -> None:
        self.i += 1
        if not self.at_end():
            self.expr()
        self.event("methodret", tok)


def parse_line(text: str) -> LineInfo:
    """Parse one logical line; never raises (errors land in `LineInfo.error`)."""
    info = LineInfo()
    try:
        toks = tokenize(text)
    except LexError as exc:
        info.error = (exc.column, exc.message)
        return info
    parser = _Parser(toks, info)
    try:
        parser.line()
    except ParseError as exc:
        info.error = (exc.column, exc.message)
    return info
