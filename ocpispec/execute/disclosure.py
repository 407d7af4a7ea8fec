"""Measured risk and enforced k-anonymity for a row dataset, as its rows stream.

`RowRisk.tap` sees each wire record on its way into the pipeline and `RowRisk.rows`
each projected row on its way out (the pipeline is lazy and one-to-one, so the last
record tapped is the one a row came from): the driver is read from the wire record
with the same canonical form pseudonyms and aggregates use, and is never released.
Without a k rule the rows pass through unchanged while the meter counts them; with
one, they are buffered on disk, recoded and suppressed (`disclosure.KEnforcer`) and
then measured as released. The figures go to the run's result (the CPO's summary,
run record and ledger); the consumer's manifest gets only k and the suppression rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ocpispec.plan import ir
from ocpispec.disclosure import (
    Drivers,
    KEnforcer,
    LimitExceeded,
    RiskMeter,
    point_columns,
    quasi_columns,
    recoder,
    row_measure,
)
from ocpispec.disclosure.links import LinkSpill
from ocpispec.disclosure.spill_figures import figures_of
from ocpispec.execute.group_identity import NOBODY, driver_identity
from ocpispec.execute.client import RunError

if TYPE_CHECKING:
    from ocpispec.execute.fused_rows import MeterParts


class RowRisk:
    def __init__(self, dataset: ir.Dataset, compile: Callable[[str], Any], version: str,
                 sample: bool = False) -> None:
        self.dataset, self.sample = dataset, sample
        self.rule: ir.KAnonymity | None = dataset.step(ir.KAnonymity)
        self.driver = _driver_reader(dataset.module, version, compile)
        # the driver read uid first too (`plan.drivers.uid_first`): a k rule counts the
        # two as one person's, and so does the meter (`links`)
        self.other = _driver_reader(dataset.module, version, compile, uid_first=True) \
            if self.driver is not None and (self.rule is not None or not hasattr(
                self.driver, "plain")) else None  # (a plain driver's card is read as sent)
        self._card = _card_reader(self.driver, self.other)
        # the ids measured rows name together (a k rule links them itself), written by
        # every process that measures rows: opened before the workers fork
        self._links = LinkSpill() if self.rule is None and self.driver is not None else None
        # a site's or a tariff's place and name describe no driver: a list of chargers
        # has no classes to single anyone out in (a k rule's `over` is still measured)
        self.quasi = self.rule.over if self.rule else \
            quasi_columns(dataset) if self.driver is not None else ()
        self.points = point_columns(dataset, self.quasi)
        self.drivers = Drivers()
        # the hidden pairs of drivers met, by their id as read (`_hidden_reader`)
        self._seen: dict[str, tuple[bytes, bytes]] = {}
        self._hidden = self._hidden_reader()
        self._measure = row_measure(self.quasi, self.points)
        self.last: Any = None
        self.figures: dict[str, Any] | None = None
        self.enforced: dict[str, Any] | None = None
        self._open: list[Any] = []
        self._pending: Callable[[], Any] | None = None  # figures computed elsewhere (`measured`)

    def tap(self, records: Iterable[dict]) -> Iterator[dict]:
        for record in records:
            self.last = record
            yield record

    def rows(self, rows: Iterable[dict]) -> Iterator[dict]:
        meter = self._meter()
        try:
            if self.rule is None:
                yield from self._measured(rows, meter)
                if self._links is not None:
                    self._links.flush()
            else:
                yield from self._enforced(rows, meter)
            self.figures = meter.figures().to_dict()
        finally:
            self.close()

    def _measured(self, rows: Iterable[dict], meter: RiskMeter) -> Iterator[dict]:
        hidden_of, measure, add = self._hidden, self._measure, meter.add_measured
        for row in rows:
            last = self.last
            if last.__class__ is tuple and (part := last[4][5]) is not None:
                add(*part)  # measured by a worker process
            else:
                found = hidden_of(last)
                add(*measure(found[0], found[1], row))
            yield row

    def measuring(self) -> RiskMeter:
        """The meter of rows measured outside `rows` (`row_stream`, no k rule): each row
        given to `measure`, or measured by a worker; `measured` once they all are."""
        return self._meter()

    def _meter(self) -> RiskMeter:
        meter = RiskMeter(self.quasi, self.points, self.driver is not None,
                          None if self._links is None else self._links.path)
        self._open.append(meter)
        return meter

    def measure(self, meter: RiskMeter, wire: Any, row: dict) -> None:
        """`meter` counts `row`, made of the record `wire` here (as `rows` does)."""
        self.last = wire
        found = self._hidden(wire)
        meter.add_measured(*self._measure(found[0], found[1], row))

    def measured(self, meter: RiskMeter,
                 elsewhere: Callable[..., Callable[[], Any] | None] | None = None) -> None:
        """The figures of `meter`, every row added. `elsewhere(function, *args)` may start
        them in a worker process (`PagePool.later`) and give what waits for them (or None:
        not started), `meter` then staying open until `collect` has them."""
        if self._links is not None:
            self._links.flush()  # what this process linked (workers wrote theirs)
        spill = meter.finished()
        claim = elsewhere(figures_of, spill) if elsewhere is not None else None
        if claim is None:
            self.figures = spill.figures().to_dict()
        self._pending = claim

    @property
    def pending(self) -> bool:
        """Whether figures started elsewhere are still to be collected."""
        return self._pending is not None

    def collect(self) -> None:
        """The figures started elsewhere, awaited (a failure there raises here); then the
        meters closed."""
        try:
            if (claim := self._pending) is not None:
                self._pending = None
                self.figures = claim().to_dict()
        finally:
            self.close()

    def _enforced(self, rows: Iterable[dict], meter: RiskMeter) -> Iterator[dict]:
        rule = self.rule
        levels = {h.column: [recoder(h.kind, level) for level in h.levels]
                  for h in rule.hierarchies}
        enforcer = KEnforcer(rule.k, rule.over, levels, rule.suppression_limit,
                             fail=not self.sample, nobody=self.drivers.of(NOBODY)[0])
        self._open.append(enforcer)
        hidden_of = self._hidden
        for row in rows:
            last = self.last
            if last.__class__ is tuple and (part := last[4][5]) is not None:
                enforcer.add(row, *part)  # the driver hidden by a worker process
            else:
                enforcer.add(row, *hidden_of(last))
        try:
            outcome = enforcer.enforce()
        except LimitExceeded as exc:
            self.enforced = exc.outcome.to_dict()
            raise _limit_exceeded(rule, exc) from None
        self.enforced = outcome.to_dict() | {"limit_applied": not self.sample}
        measure, add = self._measure, meter.add_measured
        for row, hidden, rank in enforcer.released():
            add(*measure(hidden, rank, row))
            yield row

    def _hidden_reader(self) -> Callable[[Any], tuple[bytes, ...]]:
        """The driver of a wire record hidden by `Drivers` (a row of its own without a
        driver reader), and its card's uid as read (`_card_reader`). A driver charges
        again and again: its hidden pair is remembered by the id as read, before
        `driver_identity` canonicalises it (a text's canonical form is a function of the
        text alone), with the card it came with; another card of the contract is hidden
        anew, its uid linked to the contract as one person's (`links`)."""
        driver, hide, hide_card = self.driver, self.drivers.of, self.drivers.hidden
        if driver is None:
            return lambda wire: hide(None)
        seen, card_of, links = self._seen, self._card, self._links

        def hidden(wire: Any) -> tuple[bytes, ...]:
            value, card = driver(wire), card_of(wire)
            if value.__class__ is str and (found := seen.get(value)) is not None \
                    and found[2] == card:
                return found
            found = (*hide(person := driver_identity(value)), card)
            if links is not None and person != NOBODY:  # the row's driver, and its card's
                card_person = driver_identity(card) if card.__class__ is str and card \
                    else person if _falsy(card) else driver_identity(card)
                links.link(found[0], found[0] if card_person == person or card_person == NOBODY
                           else hide_card(card_person))
            if value.__class__ is str:
                if len(seen) >= _DRIVERS_HELD:
                    seen.clear()
                seen[value] = found
            return found
        return hidden if self.rule is None else self._both(hidden)

    def _both(self, hidden: Callable[[Any], tuple[bytes, bytes]]
              ) -> Callable[[Any], tuple[bytes, bytes, bytes]]:
        """`hidden`'s pair and the driver read uid first, hidden the same way (a k rule
        counts the fewer of the two: one card sent with its contract id on some charges
        and its uid on others is one driver)."""
        other, hide, seen = self.other, self.drivers.of, {}

        def both(wire: Any) -> tuple[bytes, bytes, bytes]:
            value, pair = other(wire), hidden(wire)  # type: ignore[misc]
            if value.__class__ is not str:
                return pair[0], pair[1], hide(driver_identity(value))[0]
            if (found := seen.get(value)) is None:
                if len(seen) >= _DRIVERS_HELD:
                    seen.clear()
                found = seen[value] = hide(driver_identity(value))[0]
            return pair[0], pair[1], found
        return both

    def beside(self) -> Callable[[dict, dict], Any] | None:
        """What a worker process computes beside each row for the meter (`workers`):
        the driver hidden as `Drivers` hides it (the run's key is inherited by the
        fork, never sent), and without a k rule the row's class and point too. None
        where a row counts as its own driver (numbered here, in page order)."""
        if self.driver is None:
            return None
        hidden_of = self._hidden
        if self.rule is not None:
            return lambda wire, row: hidden_of(wire)
        measure, driver, seen, card_of = self._measure, self.driver, self._seen, self._card

        def measured(wire: dict, row: dict) -> Any:
            # a driver met before with this card (most rows): its pair read from
            # `hidden_of`'s memo here, one call fewer a row; any other through `hidden_of`
            value = driver(wire)
            if value.__class__ is not str or (found := seen.get(value)) is None or \
                    found[2] != card_of(wire):
                found = hidden_of(wire)
            return measure(found[0], found[1], row)

        return measured

    def fused_parts(self) -> MeterParts | None:
        """What `beside` reads, for a function that measures a row inline (`fused_rows`);
        None where `beside` is None or hands on the driver alone (a k rule)."""
        if self.driver is None or self.rule is not None:
            return None
        from ocpispec.execute.fused_rows import MeterParts

        return MeterParts(self.quasi, self.points, self.driver, self._seen, self._hidden,
                          self._measure, self._card)

    def result(self) -> dict[str, Any] | None:
        if self.figures is None and self.enforced is None:
            return None
        return {"figures": self.figures, "k_anonymity": self.enforced}

    def manifest(self) -> dict[str, Any]:
        """What the consumer may know: k and the suppression rate, nothing else. The rate
        is rounded up to a band that holds at least `BAND_ROWS` rows of the file: to three
        decimals it times the rows released gave the exact number of rows suppressed
        (2.93% of 15,172 rows: 458), and so did a whole percent of a small file (9% of 33
        rows released: 3 suppressed, no other count gives 9%)."""
        if self.rule is None or self.enforced is None:
            return {}
        enforced = self.enforced
        shown, band = rate_band(enforced["suppression_rate_percent"],
                                enforced["rows"] - enforced["suppressed_rows"])
        return {"k_anonymity": {"k": self.rule.k, "over": list(self.rule.over),
                                "suppression_rate_percent": shown,
                                "suppression_rate_band_percent": band}}

    def close(self) -> None:
        """The meters closed (their folders removed); figures still pending are dropped
        (a run that failed meanwhile: the worker's answer is never read)."""
        self._pending = None
        while self._open:
            self._open.pop().close()
        if self._links is not None:
            self._links.close()


