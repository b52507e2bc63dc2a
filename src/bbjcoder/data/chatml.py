"""Turning a Markdown example into ChatML turns: system, user, assistant.

Per type (FORMAT.md says the same for contributors):

- completion: the user asks for the program (description or title, the expected behaviour, the
  target generation); the assistant answers with the fenced code and the explanation.
- comprehension: the user shows the code and asks what it does; the assistant answers with the
  expected behaviour and the explanation.
- migration: the user gives the Before code and the target generation; the assistant gives the
  After code and what changed (the explanation).
- explanation: the user asks about the concept (the title); the assistant explains with the code.

The phrasing of the user turn and the system prompt are picked from small fixed lists by a hash of
the example id: varied across the data set, identical across builds.
"""

from __future__ import annotations

from ..bbj import CodeBlock
from .example import UNSPECIFIED, Example, stable_pick
from .markdown import MarkdownExample

__all__ = ["SYSTEM_PROMPTS", "PHRASINGS", "GENERATION_NAMES", "target_name", "system_prompt", "to_example"]

GENERATION_NAMES = {
    "all": "any BBj generation",
    "character": "character-mode BBj (terminal screens)",
    "vpro5": "Visual PRO/5",
    "bbj-gui": "the BBj GUI (BBjAPI and BBjSysGui)",
    "dwc": "the BBj DWC (Dynamic Web Client, in the browser)",
}

# Each names the target generation; four, so no single sentence becomes part of what is learned.
SYSTEM_PROMPTS = (
    "You are an expert BBj (BASIS Business BASIC) programmer. Target: {target}. "
    "Write correct, idiomatic BBj that compiles.",
    "You are a BBj coding assistant. Answer for {target}, using only the verbs, functions and APIs "
    "that exist there, and put BBj code in ```bbj blocks.",
    "You are a senior developer who writes and maintains BBj applications for {target}. "
    "Keep programs complete and runnable, and explain the idioms you use.",
    "You help programmers with BASIS BBj, targeting {target}. Prefer the documented forms and never invent syntax.",
)

PHRASINGS = {
    "completion": (
        "Write a BBj program for {target}.\n\n{request}\n\n{expected_heading}:\n{expected}",
        "{request}\n\nPlease write it in BBj for {target}. It should behave like this:\n{expected}",
        "Task: {title}\nTarget: {target}\n\n{request}\n\n{expected_heading}:\n{expected}",
        "How would I write this in BBj ({target})? {request}\n\nWhat I expect when it runs:\n{expected}",
    ),
    "comprehension": (
        "What does this BBj code do?\n\n{code}",
        "Explain what the following BBj program for {target} does.\n\n{code}",
        "I found this BBj code ({target}). What does it do, and why is it written this way?\n\n{code}",
    ),
    "migration": (
        "Migrate this {source} code to {target}:\n\n{code}",
        "Here is older {source} code. Rewrite it for {target} and tell me what changed.\n\n{code}",
        "Convert the following program from {source} to {target}.\n\n{code}",
    ),
    "explanation": (
        "{question} Explain it for {target}, with a code example.",
        "Explain this BBj topic for {target}: {title}",
        "I'm writing BBj for {target}. {question} Show me an example.",
    ),
}


def target_name(generation: object) -> str:
    """Readable name of a generation label or list of labels.

    >>> target_name(["vpro5", "bbj-gui"])
    'Visual PRO/5 and the BBj GUI (BBjAPI and BBjSysGui)'
    """
    labels = [generation] if isinstance(generation, str) else list(generation or [])
    names = [GENERATION_NAMES.get(str(label), str(label)) for label in labels] or [GENERATION_NAMES["all"]]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def system_prompt(example_id: str, generation: object) -> str:
    """The system prompt for an example: picked by its id, naming its target generation."""
    template = SYSTEM_PROMPTS[stable_pick(example_id, "system", len(SYSTEM_PROMPTS))]
    return template.format(target=target_name(generation))


def fence(blocks: tuple[CodeBlock, ...] | list[CodeBlock]) -> str:
    """Code blocks as the answer shows them: ```bbj fences, a `Name.bbj`: line before named files."""
    parts = []
    for b in blocks:
        label = f"`{b.filename}`:\n\n" if b.filename else ""
        parts.append(f"{label}```bbj\n{b.code.rstrip()}\n```")
    return "\n\n".join(parts)


def to_example(md: MarkdownExample, source: str, compiles: bool) -> Example:
    """The Example (messages included) for a parsed, valid Markdown example."""
    meta = md.meta
    kind = meta["type"]
    target_gen = (meta.get("to_generation") or meta["generation"]) if kind == "migration" else meta["generation"]
    fields = _fields(md, target_gen)
    user = PHRASINGS[kind][stable_pick(md.id, "user", len(PHRASINGS[kind]))].format(**fields)
    answer, prompt_text = _answer_and_prompt(md, kind, fields)
    messages = (
        {"role": "system", "content": system_prompt(md.id, target_gen)},
        {"role": "user", "content": user},
        {"role": "assistant", "content": answer},
    )
    generation = (meta["generation"],) if isinstance(meta["generation"], str) else tuple(meta["generation"])
    requests = tuple(t for t in (str(meta["title"]), str(meta.get("description") or ""), user) if t.strip())
    return Example(
        id=md.id, source=source, type=kind, generation=generation,
        difficulty=meta.get("difficulty") or UNSPECIFIED, tags=tuple(str(t) for t in meta.get("tags") or ()),
        messages=messages, code=tuple(b.code for b in md.code_blocks), compiles=compiles, topic=md.topic,
        prompt_text=prompt_text, answer_text=answer, request_texts=requests,
    )


def _fields(md: MarkdownExample, target_gen: object) -> dict[str, str]:
    meta = md.meta
    title = str(meta["title"]).strip()
    description = str(meta.get("description") or "").strip()
    question = title if title.endswith("?") else title.rstrip(".") + "?"
    blocks = md.before if meta["type"] == "migration" else md.code_blocks
    return {
        "title": title,
        "request": description or title.rstrip(".") + ".",
        "question": question,
        "expected": md.expected,
        "expected_heading": md.expected_heading,
        "target": target_name(target_gen),
        "source": target_name(meta["from_generation"]) if meta.get("from_generation") else "older BBj",
        "code": fence(blocks),
    }


def _answer_and_prompt(md: MarkdownExample, kind: str, fields: dict[str, str]) -> tuple[str, str]:
    """(assistant answer, prompt text for dedup): the prompt text leaves out the phrasing."""
    if kind == "completion":
        answer = f"{fence(md.code_blocks)}\n\n{md.explanation}"
        prompt = "\n".join((fields["title"], fields["request"], md.expected))
    elif kind == "comprehension":
        answer = f"{md.expected}\n\n{md.explanation}"
        prompt = fields["code"]
    elif kind == "migration":
        answer = f"{fence(md.after)}\n\n{md.explanation}"
        prompt = fields["code"] + "\n" + fields["target"]
    else:
        answer = f"{md.explanation}\n\n{fence(md.code_blocks)}"
        prompt = fields["title"]
    return answer, prompt
