"""An unknown field whose name holds a value (a map keyed by card, contract or session
id) is counted, never named: three digits in a row, or a part of 8 or more hex digits
with a digit, makes a name unusual, in both ways unknown fields are found; and so does
any name no OCPI version gives a field (round 27: `jan_jansen`)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.schema.records import UNUSUAL, reportable_name, unknown_fields
from ocpispec.schema.wire_check import wire_reader

SESSION = {"country_code": "NL", "party_id": "ABC", "id": "S1", "kwh": 1.0,
           "last_updated": "2025-01-01T00:00:00Z"}


@pytest.mark.parametrize(("name", "shown"), [
    # a name some OCPI version gives a field; any other (round 27) may be the platform's
    # data, personal even when shaped like a field name
    ("publish", True), ("tariff_ids", True), ("preauthorize_amount", True), ("auth_id", True),
    ("x_demo_rating", False), ("extensions", False), ("v2", False), ("field1", False),
    ("max_power_22kw", False), ("deadbeef", False), ("jan_jansen", False), ("x_rating", False),
    ("a96375b651", False), ("c0ffee1234abcd", False), ("nl_abc_c12345678", False),
    ("session_8a80b651", False), ("abc123", False), ("x_2025", False),
    ("NL-ABC-C12345678", False), ("jan@example.org", False),
])
def test_which_names_are_shown(name: str, shown: bool) -> None:
    assert reportable_name(name) is shown


value_like = st.one_of(
    st.from_regex(r"[a-z][a-z_]{0,10}[0-9]{3,6}[a-z0-9_]{0,10}", fullmatch=True),
    st.from_regex(r"([a-z]{1,6}_)?[a-f]{0,4}[0-9][0-9a-f]{7,20}(_[a-z]{1,6})?", fullmatch=True)
    .filter(lambda name: name[0].isalpha()))


@settings(max_examples=300, deadline=None)
@given(name=value_like)
def test_a_value_shaped_key_is_never_named(name: str) -> None:
    record = {**SESSION, name: {"kwh": 3}, "cdr_token": {name: "x"}}
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        found = unknown_fields(version, "sessions", dict(record))
        assert all(name not in path for path in found) and UNUSUAL in found
        read = wire_reader(version, "sessions")(
            {**record, "cdr_token": {name: "x"}})
        assert all(name not in path for path in read.unknown) and UNUSUAL in read.unknown
