"""Compact, mergeable per-group state for the aggregator.

A group's state is a plain list `[keys, records, drivers, slot, slot, ...]` so it
pickles small and two partial states of one group (one in memory, one spilled to disk)
merge into the state one pass would have built:

- `drivers` counts people only up to the minimum group size: one 16-byte digest, then a
  set of them while the group is smaller, then `Full` (`minimum` people, no more
  added). A person is a class of linked ids (`disclosure.people`): a later record may
  link two people a group counted, which the group then counts again; its people are
  counted once more at the end (`settle`), every link known. Nothing needs the exact
  number.
- a `stats` slot is `[total, values, low, high, contributors]` of one per-record
  argument, shared by `sum`, `avg`, `min` and `max` of that argument; `contributors`
  counts the people whose records gave a value, as `drivers` does: a group of ten
  drivers where one gave a parking time releases that one's figure as its `avg`;
- a `distinct` slot is the set of 16-byte digests of the different values;
- a `quantiles` slot is a `Quantiles` (exact up to 4,096 values, then a sketch);
- a `by_driver` slot maps driver digests to their total, for the dominance rule;
- a `value_counts` slot maps driver digests to `[values, values other than 0]` of the
  argument of a `min`, `max`, `median` or `percentile`: an order statistic releases one
  record's value, which tells its driver unless enough drivers gave the argument values
  and none gave most of them (`order_statistic_tells`).

Digests are BLAKE2b-128 keyed with a random key made per run and kept in memory only,
so neither memory nor a spill file holds a raw identifier or value; two different
values share a digest with odds of about 2^-128 per pair.
"""

from __future__ import annotations

import hashlib
import math
import os
from typing import Any

from ocpispec.disclosure.people import People
from ocpispec.execute.functions import as_number
from ocpispec.execute.quantiles import Quantiles

KEYS, RECORDS, DRIVERS = 0, 1, 2
CONTRIBUTORS = 4  # in a stats slot
FIRST_SLOT = 3
STATS, DISTINCT, QUANTILES, BY_DRIVER = "stats", "distinct", "quantiles", "by_driver"
VALUE_COUNTS = "value_counts"


class Digester:
    def __init__(self) -> None:
        self.key = os.urandom(32)

    def __call__(self, data: bytes) -> bytes:
        return hashlib.blake2b(data, key=self.key, digest_size=16).digest()


def new_state(keys: tuple[Any, ...], kinds: tuple[str, ...]) -> list:
    state: list = [keys, 0, None]
    for kind in kinds:
        match kind:
            case "stats":
                state.append([0, 0, None, None, None])
            case "distinct":
                state.append(set())
            case "quantiles":
                state.append(Quantiles())
            case "by_driver" | "value_counts":
                state.append({})
    return state


class Full:
    """A group's (or a slot's) `minimum` people, no more added while no link joined two
    people counted before (`People.merges` as at `merges`)."""

    __slots__ = ("people", "merges")

    def __init__(self, people: set, merges: int) -> None:
        self.people, self.merges = people, merges

    def __len__(self) -> int:
        return len(self.people)

    def __iter__(self) -> Any:
        return iter(self.people)

    def __getstate__(self) -> tuple:
        return self.people, self.merges

    def __setstate__(self, state: tuple) -> None:
        self.people, self.merges = state


def counted(drivers: Any, driver: bytes, minimum: int, people: People) -> Any:
    """`drivers` (None, one digest, a set of them, or `Full`) with `driver` added (most
    groups of a fine grouping hold one driver: no set for them)."""
    if drivers is None:
        return Full({driver}, people.merges) if minimum <= 1 else driver
    if drivers.__class__ is Full:
        if drivers.merges == people.merges or driver in drivers.people:
            return drivers
        drivers = people.distinct(drivers.people)  # two it counted may be one now
        drivers.add(driver)
    elif drivers.__class__ is bytes:
        if drivers == driver:
            return drivers
        drivers = {drivers, driver}
    else:
        drivers.add(driver)
    return _capped(drivers, minimum, people) if len(drivers) >= minimum else drivers


