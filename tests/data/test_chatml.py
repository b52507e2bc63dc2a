"""ChatML conversion per type: who says what, with deterministic phrasing and system prompts."""

from __future__ import annotations

from bbjcoder.data.chatml import GENERATION_NAMES, SYSTEM_PROMPTS, system_prompt, target_name
from bbjcoder.data.validate import load_markdown_folder

from .conftest import GOOD_BODY, distinct_example, front, write

MIGRATION_BODY = """
## Code

### Before

```bbj
0010 PRINT "OLD"
0020 END
```

### After

```bbj
rem new style
print "NEW"
end
```

## Expected Behavior

Prints a word.

## Explanation

Line numbers are gone.
"""


def load(root, checker, rel, text):
    write(root, rel, text)
    report = load_markdown_folder(root, checker)
    assert not report.errors, report.errors
    return {ex.id: ex for ex in report.examples}[rel[:-3]]


def test_completion_asks_for_the_program_and_answers_with_code(examples_root, checker):
    ex = load(examples_root, checker, "strings/greet.md",
              front(description="Greet the world.", generation="character") + GOOD_BODY)
    system, user, assistant = ex.messages
    assert [m["role"] for m in ex.messages] == ["system", "user", "assistant"]
    assert GENERATION_NAMES["character"] in system["content"]
    assert "Greet the world." in user["content"] and "Prints `Hello, World`." in user["content"]
    assert "```bbj" not in user["content"]
    assert assistant["content"].startswith('```bbj\nrem Print a greeting for one customer\n')
    assert assistant["content"].endswith("no separator.")


def test_comprehension_shows_code_and_answers_with_behaviour(examples_root, checker):
    ex = load(examples_root, checker, "strings/greet.md", front(type="comprehension") + GOOD_BODY)
    _, user, assistant = ex.messages
    assert '```bbj\nrem Print a greeting for one customer\nname$ = "World"' in user["content"]
    assert assistant["content"].startswith("Prints `Hello, World`.") and "```bbj" not in assistant["content"]


def test_migration_gives_before_and_answers_with_after(examples_root, checker):
    text = front(type="migration", generation=["character", "bbj-gui"], from_generation="character",
                 to_generation="bbj-gui") + MIGRATION_BODY
    ex = load(examples_root, checker, "gui/old-to-new.md", text)
    system, user, assistant = ex.messages
    assert GENERATION_NAMES["bbj-gui"] in system["content"]
    assert '0010 PRINT "OLD"' in user["content"] and "NEW" not in user["content"]
    assert GENERATION_NAMES["character"] in user["content"] and GENERATION_NAMES["bbj-gui"] in user["content"]
    assert assistant["content"] == '```bbj\nrem new style\nprint "NEW"\nend\n```\n\nLine numbers are gone.'
    assert ex.code == ('0010 PRINT "OLD"\n0020 END\n', 'rem new style\nprint "NEW"\nend\n')


def test_explanation_asks_about_the_title_and_explains_with_code(examples_root, checker):
    ex = load(examples_root, checker, "strings/greet.md",
              front(type="explanation", title="Why string variables end in $") + GOOD_BODY)
    _, user, assistant = ex.messages
    assert "Why string variables end in $" in user["content"]
    assert assistant["content"].startswith("String variables end in `$`") and "```bbj" in assistant["content"]


def test_multi_file_blocks_are_named(examples_root, checker):
    body = GOOD_BODY.replace("```bbj\nrem Print", "<!-- filename: Greeter.bbj -->\n```bbj\nrem Print")
    ex = load(examples_root, checker, "oop/greeter.md", front() + body)
    assert ex.messages[2]["content"].startswith("`Greeter.bbj`:\n\n```bbj\n")


def test_phrasing_and_system_prompt_are_deterministic_and_varied(examples_root, checker):
    for i in range(24):
        write(examples_root, f"strings/example-{i}.md", distinct_example(i))
    first = load_markdown_folder(examples_root, checker).examples
    again = load_markdown_folder(examples_root, checker).examples
    assert [e.messages for e in first] == [e.messages for e in again]
    assert len({e.messages[0]["content"] for e in first}) == len(SYSTEM_PROMPTS)
    assert len({e.messages[1]["content"].split("\n")[0][:12] for e in first}) >= 3


def test_every_system_prompt_names_the_target():
    assert 3 <= len(SYSTEM_PROMPTS) <= 5
    for i in range(40):
        prompt = system_prompt(f"id-{i}", ["vpro5", "dwc"])
        assert target_name(["vpro5", "dwc"]) in prompt
