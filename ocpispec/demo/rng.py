"""A tiny deterministic random stream, keyed by (seed, kind, index).

The demo data must be reproducible per object without generating its neighbours,
so every object draws from its own stream. splitmix64 is fast in pure Python and
good enough for synthetic data; it is not for anything secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_MASK = (1 << 64) - 1
_KINDS = {"site": 1, "driver": 2, "charge": 3, "tariff": 4, "block": 5, "fault": 6}


class Rng:
    __slots__ = ("_state",)

    def __init__(self, seed: int, kind: str, index: int) -> None:
        self._state = (seed * 0x9E3779B97F4A7C15 + _KINDS[kind] * 0xBF58476D1CE4E5B9
                       + index * 0x94D049BB133111EB) & _MASK

    def bits(self) -> int:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def random(self) -> float:
        """A float in [0, 1)."""
        return (self.bits() >> 11) / 9007199254740992.0

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def below(self, n: int) -> int:
        """An int in [0, n)."""
        return self.bits() % n

    def choice(self, items: Sequence[T]) -> T:
        return items[self.bits() % len(items)]


def unit(seed: int, kind: str, index: int) -> float:
    """One float in [0, 1) for (seed, kind, index), without keeping a stream."""
    return Rng(seed, kind, index).random()
