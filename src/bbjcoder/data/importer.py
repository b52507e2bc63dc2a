"""Importing ChatML JSONL: repair, fence, check, and report every change.

    report = import_jsonl(Path("old/bbj-chat.jsonl"), checker)
    report.examples, report.problems, report.changes

Accepted input, one JSON object per line (blank lines are allowed and carry nothing):

    {"messages": [{"role": "system", "content": "..."}, {"role": "user", "content": "..."},
                  {"role": "assistant", "content": "..."}],
     "type": "completion", "generation": "bbj-gui", "difficulty": "basic", "tags": ["gui"]}

The label keys are optional and may also sit in a "meta" object; missing ones become
"unspecified". Repairs, in order, per message: drop empty turns; decode literal escape sequences
(`\\n`, `\\t`, `\\"`, `\\\\`) in text or code blocks where they outnumber real newlines (the
earlier data set had 60 such examples); fence unfenced BBj code in user and assistant turns with
```bbj (paragraphs that the checker reads as code); tag untagged or `basic` fences that hold BBj as
```bbj. Each repair is a Change (written to build/changes.jsonl). The assistant's ```bbj blocks
are then checked; an example whose code fails is left out (reason code-does-not-compile) unless
keep_failing is set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..bbj import check, has_errors, looks_like_code, markdown_blocks
from ..bbj.keywords import VERBS
from .example import DIFFICULTIES, GENERATIONS, TYPES, UNSPECIFIED, Example
from .io import sha256_hex
from .problems import Problem, error, warning
from .progress import ProgressFn, tracked

__all__ = ["Change", "ImportReport", "import_jsonl", "repair_escapes", "fence_code", "ROLES"]

ROLES = ("system", "user", "assistant")
_ESCAPE = re.compile(r'\\(?:r\\n|[nt"\\])')
_ESCAPES = {"\\r\\n": "\n", "\\n": "\n", "\\t": "\t", '\\"': '"', "\\\\": "\\"}
_RETAG = frozenset({"", "basic", "bbx", "bbl", "bbjlst"})
_WORD = re.compile(r"^\s*(?:\w+:\s*)?([A-Za-z_]+)")
_CODE_MARK = re.compile(r"[=\"(;$%!@#']")


@dataclass(frozen=True, slots=True)
class Change:
    """One repair made to an imported record. Its build/changes.jsonl line:

    {"source": "old.jsonl:17", "id": "old:3f9a0c2b71de", "change": "fenced-code",
     "detail": "assistant turn 2: wrapped 12 lines of BBj in ```bbj"}
    """

    source: str
    id: str
    change: str  # dropped-empty-turn | repaired-escapes | fenced-code | tagged-fence
    detail: str

    def to_record(self) -> dict:
        return {"source": self.source, "id": self.id, "change": self.change, "detail": self.detail}


@dataclass(slots=True)
class ImportReport:
    lines: int = 0
    examples: list[Example] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def repair_escapes(text: str) -> str | None:
    """Decode literal escapes when they outnumber real newlines; None when nothing to repair.

    >>> repair_escapes('print \\\\"hi\\\\"\\\\nend')
    'print "hi"\\nend'
    >>> repair_escapes('dir$ = "C:\\\\new"\\nprint dir$\\n') is None
    True
    """
    literal = text.count("\\n")
    if literal == 0 or literal <= text.count("\n"):
        return None
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)


def fence_code(text: str) -> tuple[str, list[str], list[str]]:
    """(text, fenced, retagged): unfenced BBj paragraphs wrapped in ```bbj, BBj in untagged or
    `basic` fences retagged. fenced / retagged describe what was done."""
    if "```" in text:
        return _retag(text)
    paragraphs = re.split(r"\n[ \t]*\n", text.strip("\n"))
    out: list[str] = []
    code: list[str] = []
    fenced: list[str] = []

    def flush() -> None:
        if code:
            body = "\n\n".join(code)
            out.append(f"```bbj\n{body}\n```")
            fenced.append(f"wrapped {body.count(chr(10)) + 1} lines of BBj in ```bbj")
            code.clear()

    for para in paragraphs:
        prose, rest = _split_code(para, after_code=bool(code))
        if prose:
            flush()
            out.append(prose)
        if rest:
            code.append(rest)
    flush()
    return ("\n\n".join(out), fenced, []) if fenced else (text, [], [])


