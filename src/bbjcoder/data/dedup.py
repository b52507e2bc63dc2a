"""Duplicate detection: exact after normalisation, and near-duplicates with MinHash LSH.

    drop = exact_duplicates(examples)                 # {dropped id: kept id}
    pairs = near_duplicate_pairs(texts, 0.85)         # [(i, j, jaccard)], i < j
    groups = group_ids(ids, pairs)                    # id -> group id

Near-duplicates: each text becomes the set of its 3-token shingles (tokens: words and single
punctuation marks, lower case), hashed to 32 bits; MinHash signatures (128 permutations, fixed
seed) go into an LSH index whose bands are sized so that 99% of pairs at the threshold become
candidates (`lsh_params`), and every candidate pair is confirmed with the exact Jaccard similarity
of the two shingle sets. Cost is linear in the number
of texts plus the candidates found.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from .example import Example, normalize
from .io import sha256_hex
from .progress import ProgressFn, tracked

__all__ = ["SHINGLE_SIZE", "NUM_PERM", "lsh_params", "shingles", "jaccard", "NearDuplicateIndex", "near_duplicate_pairs",
           "exact_duplicates", "group_ids"]

SHINGLE_SIZE = 3  # tokens per shingle: 3 catches reworded copies without matching every shared idiom
NUM_PERM = 128  # MinHash permutations: estimate error ~ 1/sqrt(128) = 9% before exact confirmation
_TOKEN = re.compile(r"\w+|[^\w\s]")


_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
                        dtype=np.uint64)


@lru_cache(maxsize=1 << 18)
def _token_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


def shingles(text: str, size: int = SHINGLE_SIZE) -> np.ndarray:
    """Sorted unique 32-bit hashes of the text's token shingles (a short text is one shingle).

    Each token is hashed once (CRC-32, cached: vocabularies repeat); a shingle's hash mixes the
    hashes of its tokens by position with 64-bit multipliers and keeps the high 32 bits. Same text,
    same array, on every machine (no per-process hash seed).

    >>> len(shingles("print a; print b")), len(shingles(""))  # print a ; | a ; print | ; print b
    (3, 0)
    """
    if size > len(_MULTIPLIERS):
        raise ValueError(f"shingle size {size} is above {len(_MULTIPLIERS)}")
    tokens = _TOKEN.findall(text.lower())
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    ids = np.fromiter((_token_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    width = min(size, len(ids))
    span = len(ids) - width + 1
    mixed = np.zeros(span, dtype=np.uint64)
    for j in range(width):
        mixed += ids[j:j + span] * _MULTIPLIERS[j]  # wraps modulo 2**64, as intended
    return np.unique((mixed >> np.uint64(32)).astype(np.uint32))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle arrays."""
    if not len(a) and not len(b):
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def lsh_params(threshold: float, num_perm: int, recall: float = 0.99) -> tuple[int, int]:
    """(bands, rows) so that a pair exactly at the threshold is a candidate with probability >= recall,
    with as many rows per band as that allows (fewer false candidates to confirm).

    datasketch's default balances misses against false candidates and finds only ~46% of pairs at
    Jaccard 0.85; candidates are confirmed exactly here, so misses are what must be rare.

    >>> lsh_params(0.85, 128)
    (16, 8)
    """
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


def _identity(value: int) -> int:
    return value


class NearDuplicateIndex:
    """An LSH index of texts; queries return confirmed near-duplicates with their similarity.

        index = NearDuplicateIndex(0.85)
        index.add_all(["text a", "text b"])           # keys 0, 1
        index.query_all(["text a!"])                  # [[(0, 0.9)]]
    """

    def __init__(self, threshold: float = 0.85, num_perm: int = NUM_PERM, size: int = SHINGLE_SIZE) -> None:
        from datasketch import MinHashLSH  # local: keeps `import bbjcoder.data` light

        self.threshold = threshold
        self.num_perm = num_perm
        self.size = size
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=lsh_params(threshold, num_perm))
        self._shingles: list[np.ndarray] = []
        self._signatures: list = []

    def _signatures_for(self, arrays: Sequence[np.ndarray]) -> Iterator:
        from datasketch import MinHash

        # generator() copies one initialised MinHash: the permutations are drawn once, not per text
        return MinHash.generator((a.tolist() for a in arrays), num_perm=self.num_perm, hashfunc=_identity)

    def add_all(self, texts: Sequence[str], progress: ProgressFn | None = None) -> None:
        """Index texts; their keys are their positions in insertion order (0, 1, ...)."""
        arrays = [shingles(t, self.size) for t in tracked(texts, "shingling", len(texts), progress, 256)]
        first = len(self._shingles)
        with self._lsh.insertion_session() as session:
            signatures = self._signatures_for(arrays)
            for key, (sh, sig) in enumerate(zip(arrays, signatures), first):
                self._shingles.append(sh)
                self._signatures.append(sig)
                if len(sh):
                    session.insert(key, sig)

    def neighbours(self, key: int) -> list[tuple[int, float]]:
        """Indexed texts near the text with this key (itself included), sorted by key."""
        return self._confirm(self._shingles[key], self._signatures[key])

    def query_all(self, texts: Sequence[str]) -> list[list[tuple[int, float]]]:
        """For each text, the indexed texts with Jaccard >= threshold, sorted by key."""
        arrays = [shingles(t, self.size) for t in texts]
        return [self._confirm(sh, sig) for sh, sig in zip(arrays, self._signatures_for(arrays))]

    def _confirm(self, sh: np.ndarray, signature) -> list[tuple[int, float]]:
        if not len(sh):
            return []
        found = []
        for key in sorted(self._lsh.query(signature)):
            similarity = jaccard(sh, self._shingles[key])
            if similarity >= self.threshold:
                found.append((key, similarity))
        return found


def near_duplicate_pairs(texts: Sequence[str], threshold: float = 0.85, num_perm: int = NUM_PERM,
                         progress: ProgressFn | None = None) -> list[tuple[int, int, float]]:
    """All pairs (i, j, jaccard), i < j, of texts at least threshold similar, sorted."""
    index = NearDuplicateIndex(threshold, num_perm)
    index.add_all(texts, progress)
    pairs = []
    for i in tracked(range(len(texts)), "finding near-duplicates", len(texts), progress, 256):
        pairs += [(i, j, s) for j, s in index.neighbours(i) if j > i]
    return sorted(pairs)


def exact_key(example: Example) -> str:
    return sha256_hex(normalize(example.prompt_text) + "\x00" + normalize(example.answer_text))


def exact_duplicates(examples: Sequence[Example]) -> dict[str, str]:
    """{dropped id: kept id} for examples equal after normalisation; the smallest id is kept."""
    kept: dict[str, str] = {}
    dropped: dict[str, str] = {}
    for ex in sorted(examples, key=lambda e: e.id):
        key = exact_key(ex)
        if key in kept:
            dropped[ex.id] = kept[key]
        else:
            kept[key] = ex.id
    return dropped


def group_ids(ids: Sequence[str], pairs: Sequence[tuple[int, int]]) -> dict[str, str]:
    """Union-find over index pairs: each id -> its group id, the smallest id in its group.

    >>> group_ids(["b", "a", "c"], [(0, 1)])
    {'b': 'a', 'a': 'a', 'c': 'c'}
    """
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    smallest: dict[int, str] = {}
    for i, name in enumerate(ids):
        r = root(i)
        smallest[r] = min(smallest.get(r, name), name)
    return {name: smallest[root(i)] for i, name in enumerate(ids)}
