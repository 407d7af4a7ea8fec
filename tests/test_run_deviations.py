"""Deviating platforms, over real HTTP: a run delivers everything in its window exactly
once, or fails with nothing committed (no output under a final name, state unchanged).
Invalid records, incomplete crawls, windows the platform does not honour, join misses,
empty exports, and the split of the consumer manifest from the CPO's run record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ledger_helpers import has_state, pending, runs, state_dict
from hypothesis import given
from hypothesis import strategies as st
from test_run_e2e import (  # noqa: F401 (fixtures)
    AS_OF,
    HEADER,
    SPECS,
    normalise,
    profile_for,
    read_csv,
    run_record,
    run_spec,
    source_env,
)

from fixtures_cli import WITHOUT_K, cli_block
from ocpispec.demo import Faults
from ocpispec.execute import Tolerance
from ocpispec.execute.records import MANIFEST_FORMAT
from ocpispec.execute.window_guard import WindowGuard
from ocpispec.timestamps import format_timestamp, parse_timestamp, read_timestamp

# The municipality runs below use the spec without its k rule: they are about invalid
# records and incomplete crawls on 400-session demos, where k 5 would suppress every row.
SESSION_IDS = HEADER + '''from sessions
  since last run
  include private locations because "tests count every session"
select
  pseudonymize(id) as session
output csv to "x"
'''


def nothing_committed(tmp_path: Path, out: str = "out") -> None:
    assert not (tmp_path / out).exists() and not (tmp_path / f"{out}.manifest.json").exists()
    assert not has_state(tmp_path / f"state-{out}.json")
    assert not list(tmp_path.glob(f".{out}.*")), "no temporary file is left behind"
    assert not (tmp_path / "runs").exists()


def moment(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- invalid records -------------------------------------------------------------------


def test_invalid_records_fail_the_run(run_spec, demo_server_factory, tmp_path: Path,
                                      snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=100,
                                 faults=Faults(invalid_objects=50))
    result = run_spec(WITHOUT_K, server)
    assert result.exit_code == 1
    assert normalise(cli_block(result), tmp_path) == snapshot
    nothing_committed(tmp_path)
    assert run_spec(WITHOUT_K, server, "--allow-invalid",
                    "1%").exit_code == 1  # 1% of 400 is 4 < 8
    nothing_committed(tmp_path)


def test_allow_invalid_delivers_the_rest_and_records_how_many(run_spec, demo_server_factory,
                                                              tmp_path: Path, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=100,
                                 faults=Faults(invalid_objects=50))
    result = run_spec(WITHOUT_K, server, "--allow-invalid", "2%")
    assert result.exit_code == 0, result.stderr
    assert "invalid          8 (3 missing key field `id`" in result.stderr
    assert "accepted by --allow-invalid" in result.stderr
    assert normalise(result.stderr, tmp_path) == snapshot
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    invalid = manifest["deviations_accepted"]["invalid_records"]
    assert invalid["option"] == "--allow-invalid 2%" and invalid["left_out"] == 8
    assert sum(invalid["by_reason"].values()) == 8
    record = run_record(tmp_path)
    dataset = record["datasets"][0]
    assert dataset["accepted"]["invalid"] == 8
    assert sum(dataset["counts"]["invalid"].values()) == 8
    assert record["options"]["allow_invalid"] == "2%"
    assert state_dict(tmp_path / "state-out.json")["datasets"]


def test_invalid_dimension_records_count_too(run_spec, demo_server_factory,
                                             tmp_path: Path) -> None:
    """A session at a location the platform sent broken would be excluded as at an
    unlisted location: the broken location counts as invalid for the dataset."""
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=100,
                                 faults=Faults(invalid_objects=7))
    spec = HEADER + '''from sessions
  join locations on location_id
select
  location.city as city
output csv to "x"
'''
    result = run_spec(spec, server)
    assert result.exit_code == 1
    assert "locations: " in result.stderr
    nothing_committed(tmp_path)


@pytest.mark.parametrize(("text", "read", "limit"), [
    ("0", 100, 0), ("12", 5, 12), ("5%", 400, 20), ("0.5%", 1000, 5), ("100%", 7, 7),
    ("1%", 99, 0)])
def test_tolerance(text: str, read: int, limit: int) -> None:
    assert Tolerance.parse(text).limit(read) == limit


@pytest.mark.parametrize("text", ["", "x", "-1", "1.5", "101%", "5 %%"])
def test_tolerance_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        Tolerance.parse(text)


def test_allow_invalid_usage_error(run_spec, demo_server, snapshot) -> None:
    result = run_spec(WITHOUT_K, demo_server, "--allow-invalid", "ten")
    assert result.exit_code == 2
    assert cli_block(result) == snapshot


# ---- incomplete crawls -------------------------------------------------------------------


def test_a_crawl_that_cannot_prove_completeness_fails(run_spec, demo_server_factory,
                                                      tmp_path: Path, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=100,
                                 faults=Faults(ignore_offset=True))
    result = run_spec(WITHOUT_K, server)
    assert result.exit_code == 1
    assert normalise(cli_block(result), tmp_path) == snapshot
    nothing_committed(tmp_path)

    accepted = run_spec(WITHOUT_K, server, "--accept-incomplete")
    assert accepted.exit_code == 0, accepted.stderr
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["deviations_accepted"]["incomplete_crawl"]["option"] == "--accept-incomplete"
    assert manifest["deviations_accepted"]["incomplete_crawl"]["why"]
    assert normalise(accepted.stderr, tmp_path) == snapshot
    incomplete = run_record(tmp_path)["datasets"][0]["accepted"]["incomplete"]
    assert any("X-Total-Count" in reason for reason in incomplete)


def test_an_incomplete_dimension_fails_too(run_spec, demo_server_factory,
                                           tmp_path: Path) -> None:
    """Missing locations would exclude their sessions as at unlisted locations."""
    server = demo_server_factory(version="2.2.1", size=3000, max_page_size=100,
                                 faults=Faults(ignore_offset=True))
    spec = HEADER + '''from sessions
  between 2025-03-01 and 2025-03-08
  where status = "COMPLETED"
select
  truncate(start_date_time, day) as day
output csv to "x"
'''
    result = run_spec(spec, server)
    assert result.exit_code == 1
    assert "`locations`: `X-Total-Count` says 300 objects, 100 arrived" in result.stderr
    nothing_committed(tmp_path)


# ---- the window, enforced on our side ----------------------------------------------------


def test_a_platform_ignoring_the_date_filters_gets_the_same_output(
        run_spec, demo_server_factory, tmp_path: Path, snapshot) -> None:
    honest = demo_server_factory(version="2.2.1", size=400, max_page_size=100)
    deaf = demo_server_factory(version="2.2.1", size=400, max_page_size=100,
                               faults=Faults(ignore_date_filters=True))
    spec = SPECS / "utilisation_by_area.ocx"
    assert run_spec(spec, honest, out="honest").exit_code == 0
    result = run_spec(spec, deaf, "--quiet", out="deaf")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "deaf").read_text() == (tmp_path / "honest").read_text()
    counts = run_record(tmp_path)["datasets"][0]["counts"]
    assert counts["outside_window"] > 300
    verbose = run_spec(spec, deaf, out="again")
    assert verbose.stderr.count("ignores the date filters") == 1
    assert normalise(verbose.stderr, tmp_path) == snapshot


BOUNDARY_FAULTS = {
    "inclusive_date_to": Faults(inclusive_date_to=True),
    "exclusive_date_from": Faults(exclusive_date_from=True),
    # `last_updated > date_from` and `<= date_to`, as some platforms filter
    "both": Faults(inclusive_date_to=True, exclusive_date_from=True),
}


@pytest.mark.parametrize("fault", BOUNDARY_FAULTS)
def test_boundary_records_arrive_once_over_two_runs(
        run_spec, run_cli, demo_server_factory, tmp_path: Path, snapshot, fault: str) -> None:
    honest = demo_server_factory(version="2.2.1", size=300, max_page_size=100)
    sloppy = demo_server_factory(version="2.2.1", size=300, max_page_size=100,
                                 faults=BOUNDARY_FAULTS[fault])
    boundary = moment(sloppy.world.session_last_updated(150))  # one session exactly there
    spec = tmp_path / "ids.ocx"
    spec.write_text(SESSION_IDS)
    state = tmp_path / "state.json"

    def run(server, out: str, as_of: str, state_path: Path = state):
        return run_cli("run", str(spec), "--out", str(tmp_path / out), "--state",
                       str(state_path), "--as-of", as_of, env=source_env(server))

    first, second = run(sloppy, "first", boundary), run(sloppy, "second", AS_OF)
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr + second.stderr
    assert run(honest, "truth", AS_OF, tmp_path / "truth-state.json").exit_code == 0
    ids = {name: [row["session"] for row in read_csv(tmp_path / name)]
           for name in ("first", "second", "truth")}
    assert len(ids["first"]) == 150 and len(ids["truth"]) == 300
    assert not set(ids["first"]) & set(ids["second"]), "a boundary record arrived twice"
    assert sorted(ids["first"] + ids["second"]) == sorted(ids["truth"]), "a record was lost"
    warnings = [line.strip() for line in first.stderr.splitlines() if "treats `date_to`" in line]
    assert warnings == ([] if fault == "exclusive_date_from" else [snapshot])


def test_window_guard_compares_instants() -> None:
    guard = WindowGuard(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))
    assert guard.side("2025-01-01T00:00:00Z") == 0
    assert guard.side("2024-12-31T23:59:59Z") == -1
    assert guard.side("2025-02-01T00:00:00Z") == 1
    assert guard.side("2025-01-31T23:59:59.999Z") == 0
    assert guard.side("2025-02-01T00:30:00+01:00") == 0     # 23:30 UTC the day before
    assert guard.side("2025-01-01T00:30:00+01:00") == -1
    assert WindowGuard(None, None).side("1999-01-01T00:00:00Z") == 0


# ---- joins -------------------------------------------------------------------------------


def test_join_misses_are_counted(run_spec, demo_server, tmp_path: Path, snapshot) -> None:
    spec = HEADER + '''from sessions
  join cdrs on id
select
  status
  round(cdr.total_energy, 1) as cdr_kwh
output csv to "x"
'''
    result = run_spec(spec, demo_server)
    assert result.exit_code == 0, result.stderr
    rows = read_csv(tmp_path / "out")
    unmatched = sum(1 for row in rows if not row["cdr_kwh"])
    counts = run_record(tmp_path)["datasets"][0]["counts"]
    assert unmatched > 0 and counts["join_misses"] == {"cdr": unmatched}
    assert f"join misses      {unmatched} records found no `cdr`" in result.stderr
    assert normalise(result.stderr, tmp_path) == snapshot
    manifest = (tmp_path / "out.manifest.json").read_text()
    assert "join_misses" not in manifest


def test_a_dimension_updated_before_the_window_still_joins(
        run_spec, demo_server_factory, tmp_path: Path, monkeypatch) -> None:
    """cdrs -> sessions: a CDR is issued after its session's last update, so near the
    window's start the session lies before it. The dimension starts earlier."""
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)
    start = moment(server.world.session_last_updated(120) + 60)  # session 120 just before
    spec = HEADER + f'''from cdrs
  between {start} and 2025-09-01
select
  pseudonymize(id) as cdr
  round(session.kwh, 3) as session_kwh
  round(total_energy, 3) as cdr_kwh
output csv to "x"
'''.replace("select", "  join sessions on session_id\nselect")
    result = run_spec(spec, server, out="wide")
    assert result.exit_code == 0, result.stderr
    rows = read_csv(tmp_path / "wide")
    matched = [row for row in rows if row["session_kwh"]]
    assert matched and all(row["session_kwh"] == row["cdr_kwh"] for row in matched)
    wide = run_record(tmp_path)["datasets"][0]["counts"]["join_misses"].get("session", 0)
    assert wide == len(rows) - len(matched)  # credit CDRs of sessions months before

    from ocpispec.execute import windows

    monkeypatch.setattr(windows, "DIMENSION_LOOKBACK_DAYS", 0)
    narrow = run_spec(spec, server, out="narrow")
    assert narrow.exit_code == 0
    assert run_record(tmp_path)["datasets"][0]["counts"]["join_misses"]["session"] > wide
    assert "records found no `session`" in narrow.stderr


