"""`login`, `doctor`, `get` and `run` against a second OCPI implementation
(`independent_cpo.py`: the official example payloads, served by code that shares nothing
with the demo CPO), for every version and module: every record arrives once, nothing
personal leaves, and incremental runs tile the list."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from independent_cpo import IndependentCpo

VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
KEY = "5b1e9c2d7a4f08e3c6b9d2a5f1e7c4b0a3d6f9e2c5b8a1d4f7e0c3b6a9d2f5e8"
HEADER = """export independent_{name}
  consumer "Test consumer"
  purpose "Exports against an independent OCPI implementation"
  legal basis public task "test"
  retention 1 months
  pseudonym key env INDEPENDENT_KEY
source profile independent
"""
SPECS = {
    "sessions": """from sessions
  {window}
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(id) as session
  truncate(start_date_time, hour) as started
  round(kwh, 1) as energy_kwh
  auth_method because "the study compares how sessions are authorised (three values)"
""",
    "cdrs": """from cdrs
  {window}
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(id) as cdr
  truncate(start_date_time, hour) as started
  round(total_energy, 1) as energy_kwh
  currency
""",
    "tariffs": """from tariffs
  {window}
select
  id as tariff
  currency
""",
    "tokens": """from tokens
  {window}
group by type as token_type because "the token mix per type (four values) is the study"
compute count() as tokens
""",
    "locations": """from locations
  {window}
select
  id as location_id
  city
  country
""",
}
# the rows each module's export releases of the served list: sessions and CDRs at the
# public example location, every tariff, one group of tokens, the public location
EXPECTED_ROWS = {"sessions": 30, "cdrs": 30, "tariffs": 30, "tokens": 1, "locations": 1}


def spec_text(module: str, window: str = "") -> str:
    return HEADER.format(name=module) + SPECS[module].format(window=window) + \
        f'output csv to "{module}.csv"\n'


@pytest.fixture(params=VERSIONS)
def cpo(request: pytest.FixtureRequest):
    with IndependentCpo(request.param, records=30) as server:
        yield server


@pytest.fixture
def logged_in(cpo: IndependentCpo, run_cli):
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent")
    assert done.exit_code == 0, done.output
    assert cpo.token not in done.output
    return run_cli


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _next_second() -> None:
    time.sleep(1 - datetime.now(UTC).microsecond / 1e6 + 0.01)


def _every_byte_written(tmp_path: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(tmp_path.rglob("*")) if path.is_file())


def test_login_negotiates_the_version_and_the_token_form(cpo: IndependentCpo, logged_in) -> None:
    done = logged_in("profiles", "test", "independent")
    assert done.exit_code == 0, done.output
    assert cpo.version in done.output
    assert cpo.token not in done.output


def test_doctor_finds_nothing_that_blocks(cpo: IndependentCpo, logged_in) -> None:
    done = logged_in("doctor", "--profile", "independent")
    assert done.exit_code == 0, done.output
    assert "nothing blocks" in done.output


@pytest.mark.parametrize("module", ["locations", "sessions", "cdrs", "tariffs", "tokens"])
def test_get_reads_every_object_once_and_withholds_personal_fields(
        cpo: IndependentCpo, logged_in, module: str) -> None:
    done = logged_in("get", module, "--include-private", "--profile", "independent")
    assert done.exit_code == 0, done.output
    objects = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(objects) == len(cpo.lists[module])
    assert not [value for value in cpo.personal_values() if value in done.output]


@pytest.mark.parametrize("module", ["locations", "sessions", "cdrs", "tariffs", "tokens"])
def test_run_exports_every_record_once_and_nothing_personal(
        cpo: IndependentCpo, logged_in, module: str, tmp_path: Path) -> None:
    spec = tmp_path / f"{module}.ocx"
    spec.write_text(spec_text(module))
    out = tmp_path / "out" / f"{module}.csv"
    done = logged_in("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                     env={"INDEPENDENT_KEY": KEY})
    assert done.exit_code == 0, done.output
    rows = _csv_rows(out)
    assert len(rows) == EXPECTED_ROWS[module]
    if module in ("sessions", "cdrs"):
        ids = [row["session" if module == "sessions" else "cdr"] for row in rows]
        assert len(set(ids)) == len(ids) == 30
        assert len({row["driver"] for row in rows}) == 30
    if module == "tokens":
        assert rows == [{"token_type": "RFID", "tokens": "30"}]
    written = _every_byte_written(tmp_path) + done.output.encode()
    assert not [value for value in cpo.personal_values() if value.encode() in written]


def test_incremental_runs_deliver_each_record_exactly_once(
        cpo: IndependentCpo, logged_in, tmp_path: Path) -> None:
    """Sessions added between `since last run` runs (stamped with the platform's clock)
    arrive in the next run's file, each once."""
    spec = tmp_path / "sessions.ocx"
    spec.write_text(spec_text("sessions", "since last run").replace(
        '"sessions.csv"', '"sessions-{run.timestamp}.csv"'))
    delivered: list[str] = []
    for run, added in enumerate((0, 4, 0, 9)):
        for _ in range(added):
            cpo.add_session(datetime.now(UTC))
        if run:  # windows end on whole seconds: this run's ends after the records added
            _next_second()  # (the first run's are stamped in January 2026)
        folder = tmp_path / f"run-{run}"
        folder.mkdir()
        done = logged_in("run", str(spec), "--out", str(folder), "--state",
                         str(tmp_path / "state.sqlite"), env={"INDEPENDENT_KEY": KEY})
        assert done.exit_code == 0, done.output
        delivered += [row["session"] for path in folder.glob("*.csv") for row in _csv_rows(path)]
    assert len(delivered) == len(set(delivered)) == 30 + 4 + 9


def _logged_in_sessions_run(cpo: IndependentCpo, run_cli, tmp_path: Path) -> list[str]:
    """Log in to the sender, run the sessions spec once (it must succeed) and return the
    delivered sessions' pseudonyms."""
    assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent").exit_code == 0
    spec = tmp_path / "sessions.ocx"
    spec.write_text(spec_text("sessions"))
    out = tmp_path / "sessions.csv"
    done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                   env={"INDEPENDENT_KEY": KEY})
    assert done.exit_code == 0, done.output
    return [row["session"] for row in _csv_rows(out)]


