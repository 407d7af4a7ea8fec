"""One definition of "the same id" (`ocpispec.ids`): the crawl's dedup (the page loop,
its compiled form and the fast path's), joins and lookups, the lookback's digests and
pseudonyms read every spelling of an id alike, and tell different ids apart."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _general(value: object) -> str:
    """`key_text` without its ASCII shortcut: every text through NFKC and case folding."""
    import unicodedata

    from ocpispec.ids import key_text

    if value.__class__ is str:
        return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold()).strip()
    return key_text(value)


ID_VALUES = st.one_of(
    st.text(), st.text(alphabet=st.characters(max_codepoint=127)),
    st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u3000AbZz09-ＬｏßİﬁK", max_size=8),
    st.sampled_from([*SPELLINGS.values(), *OTHERS, "", "   ", "\x1f", "ǅ", "İ", "ẞ", "K"]),
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.just([]), st.just({}))


@settings(max_examples=500, deadline=None)
@given(ID_VALUES, ID_VALUES, ID_VALUES)
def test_the_compiled_keys_read_ids_as_the_general_definition(country: object, party: object,
                                                             ident: object) -> None:
    """The inline ASCII form (`ids.key_text_source`) of the page loop, a worker's judge and
    the fast path gives what NFKC with case folding gives, for any key values."""
    from ocpispec.ocpi.accept import page_accepter
    from ocpispec.ocpi.objects import RecentKeys

    record = {**BASE, "country_code": country, "party_id": party, "id": ident}
    check = ObjectCheck("2.2.1", "sessions")
    expected = (_general(country), _general(party), _general(ident))
    assert check.key(record) == expected
    assert _key_function(check.keys)(SimpleNamespace(**record)) == expected
    problem, key = clean_judge(check)(dict(record))
    assert problem is not None or key == expected
    keys = RecentKeys()
    accepted = check.reader is None or page_accepter(check)([dict(record)], None, False, keys)[0]
    assert not accepted or not keys.add(expected)  # the page loop added the same key


@settings(max_examples=500, deadline=None)
@given(ID_VALUES, st.sampled_from(["session", "token", "location", "cdr"]))
def test_a_pseudonym_reads_an_id_as_the_general_definition(value: object, family: str) -> None:
    """The canonical bytes of an id (ASCII read inline) are those of its NFKC form with
    case folding; of a token id, only its letters and digits."""
    text = _general(value) if value.__class__ is str else None
    try:
        found = canonical_identifier(value, family)
    except Exception as exc:  # an object or a list: no pseudonym, as before
        assert value.__class__ in (list, dict), exc
        return
    if text is not None:
        expected = "".join(c for c in text if c.isalnum()) if family == "token" else text
        assert found == expected.encode()