def test_the_plan_says_when_a_dimension_follows_the_window(run_cli, tmp_path: Path,
                                                           snapshot) -> None:
    spec = tmp_path / "cdrs.ocx"
    spec.write_text(HEADER + '''from cdrs
  since last run
  join sessions on session_id
select
  pseudonymize(id) as cdr
  round(session.kwh, 3) as session_kwh
output csv to "x"
''')
    result = run_cli("plan", str(spec))
    assert result.exit_code == 0
    fetch = result.stdout[result.stdout.index("+ fetch.sessions"):]
    fetch = fetch[:fetch.index("~ normalize")]
    assert "would be missed" in fetch
    assert " ".join(fetch.split()) == snapshot


# ---- empty exports ------------------------------------------------------------------------


def test_an_export_that_releases_nothing_warns_and_can_fail(run_spec, demo_server_factory,
                                                            tmp_path: Path, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)
    spec = SPECS / "utilisation_by_area.ocx"  # too few drivers per group at this size
    warned = run_spec(spec, server, out="warned")
    assert warned.exit_code == 0
    assert "warning: `sessions` released no row: every group was smaller" in warned.stderr
    records = list((tmp_path / "runs").glob("*/*.json"))
    failed = run_spec(spec, server, "--fail-on-empty")
    assert failed.exit_code == 1
    assert normalise(cli_block(failed), tmp_path) == snapshot
    assert list((tmp_path / "runs").glob("*/*.json")) == records
    (tmp_path / "runs").rename(tmp_path / "runs-of-the-first")
    nothing_committed(tmp_path)


