"""Loading one Markdown example file: front matter, sections and code blocks, with every problem.

    example, problems = parse_markdown(data, "training-data/oop/x.md", "oop/x", "oop")

Parsing only: the checker and the generation lint run in validate.py. All problems of a file are
reported at once (a bad enum does not hide a missing section); `example` is None only when the
file cannot be read as text with front matter at all. The format is written down for
contributors in training-data/FORMAT.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from ..bbj import CodeBlock, markdown_blocks
from .example import TOPICS
from .problems import Problem, error, warning
from .schema import schema_problems

__all__ = ["MarkdownExample", "parse_markdown", "EXPECTED_HEADINGS", "SECTIONS"]

CODE, EXPLANATION = "code", "explanation"
EXPECTED_HEADINGS = {"expected behavior": "Expected Behavior", "expected behaviour": "Expected Behavior",
                     "expected output": "Expected Output"}
SECTIONS = (CODE, "expected", EXPLANATION)  # required, in this order
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<title>.*?)[ \t]*#*[ \t]*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(slots=True)
class Section:
    title: str  # as written
    line: int  # heading line
    end: int  # last line (inclusive)
    text: str = ""
    blocks: list[CodeBlock] = field(default_factory=list)
    subsections: dict[str, "Section"] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MarkdownExample:
    """A parsed example file. code_blocks: the ```bbj blocks of ## Code (for migration: Before
    blocks then After blocks); before / after: the migration halves; expected_heading is
    'Expected Behavior' or 'Expected Output'."""

    path: str
    id: str
    topic: str
    text: str
    meta: dict
    code_blocks: tuple[CodeBlock, ...]
    before: tuple[CodeBlock, ...]
    after: tuple[CodeBlock, ...]
    expected_heading: str
    expected: str
    explanation: str


def parse_markdown(data: bytes, path: str, example_id: str, topic: str) -> tuple[MarkdownExample | None, list[Problem]]:
    """Parse one example file (bytes as read); see module doc."""
    text, problems = _decode(data, path)
    if text is None:
        return None, problems
    lines = text.split("\n")
    front = _front_matter(lines, path)
    if isinstance(front, Problem):
        return None, [front]
    meta, key_lines, body_start, meta_problems = _load_yaml(lines, front, path)
    problems += meta_problems
    if meta is not None:
        problems += schema_problems(meta, path, key_lines)
    problems += _name_problems(path, example_id, topic)
    sections, body_problems = _sections(text, lines, body_start, path)
    problems += body_problems
    kind = meta.get("type") if isinstance(meta, dict) else None
    parts, part_problems = _required_parts(sections, kind, path, body_start)
    problems += part_problems
    if meta is None:
        return None, problems
    example = MarkdownExample(path, example_id, topic, text, meta, *parts)
    return example, problems


def _decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [error(path, line, "not-utf8", f"byte 0x{data[exc.start]:02x} is not UTF-8; "
                            "save the file as UTF-8")]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return None, [error(path, 0, "empty-file", "the file is empty; write the example or delete the file")]
    return text, []


def _front_matter(lines: list[str], path: str) -> int | Problem:
    """Index of the closing '---' line, or the problem."""
    if lines[0].rstrip() != "---":
        return error(path, 1, "missing-front-matter", "the file must start with a '---' line, then the YAML keys "
                     "(title, type, generation ...), then '---'")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i
    return error(path, 1, "missing-front-matter", "the front matter opened on line 1 is never closed; "
                 "add a '---' line after the last key")


def _load_yaml(lines: list[str], close: int, path: str) -> tuple[dict | None, dict[str, int], int, list[Problem]]:
    """(meta, key -> file line, first body line, problems). File line of YAML line k is k + 2."""
    source = "\n".join(lines[1:close])
    body_start = close + 2
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, {}, body_start, [error(path, line, "malformed-yaml", f"front matter is not valid YAML: "
                                            f"{what}; quote values that contain ': ' or start with a special character")]
    if not isinstance(meta, dict) or not isinstance(node, yaml.MappingNode):
        return None, {}, body_start, [error(path, 2, "malformed-yaml", "front matter must be `key: value` lines "
                                             "(title, type, generation ...)")]
    key_lines: dict[str, int] = {}
    problems: list[Problem] = []
    for key_node, _ in node.value:
        key, line = str(key_node.value), key_node.start_mark.line + 2
        if key in key_lines:
            problems.append(error(path, line, "duplicate-key", f"key '{key}' appears twice (first on line "
                                  f"{key_lines[key]}); keep one"))
        else:
            key_lines[key] = line
    return {str(k): v for k, v in meta.items()}, key_lines, body_start, problems


def _name_problems(path: str, example_id: str, topic: str) -> list[Problem]:
    problems = []
    slug = example_id.rsplit("/", 1)[-1]
    if not _SLUG.match(slug):
        problems.append(warning(path, 0, "slug", f"file name {slug!r} is not a slug; use lower-case words joined "
                                "by '-', e.g. keyed-read-with-dom.md"))
    if topic not in TOPICS:
        problems.append(warning(path, 0, "topic", f"folder {topic!r} is not a topic folder; move the file to one of "
                                f"{', '.join(TOPICS)}"))
    return problems


def _sections(text: str, lines: list[str], body_start: int, path: str) -> tuple[dict[str, Section], list[Problem]]:
    """The ## sections (keys lower-case), their ### subsections and code blocks."""
    problems: list[Problem] = []
    blocks = [b for b in markdown_blocks(text) if b.start_line > body_start]
    fenced: set[int] = set()
    for b in blocks:
        close = b.start_line + b.code.count("\n")
        fenced.update(range(b.start_line - 1, close + 1))
        if not b.closed:
            problems.append(error(path, b.start_line - 1, "bad-code-block", "code block is never closed; add a "
                                  "closing ``` line"))
    sections: dict[str, Section] = {}
    current: Section | None = None
    sub: Section | None = None
    preamble: list[int] = []
    for number in range(body_start, len(lines) + 1):
        line = lines[number - 1]
        m = _HEADING.match(line) if number not in fenced else None
        level = len(m["hashes"]) if m else 0
        if level == 2:
            current, sub = Section(m["title"], number, number), None
            key = m["title"].lower()
            if key in sections:
                problems.append(error(path, number, "duplicate-section",
                                      f"section '## {m['title']}' appears twice (first on line "
                                      f"{sections[key].line}); merge them"))
            sections.setdefault(key, current)
        elif level == 3 and current is not None:
            sub = Section(m["title"], number, number)
            current.subsections.setdefault(m["title"].lower(), sub)
        elif current is None:
            if line.strip():
                preamble.append(number)
        else:
            current.end = number
            if sub is not None:
                sub.end = number
    for section in sections.values():
        section.text = "\n".join(lines[section.line: section.end]).strip()
        for s in section.subsections.values():
            s.text = "\n".join(lines[s.line: s.end]).strip()
        _attach_blocks(section, blocks)
    if preamble:
        problems.append(warning(path, preamble[0], "unused-text", "text before the first ## section is not used "
                                "by the build; move it into a section"))
    return sections, problems


