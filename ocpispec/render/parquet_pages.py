"""Parquet data pages (format v1): definition levels in the RLE/bit-packed hybrid,
values in PLAIN encoding, the page compressed, a Thrift PageHeader in front.

A column's values arrive as a list with None for a missing value; `max_level` is the
column's maximum definition level (1 for a top-level optional column, 2 for a field of
an optional struct). A present value is at `max_level`; a missing one at 0 (the
struct itself is missing; ocpispec never writes a struct with a missing member)."""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ocpispec.render import parquet_thrift as thrift

# parquet.thrift enums
BOOLEAN, INT64, DOUBLE, BYTE_ARRAY = 0, 2, 5, 6
PLAIN, RLE = 0, 3
CODECS = {"none": 0, "gzip": 2, "zstd": 6}
_DATA_PAGE = 0

_BITS = bytes.maketrans(b"\x00\x01", b"01")
_TWO_BITS = ("00", "01", "10", "11")
_LENGTH = struct.Struct("<I").pack
_LITTLE_ENDIAN = sys.byteorder == "little"


@dataclass
class Page:
    """One encoded page: its bytes (header and compressed body) and what the column
    chunk's metadata sums up."""

    data: bytes
    values: int
    nulls: int
    uncompressed: int  # header + uncompressed body


def encode_page(values: Sequence[Any], physical: int, max_level: int,
                compress: Callable[[bytes], bytes]) -> Page:
    """A data page of `values` (None: missing). Raises TypeError, ValueError,
    OverflowError or UnicodeEncodeError for a value the type cannot hold."""
    present = [value for value in values if value is not None]
    levels = bytes(max_level if value is not None else 0 for value in values)
    encoded = hybrid(levels, max_level.bit_length())
    body = _LENGTH(len(encoded)) + encoded + plain(present, physical)
    packed = compress(body)
    header = thrift.struct([
        (1, "i32", _DATA_PAGE), (2, "i32", len(body)), (3, "i32", len(packed)),
        (5, "struct", thrift.struct([(1, "i32", len(values)), (2, "i32", PLAIN),
                                     (3, "i32", RLE), (4, "i32", RLE)]))])
    return Page(header + packed, len(values), len(values) - len(present),
                len(header) + len(body))


def hybrid(levels: bytes, width: int) -> bytes:
    """The RLE/bit-packed hybrid of `levels`: one RLE run when all are equal (the usual
    case: no value missing), else one bit-packed run of all (padded to a multiple of 8;
    a reader stops at the page's value count)."""
    if not levels:
        return b""
    if levels.count(levels[0]) == len(levels):
        return thrift.varint(len(levels) << 1) + bytes([levels[0]])
    groups = (len(levels) + 7) // 8
    return thrift.varint(groups << 1 | 1) + _bit_pack(levels, width, groups * 8)


def plain(values: list[Any], physical: int) -> bytes:
    """PLAIN encoding of present values: little-endian numbers, bit-packed booleans,
    length-prefixed UTF-8 byte arrays."""
    match physical:
        case 0:  # BOOLEAN
            return _bit_pack(bytes(values), 1, len(values))
        case 2:  # INT64
            return _little_endian(array("q", values))
        case 5:  # DOUBLE
            return _little_endian(array("d", values))
    encoded = [value.encode("utf-8") for value in values]
    return b"".join(chain.from_iterable(zip(map(_LENGTH, map(len, encoded)), encoded)))


def compressor(codec: str) -> Callable[[bytes], bytes]:
    """A page body's compression: gzip framing (as Parquet's GZIP codec requires; zlib,
    mtime 0, so output is reproducible), zstd (the optional `zstandard`), or none."""
    match codec:
        case "gzip":
            def gzip(data: bytes) -> bytes:
                packer = zlib.compressobj(6, zlib.DEFLATED, 31)
                return packer.compress(data) + packer.flush()
            return gzip
        case "zstd":
            import zstandard

            return zstandard.ZstdCompressor(level=3).compress
        case "none":
            return bytes
    raise ValueError(f"unknown Parquet compression {codec!r}")


def _bit_pack(levels: bytes, width: int, count: int) -> bytes:
    """`levels` packed `width` bits each, least significant bit first, as `count` values
    (zero padded): the little-endian bytes of the number whose binary digits are the
    values in reverse order."""
    padded = levels + bytes(count - len(levels))
    if width == 1:
        digits = padded[::-1].translate(_BITS).decode("ascii")
    else:
        digits = "".join(map(_TWO_BITS.__getitem__, reversed(padded)))
    size = (count * width + 7) // 8
    return int(digits, 2).to_bytes(size, "little") if digits else b""


def _little_endian(numbers: array) -> bytes:
    if not _LITTLE_ENDIAN:
        numbers.byteswap()
    return numbers.tobytes()