# ---- the consumer's manifest and the CPO's run record ----------------------------------------


def _keys(value) -> set[str]:
    match value:
        case dict():
            return set(value) | {k for item in value.values() for k in _keys(item)}
        case list():
            return {k for item in value for k in _keys(item)}
    return set()


def _numbers(value) -> list[int]:
    match value:
        case bool() | None | str() | float():
            return []
        case int():
            return [value]
        case dict():
            return [n for item in value.values() for n in _numbers(item)]
        case list():
            return [n for item in value for n in _numbers(item)]
    return []


def test_no_count_in_the_consumer_manifest_reveals_a_suppressed_group(
        run_spec, demo_server_factory, tmp_path: Path) -> None:
    """read - excluded - filtered - invalid - released = the sessions in suppressed
    groups; with one suppressed group, that is its exact size. The consumer's manifest
    holds none of these counts; the CPO's run record holds all of them."""
    server = demo_server_factory(version="2.2.1", size=6000, max_page_size=1000,
                                 faults=Faults(invalid_objects=97, unknown_fields=True))
    spec = HEADER + '''from sessions
  between 2025-03-01 and 2025-04-01
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
  weekday(start_date_time) as day
compute
  count() as sessions
  minimum group size 5
output csv to "x"
'''
    result = run_spec(spec, server, "--allow-invalid", "5%")
    assert result.exit_code == 0, result.stderr
    rows = read_csv(tmp_path / "out")
    record = run_record(tmp_path)["datasets"][0]["counts"]
    assert record["groups_suppressed"] >= 1 and rows
    released = sum(int(row["sessions"]) for row in rows)
    kept = (record["read"] - record["outside_window"] - sum(record["invalid"].values())
            - record["excluded_private"] - record["filtered"])
    suppressed_sessions = kept - released
    assert suppressed_sessions > 0

    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    keys = _keys({k: v for k, v in manifest.items() if k != "deviations_accepted"})
    for word in ("read", "excluded", "filtered", "invalid", "suppressed", "unknown",
                 "outside", "duplicates", "counts", "groups", "misses"):
        assert not [key for key in keys if word in key], word
    allowed = {manifest["output"]["rows"], manifest["withheld_fields"],
               manifest["minimum_group_size"]["size"], MANIFEST_FORMAT}
    # the file's size in bytes describes the file the consumer holds anyway
    output = {k: v for k, v in manifest["output"].items() if k != "bytes"}
    released_facts = {k: v for k, v in manifest.items() if k != "deviations_accepted"} | \
        {"output": output}
    assert set(_numbers(released_facts)) <= allowed
    # the invalid records accepted are counted (issue: "the number accepted is recorded in
    # the manifest"); without read, excluded and filtered they size no suppressed group
    secret = {record["read"], kept, suppressed_sessions, record["groups_suppressed"],
              record["filtered"], record["excluded_private"]}
    assert not secret & (set(_numbers({**manifest, "output": output}))
                         - {manifest["output"]["rows"]})
    invalid = manifest["deviations_accepted"]["invalid_records"]
    assert invalid["option"] == "--allow-invalid 5%"
    assert invalid["left_out"] == sum(record["invalid"].values())


