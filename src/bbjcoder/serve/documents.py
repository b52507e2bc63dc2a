"""Knowledge documents: finding files in the configured folders and cutting them into chunks.

    files, problems = find_files(["training-data", "/opt/bbj-docs"])
    chunks = chunk_file(files[0].path, files[0].display, data)

Accepted inputs (one place):
- Markdown (`.md`, `.markdown`): optional YAML front matter (the training-data example format:
  `title`, `description`, `tags`, `generation`); chunks are the `#`/`##` sections, headings inside
  code fences ignored; sections over CHUNK_CHARS are cut at paragraph boundaries.
- HTML (`.html`, `.htm`): converted to Markdown-like text (headings, `<pre>` as code fences,
  lists), then chunked the same way; the title comes from `<title>` or the first heading.

Generation labels come from front matter; without them each chunk's labels are detected from its
text by GENERATION_RULES, and text with no generation-specific API is labelled `all`.
Files are found only inside the folders: symlinks that lead outside a folder, hidden folders and
files over MAX_FILE_BYTES are left out and reported as problems.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path

__all__ = [
    "Chunk", "KnowledgeFile", "GENERATION_LABELS", "GENERATION_RULES", "detect_generations",
    "find_files", "chunk_file", "chunk_markdown", "html_to_markdown", "CHUNK_CHARS", "MAX_FILE_BYTES",
]

GENERATION_LABELS = ("character", "vpro5", "bbj-gui", "dwc")
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
CHUNK_CHARS = 4000  # a section longer than this is cut at paragraph boundaries
MAX_FILE_BYTES = 2_000_000

_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<title>.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)


# What each generation's code uses that the others lack; read in this order by detect_generations.
GENERATION_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("dwc", re.compile(r"\b(?:getWebManager|executeAsyncScript|executeScript|BBjWebManager|MODE_DWC|DWC)\b"
                       r"|\b(?:setStyle|addStyle|addClassName)\s*\(|--dwc-", re.I)),  # CSS styling: browser only
    ("bbj-gui", _rx(r"\bbbjapi\s*\(|\b(?:get|open)sysgui\b|\bprocess_events\b")),
    ("vpro5", _rx(r"'(?:window|button|edit|listbox|tbutton|checkbox)'\s*\(|\bctrl\s*\(")),
    ("character", _rx(r"@\(\s*[^()\n]+,[^()\n]+\)|'(?:cs|be|ee|sb|sf)'")),
)
_BBJAPI = _rx(r"\bbbjapi\s*\(")


def detect_generations(text: str) -> tuple[str, ...]:
    """Generation labels of a text from the APIs it uses; ('all',) when it uses none.

    DWC-only calls make it `dwc` alone (such code also calls BBjAPI()); the character-mode
    screen mnemonics count only in programs without BBjAPI().

    >>> detect_generations('wm! = BBjAPI().getWebManager()')
    ('dwc',)
    >>> detect_generations('sysgui! = BBjAPI().openSysGui("X0")')
    ('bbj-gui',)
    >>> detect_generations("print (gui)'window'(10,10,200,100,\\"Hi\\")")
    ('vpro5',)
    >>> detect_generations("print 'CS',@(10,5),\\"Name:\\"")
    ('character',)
    >>> detect_generations('x$ = cvs(name$, 3)')
    ('all',)
    """
    found = {label for label, pattern in GENERATION_RULES if pattern.search(text)}
    if "dwc" in found:
        found.discard("bbj-gui")
    if "character" in found and _BBJAPI.search(text):
        found.discard("character")
    return tuple(label for label in GENERATION_LABELS if label in found) or ("all",)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One searchable section. source: the path as shown to clients (the folder as configured +
    the path inside it); line: 1-based line of the section in the file (0 for HTML)."""

    source: str
    line: int
    title: str
    section: str
    text: str
    generation: tuple[str, ...]
    kind: str  # "example" (front matter with a type) or "doc"
    extra: str = ""  # description and tags: indexed, not shown

    def index_text(self) -> str:
        return "\n".join((self.title, self.section, self.extra, self.text))

    def to_record(self) -> dict:
        record = asdict(self)
        record["generation"] = list(self.generation)
        return record

    @classmethod
    def from_record(cls, record: dict) -> "Chunk":
        return cls(**{**record, "generation": tuple(record["generation"])})


