"""Checker throughput on a large generated BBj corpus (>= 100,000 lines).

    .venv/bin/python bench/checker.py [--lines 120000] [--seed 1]

Prints lines/second for the full check (parse + structure): with the per-line cache as in normal
use, with the cache cleared before every file, and with no cache at all, each as a ratio against a
baseline measured in the same process: splitting the same text into lines and running one regex
over each line (the least any line-based checker must do). Target: >= 100,000 lines/s on one core.
Identifiers and numbers are randomised so that most lines are unique.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import time

from bbjcoder.bbj import checker as checker_module
from bbjcoder.bbj.checker import _cached_parse, check
from bbjcoder.bbj.parser import parse_line

_PROCEDURAL = """\
rem {name} - generated report {n}
seterr {name}_err
dim {rec}$:"ID:C(6),NAME:C(30),QTY:N(6),PRICE:N(10)"
{ch}=unt
open ({ch},err={name}_nofile) "{name}.dat"
{tot}=0
while 1
  read record ({ch},end={name}_done,err={name}_err) {rec}$
  if {rec}.qty>{n} then {tot}={tot}+{rec}.qty*{rec}.price else {cnt}={cnt}+1
  print @(2,{n}),{rec}.name$,@(40,{n}),{rec}.qty:"###,##0"
  {s}$={s}$+cvs({rec}.name$,3)+","
wend
{name}_done:
close ({ch})
for {i}=1 to {n} step 2
  {arr}[{i}]={i}*{n}+len({s}$)
  if mod({i},3)=0 then continue
next {i}
switch {tot}
  case 0
    print "none"
    break
  case default
    print "total: ",{tot}:"$###,##0.00"
swend
print (0) 'CS',"Done {name}"
end
{name}_nofile:
  print "cannot open {name}.dat"
  end
{name}_err:
  print "error ",err," in {name}"
  retry
"""

_OOP = """\
use java.util.HashMap
class public {Cls}
  field private BBjString Name$
  field private BBjNumber Count = {n}
  field private java.util.HashMap Map!
  method public {Cls}(BBjString name$)
    #Name$ = name$
    #Map! = new HashMap()
  methodend
  method public BBjNumber add{Cls}(BBjNumber amount)
    #Count = #Count + amount * {n}
    #Map!.put(str(#Count), #Name$ + "-{n}")
    methodret #Count
  methodend
  method public void show()
    if #Count > {n} then
      print "{Cls} ", #Name$, " has ", #Count
    else
      print "{Cls} is small"
    endif
  methodend
classend
{obj}! = new {Cls}("{name}")
{obj}!.add{Cls}({n})
{obj}!.show()
"""

_GUI = """\
{sg}! = BBjAPI().openSysGui("X0")
{win}! = {sg}!.addWindow(10,10,{w},{h},"{name} window")
{btn}! = {win}!.addButton({n},10,10,90,25,"OK")
{ed}! = {win}!.addEditBox({n}+1,10,40,200,25,"")
{btn}!.setCallback({btn}!.ON_BUTTON_PUSH,"{name}_push")
{win}!.setCallback({win}!.ON_CLOSE,"{name}_close")
process_events
{name}_push:
  {t}$ = {ed}!.getText()
  if len({t}$)=0 then i=msgbox("Please enter a value",16,"{name}") else {ed}!.setText(cvs({t}$,4))
  return
{name}_close:
  release
"""


def _word(rng: random.Random, k: int = 6) -> str:
    # first letter never 'f': BBj reserves names beginning with FN for user functions
    return rng.choice("abcdeghijklmnopqrstuvwxyz") + "".join(rng.choices(string.ascii_lowercase + string.digits, k=k))


def generate(lines: int, seed: int) -> list[str]:
    """Files of generated BBj, together at least `lines` lines."""
    rng = random.Random(seed)
    files: list[str] = []
    total = 0
    while total < lines:
        text = "".join(
            tpl.format(
                name=_word(rng), Cls="C" + _word(rng), rec=_word(rng, 3), ch=_word(rng, 3), tot=_word(rng, 4),
                cnt=_word(rng, 4), s=_word(rng, 3), i=_word(rng, 3), arr=_word(rng, 3), obj=_word(rng),
                sg=_word(rng), win=_word(rng), btn=_word(rng), ed=_word(rng), t=_word(rng, 3),
                n=rng.randint(1, 999), w=rng.randint(100, 900), h=rng.randint(100, 700),
            )
            for tpl in (_PROCEDURAL, _OOP, _GUI)
        )
        files.append(text)
        total += text.count("\n")
    return files


_BASELINE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*[$%!]?|\d+|\"[^\"]*\"|\S")


def baseline(files: list[str]) -> float:
    """Seconds to split into lines and run one tokenizing regex over each line."""
    start = time.perf_counter()
    for text in files:
        for line in text.split("\n"):
            _BASELINE_RE.findall(line)
    return time.perf_counter() - start


def run(files: list[str], *, cold: bool) -> tuple[float, int]:
    start = time.perf_counter()
    errors = 0
    for text in files:
        if cold:
            _cached_parse.cache_clear()
        errors += sum(1 for d in check(text) if d.is_error)
    return time.perf_counter() - start, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    files = generate(args.lines, args.seed)
    n = sum(t.count("\n") for t in files)
    unique = len({ln for t in files for ln in t.split("\n")})
    print(f"corpus: {len(files)} files, {n} lines, {unique} distinct lines ({unique / n:.0%})")
    base = baseline(files)
    _cached_parse.cache_clear()
    cold, errors = run(files, cold=True)
    warm, _ = run(files, cold=False)
    checker_module._cached_parse = parse_line  # no cache at all: every line parsed
    uncached, _ = run(files, cold=False)
    checker_module._cached_parse = _cached_parse
    print(f"baseline (split + one regex per line): {n / base:12,.0f} lines/s")
    print(f"check, cache cleared per file:         {n / cold:12,.0f} lines/s  ({base / cold:.2f}x baseline speed)")
    print(f"check, normal (per-line cache):        {n / warm:12,.0f} lines/s  ({base / warm:.2f}x baseline speed)")
    print(f"check, no cache (every line parsed):   {n / uncached:12,.0f} lines/s  ({base / uncached:.2f}x baseline speed)")
    print(f"errors found in generated corpus: {errors} (expected 0)")
    verdict = "meets" if n / uncached >= 100_000 else "misses"
    print(f"target 100,000 lines/s (no cache): {verdict}")


if __name__ == "__main__":
    main()
