"""What a released row becomes in the risk meter's spill: two fixed-width records, the
class and the driver (`MEMBER` bytes), and the (place, time) point, the driver and the
point's fixed-seed rank (`POINT` bytes), with the names of classes and points
(`class_key`, `class_digest`) and the driver hidden under a key of the run (`Drivers`).
Apart from `meter.py`, which spills these records and computes the figures from them:
measuring a row is pure, so worker processes do it (`measured`, `row_measure`) without
the meter's files or SQL, and the k rule names its classes the same way (`enforce.py`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import orjson

_SEED = b"ocpispec unicity sample v1"
MEMBER = 32  # class digest (16) + hidden driver (16)
POINT = 40   # point digest (16) + hidden driver (16) + rank (8, big-endian, 63 bits)

_FLAT = frozenset({str, int, float, bool, type(None)})


def class_key(values: Sequence[Any]) -> str:
    """One text per combination of released values (the class's name in the spill).
    Plain values (the usual case) are written as a Python tuple, which tells `1`,
    `1.0`, `"1"` and `True` apart as JSON does, at a fraction of `json.dumps`' cost;
    any other value makes the whole key a JSON list (a `[`, never a tuple's `(`)."""
    for value in values:
        if value.__class__ not in _FLAT:
            return json.dumps(list(values), sort_keys=True, separators=(",", ":"),
                              default=str, ensure_ascii=False)
    return repr(tuple(values))


def measured(hidden: bytes, rank_base: bytes, values: Sequence[Any],
             point: Sequence[Any] | None) -> tuple[bytes, bytes | None]:
    """What `RiskMeter.add` stores of one row, as two fixed-width records: the class
    and the driver (`MEMBER` bytes), and the (place, time) point, the driver and the
    point's fixed-seed rank (`POINT` bytes; None without a point). A class or point is
    a 128-bit digest of its text. Pure, so worker processes can do it."""
    member = class_digest(values) + hidden
    if point is None:
        return member, None
    text, name = _point_name(point)
    ranking = _RANKING.copy()  # a copy of a keyed hash costs half of a new one
    ranking.update(rank_base + text)
    rank = int.from_bytes(ranking.digest(), "big") >> 1
    return member, name + hidden + rank.to_bytes(8, "big")


def row_measure(quasi: tuple[str, ...], points: tuple[str, ...]
                ) -> Callable[[bytes, bytes, dict], tuple[bytes, bytes | None]]:
    """`measured` of a row read by its column names (`quasi` its class, `points` its
    point, () for none), in one call per row: the same records, with the values taken
    by `itemgetter` and the steps of `measured` inline (it runs once per released row,
    in a worker process or here)."""
    read_class, read_point = _reader(quasi), _reader(points) if points else None
    names, dumps, json_names, ranking_seed = _POINT_NAMES, orjson.dumps, _JSON_NAMES, _RANKING
    to_int, text_or_null, blake2b = int.from_bytes, _TEXT_OR_NULL.issuperset, hashlib.blake2b
    # two columns or more in the class and the point (the usual shape): their values
    # read by `itemgetter` right here, `_reader`'s call saved; a row lacking one of
    # them (never a projected row) takes `_reader`, which reads it as null
    get_class = itemgetter(*quasi) if len(quasi) > 1 else None
    get_point = itemgetter(*points) if len(points) > 1 else None

    def measure(hidden: bytes, rank_base: bytes, row: dict) -> tuple[bytes, bytes | None]:
        if get_class is None:
            values = read_class(row)
        else:
            try:
                values = get_class(row)
            except KeyError:
                values = read_class(row)
        try:
            text = dumps(values, option=_JSON_ONLY)
        except TypeError:
            text = b"null"  # named by `class_key`, as `class_digest` does
        if b"null" in text:
            member = _digest(class_key(values).encode()) + hidden
        else:
            digest = json_names.copy()
            digest.update(text)
            member = digest.digest() + hidden
        if read_point is None:
            return member, None
        if get_point is None:
            point = read_point(row)
        else:
            try:
                point = get_point(row)
            except KeyError:
                point = read_point(row)
        try:
            found = names.get(point)
        except TypeError:  # a list or an object in the point: never held
            found = None
        if found is None:
            if text_or_null(map(type, point)):  # `_point_name`'s steps, inline
                if len(names) >= _POINTS_HELD:
                    names.clear()
                text = repr(point).encode()  # `class_key` of texts and nulls
                found = names[point] = (text, blake2b(text, digest_size=16).digest())
            else:
                found = _point_name(point)
        point_text, name = found
        ranking = ranking_seed.copy()
        ranking.update(rank_base + point_text)
        rank = to_int(ranking.digest(), "big") >> 1
        return member, name + hidden + rank.to_bytes(8, "big")

    return measure


def _reader(names: tuple[str, ...]) -> Callable[[dict], tuple]:
    """A row's values of `names`, as a tuple (None for a column the row lacks)."""
    if not names:
        return lambda row: ()
    getter = itemgetter(*names)
    single = len(names) == 1

    def read(row: dict) -> tuple:
        try:
            found = getter(row)
        except KeyError:  # a column the row lacks reads as null, as `row.get` does
            return tuple([row.get(name) for name in names])
        return (found,) if single else found

    return read


def _point_name(point: Sequence[Any]) -> tuple[bytes, bytes]:
    """A point's text and digest, remembered while points repeat (released times are cut
    to an hour or a day): only points of texts and nulls, which a dict key tells apart as
    `class_key` does (`1`, `1.0` and `True` are one key to a dict)."""
    key = tuple(point)
    try:  # looked up first: only texts and nulls are held, which no other value equals
        found = _POINT_NAMES.get(key)
    except TypeError:  # a list or an object in the point: never held
        found = None
    if found is not None:
        return found
    if _TEXT_OR_NULL.issuperset(map(type, key)):
        if len(_POINT_NAMES) >= _POINTS_HELD:
            _POINT_NAMES.clear()
        text = class_key(key).encode()
        found = _POINT_NAMES[key] = (text, _digest(text))
        return found
    text = class_key(point).encode()
    return text, _digest(text)


_TEXT_OR_NULL = frozenset({str, type(None)})
_POINT_NAMES: dict[tuple, tuple[bytes, bytes]] = {}
_POINTS_HELD = 16_384


def class_digest(values: Sequence[Any]) -> bytes:
    """The 128-bit name of a class: a digest of the values' JSON (orjson, a tenth of
    `class_key`'s cost) or, where JSON would not tell two values apart or orjson
    refuses one (NaN and infinity are written as null; a very large int, a key that is
    not text, a subclass), of `class_key`. The two ways are digested with different
    personalisations, so a class named one way never meets a class named the other."""
    try:
        text = orjson.dumps(values, option=_JSON_ONLY)
    except TypeError:
        return _digest(class_key(values).encode())
    if b"null" in text:
        return _digest(class_key(values).encode())
    digest = _JSON_NAMES.copy()
    digest.update(text)
    return digest.digest()


_RANKING = hashlib.blake2b(key=_SEED, digest_size=8)
_JSON_NAMES = hashlib.blake2b(digest_size=16, person=b"ocpispec json")
_JSON_ONLY = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
              | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)


def _digest(text: bytes) -> bytes:
    return hashlib.blake2b(text, digest_size=16).digest()


class Drivers:
    """How a driver enters the spill: `hidden`, a keyed hash under a random key drawn
    for the run and never stored, and `rank_base`, a fixed-seed hash from which the
    unicity sample is ranked (so the same data gives the same figures). Nothing is
    remembered per driver here: its one caller (`execute.disclosure.RowRisk`) remembers a
    driver's pair by the id as read, and a second memo of the same drivers behind it,
    by their canonical form, only added to what a run held (6 MB at 65,536 drivers)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._serial = 0

    def of(self, driver: bytes | None) -> tuple[bytes, bytes]:
        if driver is None:  # counted in records: each row is its own
            self._serial += 1
            return self._hidden(b"\x00record" + self._serial.to_bytes(8, "big"))
        return self._hidden(driver)

    def hidden(self, driver: bytes) -> bytes:
        """`of(driver)`'s first part alone (a card linked to a row's driver is never
        ranked: one hash, not two)."""
        return hashlib.blake2b(self._key + driver, digest_size=16).digest()

    def _hidden(self, driver: bytes) -> tuple[bytes, bytes]:
        # the key as the message's prefix: BLAKE2 extends no message, so this is a keyed
        # hash as its key parameter is, in one compression instead of two for an id
        return (hashlib.blake2b(self._key + driver, digest_size=16).digest(),
                hashlib.blake2b(driver, key=_SEED, digest_size=8).digest())


def measure_env() -> dict[str, Any]:
    """The names `row_measure`'s common case reads, for code that measures a row inline
    (`execute.fused_rows`): the memo of point names and the prepared hashes."""
    return {"DUMPS": orjson.dumps, "JSON_ONLY": _JSON_ONLY, "JSON_NAMES": _JSON_NAMES,
            "POINT_NAMES": _POINT_NAMES, "RANKING": _RANKING, "TO_INT": int.from_bytes,
            "CLASS_KEY": class_key, "DIGEST": _digest, "TEXT_OR_NULL": _TEXT_OR_NULL,
            "POINTS_HELD": _POINTS_HELD, "BLAKE2B": hashlib.blake2b}
