"""`ocpispec get MODULE`: privacy-filtered NDJSON on stdout, a summary on stderr."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub

from ocpispec.demo import DemoServer, Faults

DATE_TO = ("--date-to", "2026-01-01")
PERSONAL = ("id", "authorization_reference", "meter_id", "kwh", "start_date_time", "last_updated")


def login(run_cli, server: DemoServer, *extra: str) -> None:
    result = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC", *extra)
    assert result.exit_code == 0, result.stderr


def lines(stdout: str) -> list[dict]:
    assert stdout.endswith("\n")
    return [json.loads(line) for line in stdout.splitlines()]


def test_sessions_as_ndjson_without_personal_fields(run_cli, demo_profile, snapshot) -> None:
    result = run_cli("get", "sessions", *DATE_TO)
    assert result.exit_code == 0, result.stderr
    objects = lines(result.stdout)
    assert len(objects) == 283  # 17 at private sites are left out, as a run leaves them
    for obj in objects:
        assert not set(PERSONAL) & set(obj)
        assert "cdr_token" not in obj and "auth_method" not in obj  # quasi: the card's eMSP, type
    assert result.stderr == snapshot


def test_limit_and_dates(run_cli, demo_profile) -> None:
    assert len(lines(run_cli("get", "sessions", "--limit", "5", *DATE_TO).stdout)) == 5
    window = run_cli("get", "cdrs", "--date-from", "2025-06-01", "--date-to", "2025-07-01T00:00:00Z",
                     "--privacy-pass", "last_updated")
    stamps = [o["last_updated"] for o in lines(window.stdout)]
    assert stamps and all("2025-06-01" <= s < "2025-07-01" for s in stamps)


def test_bad_date(run_cli, demo_profile, snapshot) -> None:
    assert cli_block(run_cli("get", "sessions", "--date-from", "yesterday")) == snapshot


def test_locations_hide_private_sites(run_cli, demo_profile, snapshot) -> None:
    """A run exports published locations only, and so does `get`; `--include-private`
    prints the private ones too, without what describes or locates the site."""
    default = lines(run_cli("get", "locations", *DATE_TO).stdout)
    assert len(default) == 27 and all(o["publish"] is True for o in default)
    result = run_cli("get", "locations", "--include-private", *DATE_TO)
    assert result.exit_code == 0
    objects = lines(result.stdout)
    private = [o for o in objects if o["publish"] is False]
    public = [o for o in objects if o["publish"] is True]
    assert len(private) == 3 and len(public) == 27
    assert all("address" not in o and "coordinates" not in o for o in private)
    assert all("address" in o and "coordinates" in o for o in public)
    assert result.stderr == snapshot


def test_a_private_sites_status_and_change_times_stay_out(run_cli, demo_profile) -> None:
    """An EVSE's status (CHARGING) and the times it changed say when the resident of a
    home is there and charging; a public charger keeps them."""
    objects = lines(run_cli("get", "locations", "--include-private", *DATE_TO).stdout)
    private = [o for o in objects if o["publish"] is False]
    public = [o for o in objects if o["publish"] is True]
    assert private and public
    for site in private:
        assert "last_updated" not in site
        for evse in site["evses"]:
            assert not {"status", "status_schedule", "last_updated"} & set(evse)
            assert all("last_updated" not in connector for connector in evse["connectors"])
    assert all("status" in evse and "last_updated" in evse
               for site in public for evse in site["evses"])
    assert all("last_updated" in site for site in public)


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize("module", ["sessions", "cdrs", "locations", "tariffs", "tokens"])
def test_no_canary_leaves_by_default(run_cli, demo_server_factory, version: str, module: str) -> None:
    server = demo_server_factory(version=version, size=120, canaries=True)
    login(run_cli, server)
    result = run_cli("get", module, *DATE_TO)
    assert result.exit_code == 0, result.stderr
    assert result.stdout and "CANARY" not in result.stdout


def test_privacy_pass_opens_fields(run_cli, demo_profile, snapshot) -> None:
    result = run_cli("get", "sessions", "--privacy-pass", "kwh, cdr_token.uid", *DATE_TO)
    first = lines(result.stdout)[0]
    assert "kwh" in first and "uid" in first["cdr_token"] and "contract_id" not in first["cdr_token"]
    assert result.stderr == snapshot


@pytest.mark.parametrize("version, module, opened, warned", [
    ("2.2.1", "sessions", "cdr_token.uid", "cdr_token.uid"),
    ("2.2.1", "sessions", "kwh,cdr_token,total_cost", "cdr_token"),   # an object holding ids
    ("2.2.1", "cdrs", "id", "id"),
    ("2.1.1", "sessions", "auth_id", "auth_id"),
    ("2.3.0", "tokens", "uid,contract_id", "contract_id,uid"),
    ("2.2.1", "sessions", "kwh,total_cost", None),                    # quasi-identifiers only
    ("2.2.1", "sessions", "cdr_token.type", None),
])
def test_privacy_pass_of_personal_identifiers_warns(run_cli, demo_server_factory, version,
                                                    module, opened, warned) -> None:
    """Opening a card uid, contract id or record id releases it raw: as loud as `.`."""
    server = demo_server_factory(version=version, size=20)
    login(run_cli, server)
    result = run_cli("get", module, "--privacy-pass", opened, "--limit", "2", *DATE_TO)
    assert result.exit_code == 0, result.stderr
    if warned is None:
        assert "warning" not in result.stderr
    else:
        assert result.stderr.startswith(f"warning: `--privacy-pass {warned}` opens personal "
                                        "identifiers")


def test_privacy_pass_everything_warns_loudly(run_cli, demo_server_factory, snapshot) -> None:
    server = demo_server_factory(size=20, canaries=True)
    login(run_cli, server)
    result = run_cli("get", "sessions", "--privacy-pass", ".", *DATE_TO)
    assert result.exit_code == 0 and "CANARY" in result.stdout
    assert result.stderr == snapshot


def test_privacy_pass_unknown_field(run_cli, demo_profile, snapshot) -> None:
    assert cli_block(run_cli("get", "sessions", "--privacy-pass", "cdr_token.pin")) == snapshot


def test_unknown_module(run_cli, demo_profile, snapshot) -> None:
    """A usage error naming the modules, before any request."""
    result = run_cli("get", "commands", *DATE_TO)
    assert result.exit_code == 2
    assert cli_block(result) == snapshot


def test_without_a_profile(run_cli, snapshot, tmp_path) -> None:
    assert scrub(cli_block(run_cli("get", "sessions")), tmp_path=tmp_path) == snapshot


def test_quirky_platform_warnings_and_counts(run_cli, demo_server_factory, snapshot) -> None:
    server = demo_server_factory(size=200, max_page_size=50, faults=Faults(
        foreign_next_link=True, unknown_fields=True, invalid_objects=40, duplicate_objects=True))
    login(run_cli, server)
    result = run_cli("get", "sessions", "--concurrency", "1", *DATE_TO)
    assert result.exit_code == 1  # 5 invalid objects were dropped
    assert len(lines(result.stdout)) == 178  # and 17 at private sites left out
    assert "x_demo_rating" not in result.stdout
    assert scrub(result.stderr) == snapshot
    allowed = run_cli("get", "sessions", "--concurrency", "1", "--allow-invalid", "5", *DATE_TO)
    assert allowed.exit_code == 0 and allowed.stdout == result.stdout
    short = run_cli("get", "sessions", "--concurrency", "1", "--allow-invalid", "2%", *DATE_TO)
    assert short.exit_code == 1  # 2% of 200 is 4


def test_get_fails_when_the_platform_ignores_offset(run_cli, demo_server_factory, snapshot) -> None:
    server = demo_server_factory(size=300, max_page_size=100, faults=Faults(ignore_offset=True))
    login(run_cli, server)
    result = run_cli("get", "sessions", *DATE_TO)
    assert result.exit_code == 1
    assert len(lines(result.stdout)) == 95  # the first page, but its 5 at private sites
    assert scrub(result.stderr) == snapshot
    assert run_cli("get", "sessions", "--accept-incomplete", *DATE_TO).exit_code == 0


def test_get_enforces_the_window(run_cli, demo_server_factory) -> None:
    window = ("--date-from", "2025-06-01", "--date-to", "2025-07-01", "--privacy-pass", "id")
    login(run_cli, demo_server_factory(size=300, max_page_size=100))
    honest = run_cli("get", "sessions", *window)
    server = demo_server_factory(size=300, max_page_size=100, faults=Faults(ignore_date_filters=True))
    login(run_cli, server)
    result = run_cli("get", "sessions", *window)
    assert result.exit_code == 0
    assert 0 < len(lines(result.stdout)) < 300
    assert result.stdout == honest.stdout
    assert result.stderr.count("ignores the date filters") == 1


def test_failure_mid_stream_writes_nothing(run_cli, demo_server_factory, snapshot) -> None:
    """The sessions wait for the list's end (`cli.held_lines`): a charge printed before the
    fault may have been sent again at a home after it."""
    server = demo_server_factory(size=300, max_page_size=100, faults=Faults(error_rate=1.0, fault_after_requests=2))
    login(run_cli, server)
    result = run_cli("get", "sessions", "--include-private", "--concurrency", "1",
                     "--retries", "1", *DATE_TO)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert server.token not in result.stderr
    assert scrub(result.stderr) == snapshot
    # `--include-private` reads the published locations first too (the private form of a
    # session at a home needs them); the fault comes after; without it, nothing printed
    assert run_cli("get", "sessions", "--concurrency", "1", "--retries", "1",
                   *DATE_TO).stdout == ""


def test_help(run_cli, snapshot) -> None:
    assert cli_block(run_cli("get", "--help")) == snapshot


@pytest.mark.parametrize(("version", "module", "place"), [
    ("2.2.1", "cdrs", "cdr_location"), ("2.3.0", "cdrs", "cdr_location"),
    ("2.1.1", "cdrs", "location"), ("2.1.1", "sessions", "location")])
def test_embedded_locations_lose_site_details(run_cli, demo_server_factory, version: str,
                                              module: str, place: str) -> None:
    server = demo_server_factory(version=version, size=200)
    login(run_cli, server)
    opened = run_cli("get", module, "--include-private", "--privacy-pass", f"{place}.id",
                     *DATE_TO)
    home = {server.world.site(j).id for j in server.world.private_sites()}
    at_home = [o for o in lines(opened.stdout) if o[place]["id"] in home]
    assert at_home and len(at_home) < len(lines(opened.stdout))
    result = run_cli("get", module, "--include-private", *DATE_TO)
    assert result.exit_code == 0, result.stderr
    objects = lines(result.stdout)
    for obj in objects:
        site = obj[place]
        # where the driver charged: the site's and the charger's ids too (quasi)
        assert not {"id", "evse_uid", "address", "city", "postal_code", "coordinates", "name",
                    "owner", "evse_id", "last_updated"} & set(site)
        # an EVSE's or connector's last update is the start or end of the last charge
        # there: quasi in a 2.1.1 charge's embedded location as in a joined one; and the
        # connector's tariff is the 2.1.1 charge's tariff (a home's own at a home charger)
        assert all(not {"uid", "evse_id", "physical_reference", "last_updated"} & set(evse)
                   and all(not {"last_updated", "tariff_id"} & set(connector)
                           for connector in evse.get("connectors", []))
                   for evse in site.get("evses", []))
    assert f"embedded locations (site and EVSE details withheld, see `get locations`): {len(objects)}" \
        in result.stderr


def test_a_misspelt_privacy_pass_gets_a_did_you_mean(run_cli, demo_server, snapshot) -> None:
    login(run_cli, demo_server)
    result = run_cli("get", "sessions", "--privacy-pass", "start_datetime,cdr_token.typ", *DATE_TO)
    assert result.exit_code == 2
    assert "did you mean `cdr_token.type`?" in result.stderr
    assert cli_block(result) == snapshot
    result = run_cli("get", "sessions", "--privacy-pass", "start_datetime", *DATE_TO)
    assert "did you mean `start_date_time`?" in result.stderr


def test_get_demo_needs_no_login(run_cli) -> None:
    result = run_cli("get", "sessions", "--demo", "--limit", "3")
    assert result.exit_code == 0, result.stderr
    assert len(lines(result.stdout)) == 3
    assert "sessions: 3 objects (OCPI 2.3.0" in result.stderr
    pinned = run_cli("get", "sessions", "--demo", "--demo-version", "2.1.1", "--demo-size", "40")
    assert "sessions: 40 objects (OCPI 2.1.1" in pinned.stderr, pinned.stderr
    alone = run_cli("get", "sessions", "--demo-size", "40")
    assert alone.exit_code == 2 and "--demo-size only applies with --demo" in alone.stderr


@pytest.mark.parametrize("module", ["sessions", "cdrs", "locations", "tariffs", "tokens"])
@pytest.mark.parametrize("version", ["2.1.1", "2.2.1"])
def test_workers_release_the_same_lines_and_summary(run_cli, demo_server_factory, module: str,
                                                    version: str, forks) -> None:
    """`get --workers 2` reads, checks and releases pages in worker processes: the same
    bytes on stdout and the same summary (withheld fields, private sites, embedded
    locations, invalid objects) as one process, also from a quirky platform."""
    from ocpispec.execute.workers import available

    if not available():
        pytest.skip("needs fork")
    server = demo_server_factory(version=version, size=300, max_page_size=40, faults=Faults(
        duplicate_objects=True, invalid_objects=7, unknown_fields=True, naive_timestamps=True,
        ignore_date_filters=True, type_confused_values=True, lowercase_ids=True,
        bad_utf8_object=True))
    login(run_cli, server)
    # the type-confused values null every connector's `tariff_ids`: no tariff is public
    outcomes = [run_cli("get", module, "--page-size", "40", "--allow-invalid", "100%",
                        *(("--privacy-pass", "kwh") if module == "sessions" else ()),
                        *(("--include-private",) if module == "tariffs" else ()),
                        *DATE_TO, "--workers", workers)
                for workers in ("1", "2")]
    assert outcomes[0].exit_code == 0, outcomes[0].stderr
    assert outcomes[0].stdout and outcomes[1].stdout == outcomes[0].stdout
    assert outcomes[1].stderr == outcomes[0].stderr
    assert outcomes[1].exit_code == outcomes[0].exit_code
    # the second one ran worker processes; locations are read in one, where the crawl
    # sees every copy of a site (`ocpi/private_copies.py`)
    assert forks == ([] if module == "locations" else ["fork"])


@pytest.mark.parametrize("value", ["soon", "-1", "61", "nan"])
def test_a_retry_backoff_that_is_no_number_of_seconds_is_refused(run_cli, value: str) -> None:
    """`OCPISPEC_RETRY_BACKOFF` sets the wait before the first retry (the suite uses a
    millisecond); a value that is not 0-60 seconds is refused before any request."""
    done = run_cli("get", "sessions", "--demo", "--limit", "1", env={"OCPISPEC_RETRY_BACKOFF": value})
    assert done.exit_code == 2
    assert "OCPISPEC_RETRY_BACKOFF must be the seconds before the first retry" in done.output


def test_a_profile_whose_version_the_platform_dropped_says_so(run_cli, demo_server_factory,
                                                              snapshot) -> None:
    """A profile keeps the version of its login. When the platform moved on (2.1.1
    retired, 2.2.1 served), `get` said "no OCPI version in common" and "ocpispec speaks:
    `2.1.1`", although ocpispec speaks the platform's 2.2.1: it names what was asked for
    and that a new login moves the profile on."""
    old = demo_server_factory(version="2.1.1", size=20, token="upgrade-token")
    login(run_cli, old)
    port = old.port
    old.stop()
    demo_server_factory(version="2.2.1", size=20, token="upgrade-token", port=port)
    result = run_cli("get", "sessions", "--limit", "1", *DATE_TO)
    assert result.exit_code == 1
    assert "ocpispec speaks" not in result.stderr
    assert scrub(cli_block(result)) == snapshot


def test_a_module_only_an_older_version_lists_is_pointed_at(run_cli, demo_server_factory,
                                                            snapshot) -> None:
    """A CPO moving to OCPI 2.3.0 lists its locations there and its sessions under 2.2.1
    only. Login took the newest version, and `get sessions` said the platform offers no
    `sessions` and to use one of the other modules: not that 2.2.1 may have it."""
    server = demo_server_factory(versions=("2.2.1", "2.3.0"), size=20)
    for module in ("sessions", "cdrs"):
        server.listings["2.3.0"].pop(module)
    login(run_cli, server)
    result = run_cli("get", "sessions", "--limit", "1", *DATE_TO)
    assert result.exit_code == 1
    assert "log in with `--version 2.2.1`" in result.stderr
    assert scrub(cli_block(result)) == snapshot
    login(run_cli, server, "--version", "2.2.1")
    assert run_cli("get", "sessions", "--limit", "1", *DATE_TO).exit_code == 0


def test_get_demo_reads_the_platform_run_demo_reads(run_cli, tmp_path: Path) -> None:
    """A newcomer checks a `run --demo` file against `get --demo` by hand: both must read
    one demo CPO (its OCPI version and its size), or the counts differ for no reason."""
    out = tmp_path / "cdrs.ndjson"
    ran = run_cli("run", "specs/research_cdrs.ocx", "--demo", "--out", str(out))
    assert ran.exit_code == 0, ran.stderr
    read = int(re.search(r"records read +([\d,]+)", ran.stderr)[1].replace(",", ""))
    private = int(re.search(r"excluded +([\d,]+) at non-public", ran.stderr)[1].replace(",", ""))
    version = re.search(r"OCPI (\d\.\d\.\d), plan", ran.stderr)[1]
    got = run_cli("get", "cdrs", "--demo", "--date-from", "2025-12-01", "--date-to", "2026-01-01")
    assert got.exit_code == 0, got.stderr
    assert f"cdrs: {read} objects (OCPI {version}," in got.stderr
    # what the run excluded at non-public locations, `get` leaves out whole and counts
    assert private > 0 and f"--include-private keeps them): {private}" in got.stderr
    assert len(lines(got.stdout)) == read - private
