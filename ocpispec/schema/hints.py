"""Rename hints: a spec wrote a name of one OCPI version (`start_datetime`, 2.1.1) and
should use the version-neutral one (`start_date_time`).

The table is derived from the neutral mapping: every neutral field whose wire path
differs from its name gives an entry `(object, wire path) -> neutral path`, looked up
in the object where resolution failed and in the objects above it. A few structural
changes that no single field mapping explains are listed by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

from ocpispec.frozen import frozen
from ocpispec.schema.mapping import VersionMap, names_only, sub_adapter
from ocpispec.schema.neutral import Computed, Wire

if TYPE_CHECKING:
    from ocpispec.schema.view import CatalogueView


@frozen
class RenameHint:
    """A spec wrote `written`, a name of the wire `versions`; `neutral` is the path to
    write instead, `note` explains the change (for the help of a diagnostic)."""

    written: str
    neutral: tuple[str, ...]
    versions: tuple[str, ...]
    note: str


@frozen
class _Entry:
    neutral: tuple[str, ...]
    versions: tuple[str, ...]
    note: str | None = None  # hand-written entries explain themselves


_BY_HAND = {
    ("Session", "location"): _Entry(
        ("location_id",), ("2.1.1",),
        "OCPI 2.1.1 embedded the whole location in a session; 2.2 keeps only `location_id`, "
        "`evse_uid` and `connector_id` (join `locations` to read the location)"),
    ("CDR", "location"): _Entry(
        ("cdr_location",), ("2.1.1",),
        "OCPI 2.1.1 embedded the whole location in a CDR; 2.2 replaced it with the flat "
        "`cdr_location`"),
    ("Price", "taxes"): _Entry(
        ("incl_vat",), ("2.3.0",),
        "OCPI 2.3.0 splits a price into `before_taxes` and a list of `taxes`; the "
        "version-neutral `excl_vat` is the amount before taxes and `incl_vat` adds all taxes"),
}

Table = dict[tuple[str, str], _Entry]


def rename_hint(cat: CatalogueView, object_name: str, path: tuple[str, ...]) -> RenameHint | None:
    resolution = cat.resolve_in(object_name, path)
    if resolution.ok:
        return None
    failed = resolution.failed_at or 0
    table = cat.cached("rename-table", lambda: _table(cat))
    owners = [object_name, *(f.object or "" for f in resolution.fields)]
    for start in range(failed, -1, -1):
        for end in range(len(path), start, -1):
            entry = table.get((owners[start], ".".join(path[start:end])))
            if entry is not None:
                rest = path[end:] if entry.note is None else ()
                neutral = (*path[:start], *entry.neutral, *rest)
                written = ".".join(path[:end])
                note = entry.note or _note(".".join(path[start:end]), entry, neutral)
                return RenameHint(written, neutral, entry.versions, note)
    return _moved_under(table, owners, path, failed)


def _moved_under(table: Table, owners: list[str], path: tuple[str, ...],
                 failed: int) -> RenameHint | None:
    """`cdr_token.auth_id`: an old name written under the object its neutral field moved
    into (2.1.1's top-level `auth_id` is `cdr_token.contract_id`)."""
    for start in range(failed - 1, -1, -1):
        entry = table.get((owners[start], path[failed]))
        if entry is not None and entry.note is None \
                and entry.neutral[:failed - start] == path[start:failed]:
            neutral = (*path[:start], *entry.neutral, *path[failed + 1:])
            return RenameHint(".".join(path[:failed + 1]), neutral, entry.versions,
                              _note(path[failed], entry, entry.neutral))
    return None


def _note(name: str, entry: _Entry, neutral: tuple[str, ...]) -> str:
    target = ".".join(neutral)
    if entry.versions == ("2.1.1",):
        return f"`{name}` is the OCPI 2.1.1 name; 2.2 renamed it to `{target}`"
    versions = " and ".join(entry.versions)
    return f"`{name}` is the OCPI {versions} name; the version-neutral name is `{target}`"


def _table(cat: CatalogueView) -> Table:
    found: dict[tuple[str, str], tuple[tuple[str, ...], list[str]]] = {}
    for version, vmap in cat.maps.items():
        for obj in cat.neutral.objects:
            for wire, neutral in _renamed(vmap, obj, (), ()):
                if cat.resolve_in(obj, wire.split(".")).ok:
                    continue
                _, versions = found.setdefault((obj, wire), (neutral, []))
                versions.append(version)
    table = {key: _Entry(neutral, tuple(versions)) for key, (neutral, versions) in found.items()}
    return {**table, **_BY_HAND}


def _renamed(vmap: VersionMap, adapter: str, wire_base: tuple[str, ...],
             neutral_base: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(wire dotted path, neutral path) of fields below `adapter` whose names differ,
    without entering lists (their elements are objects with their own entries)."""
    for field in vmap.fields_of(adapter):
        source = vmap.source(adapter, field.name)
        neutral = (*neutral_base, field.name)
        match source:
            case Computed(reads=reads):
                yield ".".join((*wire_base, reads)), neutral
            case Wire(path=path):
                wire = (*wire_base, *names_only(path))
                if wire and wire != neutral:
                    yield ".".join(wire), neutral
                if field.object is not None and not field.many:
                    yield from _renamed(vmap, sub_adapter(source, field), wire, neutral)