PAGING = {"cursor": {"paging": "cursor"}, "cursor without total": {"paging": "cursor", "total": False},
          "relative links": {"relative_links": True}, "no total": {"total": False},
          "relative cursor": {"paging": "cursor", "relative_links": True, "total": False},
          "cursor links without the slash": {"paging": "cursor", "quirks": ("link without slash",)},
          "cursor links rel=Next": {"paging": "cursor", "total": False, "quirks": ("link rel case",)}}


@pytest.mark.parametrize("style", PAGING)
def test_every_way_of_paging_delivers_every_session_once(style: str, run_cli, tmp_path: Path) -> None:
    """Platforms page with offsets or with cursors of their own (`?cursor=...` in the
    next link, answering any offset with the first page), with or without a total and
    with absolute or relative links. A cursor platform read by offset once made the crawl
    ask for offsets past the total forever; one whose links drop the endpoint's trailing
    slash (`/sessions?cursor=...` for `/sessions/`) once had its links refused as another
    path, read by offset, and failed the run (OCX571); one sending `rel="Next"` (relation
    types are case-insensitive) once had no next link at all, and failed the same way."""
    with IndependentCpo("2.2.1", records=30, **PAGING[style]) as cpo:  # type: ignore[arg-type]
        sessions = _logged_in_sessions_run(cpo, run_cli, tmp_path)
        assert len(sessions) == len(set(sessions)) == 30
        pages = [path for path in cpo.requests if "/sessions/" in path]
        if PAGING[style].get("total", True) or PAGING[style].get("paging") == "cursor":
            assert len(pages) <= 6 + 1  # each page once (and an empty one to end an offset list)
        else:  # pages linked by offset without a total are asked for 5 objects early: 2 new each
            # (and one request of one record for those stamped in the future)
            assert len(pages) <= 1 + (30 - 7) // 2 + 1 + 1 + 1
        doctor = run_cli("doctor", "--profile", "independent")
        assert doctor.exit_code == 0, doctor.output
        if PAGING[style].get("paging") == "cursor":
            assert "pages by a cursor of its own in its next links" in doctor.output


