"""Finding BBj code in Markdown and in model answers.

Two users: the training-data validator (```bbj blocks of an example file, with the Markdown line
each starts on, so diagnostics point into the .md file) and the evaluator / MCP server (whatever
code a model answered: fenced blocks tagged bbj, basic or untagged, or the whole answer when it is
all code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CodeBlock", "markdown_blocks", "extract_code", "looks_like_code"]

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_FILENAME = re.compile(r"<!--\s*filename:\s*(?P<name>[^>]+?)\s*-->")
CODE_LANGS = frozenset({"bbj", "basic", "bbx", "bbjlst", "bbl", ""})


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A fenced block: its code, language tag, the 1-based Markdown line of the code's first line,
    whether the fence was closed, and the `<!-- filename: X -->` naming it, if any."""

    code: str
    lang: str
    start_line: int
    closed: bool = True
    filename: str | None = None


def markdown_blocks(text: str) -> list[CodeBlock]:
    """All fenced code blocks of a Markdown text, in order.

    >>> [(b.lang, b.start_line, b.code) for b in markdown_blocks("x\\n```bbj\\nprint 1\\n```\\n")]
    [('bbj', 3, 'print 1\\n')]
    """
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    i = 0
    pending_name: str | None = None
    while i < len(lines):
        name = _FILENAME.search(lines[i])
        if name:
            pending_name = name.group("name")
        m = _FENCE.match(lines[i])
        if not m:
            if lines[i].strip() and not name:
                pending_name = None if lines[i].startswith("#") else pending_name
            i += 1
            continue
        fence = m.group("fence")
        lang = m.group("info").strip().split(" ")[0].lower() if m.group("info").strip() else ""
        body: list[str] = []
        j = i + 1
        closed = False
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) <= {fence[0]}:
                closed = True
                break
            body.append(lines[j])
            j += 1
        code = "\n".join(body) + ("\n" if body else "")
        blocks.append(CodeBlock(code, lang, i + 2, closed, pending_name))
        pending_name = None
        i = j + 1
    return blocks


def looks_like_code(text: str) -> bool:
    """True when unfenced text is BBj code rather than prose: most non-blank lines check clean.

    Used on model answers and imported examples that forgot their fences.
    """
    from .checker import check  # local: checker imports nothing from here

    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return False
    error_lines = {d.line for d in check(text) if d.is_error}
    prose = sum(1 for ln in lines if _is_prose(ln))
    # up to one line in five may fail (a broken line in otherwise real code); a short text must be clean
    return prose == 0 and len(error_lines) <= len(lines) // 5


def _is_prose(line: str) -> bool:
    words = line.split()
    return len(words) >= 6 and line.rstrip().endswith((".", ":", "?")) and not line.lstrip().lower().startswith("rem")


def extract_code(text: str) -> list[str]:
    """The BBj code in a model answer: fenced bbj/basic/untagged blocks, else the whole text when
    it looks like code, else nothing. An unclosed fence (an answer cut off) still yields its code.
    """
    blocks = [b.code for b in markdown_blocks(text) if b.lang in CODE_LANGS and b.code.strip()]
    if blocks:
        return blocks
    if "```" not in text and looks_like_code(text):
        return [text if text.endswith("\n") else text + "\n"]
    return []
