"""The Thrift compact protocol, as much of it as a Parquet footer and page headers need
(parquet-format's `parquet.thrift`): a struct is a sequence of `(field id, kind, value)`
and encodes to bytes; a nested struct or union is given as its encoded bytes.

Kinds: `bool`, `i16`, `i32`, `i64`, `binary` (bytes or str, UTF-8), `struct` (encoded
bytes), and `("list", kind)` for a list of one kind. A field whose value is None is
left out (Thrift's optional fields)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

_BOOL_TRUE, _BOOL_FALSE = 1, 2
_CODES = {"i16": 4, "i32": 5, "i64": 6, "binary": 8, "list": 9, "struct": 12}
_ELEMENT_CODES = {**_CODES, "bool": 1}

Field = tuple[int, Any, Any]


def struct(fields: Iterable[Field]) -> bytes:
    """One struct: each present field's header (id delta and type), its value; then STOP."""
    out = bytearray()
    last = 0
    for field_id, kind, value in fields:
        if value is None:
            continue
        code = _field_code(kind, value)
        delta = field_id - last
        if 0 < delta <= 15:
            out.append(delta << 4 | code)
        else:
            out.append(code)
            out += varint(_zigzag(field_id))
        last = field_id
        if kind != "bool":
            out += _value(kind, value)
    out.append(0)
    return bytes(out)


def union(field_id: int, value: bytes) -> bytes:
    """A union with one member set (a struct with one field of struct kind)."""
    return struct([(field_id, "struct", value)])


def varint(number: int) -> bytes:
    """Unsigned LEB128, as Thrift compact and Parquet's RLE headers write lengths."""
    out = bytearray()
    while number > 0x7F:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def _field_code(kind: Any, value: Any) -> int:
    if kind == "bool":
        return _BOOL_TRUE if value else _BOOL_FALSE
    return _CODES[kind[0] if isinstance(kind, tuple) else kind]


def _zigzag(number: int) -> int:
    return number << 1 if number >= 0 else (-number << 1) - 1


def _value(kind: Any, value: Any) -> bytes:
    if isinstance(kind, tuple):
        return _list(kind[1], value)
    match kind:
        case "i16" | "i32" | "i64":
            return varint(_zigzag(value))
        case "binary":
            data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            return varint(len(data)) + data
        case "struct":
            return value
        case "bool":
            return b"\x01" if value else b"\x02"
    raise ValueError(f"unknown Thrift kind {kind!r}")


def _list(kind: str, values: Sequence[Any]) -> bytes:
    code = _ELEMENT_CODES[kind]
    size = len(values)
    header = bytes([size << 4 | code]) if size < 15 else bytes([0xF0 | code]) + varint(size)
    return header + b"".join(_value(kind, value) for value in values)
