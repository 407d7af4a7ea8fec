"""The scans `repeated_keys` makes of a page's text find what their patterns say, however
they are made fast."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ocpispec.ocpi.repeated_keys import NON_ASCII_KEY, folded, non_ascii_keys

_PIECES = [b"ID", b"Location_Id", b"\x80", b"\xc3\xa9", b"\xef\xbd\x90", b"\xff", b"\x7f", b'"', b"\\", b":", b" ", b"\t",
           b"\n", b"a", b"id", b'":', b'" :', b"x" * 40, b"y" * 97]


@settings(max_examples=500, deadline=None)
@example(b'{"\xc3\xa9": 1, "\xef\xbd\x90ublish" : true}')
@example(b'\xc3' + b"a" * 95 + b'":')      # the longest key the pattern reaches, and one past it
@example(b'\xc3' + b"a" * 96 + b'":')
@example(b'"\xc3\\":\xc3":')
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map(b"".join))
def test_the_non_ascii_key_scan_finds_what_the_pattern_finds(content: bytes) -> None:
    """`non_ascii_keys` reads the page folded, its high bytes made one, to search for a
    literal: it counts what `NON_ASCII_KEY.findall` counts in the page as sent, and
    `first` says whether `NON_ASCII_KEY.search` finds one. Folded, the page's ASCII is
    lowercased as `bytes.lower` does it, which the other scans read."""
    low = folded(content)
    assert non_ascii_keys(low) == len(NON_ASCII_KEY.findall(content))
    assert non_ascii_keys(low, first=True) == (NON_ASCII_KEY.search(content) is not None)
    assert [b for b in low if b < 0x80] == [b for b in content.lower() if b < 0x80]
    assert len(low) == len(content) and bytes(b if b < 0x80 else 0x80 for b in content.lower()) == low


def _leaf(*keys: str) -> st.SearchStrategy[dict]:
    return st.dictionaries(st.sampled_from([*keys, "name"]), st.just("x"), max_size=4)


# each place holds the keys `repeated_keys` counts there: an object and the site it
# carries every site and driver key, an EVSE too (its uid), a tariff and a connector the
# site's (a connector its tariffs' too)
_SITE = ("id", "country_code", "party_id", "location_id")
_COUNTED = (*_SITE, "uid", "contract_id", "auth_id")
_CONNECTORS = st.one_of(st.lists(st.one_of(_leaf(*_SITE, "tariff_ids", "tariff_id"), st.just(1)),
                                 max_size=3), st.just("none"))
_EVSE = st.one_of(st.builds(lambda d, c: {**d, "connectors": c}, _leaf(*_COUNTED), _CONNECTORS),
                  _leaf(*_COUNTED), st.just(None))
_TARIFF = st.one_of(st.builds(lambda d, c: {**d, "connectors": c}, _leaf(*_SITE), _CONNECTORS),
                    st.just(None))
_HOLDER = st.builds(lambda d, e, t: {**d, **({"evses": e} if e is not None else {}),
                                     **({"tariffs": t} if t is not None else {})},
                    _leaf(*_COUNTED), st.none() | st.lists(_EVSE, max_size=3),
                    st.none() | st.lists(_TARIFF, max_size=2))
_OBJECT = st.builds(lambda h, carried: {**h, **({"location": carried} if carried else {})},
                    _HOLDER, st.none() | _HOLDER)


@settings(max_examples=300, deadline=None)
@given(st.lists(_OBJECT, max_size=4))
def test_a_page_holding_each_key_once_where_ocpi_puts_it_leaves_no_doubt(objects) -> None:
    """`doubtful` counts the keys the parsed objects show (theirs, their EVSEs', tariffs'
    and connectors', and those of the site they carry) exactly: a page of such objects,
    each key once, is no doubt, so a key given twice anywhere there makes the text hold
    one more than they show."""
    import orjson

    from ocpispec.ocpi.repeated_keys import doubtful

    content = orjson.dumps({"data": objects})
    assert not doubtful(content, folded(content), orjson.loads(content))