# drivers remembered by their id as read (`RowRisk._hidden_reader`; some 240 bytes each):
# a bound a run of 100,000 realistic sessions (16,666 drivers) nearly fills, so that a
# larger run holds no more (at 65,536, with a memo of the same drivers behind it in
# `Drivers`, 1,000,000 sessions held some 21 MB here against 5 MB at 100,000)
_DRIVERS_HELD = 16_384
# a band of the manifest's suppression rate holds at least this many rows of the file
BAND_ROWS = 10
_BANDS = (1, 2, 5, 10, 20, 50, 100)  # percent


def rate_band(rate: float, released: int) -> tuple[float, int]:
    """`rate` rounded up to the narrowest band (of `_BANDS`) whose width is at least
    `BAND_ROWS` of the `released` rows, and that width: the consumer, who knows the rows
    released, can tell the suppressed rows only to within that many (0 stays 0: nothing
    was left out). The width is read from the released rows, which the consumer has,
    not from the rows before suppression, which it would give away."""
    band = next((width for width in _BANDS if released * width >= 100 * BAND_ROWS), 100)
    if rate <= 0:
        return 0.0, band
    return float(min(100, band * math.ceil(rate / band - 1e-9))), band


def _driver_reader(module: str, version: str, compile: Callable[[str], Any],
                   uid_first: bool = False) -> Callable[[dict], Any] | None:
    """The driver id of a wire record, through the catalogue's normalizer for the
    driver fields only (the same fields aggregates count); `uid_first`: the card's uid
    read before the contract id (`plan.drivers.uid_first`)."""
    from ocpispec.plan.datasets import DRIVER_PATHS, DRIVERS
    from ocpispec.plan.drivers import uid_first as read_uid_first
    from ocpispec.schema import catalogue

    if module not in DRIVERS:
        return None
    entity = read_uid_first(DRIVERS[module]) if uid_first else DRIVERS[module]
    if entity is None:
        return None
    normalizer = catalogue().normalizer_expression(module, version, DRIVER_PATHS[module])
    if (plain := _plain_driver(normalizer, entity)) is not None:
        return plain
    # one compiled function: the entity read from the wire object through the
    # normalizer (`jmes_fuse`, as the pipeline reads its columns), no neutral object
    # built per row; or the normalizer's object piped into the entity
    normalized_entity = _fused(normalizer, entity, compile) or \
        compile(normalizer + " | " + entity)

    def driver(wire: Any) -> Any:
        return normalized_entity(wire) if isinstance(wire, dict) else None

    return driver


