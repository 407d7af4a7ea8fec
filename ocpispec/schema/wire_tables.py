"""The data tables of `wire_check` (`lengths.LENGTHS`, `deviations.RENAMES` and
`deviations.DEFAULTS`, `deviations.BARE_IDS`), parsed once per version: each reader of
a wire object (`wire_shapes._Shapes`, some 18 a run: the crawls' checks, the release of
cards, the joined ids' guards) read the same tables, and parsed them again. Shared:
read only."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ocpispec.schema import deviations, lengths
from ocpispec.schema.catalogue import VERSIONS
from ocpispec.schema.table import sections


@functools.cache
def string_lengths(version: str) -> Mapping[tuple[str, str], int]:
    column = VERSIONS.index(version)
    found: dict[tuple[str, str], int] = {}
    for header, lines in sections(lengths.LENGTHS):
        for name, *by_version in lines:
            if by_version[column] != "-":
                found[(header, name)] = int(by_version[column])
    return found


@functools.cache
def renames(version: str) -> dict[str, dict[str, tuple[str, str]]]:
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for obj, alt, to, versions, why in rename_rows():
        if version in versions:
            found.setdefault(obj, {})[alt] = (to, why)
    return found


@functools.cache
def defaults(version: str) -> dict[str, tuple[tuple[str, Any, str], ...]]:
    found: dict[str, tuple[tuple[str, Any, str], ...]] = {}
    for obj, name, value, versions, why in default_rows():
        if version in versions:
            found[obj] = (*found.get(obj, ()), (name, value, why))
    return found


@functools.cache
def bare_ids(version: str) -> dict[str, tuple[str, str]]:
    """Object -> (the field a bare text item is read as, why)."""
    found: dict[str, tuple[str, str]] = {}
    for line in deviations.BARE_IDS.strip().splitlines():
        obj, name, versions, *why = line.split()
        if version in versions.split(","):
            found[obj] = (name, " ".join(why))
    return found


def rename_rows() -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """`deviations.RENAMES` as (object, wire name, OCPI name, versions, why)."""
    rows = []
    for line in deviations.RENAMES.strip().splitlines():
        obj, alt, arrow, to, versions, *why = line.split()
        assert arrow == "->", line
        rows.append((obj, alt, to, tuple(versions.split(",")), " ".join(why)))
    return rows


def default_rows() -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """`deviations.DEFAULTS` as (object, field, value, versions, why)."""
    rows = []
    for line in deviations.DEFAULTS.strip().splitlines():
        obj, name, value, versions, *why = line.split()
        rows.append((obj, name, value, tuple(versions.split(",")), " ".join(why)))
    return rows
