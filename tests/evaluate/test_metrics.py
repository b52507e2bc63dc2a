"""The estimator and the intervals against hand-computed values and brute force."""

from __future__ import annotations

import itertools
import math

import pytest

from bbjcoder.evaluate.metrics import difference_interval, is_significant, mean_pass_at_k, pass_at_k, rate, wilson


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (5, 0, 1, 0.0),  # nothing correct
        (5, 5, 1, 1.0),  # everything correct
        (5, 2, 1, 2 / 5),  # pass@1 is c/n
        (4, 1, 2, 1 - 3 / 6),  # 1 - C(3,2)/C(4,2)
        (10, 3, 5, 1 - 21 / 252),  # 1 - C(7,5)/C(10,5)
        (10, 1, 10, 1.0),  # k = n with one correct: always drawn
        (6, 4, 3, 1.0),  # n - c < k: every draw of 3 holds a correct one
        (20, 2, 5, 1 - math.comb(18, 5) / math.comb(20, 5)),
    ],
)
def test_pass_at_k_hand_computed(n, c, k, expected) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_equals_enumeration_of_all_draws() -> None:
    for n in range(1, 8):
        for c in range(n + 1):
            samples = [True] * c + [False] * (n - c)
            for k in range(1, n + 1):
                draws = list(itertools.combinations(samples, k))
                brute = sum(any(d) for d in draws) / len(draws)
                assert pass_at_k(n, c, k) == pytest.approx(brute, abs=1e-12), (n, c, k)


def test_pass_at_k_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="need 0 <= c <= n, got n=3, c=4"):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError, match="need 1 <= k <= n, got n=3, k=5"):
        pass_at_k(3, 1, 5)


def test_mean_pass_at_k_averages_prompts() -> None:
    assert mean_pass_at_k([(5, 0), (5, 5), (5, 2)], 1) == pytest.approx((0 + 1 + 0.4) / 3)
    assert mean_pass_at_k([], 1) == 0.0


def test_wilson_zero_passes() -> None:
    p, low, high = wilson(0, 10)
    assert (p, low) == (0.0, 0.0)
    assert high == pytest.approx(0.27753, abs=1e-5)  # z^2/(n+z^2) = 3.8415/13.8415


def test_wilson_all_passes() -> None:
    p, low, high = wilson(10, 10)
    assert (p, high) == (1.0, 1.0)
    assert low == pytest.approx(1 - 0.27753, abs=1e-5)


def test_wilson_half_and_symmetry() -> None:
    _p, low, high = wilson(5, 10)
    assert (low, high) == (pytest.approx(0.23659, abs=1e-5), pytest.approx(0.76341, abs=1e-5))
    _p, low3, high3 = wilson(3, 10)
    _p, low7, high7 = wilson(7, 10)
    assert low3 == pytest.approx(1 - high7) and high3 == pytest.approx(1 - low7)


def test_wilson_edges_with_one_prompt_and_none() -> None:
    assert wilson(0, 0) == (0.0, 0.0, 0.0)
    assert wilson(1, 1)[1:] == (pytest.approx(0.20654, abs=1e-5), 1.0)
    with pytest.raises(ValueError, match="passes=3, n=2"):
        wilson(3, 2)


def test_significance_of_differences() -> None:
    same = rate(20, 50)
    assert not is_significant(same, rate(20, 50))
    assert not is_significant(rate(10, 50), rate(14, 50))  # +8 pts on 50 prompts: inside the interval
    assert is_significant(rate(0, 50), rate(50, 50))
    assert is_significant(rate(10, 100), rate(40, 100))
    d, low, high = difference_interval(rate(10, 100), rate(40, 100))
    assert d == pytest.approx(0.3) and 0 < low < d < high
    assert not is_significant(rate(0, 0), rate(5, 10))


@pytest.mark.parametrize("module", ["metrics", "scoring", "copying"])
def test_docstring_examples(module) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"bbjcoder.evaluate.{module}"))
    assert result.attempted > 0 and result.failed == 0