def _split_code(para: str, after_code: bool = False) -> tuple[str, str]:
    """(prose lead-in, code) of one paragraph; one of them is usually empty. after_code: the
    paragraph before was code, so a lone verb line (`end`, `return`) continues it."""
    lines = para.split("\n")
    lead = 0
    while lead < len(lines) - 1 and _is_lead_in(lines[lead]):
        lead += 1
    body = "\n".join(lines[lead:])
    if _is_code(body) or (after_code and lead == 0 and _continues_code(body)):
        return "\n".join(lines[:lead]), body
    return para, ""


def _is_lead_in(line: str) -> bool:
    """'Here is the code:' before code in the same paragraph."""
    stripped = line.strip()
    return stripped.endswith(":") and " " in stripped and has_errors(check(stripped))


def _is_code(para: str) -> bool:
    """Most lines check clean, no line reads as a sentence, and a lone line shows BBj punctuation."""
    lines = [ln for ln in para.split("\n") if ln.strip()]
    if not lines or any(_is_sentence(ln) for ln in lines):
        return False
    if len(lines) >= 2:
        return looks_like_code(para)
    return bool(_CODE_MARK.search(lines[0])) and _clean_statement(lines[0])


def _continues_code(para: str) -> bool:
    return "\n" not in para.strip() and _clean_statement(para)


def _clean_statement(line: str) -> bool:
    """A lone line counts as code only when it starts with a verb and checks clean."""
    first = _WORD.match(line)
    return bool(first and first.group(1).lower() in VERBS) and not has_errors(check(line))


def _is_sentence(line: str) -> bool:
    stripped = line.strip()
    return (stripped.endswith((".", "?", "!")) and len(stripped.split()) >= 3
            and not stripped.lower().startswith("rem"))


def _retag(text: str) -> tuple[str, list[str], list[str]]:
    lines = text.split("\n")
    retagged = []
    for block in markdown_blocks(text):
        if block.lang in _RETAG and block.code.strip() and looks_like_code(block.code):
            fence_line = block.start_line - 2
            m = re.match(r"^(\s*)(`{3,}|~{3,})", lines[fence_line])
            if m:
                lines[fence_line] = f"{m.group(1)}{m.group(2)}bbj"
                retagged.append(f"fence on line {fence_line + 1} tagged ```bbj (was {block.lang or 'untagged'})")
    return ("\n".join(lines), [], retagged) if retagged else (text, [], [])


def _repair_blocks(text: str) -> tuple[str, int]:
    """Repair escapes inside each fenced block (code escaped within normal prose)."""
    lines = text.split("\n")
    repaired = 0
    for block in reversed(markdown_blocks(text)):
        fixed = repair_escapes(block.code.rstrip("\n"))
        if fixed is not None:
            start = block.start_line - 1
            end = start + block.code.count("\n")
            lines[start:end] = fixed.split("\n")
            repaired += 1
    return ("\n".join(lines), repaired) if repaired else (text, 0)


def import_jsonl(path: Path, checker, label: str | None = None, keep_failing: bool = False,
                 progress: ProgressFn | None = None) -> ImportReport:
    """Import one ChatML JSONL file (module doc). label names the file in sources (default: its name)."""
    label = label or path.name
    report = ImportReport()
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.problems.append(error(label, 0, "unreadable", f"cannot read: {exc.strerror}"))
        return report
    raw_lines = data.split(b"\n")
    if not data.strip():
        report.problems.append(error(label, 0, "empty-file", "the file is empty; remove it from the sources"))
        return report
    for number, raw in tracked(enumerate(raw_lines, 1), f"importing {label}", len(raw_lines), progress, 256):
        if raw.strip():
            report.lines += 1
            _import_line(raw, f"{label}:{number}", path.stem, checker, keep_failing, report)
    return report


def _import_line(raw: bytes, where: str, stem: str, checker, keep_failing: bool, report: ImportReport) -> None:
    file, line = where.rsplit(":", 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.problems.append(error(file, int(line), "not-utf8", f"byte 0x{raw[exc.start]:02x} at column "
                                     f"{exc.start + 1} is not UTF-8; re-encode the file as UTF-8"))
        return
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        report.problems.append(error(file, int(line), "broken-jsonl-line", f"not valid JSON ({exc.msg} at column "
                                     f"{exc.colno}); fix or remove the line"))
        return
    problem = _record_problem(obj, file, int(line))
    if problem is not None:
        report.problems.append(problem)
        return
    example_id = f"{stem}:{sha256_hex(json.dumps(obj['messages'], ensure_ascii=False, sort_keys=True))[:12]}"
    messages = _repair_messages(obj["messages"], where, example_id, report)
    problem = _conversation_problem(messages, file, int(line))
    if problem is not None:
        report.problems.append(problem)
        return
    example = _to_example(obj, messages, example_id, where, checker, file, int(line), keep_failing, report)
    if example is not None and (example.compiles or keep_failing):
        report.examples.append(example)


def _record_problem(obj: object, file: str, line: int) -> Problem | None:
    shape = 'write {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}'
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list) or not obj["messages"]:
        return error(file, line, "bad-record", f"line is not an object with a non-empty 'messages' list; {shape}")
    for i, m in enumerate(obj["messages"], 1):
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            role = m.get("role") if isinstance(m, dict) else m
            return error(file, line, "bad-record", f"message {i} ({role!r}) needs a role of system, user or "
                         "assistant and a string content; fix it or remove the line")
    return None


