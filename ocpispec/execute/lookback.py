"""Lookback: re-read the end of the previous window, deliver only what is new.

Platforms set `last_updated` when a record changes, but some insert records late (a
CDR rated minutes after its session ended, a record back-dated by a correction): a
`since last run` window that already closed never sees them. With a lookback of N,
each window starts N before the watermark; a record read in that re-read part is
delivered only when it was not read before, by its key and `last_updated` (an update
has a new `last_updated` and is delivered again, as in any incremental run). The key is
the one the crawl tells objects apart by (`ocpi.objects.key_fields`): on 2.2+ an id is
unique only within its party, so the party is part of it, and a token's `type` with its
`uid`; by the id alone, a record of one party that came late was taken for the record of
another party read before, and never delivered. A version is told by its key, its
`last_updated` and what it says (a digest of the record as read): the outputs print
whole seconds and the crawl rewrites `12:00:00.700Z` as `12:00:00Z` before this screen
sees it, so a correction stamped in the same second as the version delivered before was
taken for it, and never delivered; the same version sent again with its instant written
otherwise (`.000Z` for `Z`, an offset, nine fraction digits) reads the same and is not a
new one. Digests of states written before are still compared the way they were made,
once: by the key and the whole second (under `second_check`), or by the id alone
(under `legacy_check`).

What was read is remembered in the state as keyed digests (HMAC-SHA-256 under a key
derived from the pseudonym key, 128 bits): object ids are not personal values, but a
digest keeps even them out of the state file. Only records whose `last_updated` lies
within the horizon the next run re-reads are kept, so the state stays small; the state
also keeps where that horizon starts, and a run never re-reads further back than the
digests reach (a first run with a lookback, or a longer lookback than the last run's,
re-reads only what it can deduplicate).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import Enum

from orjson import OPT_NON_STR_KEYS, OPT_SORT_KEYS
from orjson import dumps as _dumps

from ocpispec.ids import id_text
from ocpispec.timestamps import parse_timestamp


_NO_KEY = b"ocpispec/v1/seen: a spec without a pseudonym key"
_SORTED = OPT_SORT_KEYS | OPT_NON_STR_KEYS


def seen_key(key: bytes, export: str) -> bytes:
    return hmac.new(key, f"ocpispec/v1/seen/{export}".encode(), hashlib.sha256).digest()


def lookback_key(key: bytes, export: str, keyed: bool) -> bytes:
    """The key of the digests: from the pseudonym key, or, for a spec without one (whose
    run key is drawn anew each run, so no digest would ever match the last run's), from
    a fixed text: the digests then only keep the ids out of plain sight."""
    return seen_key(key if keyed else _NO_KEY, export)


class Digests(Enum):
    """How the stored digests were made: what a re-read record is compared by."""
    VERSION = "v3"     # the key, the second and what the record says
    SECOND = "v2"      # the key and the whole second of `last_updated` (states written before v3)
    ID = "v1"          # the id alone (states written before v2)


def key_check(key: bytes, digests: Digests = Digests.VERSION) -> str:
    """What the state keeps of the digests' key: a run under another key (a rotated
    pseudonym key) can tell that the stored digests are not comparable with its own,
    and how they were made."""
    return hmac.new(key, f"ocpispec/{digests.value}/seen-check".encode(), hashlib.sha256).hexdigest()[:32]


def second_check(key: bytes) -> str:
    """`key_check` of digests made by the key and the whole second (states written before v3)."""
    return key_check(key, Digests.SECOND)


def legacy_check(key: bytes) -> str:
    """`key_check` of digests made by the id alone (states written before v2)."""
    return key_check(key, Digests.ID)


def key_checks(key: bytes) -> tuple[str, ...]:
    """The checks of stored digests this run can compare with its own: its key's, by
    the record's version or (written before) by the key and second, or the id alone."""
    return tuple(key_check(key, digests) for digests in Digests)


