"""Generation lint: warnings when code uses an API that its generation label says it cannot.

    lint_generation(code, ["vpro5"])  # ['uses BBjAPI() ...']

A rule is a pattern and the generations it is wrong in. Rules read the code with `rem` comments
and string literals blanked, so a comment that mentions BBjAPI() does not trigger them. `all`
means "general BBj": the object rules skip it, the GUI and DWC rules do not (a program for every
generation cannot open a window). With a list of labels a block is wrong only when no labelled
generation has the API: a comparison or migration example holds code of each of its generations.
These are warnings: the label may be right and the rule too coarse; a person decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .example import GENERATION_LABELS

__all__ = ["Rule", "RULES", "lint_generation", "strip_comments_and_strings"]


@dataclass(frozen=True, slots=True)
class Rule:
    what: str  # what the code uses, for the message
    pattern: re.Pattern
    wrong_in: frozenset[str]  # generations where it does not exist
    skip_all: bool = False  # True: no warning for generation "all"
    unless: re.Pattern | None = None  # e.g. guarded by BBjAPI().isInMode(...)


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)


RULES = (
    Rule("BBjAPI() (BBj only)", _rx(r"\bbbjapi\s*\("), frozenset({"character", "vpro5"}), skip_all=True),
    Rule("custom objects (class/interface/use/declare)",
         _rx(r"^\s*(?:\w+:\s*)?(?:class|interface|use|declare)\s"), frozenset({"vpro5"}), skip_all=True),
    Rule("the BBj GUI (openSysGui/getSysGui/addWindow/process_events)",
         _rx(r"\b(?:opensysgui|getsysgui|addwindow|process_events)\b"), frozenset({"character", "vpro5"})),
    Rule("DWC-only APIs (getWebManager/executeScript/executeAsyncScript/MODE_DWC)",
         _rx(r"\b(?:getwebmanager|executeasyncscript|executescript|mode_dwc|bbjwebmanager)\b"),
         frozenset({"character", "vpro5", "bbj-gui"}), unless=_rx(r"\bisinmode\s*\(")),
    Rule("Visual PRO/5 SYSGUI mnemonics ('WINDOW'(...), 'BUTTON'(...))",
         _rx(r"'(?:window|button|edit|listbox|tbutton|checkbox)'\s*\("), frozenset({"character", "dwc"})),
)

_REM = _rx(r"(^|;|^\s*\w+:)\s*rem\b.*$")
_STRING = re.compile(r'"[^"\n]*"')


def strip_comments_and_strings(code: str) -> str:
    """Code with string literals emptied and `rem` comments removed.

    >>> strip_comments_and_strings('print "BBjAPI()"; rem BBjAPI()')
    'print "";'
    """
    return _REM.sub(r"\1", _STRING.sub('""', code)).rstrip()


def lint_generation(code: str, generation: object) -> list[str]:
    """Warnings for one block of code labelled with generation (a label or list of labels)."""
    labels = {generation} if isinstance(generation, str) else {str(g) for g in generation or ()}
    is_all = "all" in labels
    expanded = set(GENERATION_LABELS) if is_all else labels
    bare = strip_comments_and_strings(code)
    found = []
    for rule in RULES:
        wrong = sorted(expanded & rule.wrong_in)
        if not wrong or (is_all and rule.skip_all) or not rule.pattern.search(bare):
            continue
        if not is_all and expanded - rule.wrong_in:
            continue  # a list label: the block may be the one for another labelled generation
        if rule.unless is not None and rule.unless.search(bare) and expanded - rule.wrong_in:
            continue
        label = "all" if is_all else ", ".join(sorted(labels))
        found.append(f"code uses {rule.what}, which {', '.join(wrong)} lacks, but the example is labelled "
                     f"generation: {label}; fix the label or the code")
    return found
