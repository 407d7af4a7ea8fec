"""One definition of "the same id" (`ocpispec.ids`): the crawl's dedup (the page loop,
its compiled form and the fast path's), joins and lookups, the lookback's digests and
pseudonyms read every spelling of an id alike, and tell different ids apart."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from ocpispec.execute.lookback import Screen
from ocpispec.execute.lookups import fold
from ocpispec.execute.pseudonyms import canonical_identifier
from ocpispec.ids import same_id
from ocpispec.ocpi.accept import clean_judge
from ocpispec.ocpi.fast_pages import _key_function
from ocpispec.ocpi.objects import ObjectCheck

BASE = {"country_code": "NL", "party_id": "DMO", "id": "LOC-0003",
        "last_updated": "2026-01-01T10:00:00Z", "start_date_time": "2026-01-01T09:00:00Z",
        "kwh": 1.0, "cdr_token": {}, "auth_method": "WHITELIST", "location_id": "L",
        "evse_uid": "E", "connector_id": "1", "currency": "EUR", "status": "COMPLETED"}
SPELLINGS = {
    "case": "loc-0003",
    "white space": " LOC-0003\t",
    "full-width": "ＬＯＣ－０００３",
    "full-width lower case, padded": " ｌｏｃ－０００３ ",
    "ideographic space": "\u3000LOC-0003",
}
OTHERS = ["LOC-0004", "LOC0003", "LOC-0003-1", "LOC 0003"]


def _views(value: str) -> tuple:
    record = {**BASE, "id": value}
    check = ObjectCheck("2.2.1", "sessions")
    screen = Screen(b"k" * 32, (), datetime(2026, 1, 1, tzinfo=UTC), module="sessions")
    return (check.key(record), clean_judge(check)(record)[1],
            _key_function(check.keys)(SimpleNamespace(**record)), fold(value), same_id(value),
            canonical_identifier(value, "session"), screen._identify(record)[0])


@pytest.mark.parametrize("spelling", list(SPELLINGS.values()), ids=list(SPELLINGS))
def test_every_reader_takes_a_spelling_for_the_same_id(spelling: str) -> None:
    assert _views(spelling) == _views("LOC-0003")


@pytest.mark.parametrize("other", OTHERS)
def test_other_ids_stay_other(other: str) -> None:
    assert all(mine != theirs for mine, theirs in zip(_views(other), _views("LOC-0003")))