def test_a_location_missing_from_the_list_is_fetched_by_id(run_spec, demo_server_factory,
                                                           tmp_path: Path) -> None:
    """The list sends some locations broken (left out, counted as invalid); a join
    asks for those by id instead of leaving their sessions without a location."""
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100,
                                 faults=Faults(invalid_objects=7))
    spec = HEADER + '''from sessions
  include private locations because "tests join every session"
  join locations on location_id
select
  location_id because "the test compares the key with the joined location"
  location.id as joined because "the test compares the key with the joined location"
output csv to "x"
'''
    result = run_spec(spec, server, "--allow-invalid", "20%")
    assert result.exit_code == 0, result.stderr
    rows = read_csv(tmp_path / "out")
    assert rows and all(row["joined"].lower() == row["location_id"].lower() for row in rows)
    record = run_record(tmp_path)["datasets"][0]["counts"]
    assert any(reason.startswith("locations: ") for reason in record["invalid"])
    assert record["join_misses"] == {}
    by_id = [r.target for r in server.request_log if "/locations/" in r.target]
    assert by_id and all("?" not in target for target in by_id)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)),
       st.sampled_from(["Z", "+00:00", "+02:00", "-05:30", ""]),
       st.sampled_from(["", ".5", ".123456789"]))
def test_window_guard_agrees_with_instants(moment_: datetime, zone: str, fraction: str) -> None:
    start, end = datetime(2010, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)
    text = moment_.strftime("%Y-%m-%dT%H:%M:%S") + fraction + zone
    instant = parse_timestamp(text)
    expected = -1 if instant < start else (1 if instant >= end else 0)
    assert WindowGuard(start, end).side(text) == expected


