"""Benchmark: `bbjcoder data build` on generated ChatML JSONL sets of 10,000 and 40,000 examples.

    .venv/bin/python bench/data_build.py            # both sizes
    .venv/bin/python bench/data_build.py 2000 8000  # other sizes (the ratio is always last/first)

Prints the seconds of each build (wall clock, and CPU time of this process, which a busy shared
machine disturbs less) and the 40k/10k ratio. Targets (issue 3, 2 CPU cores): 10k in
under 60 s, ratio at most 4.5 (near-linear: dedup uses MinHash LSH, not all pairs).

The data imitates the earlier BBj data set: varied prompts and 8-30 line programs built from
random statements and names (so neither the checker's line cache nor the LSH index sees a copy of
everything), with 3% exact duplicates, 2% same-prompt conflicts, 1% literal `\\n` escapes, 5%
unfenced code, 2% code that does not compile and 0.5% broken lines. Fixed seed: same data each run.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from bbjcoder.data.build import build_dataset
from bbjcoder.data.config import load_config

NOUNS = ("invoice order customer stock payroll ledger vendor branch shipment balance account region supplier "
         "carton pallet receipt voucher budget contract tariff bonus refund quota rebate coupon warehouse "
         "employee salesman territory commission backorder").split()
VERBS = "total list print check update export import purge archive validate summarise reconcile".split()
ASKS = (
    "Write a BBj program that {verb}s the {a} records for each {b} and prints a {c} report.",
    "How do I {verb} {a} data by {b} in BBj? I also need the {c} count at the end.",
    "I need BBj code to {verb} every {a} whose {b} is above {n}, then show the {c} summary.",
    "Show me how to {verb} the {a} file with a {b} key and handle a missing {c} record.",
    "Create a small BBj routine: {verb} {a} lines grouped by {b}, rounding the {c} to {n} places.",
)


def statement(rng: random.Random, names: list[str], depth: int = 0) -> list[str]:
    """A few lines of random but valid BBj."""
    v, w = rng.sample(names, 2)
    pad = "    " * depth
    kind = rng.randrange(7 if depth < 2 else 4)
    if kind == 0:
        return [f"{pad}{v} = {w} * {rng.randint(2, 99)} + {rng.randint(1, 500)}"]
    if kind == 1:
        return [f'{pad}print "{rng.choice(NOUNS)} {rng.choice(NOUNS)}: ", str({v}:"###,##0.00")']
    if kind == 2:
        return [f'{pad}{v}$ = cvs("{rng.choice(NOUNS)}-{rng.randint(1, 9999)}", {rng.choice((1, 2, 4, 8))})']
    if kind == 3:
        return [f"{pad}{v} = round({w} / {rng.randint(2, 12)}, {rng.randint(0, 3)})"]
    if kind == 4:
        body = [ln for _ in range(rng.randint(1, 3)) for ln in statement(rng, names, depth + 1)]
        return [f"{pad}for {v}_i = 1 to {rng.randint(2, 40)}", *body, f"{pad}next {v}_i"]
    if kind == 5:
        body = [ln for _ in range(rng.randint(1, 3)) for ln in statement(rng, names, depth + 1)]
        return [f"{pad}if {v} > {rng.randint(0, 1000)} then", *body, f"{pad}endif"]
    body = [ln for _ in range(rng.randint(1, 2)) for ln in statement(rng, names, depth + 1)]
    return [f"{pad}while {v} < {rng.randint(10, 900)}", *body, f"{pad}    {v} = {v} + {rng.randint(1, 9)}",
            f"{pad}wend"]


def program(rng: random.Random) -> str:
    names = [f"{rng.choice(NOUNS)[:5]}{rng.randint(1, 999)}" for _ in range(6)]
    lines = [f"rem {rng.choice(VERBS)} {rng.choice(NOUNS)} {rng.choice(NOUNS)} {rng.randint(1, 10**6)}"]
    while len(lines) < rng.randint(8, 30):
        lines += statement(rng, names)
    return "\n".join(lines + ["end"])


def record(rng: random.Random, i: int) -> dict:
    a, b, c = rng.sample(NOUNS, 3)
    user = rng.choice(ASKS).format(verb=rng.choice(VERBS), a=a, b=b, c=c, n=rng.randint(2, 9999)) + f" (case {i})"
    code = program(rng)
    explain = (f"The loop walks the {a} values and keeps a running {c} total; `str()` with a mask formats "
               f"each amount, and `cvs()` trims the {b} text before it is printed.")
    return {"messages": [{"role": "system", "content": "You are a BBj assistant."},
                         {"role": "user", "content": user},
                         {"role": "assistant", "content": f"```bbj\n{code}\n```\n\n{explain}"}],
            "type": "completion", "generation": rng.choice(["all", "character", "bbj-gui", "dwc", "vpro5"])}


def generate(path: Path, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    lines: list[str] = []
    made: list[dict] = []
    for i in range(n):
        roll = rng.random()
        if made and roll < 0.03:
            rec = rng.choice(made)  # exact duplicate
        elif made and roll < 0.05:
            rec = json.loads(json.dumps(rng.choice(made)))  # conflict: same prompt, other answer
            rec["messages"][2]["content"] = f"```bbj\n{program(rng)}\n```\n\nAnother way."
        else:
            rec = record(rng, i)
            made.append(rec)
        if roll > 0.99:
            rec = json.loads(json.dumps(rec))
            rec["messages"][2]["content"] = rec["messages"][2]["content"].replace("\n", "\\n")
        elif roll > 0.94:
            rec = json.loads(json.dumps(rec))
            rec["messages"][2]["content"] = rec["messages"][2]["content"].replace("```bbj\n", "").replace("\n```", "")
        elif roll > 0.92:
            rec = json.loads(json.dumps(rec))
            rec["messages"][2]["content"] = rec["messages"][2]["content"].replace("\nend\n", "\nfor x=1 10\nend\n")
        lines.append("{broken" if rng.random() < 0.005 else json.dumps(rec))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed_build(tmp: Path, n: int) -> tuple[float, float, dict]:
    source = tmp / f"chat-{n}.jsonl"
    generate(source, n)
    config = load_config(overrides={"sources": [str(source)], "out": str(tmp / f"out-{n}"), "checker": "builtin",
                                    "eval_sets": [], "coverage": False})
    started, cpu = time.perf_counter(), time.process_time()
    result = build_dataset(config)
    return time.perf_counter() - started, time.process_time() - cpu, result.stats


def main(sizes: list[int]) -> None:
    times, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="bbjcoder-bench-") as tmp:
        timed_build(Path(tmp), 50)  # warm-up: imports (datasketch pulls in scipy) are not build time
        for n in sizes:
            seconds, cpu, stats = timed_build(Path(tmp), n)
            times.append(seconds)
            cpus.append(cpu)
            split = stats["examples"]["by_split"]
            print(f"{n:>6} examples: {seconds:6.1f} s (CPU {cpu:.1f} s)  kept {stats['examples']['kept']} (train {split['train']}, "
                  f"validation {split['validation']}, test {split['test']}), rejected {stats['rejected']['by_reason']}, "
                  f"changes {stats['imports']['changes']}", flush=True)
    ratio = times[-1] / times[0]
    print(f"ratio {sizes[-1]}/{sizes[0]}: {ratio:.2f} (CPU {cpus[-1] / cpus[0]:.2f}; target <= "
          f"{4.5 * sizes[-1] / sizes[0] / 4:.2f}); {sizes[0]} in {times[0]:.1f} s (target < 60 s)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 40_000])
