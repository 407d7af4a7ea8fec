"""A Price sent in another OCPI version's shape, read as the Price it states.

OCPI 2.1.1 gives a cost as a bare number (excluding VAT, as the catalogue reads it), 2.2.1
as `{excl_vat, incl_vat}`, 2.3.0 as `{before_taxes, taxes: [{name, amount}]}` (a tariff's
price limit as `{before_taxes, after_taxes}`). Platforms upgraded one module at a time
send the shape of the version they came from: read as unknown fields, a 2.2.1-shaped
`total_cost` on 2.3.0 left the CDR's every cost empty (its required `before_taxes` missing
inside it, unnoticed), and a bare number on 2.2+ made every CDR invalid.

    reshape = price_reshaper("2.3.0", "cdrs")   # None where the module holds no Price
    reshape(record, found)                      # before the walk, which then tests the amounts

A total including taxes the shape does not give (a bare number, `excl_vat` alone) is
taxes of unknown amount on 2.3.0 (`[{"amount": null}]`, as `wire_check` reads taxes of the
wrong type), so it stays empty and is never taken for the amount excluding them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ocpispec.schema.model import Kind
from ocpispec.schema.wire_tests import number

Reshaper = Callable[[dict[str, Any], list[str]], None]
_NUMBER = "a number (OCPI 2.1.1's shape)"
_OLDER = "`excl_vat`/`incl_vat` (OCPI 2.2.1's shape)"
_NEWER = "`before_taxes`/`taxes` (OCPI 2.3.0's shape)"


def price_reshaper(version: str, module: str) -> Reshaper | None:
    from ocpispec.schema.catalogue import catalogue

    cat = catalogue()
    root = cat.wire_root(version, module)
    if version == "2.1.1":
        later = cat.wire_root("2.2.1", module)
        shapes = {name: "number" for name, field in root.fields.items()
                  if field.kind is Kind.NUMBER and (other := later.get(name)) is not None and other.object == "Price"}
    else:
        shapes = {name: field.object for name, field in root.fields.items()
                  if field.object in ("Price", "PriceLimit") and not field.many}
    if not shapes:
        return None
    read = {"2.1.1": _as_number, "2.2.1": _as_2_2_1, "2.3.0": _as_2_3_0}[version]
    # the field every Price of the version's own shape holds (2.1.1: none, a Price is a number)
    own = {"2.1.1": None, "2.2.1": "excl_vat", "2.3.0": "before_taxes"}[version]
    fields = tuple(shapes.items())

    def reshape(record: dict[str, Any], found: list[str]) -> None:
        for name, shape in fields:
            value = record.get(name)
            if value is None:
                continue
            if value.__class__ is dict:
                if own is not None and own in value:   # the version's own shape: almost every record
                    continue
            elif own is None:
                continue
            if (read_as := read(value, shape)) is not None:
                record[name], sent = read_as
                found.append(f"{name}: a Price sent as {sent}, read as OCPI {version}'s")
    return reshape


def _unknown_taxes() -> list[dict[str, Any]]:
    return [{"amount": None}]


def _amount(value: Any) -> float | None:
    """`value` as a number, when it is one or a number sent as text."""
    if value is None:
        return None
    problem = number(value)
    return value if problem is None else problem[0]


def _plain(value: Any) -> bool:
    return value.__class__ in (int, float) or (value.__class__ is str and _amount(value) is not None)


def _as_number(value: Any, shape: str) -> tuple[Any, str] | None:
    if value.__class__ is not dict:
        return None
    for name in ("excl_vat", "before_taxes"):
        if value.get(name) is not None:
            return value[name], "an object (OCPI 2.2's shape) with its amount excluding VAT"
    return None


def _as_2_2_1(value: Any, shape: str) -> tuple[Any, str] | None:
    if _plain(value):
        return {"excl_vat": value}, _NUMBER
    if value.__class__ is not dict or "excl_vat" in value or value.get("before_taxes") is None:
        return None
    rest = {key: item for key, item in value.items() if key not in ("before_taxes", "after_taxes", "taxes")}
    included = value.get("after_taxes")
    if included is None:
        included = _taxed(value["before_taxes"], value.get("taxes"))
    return {**rest, "excl_vat": value["before_taxes"], "incl_vat": included}, _NEWER


def _taxed(before: Any, taxes: Any) -> float | None:
    """`before` plus the amounts of 2.3.0 `taxes` (none when absent), exact in decimal;
    None when an amount is not a number."""
    if taxes is not None and taxes.__class__ is not list:
        return None
    amounts = [before, *(tax.get("amount") if tax.__class__ is dict else None for tax in taxes or ())]
    read = [_amount(amount) for amount in amounts]
    if any(amount is None for amount in read):
        return None
    return float(sum((Decimal(repr(amount)) for amount in read), Decimal(0)))


def _as_2_3_0(value: Any, shape: str) -> tuple[Any, str] | None:
    limit = shape == "PriceLimit"
    if _plain(value):
        return ({"before_taxes": value} if limit else {"before_taxes": value, "taxes": _unknown_taxes()}), _NUMBER
    if value.__class__ is not dict or "before_taxes" in value or value.get("excl_vat") is None:
        return None
    rest = {key: item for key, item in value.items() if key not in ("excl_vat", "incl_vat")}
    excluded, included = value["excl_vat"], value.get("incl_vat")
    if limit:
        return {**rest, "before_taxes": excluded, **({} if included is None else {"after_taxes": included})}, _OLDER
    return {**rest, "before_taxes": excluded, "taxes": _tax(excluded, included)}, _OLDER


def _tax(excluded: Any, included: Any) -> list[dict[str, Any]]:
    """The taxes a 2.2.1 Price's two totals state: their difference, exact in decimal, as
    one tax named VAT; of unknown amount where either is not a number."""
    low, high = _amount(excluded), _amount(included)
    if low is None or high is None:
        return _unknown_taxes()
    return [{"name": "VAT", "amount": float(Decimal(repr(high)) - Decimal(repr(low)))}]