def test_a_location_the_platform_does_not_serve_stays_a_counted_miss(
        run_spec, demo_server_factory, tmp_path: Path) -> None:
    """OCPI 2.1.1 lists no private site and answers 404 for it by id."""
    server = demo_server_factory(version="2.1.1", size=300, max_page_size=100)
    spec = HEADER + '''from sessions
  include private locations because "tests join every session"
  join locations on location_id
select
  location.id as joined because "the test counts the sessions whose location is missing"
output csv to "x"
'''
    result = run_spec(spec, server)
    assert result.exit_code == 0, result.stderr
    rows = read_csv(tmp_path / "out")
    misses = sum(1 for row in rows if not row["joined"])
    assert misses > 0
    assert run_record(tmp_path)["datasets"][0]["counts"]["join_misses"] == {"location": misses}
    asked = {r.target for r in server.request_log if "/locations/" in r.target}
    assert 0 < len(asked) <= len(server.world.private_sites())


def test_every_suggested_tolerance_is_accepted() -> None:
    from ocpispec.execute.policy import Policy, invalid_records

    for total, read in ((3, 0), (3, 1), (8, 400), (1, 3), (7, 7), (5, 100_000)):
        text = invalid_records("sessions", "sessions", {"x": total}, read, Policy(),
                               None).diagnostic.help or ""
        for option in text.split("`--allow-invalid ")[1:]:
            tolerance = Tolerance.parse(option.split("`")[0])
            assert total <= tolerance.limit(read), (total, read, option)