def _attach_blocks(section: Section, blocks: list[CodeBlock]) -> None:
    for b in blocks:
        if section.line < b.start_line <= section.end + 1:
            section.blocks.append(b)
            for s in section.subsections.values():
                if s.line < b.start_line <= s.end + 1:
                    s.blocks.append(b)


def _required_parts(sections: dict[str, Section], kind: object, path: str, body_start: int):
    """(code_blocks, before, after, expected_heading, expected, explanation) and problems."""
    problems: list[Problem] = []
    where = body_start
    code = sections.get(CODE)
    expected_key = next((k for k in EXPECTED_HEADINGS if k in sections), None)
    explanation = sections.get(EXPLANATION)
    if code is None:
        problems.append(error(path, where, "missing-section", "missing '## Code' section with the ```bbj blocks"))
    if expected_key is None:
        problems.append(error(path, where, "missing-section", "missing '## Expected Behavior' (or '## Expected "
                              "Output') section: say what the program does when it runs"))
    if explanation is None:
        problems.append(error(path, where, "missing-section", "missing '## Explanation' section: say why the code "
                              "is written this way"))
    for key, section in sections.items():
        if key not in (CODE, EXPLANATION) and key not in EXPECTED_HEADINGS:
            problems.append(warning(path, section.line, "unused-section", f"section '## {section.title}' is not "
                                    "used by the build; fold it into ## Explanation or remove it"))
        elif key != CODE and not section.text:
            problems.append(error(path, section.line, "empty-section", f"section '## {section.title}' is empty; "
                                  "write it"))
    problems += _order_problems(sections, expected_key, path)
    before, after, blocks = (), (), ()
    if code is not None:
        blocks, before, after, code_problems = _code_blocks(code, kind == "migration", path)
        problems += code_problems
    expected = sections[expected_key] if expected_key else None
    parts = (blocks, before, after, EXPECTED_HEADINGS.get(expected_key or "", "Expected Behavior"),
             expected.text if expected else "", explanation.text if explanation else "")
    return parts, problems


def _order_problems(sections: dict[str, Section], expected_key: str | None, path: str) -> list[Problem]:
    present = [sections[k] for k in (CODE, expected_key, EXPLANATION) if k and k in sections]
    if [s.line for s in present] != sorted(s.line for s in present):
        return [warning(path, present[-1].line, "section-order", "sections should come in the order ## Code, "
                        "## Expected Behavior/Output, ## Explanation")]
    return []


def _code_blocks(code: Section, migration: bool, path: str):
    problems: list[Problem] = []
    for b in code.blocks:
        if b.lang != "bbj":
            tag = f"tagged '{b.lang}'" if b.lang else "untagged"
            problems.append(error(path, b.start_line - 1, "bad-code-block", f"code block under ## Code is {tag}; "
                                  "open BBj code with ```bbj"))
    bbj = tuple(b for b in code.blocks if b.lang == "bbj")
    if not migration:
        if not bbj:
            problems.append(error(path, code.line, "missing-section", "## Code has no ```bbj block; add the program"))
        return bbj, (), (), problems
    before_s, after_s = code.subsections.get("before"), code.subsections.get("after")
    before = tuple(b for b in before_s.blocks if b.lang == "bbj") if before_s else ()
    after = tuple(b for b in after_s.blocks if b.lang == "bbj") if after_s else ()
    for name, part in (("Before", before), ("After", after)):
        if not part:
            problems.append(error(path, code.line, "missing-section", f"migration example needs '### {name}' under "
                                  "## Code with one ```bbj block (the old code under Before, the new under After)"))
    return before + after, before, after, problems