@dataclass(frozen=True, slots=True)
class KnowledgeFile:
    path: Path  # resolved, inside root
    display: str  # folder as configured / relative path, POSIX separators


def find_files(folders: list[str]) -> tuple[list[KnowledgeFile], list[str]]:
    """Markdown and HTML files under each folder, sorted, and the problems met (one line each)."""
    files: list[KnowledgeFile] = []
    problems: list[str] = []
    for folder in folders:
        root = Path(folder).resolve()
        for dirpath, dirnames, filenames in os.walk(root):  # linked folders are listed, not entered
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in dirnames:
                if (Path(dirpath) / name).is_symlink():
                    shown = (Path(folder) / Path(dirpath, name).relative_to(root)).as_posix()
                    problems.append(f"{shown}: not indexed: a linked folder (give its target as a knowledge folder)")
            for name in sorted(filenames):
                if not name.lower().endswith(MARKDOWN_SUFFIXES + HTML_SUFFIXES) or name.startswith("."):
                    continue
                path = Path(dirpath) / name
                display = (Path(folder) / path.relative_to(root)).as_posix()
                real = path.resolve()
                if not real.exists():
                    problems.append(f"{display}: not indexed: a link to {real}, which does not exist")
                elif not real.is_relative_to(root):
                    problems.append(f"{display}: not indexed: a link to {real}, outside {folder}")
                elif real.stat().st_size > MAX_FILE_BYTES:
                    problems.append(f"{display}: not indexed: larger than {MAX_FILE_BYTES:,} bytes")
                else:
                    files.append(KnowledgeFile(real, display))
    return files, problems