def test_a_location_updated_while_the_locations_are_read_keeps_its_sessions(
        run_spec, demo_server_factory, tmp_path: Path) -> None:
    """A location's `last_updated` moves whenever one of its EVSEs changes status. One
    that moved past the pinned `date_to` before its page was read is missing from that
    list; its sessions were excluded as at a location the platform does not list, with
    exit 0. It is read from the list of what was updated since the pin."""
    from fixtures_proxy import RewritingProxy

    server = demo_server_factory(version="2.2.1", size=400, max_page_size=10)
    spec = HEADER + '''from sessions
select
  pseudonymize(id) as session
output csv to "x"
'''
    expected = run_spec(spec, server, out="expected")
    assert expected.exit_code == 0, expected.stderr
    site = next(o["id"] for i in range(15, 30) if (o := server.render("2.2.1", "locations", i))["publish"])
    moved: dict[str, object] = {}

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "/locations?" not in path:
            return status, headers, body
        page = json.loads(body)
        if "date_to" in path:   # the pinned list: `site` updated just after the pin
            kept = [o for o in page["data"] if o["id"] != site]
            moved.update({o["id"]: o for o in page["data"] if o["id"] == site})
            if "x-total-count" in headers and moved:
                headers["x-total-count"] = str(int(headers["x-total-count"]) - 1)
            page["data"] = kept
        elif moved:             # what was updated since the pin
            page["data"] = [*page["data"], {**moved[site], "last_updated": moment(2**31)}]
            headers["x-total-count"] = str(len(page["data"]))
        return status, headers, json.dumps(page).encode()

    with RewritingProxy(server.origin, rewrite) as proxy:
        env = source_env(server, OCPI_VERSIONS_URL=proxy.origin + "/ocpi/cpo/versions")
        result = run_spec(spec, server, env=env)
    assert result.exit_code == 0, result.stderr
    assert moved
    assert read_csv(tmp_path / "out") == read_csv(tmp_path / "expected")
    counts = [run_record(tmp_path, nth)["datasets"][0]["counts"] for nth in (0, 1)]
    assert counts[0]["excluded_private"] == counts[1]["excluded_private"] > 0   # the private sites only


def local_time_filters_proxy(server, shift_hours: int, now=None, asked=None):
    """A platform that reads our `...Z` date filters as its local time, `shift_hours` east
    of UTC: it applies them that much earlier than asked (no next links, by offset).
    With `now` (a callable), it holds no record updated after `now()`."""
    import base64
    from datetime import timedelta
    from urllib.parse import parse_qsl, urlencode, urlsplit

    from fixtures_proxy import RewritingProxy, upstream_get

    token = base64.b64encode(server.token.encode()).decode()

    def early(path: str):
        parts = urlsplit(path)
        if not parts.path.endswith("/sessions"):
            return None
        params = dict(parse_qsl(parts.query))
        if asked is not None:
            asked.append(dict(params))
        for name in ("date_from", "date_to"):
            if name in params and shift_hours is not None:
                moved = parse_timestamp(params[name]) - timedelta(hours=shift_hours)
                params[name] = moved.strftime("%Y-%m-%dT%H:%M:%SZ")
        if shift_hours is None:
            params.pop("date_to", None)     # a platform ignoring `date_to` only
        if now is not None:
            end = min(parse_timestamp(params.get("date_to", "2100-01-01T00:00:00Z")), now())
            params["date_to"] = end.strftime("%Y-%m-%dT%H:%M:%SZ")
        answer = upstream_get(f"{server.origin}{parts.path}?{urlencode(params)}",
                              {"Authorization": f"Token {token}"})
        headers = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "x-total-count")}
        return answer.status_code, headers, answer.content

    return RewritingProxy(server.origin, lambda *answer: answer[1:], early)


