"""Object checks, timestamp normalisation and bounded deduplication of the client."""

from __future__ import annotations

import pytest

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
    # as joins, pseudonyms and the lookback read an id
    assert check.key(good) == check.key({**good, "id": " T1 ", "party_id": "DMO\t"})


def _full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@pytest.mark.parametrize("spelling", [lambda id: id + " ", str.lower, _full_width],
                         ids=["padded", "lower case", "full-width"])
def test_an_object_listed_again_with_its_id_padded_is_delivered_once(run_cli, tmp_path,
                                                                     spelling) -> None:
    """A platform listing a session twice, once with its id padded (`"S1 "`, a
    fixed-width column in one of its queries) or in full-width forms (`"Ｓ１"`, an
    input method's): the crawl's dedup compared ids as sent (then without the white
    space, but not in Unicode's compatibility forms) and kept both, while the pseudonym
    reads both as one id, so the consumer got the session twice under one pseudonym.
    The second is a duplicate now, counted; the list then falls short of the platform's
    count, which fails the run loudly (OCX571), and `--accept-incomplete` delivers the
    session once."""
    import copy
    import csv
    from collections import Counter

    from independent_cpo import IndependentCpo

    spec = tmp_path / "spec.ocx"
    spec.write_text(f'''export padded_twins
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
  pseudonym key env TWINS_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  pseudonymize(id) as session
output csv to "{tmp_path}/t.csv"
''')
    with IndependentCpo("2.2.1", records=20) as cpo:
        sessions = cpo.lists["sessions"]
        twin = copy.deepcopy(sessions[3])
        twin["id"] = spelling(twin["id"])
        sessions.insert(15, twin)           # on a later page (7 objects a page)
        env = {"OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token,
               "TWINS_KEY": "3f9a1c7e5b2d4f608a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f"}
        refused = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env=env)
        accepted = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", "--accept-incomplete",
                           env=env)
    assert refused.exit_code == 1 and "OCX571" in refused.output, refused.output
    assert "says 21 objects, 20 arrived" in refused.output
    assert accepted.exit_code == 0, accepted.output
    with open(tmp_path / "t.csv", newline="") as rows:
        counts = Counter(row["session"] for row in csv.DictReader(rows))
    assert len(counts) == 20 and set(counts.values()) == {1}


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
    assert safe_url("https://user:pw@cpo.example/ocpi/2.2.1/sessions?token=abc&offset=1") == (
        "https://cpo.example/ocpi/2.2.1/sessions?token=(redacted)&offset=1")
    # a path segment neither OCPI's nor a versions URL's may be a record's id (the
    # versions URLs this process has seen are shown, so the first segment may be)
    shown = safe_url("https://cpo.example/v/NL*ABC*DRIVER123?offset=1")
    assert shown.endswith("/(segment)?offset=1") and "DRIVER123" not in shown


def test_an_id_of_white_space_only_is_no_id(run_cli, tmp_path) -> None:
    """Sessions whose `id` is `"   "` (a fixed-width column left blank) passed as having
    an id: delivered with a null pseudonym, and, as ids compare without the white space
    around them, taken for repeats of one another. They have no id: invalid, counted,
    and the run fails loudly (OCX570) naming the missing key field."""
    from independent_cpo import IndependentCpo

    check = ObjectCheck("2.2.1", "tariffs")
    good = {"country_code": "NL", "party_id": "DMO", "id": "T1", "currency": "EUR",
            "elements": [], "last_updated": "2025-01-01T00:00:00Z"}
    assert check.problem({**good, "id": " \t "}) == "missing key field `id`"
    spec = tmp_path / "spec.ocx"
    spec.write_text(f'''export blank_ids
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
  pseudonym key env BLANK_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  pseudonymize(id) as session
output csv to "{tmp_path}/t.csv"
''')
    with IndependentCpo("2.2.1", records=20) as cpo:
        for session, blank in zip(cpo.lists["sessions"][2::6], ("   ", " ", "\u00a0\u00a0")):
            session["id"] = blank
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token,
            "BLANK_KEY": "3f9a1c7e5b2d4f608a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f"})
    assert done.exit_code == 1 and "OCX570" in done.output, done.output
    assert "3 missing key field `id`" in done.output