@pytest.mark.parametrize(("paging", "total"), [("offset", True), ("offset", False), ("cursor", True)],
                         ids=("total", "no total", "cursor"))
def test_objects_updated_on_a_page_already_read_shift_no_object_out_of_the_run(
        paging: str, total: bool, run_cli, tmp_path: Path) -> None:
    """An object on the first page is updated while the list is read: it leaves the
    pinned window, and the objects behind it shift down one place, so the first object of
    the next page moves onto the page already read. A platform linking its pages by
    offset without `X-Total-Count` (whose shrinking shows it) once had that object
    skipped by its own next link, and a `since last run` export never delivered it; so
    did a platform paging by a cursor of its own (here an encoded offset), whose shrunk
    count was answered by a request by offset, which such a platform answers with its
    first page."""
    with IndependentCpo("2.2.1", records=30, paging=paging, total=total, updates_mid_crawl=1) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        delivered: list[str] = []
        for run in range(2):
            if run:  # the second run's window ends after the session updated during the first
                _next_second()
            out = tmp_path / f"sessions-{run}.csv"
            done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                           env={"INDEPENDENT_KEY": KEY})
            assert done.exit_code == 0, done.output
            delivered += [row["session"] for row in _csv_rows(out)]
        assert len(delivered) == 31 and len(set(delivered)) == 30   # the updated one again


def test_a_cursor_platform_without_a_count_never_hides_objects_shifted_between_pages(
        run_cli, tmp_path: Path, snapshot) -> None:
    """A platform paging by a cursor of its own (here an encoded offset) without
    `X-Total-Count`: an object of the first page is updated while the list is read, it
    leaves the pinned window, the object behind it moves onto the page read already,
    and the next link skipped it. Nothing showed it (no count to shrink, no offset to
    ask early by): the run exited 0 without that object and moved past it, so a `since
    last run` export never delivered it. Such a run now fails with nothing written, and
    the next one delivers every object once."""
    with IndependentCpo("2.2.1", records=30, paging="cursor", total=False, updates_mid_crawl=1) as cpo:
        run, delivered = _since_last_run(run_cli, cpo, tmp_path)

        failed, out = run("first")
        assert failed.exit_code == 1 and not out.exists(), failed.output
        assert [line for line in failed.stderr.splitlines()
                if line.startswith(("error", "  = note: why", "help"))] == snapshot
        assert run("second")[0].exit_code == 0
        assert len(delivered) == len(set(delivered)) == 30


def test_a_cursor_platform_refusing_a_large_limit_is_read_whole(run_cli, tmp_path: Path) -> None:
    """A cursor platform without `X-Total-Count` that refuses a `limit` above its page cap
    (HTTP 400): the list of objects updated since the window's end, asked for after its
    pages, is asked for at the size the platform took, not one of its own (refused, that
    request left the list in doubt on every run)."""
    with IndependentCpo("2.2.1", records=30, paging="cursor", total=False,
                        quirks=("limit refused",)) as cpo:
        sessions = _logged_in_sessions_run(cpo, run_cli, tmp_path)
        assert len(sessions) == len(set(sessions)) == 30


@pytest.mark.parametrize("paging", ["cursor", "offset"])
def test_a_full_page_that_lost_its_next_link_does_not_end_the_list(paging: str, run_cli, tmp_path: Path,
                                                                   snapshot) -> None:
    """A platform without `X-Total-Count` leaves out the next link of a full page in
    the middle of its list (here the third of five). One paging by offset is asked
    on by offset (a missing link ends nothing there); one paging by a cursor of its own
    ended its list there: the run delivered 21 sessions of 30, exited 0 and moved past
    the rest, so a `since last run` export never delivered them. The objects updated
    after that page's last one now show the list went on: OCX571, nothing written."""
    with IndependentCpo("2.2.1", records=30, paging=paging, total=False, link_left_out=14) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        out = tmp_path / "sessions.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
        if paging == "offset":
            assert done.exit_code == 0, done.output
            assert len({row["session"] for row in _csv_rows(out)}) == 30
            return
        assert done.exit_code == 1 and not out.exists(), done.output
        assert [line for line in done.stderr.splitlines()
                if line.startswith(("error", "  = note: why", "help"))] == snapshot


