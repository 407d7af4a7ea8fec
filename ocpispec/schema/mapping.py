"""Where each neutral field lives on the wire of one OCPI version."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ocpispec.schema.model import Field
from ocpispec.schema.neutral import Source, Wire, WirePath
from ocpispec.schema.table import ObjectSet


class VersionMap:
    """Answers `source(adapter, field)`: the wire source of a neutral field, or None
    when the version has no such data. See `neutral.SOURCES` for adapters."""

    __slots__ = ("version", "wire", "neutral", "_overrides", "_has_data")

    def __init__(self, version: str, wire: ObjectSet, neutral: ObjectSet,
                 overrides: Mapping[str, Source]) -> None:
        self.version = version
        self.wire = wire
        self.neutral = neutral
        self._overrides = overrides
        self._has_data: dict[str, bool] = {}

    def source(self, adapter: str, field: str) -> Source | None:
        found = self._overrides.get(f"{adapter}.{field}")
        if found is not None or "@" in adapter:
            return found
        wire_object = self.wire.objects.get(adapter)
        if wire_object is None or field not in wire_object.fields:
            return None
        return Wire((field,), self.neutral.objects[adapter].fields[field].object)

    def has_data(self, adapter: str) -> bool:
        """Whether any field of the adapter's object carries a value in this version."""
        if adapter not in self._has_data:
            self._has_data[adapter] = any(
                self.field_has_data(adapter, field) for field in self.fields_of(adapter))
        return self._has_data[adapter]

    def field_has_data(self, adapter: str, field: Field) -> bool:
        source = self.source(adapter, field.name)
        match source:
            case None:
                return False
            case Wire() if field.object is not None:
                return self.has_data(sub_adapter(source, field))
        return True

    def fields_of(self, adapter: str) -> tuple[Field, ...]:
        return tuple(self.neutral.objects[neutral_object(adapter)].fields.values())


def neutral_object(adapter: str) -> str:
    return adapter.partition("@")[0]


def sub_adapter(source: Wire, field: Field) -> str:
    assert field.object is not None
    return source.adapter or field.object


def path_text(path: WirePath) -> str:
    """("location", "evses", 0, "uid") -> `location.evses[0].uid`; () -> `@`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "@"


def fill(template: str, base: WirePath) -> str:
    """Replaces each `{relative.path}` of a Computed template with base + path."""
    prefix = f"{path_text(base)}." if base else ""
    return re.sub(r"\{([^}]*)\}", lambda match: prefix + match.group(1), template)


def names_only(path: WirePath) -> tuple[str, ...]:
    return tuple(part for part in path if isinstance(part, str))