def _capped(drivers: set, minimum: int, people: People) -> Any:
    """`drivers` counted again as people now (ids linked since they came): full once
    `minimum` of them, else the set of their people."""
    found = people.distinct(drivers)
    return Full(found, people.merges) if len(found) >= minimum else found


def settled(drivers: Any, people: People) -> Any:
    """`drivers` as the people they are, every record read (`people` complete)."""
    if drivers is None or drivers.__class__ is bytes:
        return drivers if drivers is None else people.find(drivers)
    return people.distinct(drivers)


def settle(state: list, kinds: tuple[str, ...], people: People) -> None:
    """A group's drivers, contributors and per-driver figures counted by person (ids
    linked by a record after they came are one), every record read."""
    state[DRIVERS] = settled(state[DRIVERS], people)
    for index, kind in enumerate(kinds, FIRST_SLOT):
        slot = state[index]
        match kind:
            case "stats":
                slot[CONTRIBUTORS] = settled(slot[CONTRIBUTORS], people)
            case "by_driver":
                state[index] = _by_person(slot, people, lambda mine, theirs: mine + theirs)
            case "value_counts":
                state[index] = _by_person(slot, people, lambda mine, theirs: [
                    mine[0] + theirs[0], mine[1] + theirs[1]])


def _by_person(slot: dict, people: People, add: Any) -> dict:
    folded: dict = {}
    for driver, figure in slot.items():
        person = people.find(driver)
        folded[person] = figure if person not in folded else add(folded[person], figure)
    return folded


def driver_count(drivers: Any) -> int:
    if drivers is None:
        return 0
    return 1 if drivers.__class__ is bytes else len(drivers)


def _driver_set(drivers: Any) -> set:
    if drivers is None:
        return set()
    return {drivers} if drivers.__class__ is bytes else set(drivers)


def add_stats(slot: list, value: Any, driver: bytes | None = None, minimum: int = 0,
              people: People | None = None) -> None:
    """`value` (None: no value) into a stats slot; `driver`, when given, is counted
    among its contributors up to `minimum` unless the value is 0: a record that adds 0
    (no parking time in its periods) gives nothing to the sum, so a group's sum of ten
    drivers of whom one parked is that one driver's."""
    if value is None:
        return
    number = as_number(value)
    if driver is not None and number:
        slot[CONTRIBUTORS] = counted(slot[CONTRIBUTORS], driver, minimum,
                                     people)  # type: ignore[arg-type]
    slot[0] += number
    slot[1] += 1
    if slot[2] is None or number < slot[2]:
        slot[2] = number
    if slot[3] is None or number > slot[3]:
        slot[3] = number


def add_by_driver(slot: dict, driver: bytes, value: Any) -> None:
    if value is None:
        return
    slot[driver] = slot.get(driver, 0) + as_number(value)


def add_value_count(slot: dict, driver: bytes, value: Any) -> None:
    """One value of an order statistic's argument, given by `driver`."""
    if value is None:
        return
    counted = slot.get(driver)
    if counted is None:
        counted = slot[driver] = [0, 0]
    counted[0] += 1
    counted[1] += 1 if as_number(value) else 0


def order_statistic_tells(slot: dict, nobody: bytes, minimum: int, nonzero: bool) -> bool:
    """Whether an order statistic over the slot's values would tell one driver's value:
    fewer than `minimum` drivers gave it values (`nonzero`: values other than 0, for
    `min` and `max`, where the zeros of the rest leave the one who charged, parked or
    paid), or one driver gave more than half of them (the released value is then more
    likely theirs than anyone's). Values of records without a driver count as the
    largest driver's: they may be theirs."""
    column = 1 if nonzero else 0
    given = [counted[column] for driver, counted in slot.items()
             if driver != nobody and counted[column]]
    total = sum(counted[column] for counted in slot.values())
    if not total:
        return False
    unknown = slot[nobody][column] if nobody in slot else 0
    return len(given) < minimum or (max(given, default=0) + unknown) * 2 > total