def test_a_newest_first_cursor_list_that_lost_a_next_link_fails_with_nothing_written(run_cli, tmp_path: Path) -> None:
    """As above, on a platform listing its objects newest first: the objects updated after
    the last page's latest one were all read, and the run delivered 21 sessions of 30,
    exited 0 and moved past the rest. Those updated up to that page's earliest one are
    asked for too."""
    with IndependentCpo("2.2.1", records=30, paging="cursor", total=False, link_left_out=14,
                        quirks=("newest first",)) as cpo:
        run, delivered = _since_last_run(run_cli, cpo, tmp_path)
        failed, out = run("first")
        assert failed.exit_code == 1 and not out.exists(), failed.output
        assert "OCX571" in failed.output and "before it on a list sent newest first" in failed.output
        assert not delivered


def test_a_state_left_by_another_platform_is_not_continued(demo_server_factory, run_cli, tmp_path: Path,
                                                            snapshot) -> None:
    """An export tried against one platform (the demo CPO under `--profile staging`) and
    then run against another with the same ledger: the second run's window started at the
    first's watermark, and the records of the second platform before it were never
    delivered (exit 0, no word). It stops before fetching (OCX587) and says how to start
    over or keep the watermark; `--restart` delivers the platform's records."""
    demo = demo_server_factory(version="2.2.1", size=50)
    assert run_cli("login", demo.versions_url, "--token", demo.token, "--party", "NL-ABC",
                   "--profile", "staging").exit_code == 0
    with IndependentCpo("2.2.1", records=30, quirks=("one version object",)) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        ledger = str(tmp_path / "state.sqlite")

        def run(name: str, *args: str):
            return run_cli("run", str(spec), "--out", str(tmp_path / f"{name}.csv"), "--state", ledger,
                           *args, env={"INDEPENDENT_KEY": KEY})

        assert run("staging", "--profile", "staging").exit_code == 0
        served = len(cpo.requests)
        refused = run("prod")
        assert refused.exit_code == 1 and not (tmp_path / "prod.csv").exists(), refused.output
        assert not [path for path in cpo.requests[served:] if "/sessions" in path]
        assert [_ports_hidden(re.sub(r"\d{4}-\d\d-\d\dT[\d:]+Z", "<watermark>",
                                     line.replace(ledger, "<ledger>")))
                for line in refused.stderr.splitlines()
                if line.startswith(("error", "  = note", "help"))] == snapshot
        shown = run_cli("state", "show", "independent_sessions", "--state", ledger)
        assert f"read from `127.0.0.1:{urlsplit(demo.versions_url).port}` (CPO NL-DMO)" in shown.output, shown.output
        _next_second()
        restarted = run("prod", "--restart")
        assert restarted.exit_code == 0, restarted.output
        assert len(_csv_rows(tmp_path / "prod.csv")) == 30


def _ports_hidden(line: str) -> str:
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", line)


def test_a_staging_platform_on_another_port_of_the_same_host_is_another_platform(run_cli, tmp_path: Path) -> None:
    """Staging and production of one CPO on one host, on two ports, under the same party:
    a `since last run` export tried on staging and then run on production with the same
    ledger continued staging's watermark, and production's records before it were never
    delivered (exit 0, an empty file), because the port was no part of the platform. It
    now stops before fetching (OCX587), and `--restart` delivers production's records."""
    with IndependentCpo("2.2.1", records=30) as staging, IndependentCpo("2.2.1", records=30) as prod:
        for name, cpo in (("staging", staging), ("prod", prod)):
            assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                           "--profile", name).exit_code == 0
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        ledger = str(tmp_path / "state.sqlite")

        def run(name: str, *args: str):
            return run_cli("run", str(spec), "--out", str(tmp_path / f"{name}.csv"), "--state", ledger,
                           "--profile", name, *args, env={"INDEPENDENT_KEY": KEY})

        assert run("staging").exit_code == 0
        assert len(_csv_rows(tmp_path / "staging.csv")) == 30
        _next_second()
        refused = run("prod")
        assert refused.exit_code == 1 and not (tmp_path / "prod.csv").exists(), refused.output
        assert not [path for path in prod.requests if "/sessions" in path]
        assert "error[OCX587]" in refused.stderr and "Traceback" not in refused.output
        assert (f"another platform: `127.0.0.1:{urlsplit(staging.versions_url).port}`, and this run "
                f"reads `127.0.0.1:{urlsplit(prod.versions_url).port}`") in refused.stderr
        assert staging.token not in refused.output and prod.token not in refused.output
        restarted = run("prod", "--restart")
        assert restarted.exit_code == 0, restarted.output
        assert len(_csv_rows(tmp_path / "prod.csv")) == 30


