"""The field reference of a module: every neutral field with its privacy class at
that place, the versions that carry it and its wire name where that differs. This is
what `ocpispec schema` prints and `docs/schema.md` describes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from ocpispec.frozen import frozen
from ocpispec.schema.catalogue import VERSIONS, Catalogue
from ocpispec.schema.contract_tariffs import at_least_quasi, names_contract
from ocpispec.schema.mapping import fill, path_text, sub_adapter
from ocpispec.schema.model import Field, PrivacyClass
from ocpispec.schema.neutral import ROOTS, Computed, Source, Wire, WirePath
from ocpispec.schema.tariff_prices import PRICES, price_field

# per version: (adapter, wire base path) of the object being walked
State = Mapping[str, tuple[str, WirePath]]


@frozen
class FieldInfo:
    path: tuple[str, ...]
    field: Field                   # privacy is the class at this place
    versions: tuple[str, ...]
    wire: Mapping[str, str]        # version -> wire name, only where it differs


def describe(cat: Catalogue, module: str) -> list[FieldInfo]:
    root = ROOTS[module]
    state = {version: (root, ()) for version in VERSIONS}
    infos = [replace(info, field=_with_privacy(info.field, at_least_quasi(info.field.privacy)))
             if names_contract(module, info.path) else info
             for info in _walk(cat, root, state, (), (), PrivacyClass.PUBLIC)]
    described = [_holding(info, infos) for info in infos]
    return _with_prices(described) if module == "tariffs" else described


def _with_prices(infos: list[FieldInfo]) -> list[FieldInfo]:
    """A tariff's own prices (`energy_price`, ...: `schema.tariff_prices`), which a
    tariffs dataset reads as plain fields, after the `elements` they are read from."""
    after = max(index for index, info in enumerate(infos) if info.path[0] == "elements") + 1
    prices = [FieldInfo((name,), price_field(name, PrivacyClass.PUBLIC), VERSIONS,
                        dict.fromkeys(VERSIONS, "computed from elements[].price_components "
                                                f"({dimension})"))
              for name, (dimension, _) in PRICES.items()]
    return [*infos[:after], *prices, *infos[after:]]


def _holding(info: FieldInfo, infos: list[FieldInfo]) -> FieldInfo:
    """An object shows the highest class of what it holds, as it has when read whole: a
    CDR's `tariffs` is quasi, as the ids and prices below it are there."""
    if info.field.object is None:
        return info
    depth = len(info.path)
    inner = [other.field.privacy for other in infos if other.path[:depth] == info.path]
    privacy = PrivacyClass.highest([info.field.privacy, *inner])
    return info if privacy is info.field.privacy else \
        replace(info, field=_with_privacy(info.field, privacy))


def _walk(cat: Catalogue, obj: str, state: State, path: tuple[str, ...],
          local: tuple[str, ...], floor: PrivacyClass) -> Iterator[FieldInfo]:
    """`local` is the neutral path from the nearest list element, the point wire
    paths are relative to."""
    for field in cat.neutral.objects[obj].fields.values():
        here = (*local, field.name)
        carried: list[str] = []
        inner: dict[str, tuple[str, WirePath]] = {}
        wire: dict[str, str] = {}
        for version, (adapter, base) in state.items():
            vmap = cat.maps[version]
            source = vmap.source(adapter, field.name)
            if source is None or not vmap.field_has_data(adapter, field):
                continue
            carried.append(version)
            shown = _wire_text(source, base, here)
            if shown is not None:
                wire[version] = shown
            if field.object is not None and isinstance(source, Wire):
                full = base + source.path
                inner[version] = (sub_adapter(source, field), () if field.many else full)
        privacy = PrivacyClass.highest([floor, field.privacy])
        yield FieldInfo((*path, field.name), _with_privacy(field, privacy), tuple(carried), wire)
        if field.object is not None:
            below = PrivacyClass.highest([floor, cat.neutral.floor(obj, field.name)])
            yield from _walk(cat, field.object, inner, (*path, field.name),
                             () if field.many else here, below)


def _wire_text(source: Source, base: WirePath, here: tuple[str, ...]) -> str | None:
    if isinstance(source, Computed):
        return fill(source.shown, base)
    full = base + source.path
    text = path_text(full) if full else None
    return None if text == ".".join(here) else text


def _with_privacy(field: Field, privacy: PrivacyClass) -> Field:
    return field if field.privacy is privacy else replace(field, privacy=privacy)