def _repair_messages(messages: list[dict], where: str, example_id: str, report: ImportReport) -> list[dict]:
    result = []
    for i, m in enumerate(messages, 1):
        role, content = m["role"], m["content"]
        turn = f"{role} turn {i}"
        if not content.strip():
            report.changes.append(Change(where, example_id, "dropped-empty-turn", f"{turn} was empty"))
            continue
        fixed = repair_escapes(content)
        if fixed is not None:
            report.changes.append(Change(where, example_id, "repaired-escapes", f"{turn}: literal escape "
                                         "sequences decoded"))
            content = fixed
        content, blocks = _repair_blocks(content)
        if blocks:
            report.changes.append(Change(where, example_id, "repaired-escapes", f"{turn}: literal escape "
                                         f"sequences decoded in {blocks} code block(s)"))
        if role != "system":
            content, fenced, retagged = fence_code(content)
            report.changes += [Change(where, example_id, "fenced-code", f"{turn}: {d}") for d in fenced]
            report.changes += [Change(where, example_id, "tagged-fence", f"{turn}: {d}") for d in retagged]
        result.append({"role": role, "content": content})
    return result


def _conversation_problem(messages: list[dict], file: str, line: int) -> Problem | None:
    roles = [m["role"] for m in messages]
    if "user" not in roles or roles[-1] != "assistant":
        return error(file, line, "bad-record", "conversation needs a user turn and must end with a non-empty "
                     "assistant turn; complete it or remove the line")
    return None


def _labels(obj: dict, file: str, line: int, report: ImportReport) -> dict:
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    allowed = {"type": TYPES, "generation": GENERATIONS, "difficulty": DIFFICULTIES}
    labels: dict = {}
    for key, values in allowed.items():
        value = obj.get(key, meta.get(key))
        items = value if isinstance(value, list) else [value] if value is not None else []
        if items and all(v in values for v in items):
            labels[key] = tuple(items) if key == "generation" else items[0]
        else:
            if items:
                report.problems.append(warning(file, line, "import-label", f"{key} {value!r} is not one of "
                                               f"{', '.join(values)}; recorded as {UNSPECIFIED}"))
            labels[key] = (UNSPECIFIED,) if key == "generation" else UNSPECIFIED
    tags = obj.get("tags", meta.get("tags")) or ()
    labels["tags"] = tuple(str(t) for t in tags) if isinstance(tags, list) else ()
    return labels


def _to_example(obj: dict, messages: list[dict], example_id: str, where: str, checker, file: str, line: int,
                keep_failing: bool, report: ImportReport) -> Example | None:
    labels = _labels(obj, file, line, report)
    code = tuple(b.code for m in messages if m["role"] == "assistant"
                 for b in markdown_blocks(m["content"]) if b.lang == "bbj" and b.code.strip())
    failure = _first_failure(code, checker, where)
    if failure is not None:
        make = warning if keep_failing else error  # kept on request: listed, but not left out
        report.problems.append(make(file, line, "code-does-not-compile", f"{example_id}: {failure}"))
    users = tuple(m["content"] for m in messages if m["role"] == "user")
    answers = [m["content"] for m in messages if m["role"] == "assistant"]
    return Example(
        id=example_id, source=where, type=labels["type"], generation=labels["generation"],
        difficulty=labels["difficulty"], tags=labels["tags"], messages=tuple(messages), code=code,
        compiles=failure is None, topic="imported", prompt_text="\n".join(users),
        answer_text="\n".join(answers), request_texts=users,
    )


def _first_failure(code: tuple[str, ...], checker, where: str) -> str | None:
    for i, block in enumerate(code, 1):
        errors = [d for d in checker.check(block, where) if d.is_error]
        if errors:
            d = errors[0]
            return f"code block {i}, line {d.line}: {d.message}: `{d.source_text.strip()}`"
    return None
