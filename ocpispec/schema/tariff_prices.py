"""The prices a joined tariff reads as plain fields (`tariff.energy_price`, ...): what a
consumer asks of a charger's tariff, without JMESPath over its elements.

Each is the `price` of the first price component of one dimension type, in the first
element without restrictions that has one (the tariff's base price), else in the first
element that has one (a price that holds at some times only, such as weekday parking):
a time-of-day tariff's other prices are read with `from tariffs each elements`. Prices
are as the tariff lists them, in its `currency`: excluding VAT, except on OCPI 2.3.0 where
its `tax_included` is YES; null where no element prices that dimension.
"""

from __future__ import annotations

from ocpispec.schema.model import Field, Kind, PrivacyClass

TYPE_CHECKING = False  # `check` loads this module: typing costs it 3 ms
if TYPE_CHECKING:
    from typing import Any

# field -> (TariffDimensionType, what the price is per)
PRICES: dict[str, tuple[str, str]] = {
    "energy_price": ("ENERGY", "kWh"),
    "time_price": ("TIME", "hour of charging"),
    "parking_price": ("PARKING_TIME", "hour of parking"),
    "flat_price": ("FLAT", "session"),
}
# the fields of a tariff the prices are computed from (its default deny keeps the rest)
READS: tuple[tuple[str, ...], ...] = (("elements", "price_components", "type"),
                                      ("elements", "price_components", "price"),
                                      ("elements", "restrictions"))


def price_field(name: str, privacy: PrivacyClass) -> Field:
    dimension, unit = PRICES[name]
    return Field(name, Kind.NUMBER, privacy,
                 doc=f"price per {unit} ({dimension}, in the tariff's currency, excl. VAT unless "
                     "its tax_included says YES): of the first element without restrictions "
                     "that has one, else the first")


def with_prices(tariff: dict) -> dict:
    """A copy of a (normalized) tariff with its prices."""
    priced = dict(tariff)
    elements = [element for element in tariff.get("elements") or ()
                if isinstance(element, dict)] if isinstance(tariff.get("elements"), list) \
        else []
    for name, (dimension, _) in PRICES.items():
        priced[name] = _price(elements, dimension)
    return priced


def _price(elements: list[dict], dimension: str) -> Any:
    found = [price for element in elements
             if (price := _component_price(element, dimension)) is not _NONE]
    base = [price for element in elements if not element.get("restrictions")
            and (price := _component_price(element, dimension)) is not _NONE]
    return base[0] if base else found[0] if found else None


_NONE = object()


def _component_price(element: dict, dimension: str) -> Any:
    components = element.get("price_components")
    for component in components if isinstance(components, list) else ():
        if isinstance(component, dict) and component.get("type") == dimension:
            return component.get("price")
    return _NONE
