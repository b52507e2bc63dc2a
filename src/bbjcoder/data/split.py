"""Split assignment: a pure function of the group id, so splits are stable across builds.

    assign_split("oop/stock-item-class", SplitFractions())  # 'train' | 'validation' | 'test'

The group id's SHA-256 gives a number u in [0, 1); u < train -> train, u < train + validation
-> validation, else test. Adding examples never moves existing ones: a new example either forms
its own group or joins a group of near-duplicates. It can move that group only when its id sorts
before all the group's ids (the group id is the smallest member id).
"""

from __future__ import annotations

from .io import sha256_hex

__all__ = ["SPLITS", "assign_split"]

SPLITS = ("train", "validation", "test")
_SALT = "bbjcoder-split-v1"  # changing it reshuffles every split: never, or the test set is no longer comparable


def assign_split(group_id: str, train: float = 0.8, validation: float = 0.1) -> str:
    """The split of a group (module doc).

    >>> assign_split("x", 1.0, 0.0)
    'train'
    """
    u = int(sha256_hex(f"{_SALT}\x00{group_id}")[:15], 16) / 16**15
    if u < train:
        return "train"
    if u < train + validation:
        return "validation"
    return "test"