def test_a_count_of_the_whole_list_never_hides_objects_shifted_between_pages(run_cli, tmp_path: Path) -> None:
    """A platform whose `X-Total-Count` counts its whole list, whatever the date filters
    keep, has that count set aside at the end of a window's list (it is no evidence). It
    cannot have shown a shift either: an object updated on a page already read left the
    window, the next page skipped the object that moved onto the read one, and the run
    delivered the window without it (exit 0). Such a run now fails with nothing written
    when objects were updated while the list was read, and the next run delivers them."""
    with IndependentCpo("2.2.1", records=30, quirks=("total unfiltered",)) as cpo:
        run, delivered = _since_last_run(run_cli, cpo, tmp_path)

        assert run("first")[0].exit_code == 0
        _next_second()
        for _ in range(10):
            cpo.add_session(datetime.now(UTC))
        cpo.updates_mid_crawl = 1
        failed, out = run("second")
        assert failed.exit_code == 1 and "OCX571" in failed.output, failed.output
        assert "objects were updated while the list was read" in failed.output
        assert "run again" in failed.output and "a larger `--page-size`" in failed.output
        assert "help: run again: the next run reads the window again" in failed.output
        assert "a smaller `--concurrency` or `--page-size`" not in failed.output   # more pages
        assert not out.exists() and "Traceback" not in failed.output
        assert run("third")[0].exit_code == 0
        assert len(delivered) == len(set(delivered)) == 40


def test_a_count_of_the_whole_list_over_one_page_is_no_doubt(run_cli, tmp_path: Path) -> None:
    """The same platform, an object updated after the window's end was pinned, and a
    window read in one page: no page boundary for an object to shift across, so the list
    is complete (not OCX571 whenever the platform is busy)."""
    with IndependentCpo("2.2.1", records=30, quirks=("total unfiltered",)) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        runs = [tmp_path / f"{name}.csv" for name in ("first", "second")]
        for out in runs:
            _next_second()
            if out.name == "second.csv":   # after the first run: 5 new, one updated after the pin
                for _ in range(5):
                    cpo.add_session(datetime.now(UTC) - timedelta(seconds=1))
                cpo.add_session(datetime.now(UTC) + timedelta(minutes=1))
            done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                           env={"INDEPENDENT_KEY": KEY})
            assert done.exit_code == 0, done.output
        assert [len(_csv_rows(out)) for out in runs] == [30, 5]


def test_a_platform_ignoring_offset_fails_the_run_with_nothing_written(run_cli, tmp_path: Path) -> None:
    with IndependentCpo("2.2.1", records=30, paging="ignore_offset") as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        done = run_cli("run", str(spec), "--out", str(tmp_path / "sessions.csv"),
                       "--state", str(tmp_path / "state.sqlite"), env={"INDEPENDENT_KEY": KEY})
        assert done.exit_code == 1
        assert "OCX571" in done.output and "may ignore `offset`" in done.output
        assert not (tmp_path / "sessions.csv").exists()


@pytest.mark.parametrize("status", (400, 404, 410))
@pytest.mark.parametrize("total", (True, False), ids=("total", "no total"))
def test_a_cursor_that_expires_mid_crawl_fails_the_run(status: int, total: bool, run_cli,
                                                      tmp_path: Path) -> None:
    """A cursor platform whose cursor expires while the list is read (the 3rd page's
    cursor answers 400, 404 or 410) cannot be read on: the run fails with nothing
    written and the state where it was, never ending the list early. A 400 or 410 once
    failed as a refused request whose help pointed at the filters and the token."""
    with IndependentCpo("2.2.1", records=30, paging="cursor", total=total,
                        cursor_expiry=(2, status)) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        done = run_cli("run", str(spec), "--out", str(tmp_path / "sessions.csv"),
                       "--state", str(tmp_path / "state.sqlite"), env={"INDEPENDENT_KEY": KEY})
        assert done.exit_code == 1, done.output
        assert f"the cursor in a next link of the platform answered HTTP {status} after 14 " \
               "objects (it may have expired)" in done.output
        assert "OCX571" in done.output and "nothing was written" in done.output
        assert not (tmp_path / "sessions.csv").exists()
        shown = run_cli("state", "show", "independent_sessions", "--state",
                        str(tmp_path / "state.sqlite"))
        assert "No state for `independent_sessions`" in shown.output, shown.output


