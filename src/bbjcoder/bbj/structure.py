"""Block structure across lines: classes, interfaces, methods, loops, IF blocks and labels.

The line parser reports events (`class`, `methodend`, `for`, `wend` ...); this module matches them
with two stacks. What bbjcpl rejects is an error: broken CLASS / INTERFACE / METHOD structure, FIELD
outside a class, METHODEND in an interface. What only fails at run time is a warning: a FOR without
NEXT, a WEND without WHILE, a GOTO to a label that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Severity

__all__ = ["Finding", "check_structure"]

_OPENERS = {"if": "endif", "for": "next", "while": "wend", "repeat": "until", "switch": "swend", "def": "fnend"}
_CLOSER_OF = {closer: opener for opener, closer in _OPENERS.items()}
_NAMES = {"if": "IF ... THEN", "for": "FOR", "while": "WHILE", "repeat": "REPEAT", "switch": "SWITCH", "def": "DEF FN"}


@dataclass(frozen=True, slots=True)
class Finding:
    """A structure problem at a physical line (1-based) and 0-based column of its logical line."""

    line: int
    column: int
    message: str
    severity: Severity


class _Walker:
    """Two stacks: the container (class/interface, method) and the control blocks."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.container: tuple[str, str, int] | None = None  # (kind, name, line)
        self.nested = 0  # CLASS/INTERFACE opened inside another: reported, then matched silently
        self.method: tuple[str, int] | None = None  # (name, line)
        self.blocks: list[tuple[str, str, int]] = []  # (kind, name, line)
        self.open_count = dict.fromkeys(_OPENERS, 0)  # blocks of each kind on the stack: O(1) misses
        self.method_floor = 0  # blocks below this index belong outside the current method

    def error(self, line: int, col: int, message: str) -> None:
        self.findings.append(Finding(line, col, message, Severity.ERROR))

    def warn(self, line: int, col: int, message: str) -> None:
        self.findings.append(Finding(line, col, message, Severity.WARNING))

    # containers ---------------------------------------------------------------------------
    def open_container(self, kind: str, name: str, line: int, col: int) -> None:
        if self.container is not None:
            outer = self.container[0].upper()
            self.error(line, col, f"{kind.upper()} cannot be nested inside a {outer} (line {self.container[2]})")
            self.nested += 1
            return
        self.container = (kind, name, line)

    def close_container(self, kind: str, line: int, col: int) -> None:
        if self.nested:
            self.nested -= 1
            return
        if self.container is None:
            self.error(line, col, f"{kind.upper()}END without a {kind.upper()} before it")
            return
        if self.container[0] != kind:
            opened = self.container[0].upper()
            self.error(line, col, f"{kind.upper()}END cannot close the {opened} on line {self.container[2]}: use {opened}END")
        if self.method is not None:
            self.error(self.method[1], 0, f"METHOD {self.method[0]} has no METHODEND before {kind.upper()}END")
            self.end_method(line)
        self.container = None

    def open_method(self, kind: str, name: str, line: int, col: int) -> None:
        if self.container is None:
            self.error(line, col, "METHOD outside a CLASS or INTERFACE")
            return
        cont_kind, cont_name, _ = self.container
        if kind == "ctor" and (cont_kind == "interface" or name != cont_name):
            self.error(line, col, f"METHOD {name} needs a return type or VOID (only the constructor, named like the class, has none)")
            return
        if cont_kind == "interface":
            return  # interface methods are headers: no body, no METHODEND
        if self.method is not None:
            self.error(self.method[1], 0, f"METHOD {self.method[0]} has no METHODEND before the next METHOD")
            self.end_method(line)
        self.method = (name, line)
        self.method_floor = len(self.blocks)

    def end_method(self, line: int) -> None:
        self.unwind(self.method_floor, line)
        self.method = None
        self.method_floor = 0

    def close_method(self, line: int, col: int) -> None:
        if self.method is not None:
            self.end_method(line)
        elif self.container is not None and self.container[0] == "interface":
            self.error(line, col, "METHODEND inside an INTERFACE: interface methods have no body")
        else:
            self.error(line, col, "METHODEND without a METHOD before it")

    # control blocks -----------------------------------------------------------------------
    def unwind(self, floor: int, line: int) -> None:
        while len(self.blocks) > floor:
            kind, _, at = self.pop()
            self.warn(at, 0, f"{_NAMES[kind]} is never closed (no {_OPENERS[kind].upper()} before line {line})")

    def push(self, kind: str, name: str, line: int) -> None:
        self.blocks.append((kind, name, line))
        self.open_count[kind] += 1

    def pop(self) -> tuple[str, str, int]:
        block = self.blocks.pop()
        self.open_count[block[0]] -= 1
        return block

    def find(self, opener: str, name: str) -> int:
        """Stack index of the block a closer ends: the innermost of its kind (for NEXT v, the
        innermost FOR v when there is one), inside the current method; -1 when none."""
        if not self.open_count[opener]:
            return -1
        fallback = -1
        for k in range(len(self.blocks) - 1, self.method_floor - 1, -1):
            kind, opened_name, _ = self.blocks[k]
            if kind == opener:
                if not name or opened_name == name:
                    return k
                if fallback < 0:
                    fallback = k
        return fallback

    def close_block(self, closer: str, name: str, line: int, col: int) -> None:
        opener = _CLOSER_OF[closer]
        k = self.find(opener, name)
        if k < 0:
            self.warn(line, col, f"{closer.upper()} without {_NAMES[opener]} before it")
            return
        self.unwind(k + 1, line)
        _, opened_name, _ = self.pop()
        if name and opened_name and name != opened_name:
            self.warn(line, col, f"NEXT {name} closes FOR {opened_name}")

    def in_block(self, kind: str) -> bool:
        return self.open_count[kind] > 0

    def event(self, kind: str, name: str, line: int, col: int) -> None:
        if kind == "stmt":
            if self.container is not None and self.method is None:
                if self.container[0] == "interface":
                    self.error(line, col, "only METHOD headers are allowed inside an INTERFACE")
                else:
                    self.warn(line, col, "statement between methods of a class is never executed")
        elif kind in _OPENERS:
            self.push(kind, name, line)
        elif kind in _CLOSER_OF:
            self.close_block(kind, name, line, col)
        elif kind == "else":
            if not self.in_block("if"):
                self.warn(line, col, "ELSE without an IF ... THEN block")
        elif kind == "case":
            if not self.in_block("switch"):
                self.warn(line, col, "CASE outside SWITCH ... SWEND")
        elif kind in ("class", "interface"):
            self.open_container(kind, name, line, col)
        elif kind in ("classend", "interfaceend"):
            self.close_container(kind[:-3], line, col)
        elif kind in ("method", "ctor"):
            self.open_method(kind, name, line, col)
        elif kind == "methodend":
            self.close_method(line, col)
        elif kind == "methodret":
            if self.method is None:
                self.error(line, col, "METHODRET outside a METHOD")
        elif kind == "field":
            if self.container is None:
                self.error(line, col, "FIELD outside a CLASS")
            elif self.container[0] == "interface":
                self.error(line, col, "FIELD is not allowed inside an INTERFACE")
            elif self.method is not None:
                self.error(line, col, "FIELD inside a METHOD: declare fields between methods")

    def finish(self, last_line: int) -> None:
        if self.method is not None:
            self.error(self.method[1], 0, f"METHOD {self.method[0]} has no METHODEND")
        if self.container is not None:
            kind, name, at = self.container
            self.error(at, 0, f"{kind.upper()} {name} has no {kind.upper()}END")
        self.method_floor = 0
        self.unwind(0, last_line + 1)


def check_structure(
    events: list[tuple[int, list[tuple[str, str, int]]]],
    labels: set[str],
    refs: list[tuple[int, str, int]],
    last_line: int,
) -> list[Finding]:
    """Match block events across the file and resolve jump targets.

    events: (physical line, that line's events) in file order; labels: defined labels and line
    numbers (lower-case); refs: (line, target, column) of GOTO/GOSUB/ERR= ... targets.
    """
    walker = _Walker()
    for line, line_events in events:
        for kind, name, col in line_events:
            walker.event(kind, name, line, col)
    walker.finish(last_line)
    for line, target, col in refs:
        key = str(int(target)) if target.isdigit() else target
        if key not in labels:
            walker.warn(line, col, f"jump target {target!r} is not defined in this file")
    return walker.findings
