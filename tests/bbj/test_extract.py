"""Code extraction from Markdown and model answers."""

from __future__ import annotations

from bbjcoder.bbj import extract_code, markdown_blocks

ANSWER = """Here is the program:

```bbj
print "hello"
```

And a helper:

```
x=1
```

```python
print("not bbj")
```
"""


def test_fenced_blocks_bbj_and_untagged() -> None:
    assert extract_code(ANSWER) == ['print "hello"\n', "x=1\n"]


def test_basic_tag_and_unclosed_fence() -> None:
    assert extract_code("```basic\nprint 1\n") == ["print 1\n"]


def test_unfenced_code_when_whole_text_is_code() -> None:
    code = 'rem greet\nname$="Ann"\nprint "Hello ",name$\n'
    assert extract_code(code) == [code]


def test_prose_is_not_code() -> None:
    assert extract_code("BBj is a language by BASIS. It runs on the JVM and has many users.") == []
    assert extract_code("") == []
    assert extract_code("Sure, here it is") == []


def test_markdown_blocks_line_numbers_and_filenames() -> None:
    text = "# T\n\n<!-- filename: A.bbj -->\n```bbj\nprint 1\n```\n\n```bbj\nprint 2\nprint 3\n```\n"
    blocks = markdown_blocks(text)
    assert [(b.start_line, b.filename, b.code) for b in blocks] == [
        (5, "A.bbj", "print 1\n"),
        (9, None, "print 2\nprint 3\n"),
    ]


def test_longer_fences_and_tildes() -> None:
    text = "````bbj\nprint 1\n```\nstill code\n````\n~~~bbj\nprint 2\n~~~\n"
    blocks = markdown_blocks(text)
    assert [b.code for b in blocks] == ["print 1\n```\nstill code\n", "print 2\n"]