@pytest.mark.parametrize("records", [1, 2, 5, 7, 8, 14])
def test_a_cursor_platform_without_a_total_ends_its_list_where_its_links_end(records: int, run_cli,
                                                                            tmp_path: Path) -> None:
    """A cursor platform answers the offset asked for after a page without a next link
    with its first page again. Whether that page ended the list shows in how it pages: it
    links a page followed by more (asked for one object shorter). A short first page, a
    full one and a list of whole pages all end without a doubt and without a repeat; so
    does a list of one object, which cannot be asked for shorter."""
    with IndependentCpo("2.2.1", records=records, paging="cursor", total=False) as cpo:
        sessions = _logged_in_sessions_run(cpo, run_cli, tmp_path)
        assert len(sessions) == len(set(sessions)) == records


def test_evse_parking_listed_as_ids_is_read_as_the_parking_it_names(run_cli) -> None:
    """The official OCPI 2.3.0 example sends an EVSE's `parking` as the ids alone
    (`["1", "2"]`), where its table says EVSEParking objects: each id is read as the
    `parking_id` it is, and checked as one (an id too long, or an item neither text nor
    object, still nulls the list)."""
    with IndependentCpo("2.3.0", records=3) as cpo:
        site = cpo.lists["locations"][0]
        long_id = "P" * 37
        site["evses"][1]["parking"] = ["2", {"parking_id": "3", "evse_position": "LEFT"}]
        home = cpo.lists["locations"][1]
        home["evses"][0]["parking"] = [long_id]
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        done = run_cli("get", "locations", "--include-private", "--profile", "independent")
    assert done.exit_code == 0, done.output
    objects = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [evse["parking"] for evse in objects[0]["evses"]] == [
        [{"parking_id": "1"}, {"parking_id": "2"}],
        [{"parking_id": "2"}, {"parking_id": "3", "evse_position": "LEFT"}]]
    assert "parking" not in objects[1]["evses"][0]   # a home: its private form keeps no parking
    assert long_id not in done.output
    assert "1 locations.evses.parking.parking_id (longer than 36 characters)" in done.stderr
    assert "3 locations.evses.parking: ids sent alone, read as `parking_id`" in done.stderr


TAX_SPEC = HEADER.format(name="taxes") + """from cdrs
select
  pseudonymize(id) as cdr
  round(total_cost.excl_vat, 2) as cost
  round(total_cost.incl_vat, 2) as cost_incl
output csv to "taxes.csv"
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_tax_without_an_amount_leaves_the_2_3_0_total_unknown(run_cli, tmp_path: Path,
                                                                 workers: str) -> None:
    """OCPI 2.3.0 gives a price as `before_taxes` and a list of `taxes`; the 2.2 total
    including VAT is their sum. A tax whose `amount` is null, or is read as null as the
    wrong type, once vanished from that sum, and so did taxes read as null as a whole
    (not a list, an item no object): the export said 4.00 including VAT where the CDR
    said 4.00 plus a tax it could not state. Such a total is null; a price without
    `taxes` is its own total."""
    with IndependentCpo("2.3.0", records=6) as cpo:
        cdrs = cpo.lists["cdrs"]
        cdrs[1]["total_cost"]["taxes"][0]["amount"] = "forty cents"
        cdrs[2]["total_cost"]["taxes"].append({"name": "city", "amount": None})
        cdrs[3]["total_cost"]["taxes"] = "VAT 0.40"
        cdrs[4]["total_cost"]["taxes"].append("city tax")
        cdrs[5]["total_cost"].pop("taxes")      # no taxes: the price is the total
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "taxes.ocx"
        spec.write_text(TAX_SPEC)
        out = tmp_path / "taxes.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       "--workers", workers, env={"INDEPENDENT_KEY": KEY})
    assert done.exit_code == 0, done.output
    assert sorted((row["cost"], row["cost_incl"]) for row in _csv_rows(out)) == [
        ("4.0", ""), ("4.0", ""), ("4.0", ""), ("4.0", ""), ("4.0", "4.0"), ("4.0", "4.4")]


PERIODS_SPEC = HEADER.format(name="periods") + """from cdrs
  each charging_periods as period