def chunk_file(display: str, data: bytes) -> tuple[list[Chunk], list[str]]:
    """The chunks of one file's bytes, and problems (undecodable text, bad front matter)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [f"{display}: not indexed: not UTF-8 (byte {exc.start})"]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if display.lower().endswith(HTML_SUFFIXES):
        title, body = html_to_markdown(text)
        return chunk_markdown(display, body, title=title, first_line=0), []
    meta, body, first_line, problems = _front_matter(display, text)
    title = str(meta.get("title") or "").strip()
    labels = _labels(meta.get("generation"))
    kind = "example" if meta.get("type") else "doc"
    tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    extra = " ".join([str(meta.get("description") or ""), *map(str, tags)]).strip()
    chunks = chunk_markdown(display, body, title=title, first_line=first_line, generation=labels,
                            kind=kind, extra=extra)
    return chunks, problems


def _front_matter(display: str, text: str) -> tuple[dict, str, int, list[str]]:
    """(metadata, body, 1-based line where the body starts, problems); no front matter -> ({}, text, 1)."""
    import frontmatter
    import yaml

    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, 1, []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, text, 1, [f"{display}:1: front matter has no closing '---'; indexed as plain text"]
    try:
        meta = frontmatter.loads("\n".join(lines[: end + 1])).metadata
    except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:  # also: front matter that is no mapping
        return {}, "\n".join(lines[end + 1:]), end + 2, [f"{display}: front matter is not valid YAML ({exc}); "
                                                         "indexed without title and labels"]
    return dict(meta), "\n".join(lines[end + 1:]), end + 2, []


def _labels(value: object) -> tuple[str, ...] | None:
    """Front-matter generation as a tuple of known labels; None when absent or unusable."""
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    labels = tuple(str(v).strip().lower() for v in values if str(v).strip().lower() in GENERATION_LABELS + ("all",))
    return labels or None


def chunk_markdown(display: str, body: str, *, title: str = "", first_line: int = 1,
                   generation: tuple[str, ...] | None = None, kind: str = "doc", extra: str = "") -> list[Chunk]:
    """Cut Markdown at `#` and `##` headings (outside code fences) into chunks.

    >>> [(c.section, c.line) for c in chunk_markdown("a.md", "# T\\nintro\\n## Code\\n```\\n# no\\n```\\n")]
    [('', 1), ('Code', 3)]
    """
    sections: list[tuple[str, int, list[str]]] = []  # heading, 0-based body line, lines
    heading, start, current, fence = "", 0, [], ""
    for i, line in enumerate(body.split("\n")):
        fence = _track_fence(line, fence)
        m = None if fence or _FENCE.match(line) else _HEADING.match(line)
        if m and len(m["hashes"]) <= 2:
            sections.append((heading, start, current))
            heading, start, current = m["title"], i, []
            if len(m["hashes"]) == 1 and (not title or m["title"] == title):  # the document's own title
                title, heading = m["title"], ""
            continue
        current.append(line)
    sections.append((heading, start, current))
    title = title or Path(display).stem.replace("-", " ")
    chunks = []
    for section, start, lines in sections:
        for piece in _split_long("\n".join(lines).strip("\n"), CHUNK_CHARS):
            if not piece.strip():
                continue
            labels = generation or detect_generations(piece)
            line = first_line + start if first_line else 0
            chunks.append(Chunk(display, line, title, section, piece, labels, kind, extra))
    return chunks


def _track_fence(line: str, fence: str) -> str:
    """The open fence after this line ('' when none)."""
    m = _FENCE.match(line)
    if not m:
        return fence
    marker = m.group(1)
    if not fence:
        return marker
    return "" if marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker):] else fence


def _split_long(text: str, limit: int) -> list[str]:
    """Text cut into pieces of at most `limit` characters at blank lines outside code fences
    (a single longer paragraph or code block stays whole)."""
    if len(text) <= limit:
        return [text]
    blocks, current, fence = [], [], ""
    for line in text.split("\n"):
        fence = _track_fence(line, fence)
        current.append(line)
        if not line.strip() and not fence:
            blocks.append("\n".join(current))
            current = []
    blocks.append("\n".join(current))
    pieces, piece = [], ""
    for block in blocks:
        if piece and len(piece) + len(block) + 1 > limit:
            pieces.append(piece.strip("\n"))
            piece = ""
        piece = f"{piece}\n{block}" if piece else block
    pieces.append(piece.strip("\n"))
    return pieces


class _HTMLToMarkdown(HTMLParser):
    """Just enough HTML to Markdown for documentation pages: headings, code, paragraphs, lists."""

    _SKIP = frozenset({"script", "style", "nav", "noscript", "svg", "template"})
    _BREAK = frozenset({"p", "div", "br", "tr", "table", "section", "article", "ul", "ol", "dl", "dt", "dd",
                        "blockquote", "hr", "header", "footer", "main"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title = ""
        self._in_title = False
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "pre":
            self._pre += 1
            self.out.append("\n\n```\n")
        elif re.fullmatch(r"h[1-6]", tag) and not self._pre:
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "code" and not self._pre:
            self.out.append("`")
        elif tag in self._BREAK:
            self.out.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
            self.out.append("\n```\n\n")
        elif re.fullmatch(r"h[1-6]", tag) and not self._pre:
            self.out.append("\n\n")
        elif tag == "code" and not self._pre:
            self.out.append("`")
        elif tag in self._BREAK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
            return
        self.out.append(data if self._pre else re.sub(r"\s+", " ", data))


def html_to_markdown(html: str) -> tuple[str, str]:
    """(title, Markdown-like body) of an HTML page.

    >>> html_to_markdown("<title>T</title><h2>Open</h2><p>Use <code>OPEN</code></p><pre>open (1)\\"f\\"</pre>")
    ('T', '## Open\\n\\nUse `OPEN`\\n\\n```\\nopen (1)"f"\\n```')
    """
    parser = _HTMLToMarkdown()
    parser.feed(html)
    parser.close()
    body = "".join(parser.out)
    body = "\n".join(line.rstrip() if line.strip() else "" for line in body.split("\n"))
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    body = re.sub(r"(?m)^ +(#{1,6} |- )", r"\1", body)
    return parser.title.strip(), body
