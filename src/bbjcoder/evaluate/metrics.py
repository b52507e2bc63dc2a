"""The numbers of an evaluation: compile@k, Wilson intervals, and when a difference is significant.

    pass_at_k(n=10, c=3, k=1)          # 0.3: the unbiased estimator 1 - C(n-c, k) / C(n, k)
    wilson(passes=12, n=40)            # (0.3, 0.181, 0.454): value and 95% interval
    difference_interval(a, b)          # Newcombe's interval for p_b - p_a; contains 0 -> not significant

Pure functions, no dependencies, exact enough to be checked against hand-computed cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Z95", "Rate", "pass_at_k", "mean_pass_at_k", "wilson", "rate", "difference_interval", "is_significant"]

Z95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass(frozen=True)
class Rate:
    """A proportion with its 95% Wilson interval. `passes` may be fractional for compile@k (a mean of estimates)."""

    passes: float
    n: int
    value: float
    low: float
    high: float

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "passes": self.passes, "n": self.n}

    @classmethod
    def from_dict(cls, d: dict) -> Rate:
        return cls(d["passes"], d["n"], d["value"], d["low"], d["high"])


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c of them correct) is correct.

    The unbiased estimator of Chen et al. (2021): 1 - C(n-c, k) / C(n, k), computed as a product so that large n
    does not overflow.

    >>> pass_at_k(5, 0, 1), pass_at_k(5, 5, 3), round(pass_at_k(5, 2, 1), 12)
    (0.0, 1.0, 0.4)
    >>> round(pass_at_k(10, 3, 5), 6)   # 1 - C(7,5)/C(10,5) = 1 - 21/252
    0.916667
    """
    if not 0 <= c <= n:
        raise ValueError(f"pass_at_k: need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"pass_at_k: need 1 <= k <= n, got n={n}, k={k}")
    if n - c < k:
        return 1.0
    # C(n-c,k)/C(n,k) = prod_{i=n-c+1}^{n} (1 - k/i)
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def mean_pass_at_k(counts: list[tuple[int, int]], k: int) -> float:
    """Mean of pass_at_k over prompts, each given as (n samples, c correct)."""
    if not counts:
        return 0.0
    return sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)


def wilson(passes: float, n: int, z: float = Z95) -> tuple[float, float, float]:
    """(p, low, high): the proportion and its Wilson score interval; (0, 0, 0) when n is 0.

    Unlike the normal approximation it stays inside [0, 1] and is not degenerate at 0 or n passes.

    >>> [round(x, 4) for x in wilson(0, 10)]
    [0.0, 0.0, 0.2775]
    >>> [round(x, 4) for x in wilson(10, 10)]
    [1.0, 0.7225, 1.0]
    """
    if n <= 0:
        return 0.0, 0.0, 0.0
    if not 0 <= passes <= n:
        raise ValueError(f"wilson: need 0 <= passes <= n, got passes={passes}, n={n}")
    p = passes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # clamp the rounding noise at the edges: 0 passes must give low == 0 exactly, n passes high == 1
    low = 0.0 if passes == 0 else max(0.0, centre - half)
    high = 1.0 if passes == n else min(1.0, centre + half)
    return p, low, high


def rate(passes: float, n: int) -> Rate:
    p, low, high = wilson(passes, n)
    return Rate(passes, n, p, low, high)


def difference_interval(a: Rate, b: Rate) -> tuple[float, float, float]:
    """(d, low, high) for d = b - a: Newcombe's hybrid score interval (method 10), built from the Wilson intervals.

    It treats the two rates as independent samples, which is conservative for two models on the same prompts.
    """
    d = b.value - a.value
    low = d - math.sqrt((b.value - b.low) ** 2 + (a.high - a.value) ** 2)
    high = d + math.sqrt((b.high - b.value) ** 2 + (a.value - a.low) ** 2)
    return d, low, high


def is_significant(a: Rate, b: Rate) -> bool:
    """True when the 95% interval of b - a excludes 0."""
    if a.n == 0 or b.n == 0:
        return False
    _d, low, high = difference_interval(a, b)
    return low > 0 or high < 0
