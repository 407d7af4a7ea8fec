"""Object checks, timestamp normalisation and bounded deduplication of the client."""

from __future__ import annotations

from ocpispec.ocpi.errors import safe_url
from ocpispec.ocpi.links import assess
from ocpispec.ocpi.objects import ObjectCheck, RecentKeys, normalise_timestamps


def test_normalise_only_datetime_fields() -> None:
    obj = {"last_updated": "2025-03-01T12:00:00.5+00:00", "remark": "2025-03-01T12:00:00",
           "opening_times": {"regular_hours": [{"period_begin": "08:00"}]},
           "charging_periods": [{"start_date_time": "2025-03-01T12:00:00"}]}
    normalise_timestamps(obj)
    assert obj["last_updated"] == "2025-03-01T12:00:00Z" and obj["remark"] == "2025-03-01T12:00:00"
    assert obj["opening_times"]["regular_hours"][0]["period_begin"] == "08:00"
    assert obj["charging_periods"][0]["start_date_time"] == "2025-03-01T12:00:00Z"


def test_object_check_and_case_insensitive_keys() -> None:
    check = ObjectCheck("2.2.1", "tariffs")
    good = {"country_code": "NL", "party_id": "DMO", "id": "T1", "currency": "EUR",
            "elements": [], "last_updated": "2025-01-01T00:00:00Z"}
    assert check.problem(good) is None
    assert check.problem([]) == "not a JSON object"
    assert check.problem({**good, "id": ""}) == "missing key field `id`"
    assert check.problem({**good, "currency": None}) == "missing required field `currency`"
    assert check.problem({**good, "last_updated": "soon"}) == "`last_updated` is not a DateTime"
    assert check.key(good) == check.key({**good, "id": "t1", "party_id": "dmo"})


def test_token_keys_include_the_type() -> None:
    check = ObjectCheck("2.2.1", "tokens")
    assert check.keys == ("country_code", "party_id", "uid", "type")


def test_recent_keys_window() -> None:
    recent = RecentKeys(window=1000)
    assert all(recent.add((str(i),)) for i in range(2500))
    assert not any(recent.add((str(i),)) for i in range(1600, 2500))   # inside the window
    assert recent.add(("0",))                                           # long forgotten


def test_links_are_judged() -> None:
    endpoint = "https://cpo.example/ocpi/2.2.1/sessions"
    filters = {"date_from": "2025-01-01T00:00:00Z"}
    request = endpoint + "?date_from=2025-01-01T00:00:00Z&offset=0"
    assert assess("?date_from=2025-01-01T00%3A00%3A00Z&offset=10&limit=10", request, endpoint, filters).verdict == "ok"
    assert assess("https://CPO.example:443/ocpi/2.2.1/sessions?date_from=2025-01-01T00:00:00Z&offset=10",
                  request, endpoint, filters).verdict == "ok"
    assert assess("http://cpo.example/ocpi/2.2.1/sessions?date_from=2025-01-01T00:00:00Z&offset=10",
                  request, endpoint, filters).verdict == "foreign"
    garbled = assess(endpoint + "?date_from=None&offset=10&limit=5", request, endpoint, filters)
    assert (garbled.verdict, garbled.offset, garbled.limit) == ("filters", 10, 5)


def test_safe_url_hides_secrets() -> None:
    assert safe_url("https://user:pw@cpo.example/v?token=abc&offset=1") == (
        "https://cpo.example/v?token=(redacted)&offset=1")