def test_a_platform_reading_utc_as_local_time_loses_no_record(
        run_cli, demo_server_factory, tmp_path: Path, snapshot) -> None:
    """Its `date_to` falls two hours early, and so does the next run's `date_from`: the
    records of each window's last two hours came in neither run (exit 0). They are read
    from the list of what was updated since `date_to`, once."""
    server = demo_server_factory(version="2.2.1", size=3000, max_page_size=100)
    spec = tmp_path / "ids.ocx"
    spec.write_text(SESSION_IDS)
    ends = [moment(server.world.session_last_updated(n) + 1800) for n in (1000, 2000)]
    with local_time_filters_proxy(server, 2) as proxy:
        env = source_env(server, OCPI_VERSIONS_URL=proxy.origin + "/ocpi/cpo/versions")
        results = [run_cli("run", str(spec), "--out", str(tmp_path / f"out{n}"), "--state",
                           str(tmp_path / "state.json"), "--as-of", end, env=env)
                   for n, end in enumerate(ends)]
    assert all(r.exit_code == 0 for r in results), [r.stderr for r in results]
    assert run_cli("run", str(spec), "--out", str(tmp_path / "truth"), "--state",
                   str(tmp_path / "truth.json"), "--as-of", ends[-1], env=source_env(server)).exit_code == 0
    delivered = [row["session"] for n in (0, 1) for row in read_csv(tmp_path / f"out{n}")]
    truth = [row["session"] for row in read_csv(tmp_path / "truth")]
    assert len(delivered) == len(set(delivered)), "a record arrived twice"
    assert sorted(delivered) == sorted(truth), "a record was lost"
    warnings = [line.strip() for line in results[0].stderr.splitlines() if "earlier than asked" in line]
    assert warnings == [snapshot]


@pytest.mark.parametrize("shift_hours", [-7, -12])
def test_a_platform_reading_utc_as_a_local_time_west_of_utc_loses_no_record(
        run_cli, demo_server_factory, tmp_path: Path, shift_hours: int, snapshot) -> None:
    """West of UTC it applies the filters late: each run's window came without its first
    hours (they had been at or after the previous run's `date_to`, left out there). They
    are read from a list of the records updated before `date_from`, once."""
    server = demo_server_factory(version="2.2.1", size=3000, max_page_size=100)
    spec = tmp_path / "ids.ocx"
    spec.write_text(SESSION_IDS)
    ends = [moment(server.world.session_last_updated(n) + 1800) for n in (700, 1400, 2100, 2800)]
    with local_time_filters_proxy(server, shift_hours) as proxy:
        env = source_env(server, OCPI_VERSIONS_URL=proxy.origin + "/ocpi/cpo/versions")
        results = [run_cli("run", str(spec), "--out", str(tmp_path / f"out{n}"), "--state",
                           str(tmp_path / "state.json"), "--as-of", end, env=env)
                   for n, end in enumerate(ends)]
    assert all(r.exit_code == 0 for r in results), [r.stderr for r in results]
    assert run_cli("run", str(spec), "--out", str(tmp_path / "truth"), "--state",
                   str(tmp_path / "truth.json"), "--as-of", ends[-1], env=source_env(server)).exit_code == 0
    delivered = [row["session"] for n in range(len(ends)) for row in read_csv(tmp_path / f"out{n}")]
    truth = [row["session"] for row in read_csv(tmp_path / "truth")]
    assert len(delivered) == len(set(delivered)), "a record arrived twice"
    assert sorted(delivered) == sorted(truth), "a record was lost"
    warnings = [line.strip() for line in results[1].stderr.splitlines() if "later than asked" in line]
    assert warnings == [snapshot]


