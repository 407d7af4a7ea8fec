"""Median and percentiles of a group in bounded memory.

Exact while a group holds at most `EXACT_LIMIT` (4,096) values: they are kept and the
percentile is interpolated between the two nearest order statistics (the "linear"
definition of spreadsheets' PERCENTILE.INC and numpy's default). Past that, the values
move into a logarithmic sketch (the DDSketch construction): a positive value x is
counted in bin ceil(log_g(x)) with g = (1 + a) / (1 - a), a = `RELATIVE_ERROR` (0.5%),
and read back as the bin's centre 2 g^i / (g + 1), which is within a (relative) of every
value in the bin; negative values mirror it, zeros count apart. The order statistics are
then each within 0.5% of the true ones, and so is their interpolation when both have
one sign (otherwise within 0.5% of the larger magnitude). Memory is one counter per
occupied bin: at most about 460 bins per factor of ten in the values' range, whatever
the number of values. The result depends only on the values, never on their order or
on how partial states were merged.
"""

from __future__ import annotations

import math

EXACT_LIMIT = 4096
RELATIVE_ERROR = 0.005
_GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_LOG_GAMMA = math.log(_GAMMA)


class Quantiles:
    __slots__ = ("exact", "positive", "negative", "zeros", "count")

    def __init__(self) -> None:
        self.exact: list[float] | None = []
        self.positive: dict[int, int] = {}
        self.negative: dict[int, int] = {}
        self.zeros = 0
        self.count = 0

    def __getstate__(self):
        return (self.exact, self.positive, self.negative, self.zeros, self.count)

    def __setstate__(self, state) -> None:
        self.exact, self.positive, self.negative, self.zeros, self.count = state

    def add(self, value: float) -> None:
        self.count += 1
        if self.exact is not None:
            self.exact.append(value)
            if len(self.exact) > EXACT_LIMIT:
                self._to_sketch()
        else:
            self._count(value, 1)

    def merge(self, other: Quantiles) -> None:
        self.count += other.count
        if self.exact is not None and other.exact is not None:
            self.exact.extend(other.exact)
            if len(self.exact) > EXACT_LIMIT:
                self._to_sketch()
            return
        if self.exact is not None:
            self._to_sketch()
        if other.exact is not None:
            for value in other.exact:
                self._count(value, 1)
            return
        for index, n in other.positive.items():
            self.positive[index] = self.positive.get(index, 0) + n
        for index, n in other.negative.items():
            self.negative[index] = self.negative.get(index, 0) + n
        self.zeros += other.zeros

    def _to_sketch(self) -> None:
        values, self.exact = self.exact or [], None
        for value in values:
            self._count(value, 1)

    def _count(self, value: float, n: int) -> None:
        if value > 0:
            index = math.ceil(math.log(value) / _LOG_GAMMA)
            self.positive[index] = self.positive.get(index, 0) + n
        elif value < 0:
            index = math.ceil(math.log(-value) / _LOG_GAMMA)
            self.negative[index] = self.negative.get(index, 0) + n
        else:
            self.zeros += n

    def quantile(self, fraction: float) -> float | None:
        if self.count == 0:
            return None
        position = (self.count - 1) * fraction
        low = math.floor(position)
        high = min(low + 1, self.count - 1)
        if self.exact is not None:
            ordered = sorted(self.exact)
            below, above = ordered[low], ordered[high]
        else:
            below, above = self._order_statistic(low), self._order_statistic(high)
        return below + (position - low) * (above - below)

    def _order_statistic(self, rank: int) -> float:
        """The approximate value of rank `rank` (0-based) in the sketch."""
        seen = 0
        for index in sorted(self.negative, reverse=True):
            seen += self.negative[index]
            if rank < seen:
                return -_centre(index)
        seen += self.zeros
        if rank < seen:
            return 0.0
        for index in sorted(self.positive):
            seen += self.positive[index]
            if rank < seen:
                return _centre(index)
        return _centre(max(self.positive)) if self.positive else 0.0


def _centre(index: int) -> float:
    return 2 * _GAMMA ** index / (_GAMMA + 1)
