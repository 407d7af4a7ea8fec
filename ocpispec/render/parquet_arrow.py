"""The `ARROW:schema` key of a Parquet file: the Arrow schema as an IPC Schema message
(a flatbuffer, Arrow's `Message.fbs` and `Schema.fbs`), base64 encoded. Readers built
on Arrow (pyarrow, pandas, R's arrow, Polars) take each field's metadata (description,
treatment, ...) and the exact Arrow type from it; other readers ignore the key.

The flatbuffer is written front to back: a table's vtable, the table, then what its
offset fields point to (always later in the buffer, as unsigned offsets require)."""

from __future__ import annotations

import base64
import struct as _struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Schema.fbs: union Type members, enums
_TYPE_INT, _TYPE_FLOAT, _TYPE_UTF8, _TYPE_BOOL, _TYPE_TIMESTAMP, _TYPE_STRUCT = 2, 3, 5, 6, 10, 13
_DOUBLE, _MICROSECOND, _METADATA_V5, _HEADER_SCHEMA = 2, 2, 4, 1
_SIZES = {"bool": 1, "ubyte": 1, "short": 2, "int": 4, "long": 8}
_FORMATS = {"bool": "<B", "ubyte": "<B", "short": "<h", "int": "<i", "long": "<q"}


@dataclass(frozen=True)
class Table:
    """A flatbuffer table: `slots[i]` is field id i as (kind, value), or None if absent;
    kind is a scalar kind or `offset` (value: a Table, str or list of Tables)."""

    slots: tuple[tuple[str, Any] | None, ...] = field(default=())


@dataclass(frozen=True)
class ArrowField:
    name: str
    kind: str  # datetime, number, integer, boolean, string, geopoint
    metadata: Mapping[str, str]
    zone: str = "UTC"  # a datetime's time zone: the values are UTC instants either way


def arrow_schema(fields: Sequence[ArrowField], metadata: Mapping[str, str]) -> str:
    """The base64 text of the encapsulated IPC Schema message for `fields`."""
    schema = Table((None, ("offset", [_field(f.name, f.kind, f.metadata, f.zone)
                                      for f in fields]),
                    ("offset", _key_values(metadata))))
    message = Table((("short", _METADATA_V5), ("ubyte", _HEADER_SCHEMA), ("offset", schema),
                     ("long", 0)))
    body = _Builder().finish(message)
    body += bytes(-len(body) % 8)
    framed = b"\xff\xff\xff\xff" + _struct.pack("<i", len(body)) + body
    return base64.b64encode(framed).decode("ascii")


def _field(name: str, kind: str, metadata: Mapping[str, str], zone: str = "UTC") -> Table:
    type_id, type_table, children = _type(kind, zone)
    return Table((("offset", name), ("bool", 1), ("ubyte", type_id), ("offset", type_table),
                  None, ("offset", children), ("offset", _key_values(metadata))))


def _type(kind: str, zone: str = "UTC") -> tuple[int, Table, list[Table]]:
    match kind:
        case "datetime":
            return _TYPE_TIMESTAMP, Table((("short", _MICROSECOND), ("offset", zone))), []
        case "number":
            return _TYPE_FLOAT, Table((("short", _DOUBLE),)), []
        case "integer":
            return _TYPE_INT, Table((("int", 64), ("bool", 1))), []
        case "boolean":
            return _TYPE_BOOL, Table(), []
        case "geopoint":
            return _TYPE_STRUCT, Table(), [_field("latitude", "number", {}),
                                           _field("longitude", "number", {})]
    return _TYPE_UTF8, Table(), []


def _key_values(metadata: Mapping[str, str]) -> list[Table]:
    return [Table((("offset", key), ("offset", value))) for key, value in metadata.items()]


class _Builder:
    def __init__(self) -> None:
        self.data = bytearray(4)  # the root offset, patched in `finish`

    def finish(self, root: Table) -> bytes:
        self._patch(0, self._place(root))
        return bytes(self.data)

    def _align(self, size: int) -> None:
        self.data += bytes(-len(self.data) % size)

    def _patch(self, at: int, target: int) -> None:
        self.data[at:at + 4] = _struct.pack("<I", target - at)

    def _place(self, item: Any) -> int:
        if isinstance(item, Table):
            return self._table(item)
        self._align(4)
        at = len(self.data)
        if isinstance(item, str):
            encoded = item.encode("utf-8")
            self.data += _struct.pack("<I", len(encoded)) + encoded + b"\x00"
            return at
        self.data += _struct.pack("<I", len(item)) + bytes(4 * len(item))
        for index, element in enumerate(item):
            self._patch(at + 4 + 4 * index, self._place(element))
        return at

    def _table(self, table: Table) -> int:
        present = [(i, slot) for i, slot in enumerate(table.slots) if slot is not None]
        sizes = {i: _SIZES.get(kind, 4) for i, (kind, _) in present}
        offsets, end = {}, 4
        for i, _ in sorted(present, key=lambda pair: -sizes[pair[0]]):
            end += -end % sizes[i]
            offsets[i] = end
            end += sizes[i]
        self._align(2)
        vtable = len(self.data)
        entries = [offsets.get(i, 0) for i in range(len(table.slots))]
        self.data += _struct.pack(f"<{2 + len(entries)}H", 4 + 2 * len(entries), end, *entries)
        self._align(max([4, *sizes.values()]))
        start = len(self.data)
        self.data += _struct.pack("<i", start - vtable) + bytes(end - 4)
        children = []
        for i, (kind, value) in present:
            if kind == "offset":
                children.append((start + offsets[i], value))
            else:
                _struct.pack_into(_FORMATS[kind], self.data, start + offsets[i], value)
        for at, child in children:
            self._patch(at, self._place(child))
        return start
