"""The sort key of a row export without `order by`: every column ascending, in column
order, as one `bytes` per row, generated as one straight-line function per column list.

It orders rows exactly as `ordering.sort_key` does with no stated keys (nulls last,
numbers before booleans before texts, ranked texts by their rank), but as bytes that
compare in C: a run of 10,000 rows sorts, pickles and merges several times faster than
with a tuple of (kind, value) pairs, and a worker process can compute it beside the row
(`workers`, `KeyBeside`), off the parent that sorts.

Per column, a prefix-free encoding, so that concatenated columns compare column by
column:

- null (or absent): `04`;
- a number: `00`, the double's 8 order-preserving bytes (`value_order.sortable`), and
  for an int the exact difference from that double (`80` when none: every int of at
  most 53 bits), so 2**53 + 1 stays after 2**53 and equal to nothing else;
- a boolean: `01 00` or `01 01`;
- a text: `02`, its UTF-8 (code-point order; lone surrogates passed through), each zero
  byte written `00 FF`, ended by `00 00`; a ranked text is `02 00`, its rank written
  the same way, then the text, or `02 01` and the text when it has no rank;
- anything else: `03` and its `repr` as a text.

NaN has no place in an order (Python's own sort leaves it where it falls); it is
written after +inf.

    key = ascending_key(("started", "energy_kwh"), ranks)   # ranks: `value_order.ranks`
    rows.sort(key=key)
"""

from __future__ import annotations

import pickle
import struct

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.execute.value_order import Rank
from ocpispec.generated_code import code_of

_MISSING = object()
# encoded texts remembered per ranked column (a timestamp's parse): released times are
# cut to an hour or a day, so they repeat; bounded, and forgotten whole when full
_MEMO = 16_384

_PACK = struct.Struct(">d").pack
_INVERT = bytes(255 - byte for byte in range(256))
_TOP = [bytes([byte | 0x80]) for byte in range(256)]


def _float(value: float) -> bytes:
    packed = _PACK(value + 0.0)  # -0.0 and 0.0 are one value
    if packed[0] & 0x80:
        return b"\x00" + packed.translate(_INVERT) + b"\x80"
    return b"\x00" + _TOP[packed[0]] + packed[1:] + b"\x80"


def _int(value: int) -> bytes:
    try:
        near = float(value)
    except OverflowError:
        near = -1.7976931348623157e308 if value < 0 else 1.7976931348623157e308
    packed = _float(near)
    rest = value - int(near)
    if not rest:
        return packed
    size = (abs(rest).bit_length() + 7) // 8
    magnitude = abs(rest).to_bytes(size, "big")
    if rest > 0:
        return packed[:-1] + b"\x81" + size.to_bytes(2, "big") + magnitude
    return packed[:-1] + b"\x7f" + (65535 - size).to_bytes(2, "big") + magnitude.translate(_INVERT)


def _text(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass").replace(b"\x00", b"\x00\xff") + b"\x00\x00"


def _other(value: Any) -> bytes:
    if value.__class__ is bool:
        return b"\x01\x01" if value else b"\x01\x00"
    return b"\x03" + _text(repr(value))


def _ranked(rank: Rank) -> Callable[[str], bytes]:
    def encoded(value: str) -> bytes:
        found = rank(value)
        if found is None:
            return b"\x02\x01" + _text(value)
        return b"\x02\x00" + found.replace(b"\x00", b"\x00\xff") + b"\x00\x00" + _text(value)
    return encoded


def ascending_key(columns: Sequence[str], ranks: Mapping[str, Rank] | None = None
                  ) -> Callable[[dict], bytes]:
    env = key_env()
    lines = ["def key(row):", "    get = row.get"]
    for index, column in enumerate(columns):
        branches = key_branches(index, column, ranks or {}, env)
        lines += [f"    v = get({column!r})", "    c = v.__class__"]
        for test, body in (("if c is str", branches.text), ("elif c is float", branches.double),
                           ("elif v is None", branches.null), ("elif c is int", branches.whole),
                           ("else", branches.other)):
            lines += [f"    {test}:", *(f"        {line}" for line in body)]
    lines.append(f"    return b''.join(({''.join(f'k{i}, ' for i in range(len(columns)))}))")
    exec(code_of("\n".join(lines), kept=False), env)  # noqa: S102 - built from column names, written with repr
    return env["key"]  # type: ignore[no-any-return]


@frozen
class KeyBranches:
    """The statements that set `k{index}`, a column's part of the key, from its value
    `v` in each case of its class `c`: a text, a float, None, an int, anything else."""

    text: tuple[str, ...]
    double: tuple[str, ...]
    null: tuple[str, ...]
    whole: tuple[str, ...]
    other: tuple[str, ...]


def key_env() -> dict[str, Any]:
    """The names the statements of `key_branches` read."""
    return {"MISSING": _MISSING, "MEMO": _MEMO, "INT": _int, "OTHER": _other,
            "PACK": _PACK, "INVERT": _INVERT, "TOP": _TOP}


def key_branches(index: int, column: str, ranks: Mapping[str, Rank], env: dict[str, Any]
                 ) -> KeyBranches:
    """Column `index`'s part of the key, as statements per class of its value (inline:
    a call per column would cost a third of the key); a ranked column's memo and rank
    go into `env`."""
    k = f"k{index}"
    if column in ranks:
        env[f"R{index}"], env[f"M{index}"] = _ranked(ranks[column]), {}
        text: tuple[str, ...] = (
            f"{k} = M{index}.get(v, MISSING)",
            f"if {k} is MISSING:",
            f"    {k} = R{index}(v)",
            f"    if len(M{index}) >= MEMO: M{index}.clear()",
            f"    M{index}[v] = {k}")
    else:
        text = (f"{k} = b'\\x02' + v.encode('utf-8', 'surrogatepass')"
                ".replace(b'\\x00', b'\\x00\\xff') + b'\\x00\\x00'",)
    double = ("p = PACK(v + 0.0)",
              f"{k} = b'\\x00' + (p.translate(INVERT) if p[0] & 128 else TOP[p[0]] + p[1:]) + b'\\x80'")
    return KeyBranches(text, double, (f"{k} = b'\\x04'",), (f"{k} = INT(v)",),
                       (f"{k} = OTHER(v)",))


class KeyBeside:
    """The key of the row just handed on, computed beside it by a worker process, which
    sends the row pickled (`unpacked` once sorted). The sort asks for a row's key as
    soon as the row reaches it (the stages between are lazy and one-to-one), and gets
    the worker's key when it is that very object; any other row (read in this process,
    or passed through a stage that made it anew) is keyed here, by the same function."""

    __slots__ = ("compute", "key", "row")

    def __init__(self, compute: Callable[[dict], bytes]) -> None:
        self.compute = compute
        self.row: Any = None
        self.key: bytes | None = None

    def __call__(self, row: dict | bytes) -> bytes:
        if row is self.row:
            key, self.row = self.key, None
            return key  # type: ignore[return-value]
        return self.compute(pickle.loads(row) if row.__class__ is bytes else row)  # type: ignore[arg-type]

    @staticmethod
    def unpacked(rows: Iterable[dict | bytes]) -> Iterator[dict]:
        """The sorted rows, those a worker sent pickled unpickled: from the worker to the
        output they were only compared by key, spilled and merged, and a row pickled
        once costs the parent less than a dict unpickled, pickled and unpickled again."""
        loads = pickle.loads
        for row in rows:
            yield loads(row) if row.__class__ is bytes else row  # type: ignore[arg-type,misc]
