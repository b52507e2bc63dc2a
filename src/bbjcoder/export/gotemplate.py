"""A renderer for the subset of Go's text/template that our Modelfile TEMPLATE uses, so tests can compare it with
`tokenizer.apply_chat_template` byte for byte without Ollama.

    render_go_template(template, {"Messages": [{"Role": "user", "Content": "hi"}]})

Supported, with Go's semantics: text; `{{- ` / ` -}}` whitespace trimming; comments `{{/* */}}`; output actions;
`if` / `else if` / `else` / `end`; `range [$i, $v :=] pipeline` (with `else`); variables (`$x := ...`, `$x = ...`,
`$`, `$x.Field`); fields `.A.B` on mappings; string, number, `true` / `false` / `nil` literals; parenthesised
pipelines and `|`; functions eq, ne, lt, le, gt, ge, and, or (short-circuit), not, len, slice, index, print.
Anything else (`with`, `define`, `template`, `block`, methods) raises GoTemplateError: the subset is what we emit.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ExportError

__all__ = ["GoTemplateError", "render_go_template", "go_string"]


class GoTemplateError(ExportError):
    """The template uses something outside the supported subset, or fails while rendering."""


def go_string(text: str) -> str:
    """`text` as a Go interpreted string literal.

    >>> go_string('say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
    """
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out) + '"'


# --- lexing -----------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>"(?:\\.|[^"\\])*"|`[^`]*`)
    | (?P<op>:=|=|\||\(|\)|,)
    | (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_WS = " \t\r\n"


def _split(source: str) -> list[tuple[str, str]]:
    """[("text", ...), ("action", inner), ...] with trim markers applied and comments dropped."""
    parts: list[tuple[str, str]] = []
    pos, trim_next = 0, False
    while True:
        start = source.find("{{", pos)
        text = source[pos:] if start < 0 else source[pos:start]
        if trim_next:
            text = text.lstrip(_WS)
        if start < 0:
            parts.append(("text", text))
            return parts
        end = _action_end(source, start)
        inner = source[start + 2 : end]
        if inner.startswith("-") and inner[1:2] in tuple(_WS):
            text, inner = text.rstrip(_WS), inner[1:]
        trim_next = inner.endswith("-") and inner[-2:-1] in tuple(_WS)
        if trim_next:
            inner = inner[:-1]
        parts.append(("text", text))
        if not inner.strip().startswith("/*"):
            parts.append(("action", inner.strip()))
        pos = end + 2


def _action_end(source: str, start: int) -> int:
    i, quote = start + 2, None
    while i < len(source):
        ch = source[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                quote = None
        elif ch in '"`':
            quote = ch
        elif source.startswith("}}", i):
            return i
        i += 1
    raise GoTemplateError(f"unclosed action starting at offset {start}: {source[start:start + 40]!r}")


def _tokens(action: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(action.rstrip()):
        m = _TOKEN.match(action, pos)
        if m is None or m.end() == pos:
            raise GoTemplateError(f"cannot read {action[pos:]!r} in action {{{{{action}}}}}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


# --- parsing ----------------------------------------------------------------------------------------------------


@dataclass
class _Pipe:
    decl: list[str]
    assign: bool  # `=` (assign to an existing variable) rather than `:=`
    commands: list[list[Any]]  # each command: operands; an operand is a token tuple or a nested _Pipe


@dataclass
class _If:
    branches: list[tuple[_Pipe, list[Any]]] = field(default_factory=list)
    otherwise: list[Any] = field(default_factory=list)


@dataclass
class _Range:
    pipe: _Pipe
    body: list[Any] = field(default_factory=list)
    otherwise: list[Any] = field(default_factory=list)


def _parse_pipe(tokens: list[tuple[str, str]], where: str) -> _Pipe:
    decl: list[str] = []
    assign = False
    ops = [i for i, t in enumerate(tokens) if t in (("op", ":="), ("op", "="))]
    if ops:
        decl = [v for k, v in tokens[: ops[0]] if k == "var"]
        assign = tokens[ops[0]][1] == "="
        tokens = tokens[ops[0] + 1 :]
    commands: list[list[Any]] = [[]]
    stack: list[list[list[Any]]] = []
    for tok in tokens:
        if tok == ("op", "("):
            stack.append(commands)
            commands = [[]]
        elif tok == ("op", ")"):
            if not stack:
                raise GoTemplateError(f"unexpected ) in {where}")
            inner = _Pipe([], False, commands)
            commands = stack.pop()
            commands[-1].append(inner)
        elif tok == ("op", "|"):
            commands.append([])
        elif tok[0] == "op":
            raise GoTemplateError(f"unexpected {tok[1]!r} in {where}")
        else:
            commands[-1].append(tok)
    if stack or any(not c for c in commands):
        raise GoTemplateError(f"malformed pipeline in {where}")
    return _Pipe(decl, assign, commands)


def _parse(parts: list[tuple[str, str]]) -> list[Any]:
    root: list[Any] = []
    stack: list[tuple[Any, list[Any]]] = []  # (node, body being filled)
    body = root
    for kind, value in parts:
        if kind == "text":
            if value:
                body.append(value)
            continue
        tokens = _tokens(value)
        head = tokens[0][1] if tokens and tokens[0][0] == "ident" else ""
        where = "{{" + value + "}}"
        if head == "if":
            node = _If(branches=[(_parse_pipe(tokens[1:], where), [])])
            body.append(node)
            stack.append((node, body))
            body = node.branches[0][1]
        elif head == "range":
            node = _Range(_parse_pipe(tokens[1:], where))
            body.append(node)
            stack.append((node, body))
            body = node.body
        elif head == "else":
            if not stack:
                raise GoTemplateError(f"{where} without if or range")
            node = stack[-1][0]
            if len(tokens) > 1 and tokens[1] == ("ident", "if") and isinstance(node, _If):
                node.branches.append((_parse_pipe(tokens[2:], where), []))
                body = node.branches[-1][1]
            else:
                body = node.otherwise
        elif head == "end":
            if not stack:
                raise GoTemplateError("{{end}} without if or range")
            body = stack.pop()[1]
        elif head in ("with", "define", "template", "block", "break", "continue"):
            raise GoTemplateError(f"{where}: {head!r} is outside the supported Go template subset")
        else:
            body.append(_parse_pipe(tokens, where))
    if stack:
        raise GoTemplateError("missing {{end}}")
    return root


# --- execution --------------------------------------------------------------------------------------------------


def _truth(value: Any) -> bool:
    return value is not None and value is not False and value != 0 and value != "" and not (
        isinstance(value, (list, tuple, dict)) and len(value) == 0
    )


def _field(value: Any, names: list[str], where: str) -> Any:
    for name in names:
        if not isinstance(value, dict) or name not in value:
            raise GoTemplateError(f"{where}: can't evaluate field {name} in {type(value).__name__}")
        value = value[name]
    return value


def _slice(value: Any, *idx: int) -> Any:
    return value[idx[0] :] if len(idx) == 1 else value[idx[0] : idx[1]] if idx else value


_FUNCS = {
    "eq": lambda a, *b: any(a == x for x in b),
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "not": lambda a: not _truth(a),
    "len": len,
    "slice": _slice,
    "index": lambda v, *k: _index(v, k),
    "print": lambda *a: "".join(_format(x) for x in a),
}


def _index(value: Any, keys: tuple[Any, ...]) -> Any:
    for key in keys:
        value = value[key]
    return value


def _format(value: Any) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Exec:
    def __init__(self, data: Any) -> None:
        self.root = data
        self.scopes: list[dict[str, Any]] = [{"$": data}]
        self.out: list[str] = []

    def var(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        raise GoTemplateError(f"undefined variable {name}")

    def set_var(self, name: str, value: Any, declare: bool) -> None:
        if declare:
            self.scopes[-1][name] = value
            return
        for scope in reversed(self.scopes):
            if name in scope:
                scope[name] = value
                return
        raise GoTemplateError(f"undefined variable {name}")

    def operand(self, op: Any, dot: Any) -> Any:
        if isinstance(op, _Pipe):
            return self.pipe(op, dot)
        kind, text = op
        if kind == "str":
            return text[1:-1] if text.startswith("`") else ast.literal_eval(text)
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "field":
            return dot if text == "." else _field(dot, text[1:].split("."), text)
        if kind == "var":
            name, *names = text.split(".")
            return _field(self.var(name), names, text)
        if text in ("true", "false", "nil"):
            return {"true": True, "false": False, "nil": None}[text]
        return self.call(text, [], dot, None)

    def call(self, name: str, args: list[Any], dot: Any, piped: tuple[Any] | None) -> Any:
        if name in ("and", "or"):  # short-circuit, returning the deciding operand as Go does
            values = [lambda a=a: self.operand(a, dot) for a in args] + ([lambda: piped[0]] if piped else [])
            result = None
            for get in values:
                result = get()
                if _truth(result) != (name == "and"):
                    return result
            return result
        if name not in _FUNCS:
            raise GoTemplateError(f"function {name!r} is outside the supported Go template subset")
        values = [self.operand(a, dot) for a in args] + (list(piped) if piped else [])
        try:
            return _FUNCS[name](*values)
        except (TypeError, IndexError, KeyError) as exc:
            raise GoTemplateError(f"error calling {name}: {exc}") from None

    def pipe(self, pipe: _Pipe, dot: Any) -> Any:
        value: tuple[Any] | None = None
        for command in pipe.commands:
            first = command[0]
            if isinstance(first, tuple) and first[0] == "ident" and first[1] not in ("true", "false", "nil"):
                value = (self.call(first[1], command[1:], dot, value),)
            elif len(command) > 1 or value is not None:
                raise GoTemplateError(f"can't give arguments to non-function {first}")
            else:
                value = (self.operand(first, dot),)
        result = value[0] if value else None
        for name in pipe.decl:
            self.set_var(name, result, declare=not pipe.assign)
        return result

    def run(self, nodes: list[Any], dot: Any) -> None:
        for node in nodes:
            if isinstance(node, str):
                self.out.append(node)
            elif isinstance(node, _Pipe):
                value = self.pipe(node, dot)
                if not node.decl:
                    self.out.append(_format(value))
            elif isinstance(node, _If):
                self.run_if(node, dot)
            else:
                self.run_range(node, dot)

    def block(self, nodes: list[Any], dot: Any, scope: dict[str, Any] | None = None) -> None:
        self.scopes.append(dict(scope or {}))
        try:
            self.run(nodes, dot)
        finally:
            self.scopes.pop()

    def run_if(self, node: _If, dot: Any) -> None:
        self.scopes.append({})  # variables declared in an if's pipeline live until its {{end}}
        try:
            for pipe, body in node.branches:
                if _truth(self.pipe(pipe, dot)):
                    self.block(body, dot)
                    return
            self.block(node.otherwise, dot)
        finally:
            self.scopes.pop()

    def run_range(self, node: _Range, dot: Any) -> None:
        items = self.pipe(_Pipe([], False, node.pipe.commands), dot)
        pairs = list(items.items()) if isinstance(items, dict) else list(enumerate(items or []))
        if not pairs:
            self.block(node.otherwise, dot)
            return
        names = node.pipe.decl
        for key, item in pairs:
            scope = {names[0]: item} if len(names) == 1 else dict(zip(names, (key, item), strict=False)) if names else {}
            self.block(node.body, item, scope)


def render_go_template(template: str, data: Any) -> str:
    """Render `template` with `data` (mappings for structs: {"Messages": [{"Role": ..., "Content": ...}]})."""
    ex = _Exec(data)
    ex.run(_parse(_split(template)), data)
    return "".join(ex.out)