def _falsy(value: Any) -> bool:
    """JMESPath's false (a card the driver is not read from): null, false, an empty
    text, list or object."""
    return value is None or value is False or (not value and isinstance(value, (str, list, dict)))


def _card_reader(driver: Callable[[Any], Any] | None, other: Callable[[Any], Any] | None
                 ) -> Callable[[Any], Any]:
    """What tells a driver's cards apart in the memo of hidden drivers: the token's `uid`
    as sent where the driver is read plainly (`_plain_driver`; `fused_rows` reads it
    inline), else the driver read uid first."""
    plain = getattr(driver, "plain", None)
    if plain is None:
        return other if other is not None else (lambda wire: None)
    nested = plain[0]

    def card(wire: Any) -> Any:
        token = (wire.get("cdr_token") if nested else wire) if wire.__class__ is dict else None
        return token.get("uid") if token.__class__ is dict else None
    return card


def _plain_driver(normalizer: str, entity: str) -> Callable[[Any], Any] | None:
    """The driver read straight from a wire record whose normalizer keeps the token's
    fields as they are (2.2.1 and 2.3.0; 2.1.1 renames them): `entity`
    (`drivers.driver_expression`) as JMESPath evaluates it, in a few dict reads where
    the compiled expression took some 1.8 us a row (it runs once per released row, in a
    worker process or here). None for any other normalizer or entity, which are
    compiled. `tests/test_disclosure.py` holds the two to each other with hypothesis."""
    from ocpispec.plan.drivers import ONE_TIME_TOKENS, driver_expression

    fields = "{uid: uid, type: type, contract_id: contract_id}"
    nested = normalizer == "{cdr_token: cdr_token." + fields + "}" \
        and entity == driver_expression("cdr_token.")
    if not nested and not (normalizer == fields and entity == driver_expression("")):
        return None
    one_time, empty = tuple(ONE_TIME_TOKENS), (str, list, dict)

    def driver(wire: Any) -> Any:
        if not isinstance(wire, dict):
            return None
        token = wire.get("cdr_token") if nested else wire
        # a token that is no object reads as null fields: no driver
        if token.__class__ is not dict or token.get("type") in one_time:
            return None
        # JMESPath's falsy (`jmes_compile.is_false`) inline: a text id is the usual value
        found = token.get("contract_id")
        if found is None or found is False or (not found and isinstance(found, empty)):
            found = token.get("uid")
            if found is None or found is False or (not found and isinstance(found, empty)):
                return None
        return found

    driver.plain = (nested, one_time)  # type: ignore[attr-defined]  # read inline by `fused_rows`
    return driver


def _fused(normalizer: str, entity: str, compile: Callable[[Any], Any]) -> Any:
    from ocpispec.execute.jmes_compile import ExpressionError, parse_expression
    from ocpispec.execute.jmes_fuse import Unfusable, fuse, fusable

    try:
        tree = parse_expression(normalizer)
        if not fusable(tree):
            return None
        return compile(fuse(parse_expression(entity), tree))
    except (Unfusable, ExpressionError):
        return None


def _limit_exceeded(rule: ir.KAnonymity, exc: LimitExceeded) -> RunError:
    outcome = exc.outcome
    return RunError.of(
        "OCX527", f"k-anonymity would suppress {outcome.rate:g}% of the rows "
        f"({outcome.suppressed:,} of {outcome.rows:,}), more than the limit of "
        f"{rule.suppression_limit:g}%", rule.origin, "the rule",
        notes=(f"{outcome.suppressed_classes:,} classes still held fewer than {rule.k} drivers "
               "after recoding", "nothing was written and the state did not move"),
        help="release coarser columns (a shorter prefix, a longer time unit), name fewer "
             "columns in `over (...)`, lower k, or raise the limit after review; "
             "`ocpispec run --assess` shows the class sizes")
