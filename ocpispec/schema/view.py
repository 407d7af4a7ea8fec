"""What the normalizer and the rename hints need of the catalogue, as a protocol, so
that neither imports `catalogue` (which builds on both)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from ocpispec.schema.mapping import VersionMap
from ocpispec.schema.table import ObjectSet

T = TypeVar("T")


class Resolved(Protocol):
    @property
    def ok(self) -> bool: ...


class CatalogueView(Protocol):
    maps: Mapping[str, VersionMap]
    neutral: ObjectSet

    def resolve(self, module: str, path: Sequence[str]) -> Resolved: ...

    def resolve_in(self, object_name: str, path: Sequence[str]) -> Resolved: ...

    def cached(self, key: object, make: Callable[[], T]) -> T: ...