select
  pseudonymize(id) as cdr
  period.energy_kwh as energy_kwh because "the study needs the energy of each charging period"
output csv to "periods.csv"
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_period_energy_that_cannot_be_read_is_unknown_not_zero(run_cli, tmp_path: Path,
                                                                 workers: str) -> None:
    """A charging period whose dimensions are read as null (`"dimensions": "ENERGY 1.9"`)
    or whose energy dimension has a type read as null once had energy 0 (as a parking
    period has), and one whose ENERGY volume is null failed its whole CDR as invalid, so
    the run refused. Each such period has energy null, counted, and every CDR arrives."""
    with IndependentCpo("2.2.1", records=4) as cpo:
        cdrs = cpo.lists["cdrs"]
        for cdr in cdrs:
            cdr["charging_periods"][0]["dimensions"].append({"type": "ENERGY", "volume": 5.5})
        cdrs[1]["charging_periods"][0]["dimensions"].append({"type": "ENERGY", "volume": None})
        cdrs[2]["charging_periods"][0]["dimensions"] = "ENERGY 1.9"
        cdrs[3]["charging_periods"][0]["dimensions"][1]["type"] = "ENERGYY"
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "periods.ocx"
        spec.write_text(PERIODS_SPEC)
        out = tmp_path / "periods.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       "--workers", workers, env={"INDEPENDENT_KEY": KEY})
    assert done.exit_code == 0, done.output
    assert sorted(row["energy_kwh"] for row in _csv_rows(out)) == ["", "", "", "5.5"]
    assert "3 charging periods whose energy could not be read" in done.output
    assert "energy 0" not in done.output


MALFORMED_FLAGS = [("2.2.1", "publish_allowed_to", ["NL-TNM-C0123"]),
                   ("2.2.1", "publish_allowed_to", "NL-TNM-C0123"),
                   ("2.3.0", "publish_allowed_to", [{"uid": "X"}, "NL-TNM-C0123"]),
                   ("2.2.1", "parking_type", " ON_DRIVEWAY "),
                   ("2.3.0", "parking_type", "On-Driveway"),
                   ("2.2.1", "parking_type", ["ON_DRIVEWAY"]),
                   ("2.1.1", "parking_type", "ON_DRIVEWAY"),
                   # under its 2.1.1 name (the example's `parking_type` ON_STREET beside it)
                   # or in other casing
                   ("2.2.1", "type", "ON_DRIVEWAY"),
                   ("2.3.0", "type", " on_driveway "),
                   ("2.2.1", "parkingType", "On-Driveway")]


@pytest.mark.parametrize(("version", "flag", "value"), MALFORMED_FLAGS)
def test_a_private_site_stays_private_when_its_flag_is_malformed(
        run_cli, tmp_path: Path, version: str, flag: str, value: object) -> None:
    """A non-empty `publish_allowed_to` (a site shown to some drivers only) and
    `parking_type: ON_DRIVEWAY` (a house's driveway) make a site private, whatever
    `publish` says. Sent in the wrong shape (token ids instead of objects, one id as
    text, the enum value padded, spelled with a hyphen or in a list; on 2.1.1 the 2.2
    field, read as 2.1.1's `type`), the type check nulled it before the privacy rule
    read it, so the site was exported as public: its address in `get`, its row in a run.
    So did `parking_type` under its 2.1.1 name `type` on 2.2+, or in other casing."""
    with IndependentCpo(version, records=3) as cpo:
        site = copy.deepcopy(cpo.lists["locations"][0])
        site.update({"id": "SHOWN1", "publish": True, flag: value, "address": "Hidden Lane 7"})
        cpo.lists["locations"].append(site)
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        pulled = run_cli("get", "locations", "--include-private", "--profile", "independent")
        spec = tmp_path / "locations.ocx"
        spec.write_text(spec_text("locations"))
        out = tmp_path / "locations.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
    assert pulled.exit_code == 0, pulled.output
    assert "Hidden Lane" not in pulled.output
    assert "read as false" in pulled.stderr
    assert done.exit_code == 0, done.output
    assert [row["location_id"] for row in _csv_rows(out)] == ["LOC1"]