def test_a_platform_filtering_late_loses_no_record_when_each_run_ends_now(
        run_cli, demo_server_factory, tmp_path: Path, monkeypatch) -> None:
    """Run in real time, no record lies after `date_to` to show that the platform filters
    late: a record before the earliest one that came (which an honest platform would
    have sent) shows it, and the window's first hours are read from the list before it."""
    server = demo_server_factory(version="2.2.1", size=3000, max_page_size=100)
    spec = tmp_path / "ids.ocx"
    spec.write_text(SESSION_IDS)
    ends = [moment(server.world.session_last_updated(n) + 1800) for n in (700, 1400, 2100, 2800)]
    clock = [parse_timestamp(ends[0])]
    monkeypatch.setattr("ocpispec.execute.datasets.utc_now", lambda: clock[0])
    monkeypatch.setattr("ocpispec.execute.dataset_reading.utc_now", lambda: clock[0])
    results = []
    with local_time_filters_proxy(server, -7, now=lambda: clock[0]) as proxy:
        env = source_env(server, OCPI_VERSIONS_URL=proxy.origin + "/ocpi/cpo/versions")
        for n, end in enumerate(ends):
            clock[0] = parse_timestamp(end)
            results.append(run_cli("run", str(spec), "--out", str(tmp_path / f"out{n}"), "--state",
                                   str(tmp_path / "state.json"), "--as-of", end, env=env))
    assert all(r.exit_code == 0 for r in results), [r.stderr for r in results]
    assert run_cli("run", str(spec), "--out", str(tmp_path / "truth"), "--state",
                   str(tmp_path / "truth.json"), "--as-of", ends[-1], env=source_env(server)).exit_code == 0
    delivered = [row["session"] for n in range(len(ends)) for row in read_csv(tmp_path / f"out{n}")]
    truth = [row["session"] for row in read_csv(tmp_path / "truth")]
    assert len(delivered) == len(set(delivered)), "a record arrived twice"
    assert sorted(delivered) == sorted(truth), "a record was lost"
    assert all("later than asked" in r.stderr for r in results[1:])


def test_a_platform_ignoring_date_to_only_is_not_read_twice(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    """It sends everything after `date_to` (left out: the next window's), which a platform
    filtering late does too; but also records days after it, which no late filter does:
    no list before `date_from` is read."""
    server = demo_server_factory(version="2.2.1", size=3000, max_page_size=100)
    spec = tmp_path / "ids.ocx"
    spec.write_text(SESSION_IDS)
    ends = [moment(server.world.session_last_updated(n) + 1800) for n in (1000, 2000)]
    asked: list[dict] = []
    with local_time_filters_proxy(server, None, asked=asked) as proxy:
        env = source_env(server, OCPI_VERSIONS_URL=proxy.origin + "/ocpi/cpo/versions")
        results = [run_cli("run", str(spec), "--out", str(tmp_path / f"out{n}"), "--state",
                           str(tmp_path / "state.json"), "--as-of", end, env=env)
                   for n, end in enumerate(ends)]
    assert all(r.exit_code == 0 for r in results), [r.stderr for r in results]
    second = read_timestamp(ends[0]) - timedelta(seconds=1)   # its `date_from`, a second early
    # (and each run's one request for records stamped in the future, without `date_to`, and
    # the second run's check of the stamp the filters apply to, `filtered_field`: `limit=10`)
    assert {(q["date_from"], q["date_to"]) for q in asked if "date_to" in q and q.get("limit") != "10"} == \
        {("1969-12-31T23:59:59Z", ends[0]), (format_timestamp(second), ends[1])}  # the runs' own lists
    assert len(read_csv(tmp_path / "out1")) == 1000
