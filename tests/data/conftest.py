"""Fixtures for the data-stage tests: real files written under tmp_path, nothing mocked."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bbjcoder.bbj import BuiltinChecker

GOOD_BODY = """
## Code

```bbj
rem Print a greeting for one customer
name$ = "World"
print "Hello, ", name$
end
```

## Expected Behavior

Prints `Hello, World`.

## Explanation

String variables end in `$`; `print` joins its items with no separator.
"""

_WORDS = ("invoice order customer stock payroll ledger report vendor branch shipment balance "
          "account region supplier carton pallet receipt voucher budget contract tariff bonus "
          "refund quota rebate coupon").split()


def front(**fields) -> str:
    """YAML front matter from keyword fields (values written with json.dumps: valid YAML)."""
    fields = {"title": "Print a greeting", "type": "completion", "generation": "all"} | fields
    lines = [f"{k}: {json.dumps(v)}" for k, v in fields.items() if v is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def distinct_example(i: int, kind: str = "completion") -> str:
    """A valid example whose words and code differ from every other i (never near-duplicates)."""
    rng = random.Random(i)
    words = rng.sample(_WORDS, 6)
    var = f"{words[0][:4]}{i}"
    code = "\n".join([
        f"rem Total the {words[0]} amounts for {words[1]} {i}",
        f"dim {var}[{3 + i % 5}]",
        f"for n = 1 to {3 + i % 5}",
        f"    {var}[n] = n * {i + 7}",
        "next n",
        f'print "{words[2]} {words[3]} total: ", str({var}[1] + {i})',
        "end",
    ])
    body = (f"\n## Code\n\n```bbj\n{code}\n```\n\n## Expected Behavior\n\nPrints the {words[2]} {words[3]} "
            f"total for {words[4]} number {i}.\n\n## Explanation\n\nThe array `{var}` holds one {words[5]} value "
            f"per slot; `str()` turns the number {i} into text before printing.\n")
    return front(title=f"Total {words[0]} and {words[1]} amounts number {i}", type=kind,
                 description=f"Add up {words[0]} values for {words[4]} {i} and print them.") + body


@pytest.fixture
def checker() -> BuiltinChecker:
    return BuiltinChecker()


@pytest.fixture
def examples_root(tmp_path: Path) -> Path:
    root = tmp_path / "training-data"
    root.mkdir()
    return root