@pytest.mark.parametrize("said", ["true", "INCLUDED"])
def test_a_tax_included_of_the_wrong_type_is_not_read_as_no(run_cli, said: str) -> None:
    """A 2.3.0 tariff without `tax_included` reads NO (its prices exclude VAT, as the
    2.2.1 tariff it was upgraded from meant). One that says it in a form of its own
    (`"true"`: its prices include tax) was read as null and then given that default,
    so `get` and a run said NO: prices including tax passed for prices without. Such a
    tariff lacks its required field, as any value of the wrong type leaves it."""
    with IndependentCpo("2.3.0", records=3) as cpo:
        odd = cpo.lists["tariffs"][1]
        odd["tax_included"] = said
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        refused = run_cli("get", "tariffs", "--include-private", "--profile", "independent")
        accepted = run_cli("get", "tariffs", "--include-private", "--profile", "independent", "--allow-invalid", "1")
    assert refused.exit_code == 1, refused.output
    assert "OCX570" in refused.stderr and "`tax_included` is not a TaxIncluded value" in refused.stderr
    assert accepted.exit_code == 0, accepted.output
    tariffs = [json.loads(line) for line in accepted.stdout.splitlines() if line.strip()]
    assert [tariff["tax_included"] for tariff in tariffs] == ["NO", "NO"]
    assert odd["id"] not in accepted.stdout


def _since_last_run(run_cli, cpo: IndependentCpo, tmp_path: Path):
    """`run(name)` of a `since last run` sessions export from `cpo` into `<name>.csv`,
    each a second after the last, and the sessions the successful runs delivered."""
    assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent").exit_code == 0
    spec = tmp_path / "sessions.ocx"
    spec.write_text(spec_text("sessions", "since last run"))
    delivered: list[str] = []

    def run(name: str):
        _next_second()
        out = tmp_path / f"{name}.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
        if done.exit_code == 0:
            delivered.extend(row["session"] for row in _csv_rows(out))
        return done, out

    return run, delivered


WHOLE_SITE = HEADER.format(name="connectors") + """from cdrs
select
  cdr_location.evse_id as evse
  cdr_location.connector_standard as standard
  cdr_location.connector_power_type as power
output csv to "connectors.csv"
"""


@pytest.mark.parametrize("more", ["evse", "connector"])
def test_a_2_1_1_cdr_embedding_the_whole_site_names_no_connector(run_cli, tmp_path: Path,
                                                                  more: str) -> None:
    """OCPI 2.1.1 embeds a CDR's location "with only the EVSE and connector used". A
    platform embedding the whole site (the used AC socket second, behind a DC plug) had
    every CDR exported as charged at the first: CHADEMO, DC, the other EVSE's id. Which
    was used is unknown: those fields read null, counted as a deviation."""
    with IndependentCpo("2.1.1", records=4) as cpo:
        for cdr in cpo.lists["cdrs"]:
            used = cdr["location"]["evses"][0]
            other = copy.deepcopy(used if more == "evse" else used["connectors"][0])
            other.update({"standard": "CHADEMO", "power_type": "DC", "format": "CABLE"}
                         if more == "connector" else {"uid": "OTHER", "evse_id": "BE*BEC*EOTHER"})
            for connector in other.get("connectors", []):
                connector.update({"standard": "CHADEMO", "power_type": "DC", "format": "CABLE"})
            (cdr["location"]["evses"] if more == "evse" else used["connectors"]).insert(0, other)
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "connectors.ocx"
        spec.write_text(WHOLE_SITE)
        out = tmp_path / "connectors.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
    assert done.exit_code == 0, done.output
    rows = _csv_rows(out)
    assert len(rows) == 4
    assert all(row["standard"] == "" and row["power"] == "" for row in rows)
    assert all((row["evse"] == "") is (more == "evse") for row in rows)  # one EVSE: its id holds
    assert "the embedded location holds more than the EVSE and connector used" in done.stderr
