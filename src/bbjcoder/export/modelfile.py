"""The Ollama Modelfile: a Go TEMPLATE generated from the training chat template, its stop tokens, the defaults.

    fmt = chat_format(lambda msgs, gen: tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen))
    text = modelfile_text("./bbj-coder-q4_k_m.gguf", fmt, stop_tokens(tok, fmt, eos_ids), default_system_prompt())
    parse_modelfile(text)["TEMPLATE"]   # what Ollama will execute, renderable with gotemplate.render_go_template

The template is never hand-written. The training template is rendered for one probe message per role to learn
each role's prefix and suffix and the generation prompt, then checked to be "per message" (a conversation renders
as the concatenation of its messages) on probe conversations; a template that injects text by position (a default
system prompt, special first-turn handling) cannot be reproduced this way and is refused.

Example (the tiny model's ChatML):

    FROM ./bbj-coder-q4_k_m.gguf
    TEMPLATE \"\"\"{{- range $i, $_ := .Messages }}
    {{- $last := eq (len (slice $.Messages $i)) 1 }}
    {{- if eq .Role "system" }}<|im_start|>system
    {{ .Content }}<|im_end|>
    {{ else if eq .Role "user" }}<|im_start|>user
    {{ .Content }}<|im_end|>
    {{ else if eq .Role "assistant" }}<|im_start|>assistant
    {{ .Content }}{{ if not $last }}<|im_end|>
    {{ end }}
    {{- end }}
    {{- if and $last (ne .Role "assistant") }}<|im_start|>assistant
    {{ end }}
    {{- end }}\"\"\"
    SYSTEM \"\"\"You are an expert BBj ...\"\"\"
    PARAMETER temperature 0.2
    PARAMETER stop "<|im_end|>"

Ollama semantics kept: a conversation that ends with a user (or system) message gets the generation prompt; one
that ends with an assistant message is continued (no end-of-turn after it), like transformers'
`continue_final_message=True`. Ollama puts the SYSTEM text first in .Messages when a request has no system message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ExportError
from .gotemplate import go_string

__all__ = [
    "ROLES",
    "ChatFormat",
    "chat_format",
    "go_template",
    "stop_tokens",
    "default_system_prompt",
    "modelfile_text",
    "parse_modelfile",
    "DEFAULT_PARAMETERS",
]

ROLES = ("system", "user", "assistant")
_PROBE = "\u27e6probe-{}\u27e7"  # text no chat template contains
# Sampling defaults for code: low temperature, nucleus 0.9; 4096 tokens of context (capped at the model's).
DEFAULT_PARAMETERS = {"temperature": 0.2, "top_p": 0.9, "num_ctx": 4096}
Render = Callable[[list[dict[str, str]], bool], str]


@dataclass(frozen=True)
class ChatFormat:
    """What the chat template puts around each role's content, and the generation prompt."""

    wrappers: dict[str, tuple[str, str]]
    generation_prompt: str

    def render(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        text = "".join(self.wrappers[m["role"]][0] + m["content"] + self.wrappers[m["role"]][1] for m in messages)
        return text + (self.generation_prompt if add_generation_prompt else "")


def _render(render: Render, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
    from jinja2 import TemplateError

    try:
        return render(messages, add_generation_prompt)
    except (TemplateError, ValueError) as exc:
        roles = "/".join(m["role"] for m in messages)
        raise ExportError(f"chat template: cannot render a {roles} conversation ({exc}); the Modelfile needs system, user and assistant turns") from None


def _wrapper(render: Render, role: str) -> tuple[str, str]:
    probe = _PROBE.format(role)
    text = _render(render, [{"role": role, "content": probe}], False)
    if text.count(probe) != 1:
        raise ExportError(f"chat template: a single {role} message renders its content {text.count(probe)} times ({text!r})")
    prefix, suffix = text.split(probe)
    return prefix, suffix


def _probe_conversations() -> list[list[dict[str, str]]]:
    s, u, a = ("system", "user", "assistant")
    shapes = [(s, u, a, u, a), (u, a, u), (u,), (s, u), (u, a), (s, u, a, u)]
    return [[{"role": r, "content": f"{r} {i}.{j}\nline"} for j, r in enumerate(shape)] for i, shape in enumerate(shapes)]


def chat_format(render: Render) -> ChatFormat:
    """Learn the per-role wrappers of a chat template from its own renderings, and check them.

    `render(messages, add_generation_prompt)` must render like `tokenizer.apply_chat_template(..., tokenize=False)`.
    """
    wrappers = {role: _wrapper(render, role) for role in ROLES}
    probe = [{"role": "user", "content": _PROBE.format("gen")}]
    without, with_gen = _render(render, probe, False), _render(render, probe, True)
    if not with_gen.startswith(without):
        raise ExportError(f"chat template: the generation prompt is not appended at the end ({with_gen!r} vs {without!r})")
    fmt = ChatFormat(wrappers, with_gen[len(without):])
    for conv in _probe_conversations():
        gen = conv[-1]["role"] != "assistant"
        got, want = _render(render, conv, gen), fmt.render(conv, gen)
        if got != want:
            at = next((i for i, (x, y) in enumerate(zip(got, want, strict=False)) if x != y), min(len(got), len(want)))
            roles = "/".join(m["role"] for m in conv)
            raise ExportError(
                f"chat template is not a per-message template: a {roles} conversation renders {got[max(0, at - 20):at + 40]!r}"
                f" where its messages alone give {want[max(0, at - 20):at + 40]!r}; an Ollama template cannot reproduce it."
                " Train with model.chat_template: chatml (or a .jinja template without position-dependent text)"
            )
    return fmt


def _literal(text: str) -> str:
    """Text to put verbatim in the Go template; text that contains an action delimiter becomes a string action."""
    return "{{ " + go_string(text) + " }}" if "{{" in text or "}}" in text else text


def go_template(fmt: ChatFormat) -> str:
    """The Ollama TEMPLATE for `fmt`. Formatting newlines only ever sit between two actions, trimmed by `{{-`;
    literal text (which may end in a newline) is never followed by a trim marker."""
    (sp, ss), (up, us), (ap, as_) = (fmt.wrappers[r] for r in ROLES)
    lit = _literal
    lines = [
        "{{- range $i, $_ := .Messages }}",
        "{{- $last := eq (len (slice $.Messages $i)) 1 }}",
        '{{- if eq .Role "system" }}' + lit(sp) + "{{ .Content }}" + lit(ss)
        + '{{ else if eq .Role "user" }}' + lit(up) + "{{ .Content }}" + lit(us)
        + '{{ else if eq .Role "assistant" }}' + lit(ap) + "{{ .Content }}{{ if not $last }}" + lit(as_) + "{{ end }}",
        "{{- end }}",
        '{{- if and $last (ne .Role "assistant") }}' + lit(fmt.generation_prompt) + "{{ end }}",
        "{{- end }}",
    ]
    return "\n".join(lines)


def stop_tokens(tok: Any, fmt: ChatFormat, eos_ids: list[int]) -> list[str]:
    """End-of-turn tokens: special tokens in the assistant suffix, then the tokenizer's and the model's eos."""
    specials = sorted(tok.all_special_tokens, key=len, reverse=True)
    suffix = fmt.wrappers["assistant"][1]
    found = [(suffix.find(t), t) for t in specials if t and t in suffix]
    stops = [t for _, t in sorted(found)]
    stops += [tok.eos_token] if tok.eos_token else []
    stops += [tok.convert_ids_to_tokens(i) for i in eos_ids]
    stops = list(dict.fromkeys(s for s in stops if s))
    if not stops:
        raise ExportError("no stop token found: the assistant turn has no special end token and the tokenizer no eos")
    return stops


def default_system_prompt() -> str:
    """The training data's first system prompt, for any generation, plus how to ask for a specific one."""
    from ..data.chatml import GENERATION_NAMES, SYSTEM_PROMPTS

    named = "; ".join(name for key, name in GENERATION_NAMES.items() if key != "all")
    return (
        SYSTEM_PROMPTS[0].format(target=GENERATION_NAMES["all"])
        + f" When the user names a BBj generation ({named}), write for that generation and use only what exists there."
    )


def _quoted(text: str, what: str) -> str:
    if '"""' in text:
        raise ExportError(f'Modelfile {what} contains """, which ends an Ollama triple-quoted value')
    return f'"""{text}"""'


def modelfile_text(from_file: str, fmt: ChatFormat, stops: list[str], system: str, num_ctx: int, header: str = "") -> str:
    params = {**DEFAULT_PARAMETERS, "num_ctx": num_ctx}
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"FROM {from_file}", "", f"TEMPLATE {_quoted(go_template(fmt), 'TEMPLATE')}", "", f"SYSTEM {_quoted(system, 'SYSTEM')}", ""]
    lines += [f"PARAMETER {key} {value}" for key, value in params.items()]
    for stop in stops:
        if '"' in stop:
            raise ExportError(f"stop token {stop!r} contains a double quote, which a Modelfile PARAMETER cannot hold")
        lines.append(f'PARAMETER stop "{stop}"')
    return "\n".join(lines) + "\n"


_INSTRUCTION = re.compile(r'^(?P<cmd>[A-Za-z]+)[ \t]+(?:"""(?P<triple>.*?)"""|(?P<rest>[^\n]*))[ \t]*$', re.S | re.M)


def parse_modelfile(text: str) -> dict[str, Any]:
    """{"FROM": str, "TEMPLATE": str, "SYSTEM": str, "PARAMETER": [(name, value), ...]}; comments skipped."""
    out: dict[str, Any] = {"PARAMETER": []}
    pos = 0
    for m in _INSTRUCTION.finditer(text):
        if m.start() < pos:
            continue
        pos = m.end()
        cmd = m.group("cmd").upper()
        value = m.group("triple") if m.group("triple") is not None else m.group("rest").strip()
        if cmd == "PARAMETER":
            name, _, raw = value.partition(" ")
            raw = raw.strip()
            out["PARAMETER"].append((name, raw[1:-1] if len(raw) > 1 and raw[0] == raw[-1] == '"' else raw))
        else:
            out[cmd] = value
    return out
