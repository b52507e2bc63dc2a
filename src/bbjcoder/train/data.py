"""Read the data stage's files and turn them into token ids and labels for the two stages.

Accepted inputs (written by `bbjcoder.data`; see ARCHITECTURE.md, "Contracts"):

    corpus.jsonl      {"text": "rem Customer list\\nopen (1)\\"CUST\\"\\n...", "source": "corpus/files/list.bbj"}
    train.jsonl       {"messages": [{"role": "system", "content": "You write BBj."},
    validation.jsonl               {"role": "user", "content": "Print hi"},
                                   {"role": "assistant", "content": "print \\"hi\\""}], "meta": {...}}
    mix file          either of the two shapes ({"text"} lines for pretrain, {"messages"} lines for instruct)

What each stage learns from:
- pretrain: every token of each program, then the document separator (`<|endoftext|>`); labels = input ids.
- instruct: only the assistant turns' tokens, each up to and including its end-of-turn token (`<|im_end|>`).
  System, user and template tokens get label -100. `verify_labels` proves it at token level before training.

Blank lines are allowed; any other malformed line stops the run with file:line.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, TrainError
from ..fileio import jsonl_objects
from ..fileio import sha256_file as file_sha256  # dataset.json records each input's hash

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerBase

__all__ = [
    "IGNORE_INDEX",
    "Document",
    "Conversation",
    "TokenizedExample",
    "read_corpus",
    "read_conversations",
    "split_corpus",
    "sample_mix",
    "file_sha256",
    "tokenize_document",
    "tokenize_conversation",
    "has_generation_markers",
    "end_of_turn_id",
    "verify_labels",
]

IGNORE_INDEX = -100  # the label value PyTorch's cross-entropy skips
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Document:
    text: str
    source: str


@dataclass(frozen=True)
class Conversation:
    messages: list[dict[str, str]]
    where: str  # file:line, for error messages


@dataclass
class TokenizedExample:
    input_ids: list[int]
    labels: list[int]
    where: str = ""
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# --- reading ---------------------------------------------------------------------------------------------------


def _jsonl(path: Path, what: str, hint: str) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise InputError(f"{path}: {what} not found; {hint}")
    rows = list(jsonl_objects(path))
    if not rows:
        raise InputError(f"{path}: {what} is empty; {hint}")
    return rows


def read_corpus(path: Path, hint: str = "run the data stage first (bbjcoder data build) or set data.corpus") -> list[Document]:
    """Read `{"text", "source"}` lines; `source` defaults to file:line when absent."""
    docs = []
    for lineno, row in _jsonl(path, "stage 1 corpus", hint):
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f'{path}:{lineno}: expected a non-empty "text" string, got {text!r:.60}')
        docs.append(Document(text=text, source=str(row.get("source") or f"{path}:{lineno}")))
    return docs


def read_conversations(path: Path, hint: str = "run the data stage first (bbjcoder data build) or set data.train / data.validation") -> list[Conversation]:
    """Read `{"messages": [...], "meta": {...}}` lines; each needs at least one non-empty assistant turn."""
    out = []
    for lineno, row in _jsonl(path, "ChatML split", hint):
        where = f"{path}:{lineno}"
        messages = row.get("messages")
        if not isinstance(messages, list) or not messages:
            raise InputError(f'{where}: expected a non-empty "messages" list')
        for i, msg in enumerate(messages):
            if not isinstance(msg, dict) or msg.get("role") not in ROLES or not isinstance(msg.get("content"), str):
                raise InputError(f"{where}: messages[{i}] must be {{'role': one of {', '.join(ROLES)}, 'content': str}}, got {msg!r:.80}")
        if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
            raise InputError(f"{where}: no non-empty assistant message, so there is nothing to learn from this example")
        out.append(Conversation(messages=[{"role": m["role"], "content": m["content"]} for m in messages], where=where))
    return out


def split_corpus(docs: list[Document], fraction: float) -> tuple[list[Document], list[Document]]:
    """Hold out about `fraction` of the programs for stage 1 validation, chosen by a hash of their text.

    The choice depends only on each program, so adding programs never moves existing ones (like the data stage's
    splits). At least one program is held out and at least one kept.

    >>> train, val = split_corpus([Document(f"print {i}", f"p{i}") for i in range(20)], 0.1)
    >>> len(train) + len(val), len(val) >= 1
    (20, True)
    """
    if len(docs) < 2:
        raise TrainError(
            f"the corpus has {len(docs)} program(s); stage 1 needs at least 2 (one is held out for validation):"
            " add programs or set pretrain.enabled: false"
        )
    keyed = sorted(docs, key=lambda d: hashlib.sha256(d.text.encode()).hexdigest())
    scores = [int(hashlib.sha256(d.text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF for d in keyed]
    val = [d for d, s in zip(keyed, scores) if s < fraction] or [keyed[0]]
    if len(val) == len(docs):
        val = val[:1]
    held = {id(d) for d in val}
    return [d for d in docs if id(d) not in held], [d for d in docs if id(d) in held]


def sample_mix(items: list, n_own: int, fraction: float, seed: int) -> list:
    """Draw the mix share: `fraction` of the final training set comes from `items` (capped at len(items)).

    >>> len(sample_mix(list(range(100)), n_own=90, fraction=0.1, seed=0))
    10
    """
    if fraction <= 0 or not items:
        return []
    wanted = round(fraction / (1 - fraction) * n_own)
    return random.Random(seed).sample(items, min(wanted, len(items)))


# --- tokenizing ------------------------------------------------------------------------------------------------


def tokenize_document(tokenizer: PreTrainedTokenizerBase, text: str, separator_id: int) -> TokenizedExample:
    """Stage 1: all tokens count; the separator marks the end of the program."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [separator_id]
    return TokenizedExample(input_ids=ids, labels=list(ids))


_GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")


def has_generation_markers(template: str | None) -> bool:
    """Whether a Jinja chat template marks assistant output with {% generation %} (not just add_generation_prompt).

    >>> has_generation_markers("{%- generation %}{{ m }}{%- endgeneration %}"), has_generation_markers("{{ add_generation_prompt }}")
    (True, False)
    """
    return bool(template) and _GENERATION_TAG.search(template) is not None


def end_of_turn_id(tokenizer: PreTrainedTokenizerBase) -> int:
    """`<|im_end|>` when the vocabulary has it (ChatML), else the tokenizer's eos."""
    im_end = tokenizer.get_vocab().get("<|im_end|>")
    if im_end is not None:
        return im_end
    if tokenizer.eos_token_id is None:
        raise TrainError("the tokenizer has neither <|im_end|> nor an eos token, so a turn's end cannot be learned")
    return tokenizer.eos_token_id


def tokenize_conversation(
    tokenizer: PreTrainedTokenizerBase, conv: Conversation, max_length: int, template: str
) -> TokenizedExample:
    """Stage 2: render with the chat template; labels = input ids on assistant tokens, -100 elsewhere.

    With `{% generation %}` markers the tokenizer reports the assistant tokens itself; without them we find the
    assistant spans by rendering the conversation prefix by prefix (see `_assistant_mask_by_prefix`). Either way
    the end-of-turn token right after each assistant span is included, so the model learns to stop.
    """
    if has_generation_markers(template):
        out = tokenizer.apply_chat_template(
            conv.messages, chat_template=template, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        ids, mask = list(out["input_ids"]), list(out["assistant_masks"])
    else:
        ids, mask = _assistant_mask_by_prefix(tokenizer, conv, template)
    mask = _include_end_of_turn(ids, mask, end_of_turn_id(tokenizer))
    labels = [i if m else IGNORE_INDEX for i, m in zip(ids, mask)]
    truncated = len(ids) > max_length
    return TokenizedExample(ids[:max_length], labels[:max_length], where=conv.where, truncated=truncated)


def _render(tokenizer, messages, template, add_generation_prompt=False) -> str:
    return tokenizer.apply_chat_template(
        messages, chat_template=template, tokenize=False, add_generation_prompt=add_generation_prompt
    )


def _assistant_mask_by_prefix(tokenizer, conv: Conversation, template: str) -> tuple[list[int], list[int]]:
    """Mask for templates without generation markers.

    For assistant turn i, render messages[:i] with the generation prompt and messages[:i+1]; the characters in
    between, minus trailing whitespace, are the turn's content and end-of-turn marker. Tokens overlapping those
    character spans are the assistant's (the same rule transformers applies to generation markers).
    """
    full = _render(tokenizer, conv.messages, template)
    spans = []
    for i, msg in enumerate(conv.messages):
        if msg["role"] != "assistant":
            continue
        before = _render(tokenizer, conv.messages[:i], template, add_generation_prompt=True) if i else ""
        upto = _render(tokenizer, conv.messages[: i + 1], template)
        if not (upto.startswith(before) and full.startswith(upto)):
            raise TrainError(
                f"{conv.where}: the chat template renders a conversation differently from its prefixes, so the"
                " assistant tokens cannot be located; give it {% generation %} markers (model.chat_template: a .jinja"
                " file) or use model.chat_template: chatml"
            )
        spans.append((len(before), len(upto.rstrip())))
    enc = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    mask = [int(any(s < end and e > start for start, end in spans)) for s, e in enc["offset_mapping"]]
    return list(enc["input_ids"]), mask


def _include_end_of_turn(ids: list[int], mask: list[int], eot: int) -> list[int]:
    """Extend each assistant span over an end-of-turn token that follows it directly (some templates leave it out)."""
    mask = list(mask)
    for k in range(1, len(ids)):
        if mask[k - 1] and not mask[k] and ids[k] == eot:
            mask[k] = 1
    return mask


def verify_labels(examples: list[TokenizedExample], eot: int, name: str) -> None:
    """Prove the instruct labels are sane before any step is taken; raise TrainError naming the first bad example.

    Checks: some example has a target; every label is -100 or equals its input id; every assistant span ends on the
    end-of-turn token (unless cut by max_length).
    """
    if not examples or all(lbl == IGNORE_INDEX for ex in examples for lbl in ex.labels):
        raise TrainError(
            f"{name}: every label is -100, so training would learn nothing; the chat template marks no assistant"
            " tokens (check its {% generation %} markers or set model.chat_template: chatml)"
        )
    for ex in examples:
        for pos, (tok, lbl) in enumerate(zip(ex.input_ids, ex.labels)):
            if lbl != IGNORE_INDEX and lbl != tok:
                raise TrainError(f"{ex.where}: label {lbl} at position {pos} differs from input id {tok}")
        for pos in range(len(ex.labels)):
            span_ends = ex.labels[pos] != IGNORE_INDEX and (pos + 1 == len(ex.labels) or ex.labels[pos + 1] == IGNORE_INDEX)
            cut = pos + 1 == len(ex.labels) and ex.truncated
            if span_ends and not cut and ex.input_ids[pos] != eot:
                raise TrainError(
                    f"{ex.where}: an assistant span ends at position {pos} on token {ex.input_ids[pos]}, not on the"
                    f" end-of-turn token {eot}; the model would not learn to stop (fix the chat template)"
                )
