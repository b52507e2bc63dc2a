"""Generate, validate, repair: ask the model, check its code, send the errors back, try again.

    result = await generate_validate_repair(
        "Write a DWC form with a name field", generation="dwc", context=None, max_attempts=3,
        chat=client.chat, checker=get_checker(), hits=kb.search("DWC form name field", "dwc", 4))

The conversation, one model call per attempt:

    system     who the model is, the target generation, "one ```bbj block"
    user       knowledge excerpts, the surrounding code, the task
    assistant  answer 1            -> extract_code -> checker -> errors?
    user       the errors in bbjcpl's format, "fix them, whole program again"
    assistant  answer 2            -> ...            up to max_attempts

Each repair call carries the first two turns and only the latest answer with its errors, not every earlier
attempt: the prompt stays the same size however many attempts run, and the model fixes the code it wrote last.
With the served model's context window known (`fit_hits`), excerpts are dropped, least relevant first, until
the first prompt leaves room for an answer (and for one repair turn when repairs are allowed).
The loop stops at the first attempt whose code has no checker errors (warnings are allowed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from ..bbj import Checker, extract_code, format_bbjcpl
from .index import SearchHit
from .llm import Message
from .results import AttemptReport, GenerationResult, SourceRef

__all__ = ["generate_validate_repair", "build_messages", "repair_message", "fit_hits", "GENERATION_TARGETS",
           "CODE_FILENAME"]

CODE_FILENAME = "generated.bbj"  # the file name in the diagnostics the model reads back
# Characters per token of our examples through Qwen2.5's tokenizer: 3.5 on average, 3.0 or more for 95% of the
# files (measured on training-data/). 3 overestimates the tokens of nearly every prompt: the safe side.
CHARS_PER_TOKEN = 3
REPAIR_ERRORS_TOKENS = 300  # room for the error listing of a repair turn
GENERATION_TARGETS = {
    "all": "general BBj that runs in every generation (no GUI, no generation-specific APIs)",
    "character": "character-mode BBj/BBx: terminal screens with PRINT @(column,row) and mnemonics such as 'CS'; "
                 "no BBjAPI() and no GUI",
    "vpro5": "Visual PRO/5: SYSGUI windows and controls through 'WINDOW'(...), 'BUTTON'(...) mnemonics and "
             "CTRL(); no BBjAPI() objects",
    "bbj-gui": "the BBj GUI: BBjAPI(), BBjSysGui windows and controls, callbacks with setCallback and "
               "process_events",
    "dwc": "BBj DWC, the Dynamic Web Client: BBjAPI() windows and controls rendered in the browser, styled with "
           "CSS through setStyle/setAttribute/addStyle, callbacks with setCallback and process_events",
}
_SYSTEM = (
    "You are BBj Coder, an expert programmer in BBj (BASIS Business BASIC). You write correct BBj that "
    "compiles with bbjcpl. Target: {target}. Answer with the complete program in one ```bbj fenced block, "
    "then at most two sentences."
)


def build_messages(prompt: str, generation: str, context: str | None, hits: list[SearchHit],
                   excerpt_chars: int = 1500) -> list[Message]:
    """The first two turns: system, and user with excerpts, surrounding code and the task."""
    target = GENERATION_TARGETS[generation]
    parts: list[str] = []
    if hits:
        parts.append("Reference excerpts from the BBj knowledge base (examples of correct syntax and APIs):")
        for n, hit in enumerate(hits, 1):
            c = hit.chunk
            section = f" - {c.section}" if c.section else ""
            parts.append(f"[{n}] {c.title}{section} ({c.source}; generation: {', '.join(c.generation)})\n"
                         f"{excerpt(c.text, excerpt_chars)}")
    if context and context.strip():
        parts.append(f"Surrounding code (the new code must fit into it):\n```bbj\n{context.rstrip()}\n```")
    parts.append(f"Task: {prompt.strip()}\nTarget: {target}.\nReply with the complete program in one ```bbj block.")
    return [{"role": "system", "content": _SYSTEM.format(target=target)},
            {"role": "user", "content": "\n\n".join(parts)}]


def fit_hits(prompt: str, generation: str, context: str | None, hits: list[SearchHit], excerpt_chars: int,
             window: int, max_tokens: int, repairs: bool) -> list[SearchHit]:
    """The most relevant hits whose first prompt, estimated in tokens, fits `window` with room to answer.

    The room: one answer of `max_tokens`; with repairs, also that answer kept in the conversation, its error
    listing and the next answer. Raises ValueError when even the prompt without excerpts does not fit.
    """
    room = max_tokens * 2 + REPAIR_ERRORS_TOKENS if repairs else max_tokens

    def tokens(n: int) -> int:
        messages = build_messages(prompt, generation, context, hits[:n], excerpt_chars)
        return sum(len(m["content"]) for m in messages) // CHARS_PER_TOKEN + 8 * len(messages)  # + template tokens

    n = len(hits)
    need = tokens(n)
    while n and need + room > window:
        n -= 1
        need = tokens(n)
    if need + room > window:
        raise ValueError(f"the task and surrounding code need about {need:,} tokens, plus {room:,} to answer"
                         f"{' and repair' if repairs else ''}: more than the model's context_window of {window:,}")
    return hits[:n]


def repair_message(errors: list[str]) -> Message:
    """The follow-up turn after an attempt that did not compile."""
    listing = "\n".join(errors)
    return {"role": "user", "content": (
        "The code does not compile. The BBj checker reports (bbjcpl format: file: error at line "
        f"<program line> (<physical line>): <source line>):\n{listing}\n\n"
        "Fix every error and reply with the complete corrected program in one ```bbj block.")}


def excerpt(text: str, limit: int) -> str:
    """Text cut to `limit` characters at a line end, a code fence closed if the cut left it open.

    >>> excerpt("```bbj\\nprint 1\\nprint 2\\n```", 16)
    '```bbj\\nprint 1\\n```\\n[...]'
    """
    if len(text) <= limit:
        return text
    cut = text[:limit]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    if cut.count("```") % 2:
        cut += "\n```"
    return cut + "\n[...]"


async def generate_validate_repair(
    prompt: str, *, generation: str, context: str | None, max_attempts: int,
    chat: Callable[[list[Message]], Awaitable[str]], checker: Checker, hits: list[SearchHit],
    model: str = "", excerpt_chars: int = 1500,
) -> GenerationResult:
    """Run the loop (see module doc); model errors (ServeError) propagate."""
    first = build_messages(prompt, generation, context, hits, excerpt_chars)
    messages = first
    attempts: list[AttemptReport] = []
    for number in range(1, max_attempts + 1):
        # 1. ask the model
        answer = await chat(messages)
        # 2. take the code out of the answer
        code = _pick_code(answer)
        # 3. check it (off the event loop: bbjcpl is a subprocess)
        errors = await anyio.to_thread.run_sync(_errors, checker, code)
        attempts.append(AttemptReport(attempt=number, compiled=not errors, errors=errors, code=code))
        if not errors:
            break
        # 4. show the model its latest code and errors (see module doc)
        messages = [*first, {"role": "assistant", "content": answer}, repair_message(errors)]
    best = next((a for a in attempts if a.compiled), None) or min(reversed(attempts), key=lambda a: len(a.errors))
    sources = [SourceRef(title=h.chunk.title, section=h.chunk.section, source=h.chunk.source, line=h.chunk.line,
                         generation=list(h.chunk.generation)) for h in hits]
    return GenerationResult(code=best.code, compiled=best.compiled, generation=generation, model=model,
                            attempts=attempts, sources=sources)


def _pick_code(answer: str) -> str:
    """The longest code block of the answer ('' when it has none)."""
    blocks = extract_code(answer)
    return max(blocks, key=len) if blocks else ""


def _errors(checker: Checker, code: str) -> list[str]:
    if not code.strip():
        return ["no BBj code found in the answer: reply with the whole program in one ```bbj fenced block"]
    return [format_bbjcpl(CODE_FILENAME, d, with_message=True) for d in checker.check(code, CODE_FILENAME)
            if d.is_error]