def stored_digests(key: bytes, check: str | None) -> Digests:
    """How the digests stored under `check` were made (a state without one: by the id)."""
    return next((digests for digests in Digests if check == key_check(key, digests)), Digests.ID)


def identity_fields(module: str) -> tuple[str, ...]:
    """The fields a digest identifies a record by: the crawl's key in its 2.2+ form (a
    2.1.1 record lacks the party fields, which then count as empty)."""
    from ocpispec.ocpi.objects import key_fields

    return key_fields("2.2.1", module)


class Screen:
    """Passes records not read before; collects the digests for the next run."""

    def __init__(self, key: bytes, before: Iterable[str], horizon: datetime,
                 watermark: datetime | None = None, *, module: str = "sessions",
                 stored: Digests = Digests.VERSION) -> None:
        self._key = key
        self.check = key_check(key)
        self._fields = identity_fields(module)
        self._stored = stored  # how the digests in `before` were made
        self._before = frozenset(before)
        self.horizon = horizon
        self._watermark = watermark  # records before it that are new arrived late
        self.seen: set[str] = set()
        self.skipped = 0
        self.late = 0

    @property
    def held(self) -> int:
        """The records the runs before read in the part re-read (their digests)."""
        return len(self._before)

    def __call__(self, records: Iterable[dict]) -> Iterator[dict]:
        for record in records:
            digest, updated = self._identify(record)
            if digest is not None:
                if updated >= self.horizon:
                    self.seen.add(digest)
                if (digest if self._stored is Digests.VERSION else self._earlier_digest(record, updated)) \
                        in self._before:
                    self.skipped += 1
                    continue
                if self._watermark is not None and updated < self._watermark:
                    self.late += 1
            yield record

    def _identify(self, record: object) -> tuple[str | None, datetime]:
        if not isinstance(record, dict):
            return None, self.horizon
        identity = record.get("id", record.get("uid"))
        updated = parse_timestamp(record.get("last_updated"))
        if not isinstance(identity, str) or updated is None:
            return None, self.horizon  # the pipeline counts it as invalid
        return (self._digest(f"v3\x00{self._identity(record)}", updated, version(record, self._fields)),
                updated)

    def _identity(self, record: dict) -> str:
        return "\x00".join(_part(record.get(name)) for name in self._fields)

    def _earlier_digest(self, record: dict, updated: datetime) -> str:
        """The digest a state written before made of `record`."""
        if self._stored is Digests.SECOND:
            return self._digest(f"v2\x00{self._identity(record)}", updated)
        return self._digest(_part(record.get("id", record.get("uid"))), updated)

    def _digest(self, identity: str, updated: datetime, content: bytes = b"") -> str:
        message = f"{identity}\x00{updated:%Y-%m-%dT%H:%M:%S}".encode()
        if content:
            message += b"\x00" + content
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]


# a 2.1.1 session's copy of its site, whose EVSEs' status a platform may fill in live:
# it changes while the session does not
_NOT_THE_VERSION = "location"


def version(record: dict, key_fields: tuple[str, ...] = ()) -> bytes:
    """What a record says, as one text (JSON, keys sorted): two reads of one version say
    the same (its stamps are canonical by now), a correction says something else,
    whatever its `last_updated`. Hashed with the key and stamp (`Screen._digest`). The
    key fields are left out: the identity holds them as the crawl reads ids (`LOC-1` and
    ` loc-1 ` are one object), and a spelling of its id is no new version."""
    left_out = (_NOT_THE_VERSION, *key_fields)
    if any(name in record for name in left_out):
        record = {name: value for name, value in record.items() if name not in left_out}
    try:
        return _dumps(record, option=_SORTED)
    except TypeError:  # a value JSON cannot hold (never from a parsed page)
        return repr(sorted(record.items(), key=repr)).encode()


def _part(value: object) -> str:
    return id_text(value) if isinstance(value, str) else ""
