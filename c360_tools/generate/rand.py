"""Deterministic, vectorised randomness: named streams, weighted picks, random and unique ids."""

from __future__ import annotations

import math
import zlib

import numpy as np
import polars as pl

URLSAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX_LOWER = b"0123456789abcdef"
HEX_UPPER = b"0123456789ABCDEF"
DIGITS = b"0123456789"


class Streams:
    """One independent generator per purpose, so adding a draw in one place does not shift the others."""

    def __init__(self, seed: int):
        self.seed = seed

    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])


def pick_index(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    p = np.asarray(list(weights.values()), dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def pick(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    """``n`` keys of ``weights`` drawn by weight."""
    keys = np.asarray(list(weights.keys()))
    return keys[pick_index(rng, weights, n)]


def pick_one(rng: np.random.Generator, weights: dict):
    return list(weights.keys())[int(pick_index(rng, weights, 1)[0])]


def take(values, idx: np.ndarray) -> pl.Series:
    """``values[idx]`` as a string series (fast: no Python string per element)."""
    return pl.Series(list(values), dtype=pl.String).gather(np.asarray(idx, dtype=np.int64))


def choose(rng: np.random.Generator, values, n: int) -> pl.Series:
    """``n`` uniform draws from ``values``."""
    return take(values, rng.integers(0, len(values), n))


def pick_str(rng: np.random.Generator, weights: dict, n: int) -> pl.Series:
    """``n`` keys of ``weights`` drawn by weight, as a string series."""
    return take([str(k) for k in weights], pick_index(rng, weights, n))


def int_str(values: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.Int64).cast(pl.String)


def tokens(rng: np.random.Generator, n: int, length: int, alphabet: bytes = URLSAFE) -> pl.Series:
    """``n`` random strings of ``length`` characters of ``alphabet``."""
    table = np.frombuffer(alphabet, dtype=np.uint8)
    chars = table[rng.integers(0, len(table), size=(n, length), dtype=np.uint8)]
    raw = np.ascontiguousarray(chars).view(f"S{length}").ravel()
    return pl.Series(raw, dtype=pl.Binary).cast(pl.String)


def prefixed(prefix: str, series: pl.Series) -> pl.Series:
    return (prefix + series).rename(series.name)


def _coprime_multiplier(rng: np.random.Generator, modulus: int) -> int:
    while True:
        a = int(rng.integers(modulus // 3, modulus - 1))
        if math.gcd(a, modulus) == 1:
            return a


def unique_ints(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """``n`` distinct integers in ``[lo, hi)`` that look random (an affine permutation of the range)."""
    modulus = hi - lo
    if n > modulus:
        raise ValueError(f"cannot draw {n} distinct values from {modulus}")
    if modulus * max(n, 1) >= 2**63:
        raise ValueError("id space too large for exact int64 arithmetic; split it")
    a, b = _coprime_multiplier(rng, modulus), int(rng.integers(0, modulus))
    i = rng.permutation(n).astype(np.int64)  # hides the stride between consecutive values
    return lo + (a * i + b) % modulus


def digits_str(values: np.ndarray, width: int) -> pl.Series:
    """Integers as zero-padded decimal strings."""
    return pl.Series(values, dtype=pl.Int64).cast(pl.String).str.zfill(width)


def unique_digit_ids(rng: np.random.Generator, n: int, first: str, width: int) -> pl.Series:
    """Distinct ``width``-digit ids starting with ``first``: random high digits, a unique low part."""
    low_width = min(9, width - len(first))
    high_width = width - len(first) - low_width
    low = digits_str(unique_ints(rng, n, 0, 10**low_width), low_width)
    if high_width == 0:
        return first + low
    high = tokens(rng, n, high_width, DIGITS)
    return first + high + low


class Deck:
    """Draws options in shuffled rounds (a deck of cards) rather than independently.

    Proportions follow the weights, and every option turns up within one round of ``size`` draws, so a
    small data set still shows every variant.
    """

    def __init__(self, rng: np.random.Generator, weights: dict, size: int | None = None):
        total = float(sum(weights.values()))
        if size is None:  # small enough that the rarest option comes once per round
            size = min(40, math.ceil(total / min(w for w in weights.values() if w > 0)))
        self.rng = rng
        self.options = list(weights)
        self.cards = [k for k, w in weights.items() if w > 0 for _ in range(max(1, round(w / total * size)))]
        self.pool: list = []
        self._card_index = np.asarray([self.options.index(c) for c in self.cards], dtype=np.int64)
        self._index_pool = np.zeros(0, dtype=np.int64)

    def draw(self, ok=None):
        """The next card, or the next one ``ok`` accepts; skipped cards wait for a later draw."""
        for _ in range(2):
            if not self.pool or (ok is not None and not any(ok(c) for c in self.pool)):
                self.pool += [self.cards[i] for i in self.rng.permutation(len(self.cards))]
            for i, card in enumerate(self.pool):
                if ok is None or ok(card):
                    return self.pool.pop(i)
        raise ValueError("no acceptable option in the deck")

    def draw_indices(self, n: int) -> np.ndarray:
        """``n`` draws at once, as indices into ``options`` (for per-cell variants)."""
        missing = n - len(self._index_pool)
        if missing > 0:
            rounds = -(-missing // len(self._card_index))
            order = np.argsort(self.rng.random((rounds, len(self._card_index))), axis=1)
            self._index_pool = np.concatenate([self._index_pool, self._card_index[order].ravel()])
        drawn, self._index_pool = self._index_pool[:n], self._index_pool[n:]
        return drawn


def chance(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return rng.random(n) < p


def when(mask: np.ndarray, values: pl.Series, otherwise: pl.Series | None = None) -> pl.Series:
    """``values`` where ``mask``, else ``otherwise`` (null by default)."""
    expr = pl.when(pl.lit(pl.Series(mask))).then(pl.lit(values))
    if otherwise is not None:
        expr = expr.otherwise(pl.lit(otherwise))
    return pl.select(expr).to_series().alias(values.name)