def merge(into: list, other: list, kinds: tuple[str, ...], minimum: int,
          people: People) -> list:
    """`other` folded into `into` (both states of one group)."""
    into[RECORDS] += other[RECORDS]
    into[DRIVERS] = _merged(into[DRIVERS], other[DRIVERS], minimum, people)
    for index, kind in enumerate(kinds, FIRST_SLOT):
        mine, theirs = into[index], other[index]
        match kind:
            case "stats":
                if theirs[1]:
                    mine[0] += theirs[0]
                    mine[1] += theirs[1]
                    mine[2] = theirs[2] if mine[2] is None else min(mine[2], theirs[2])
                    mine[3] = theirs[3] if mine[3] is None else max(mine[3], theirs[3])
                    mine[CONTRIBUTORS] = _merged(mine[CONTRIBUTORS], theirs[CONTRIBUTORS],
                                                 minimum, people)
            case "distinct":
                mine |= theirs
            case "quantiles":
                mine.merge(theirs)
            case "by_driver":
                for driver, total in theirs.items():
                    mine[driver] = mine.get(driver, 0) + total
            case "value_counts":
                for driver, (values, nonzero) in theirs.items():
                    counted = mine.setdefault(driver, [0, 0])
                    counted[0] += values
                    counted[1] += nonzero
    return into


def _merged(mine: Any, theirs: Any, minimum: int, people: People) -> Any:
    drivers = people.distinct(_driver_set(mine) | _driver_set(theirs))
    if len(drivers) >= minimum:
        return Full(drivers, people.merges)
    return next(iter(drivers)) if len(drivers) == 1 else drivers or None


def too_few_contributors(slot: list, minimum: int) -> bool:
    """Whether the values of a stats slot came from fewer than `minimum` people (a
    record without a driver counts as nobody, as it does for the group): its sum or
    average would tell theirs."""
    return slot[1] > 0 and driver_count(slot[CONTRIBUTORS]) < minimum


def reached(state: list, counts_people: bool, minimum: int) -> bool:
    if counts_people and minimum > 1:
        return driver_count(state[DRIVERS]) >= minimum
    return state[RECORDS] >= minimum


def group_size(state: list, counts_people: bool) -> int:
    """What the minimum group size is measured against: distinct drivers, or records
    where the dataset has no drivers (`reached` with a minimum of 1 counts none)."""
    if counts_people:
        return driver_count(state[DRIVERS])
    return state[RECORDS]


def tidy(number: float | int) -> float | int:
    """Sums of decimals carry binary noise (12.300000000000001); six decimals is far
    below any precision OCPI data has. A figure below 0.1 keeps six significant digits
    instead: `sum(kwh) / 1000000` (GWh) of 974.818 kWh is 0.000974818, not 0.000975, and
    in TWh not 0.0."""
    if isinstance(number, int) or number == 0 or number - number != 0:
        return number
    return round(number, max(6, 5 - math.floor(math.log10(abs(number)))))


def result(function: str, slot: Any, records: int, fraction: float | None) -> Any:
    match function:
        case "count":
            return records
        case "sum":
            return tidy(slot[0]) if slot[1] else None
        case "avg":
            return tidy(slot[0] / slot[1]) if slot[1] else None
        case "min":
            return slot[2]
        case "max":
            return slot[3]
        case "count_distinct":
            return len(slot)
        case "median":
            value = slot.quantile(0.5)
            return None if value is None else tidy(value)
        case "percentile":
            value = slot.quantile(fraction if fraction is not None else 0.5)
            return None if value is None else tidy(value)
    raise ValueError(f"unknown aggregate `{function}`")


def slot_kind(function: str) -> str | None:
    """The slot a part's function reads (`count` reads the group's record count)."""
    match function:
        case "count":
            return None
        case "sum" | "avg" | "min" | "max":
            return STATS
        case "count_distinct":
            return DISTINCT
        case "median" | "percentile":
            return QUANTILES
    raise ValueError(f"unknown aggregate `{function}`")
