"""A platform whose clock differs from ours, over real HTTP against the demo CPO: a
window ending "now" ends at the platform's time when its clock is behind (its `Date`
header), so the records it stamps after the run come with the next one; a clock ahead,
a missing or a garbage `Date` change nothing. Windows still tile time."""

from __future__ import annotations

import csv
import json
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote

import pytest
from fixtures_demo import scrub
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.demo import Faults
from ocpispec.execute.platform_clock import capped
from ocpispec.execute.windows import resolve_window
from ocpispec.ledger.state import FIRST_WATERMARK
from ocpispec.ocpi import Credentials, OcpiClient
from ocpispec.ocpi.clock import read_date, read_envelope_time
from ocpispec.plan import ir
from ocpispec.timestamps import format_timestamp, read_timestamp

KEY = "3e9a1c7f5b2d08e64a0c9f3b7d1e52a8c6f4b09e2d7a31c5f8b0d64e9a3c7f12"
SPEC = '''export clock_test
  consumer "Test consumer"
  purpose "Clock tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from {module} since last run
select
  pseudonymize({key}) as object
  last_updated as updated because "the test compares versions"
output csv to "out.csv"
'''
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def run(run_cli, tmp_path: Path):
    """`ocpispec run` of a `since last run` export of `module`; returns (result, rows)."""

    def invoke(server, out: str, module: str = "sessions", key: str = "id", *args: str):
        spec = tmp_path / f"{module}.ocx"
        spec.write_text(SPEC.format(module=module, key=key))
        target = tmp_path / out
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        result = run_cli("run", str(spec), "--out", str(target), "--state",
                         str(tmp_path / f"{module}.sqlite"), *args, env=env)
        assert result.exit_code == 0, result.stderr
        with target.open(newline="") as handle:
            return result, [(row["object"], row["updated"]) for row in csv.DictReader(handle)]

    return invoke


def _window(result) -> tuple[str, str]:
    line = next(line for line in result.stderr.splitlines() if line.strip().startswith("window"))
    start, end = _TIME.findall(line)[:2]
    return start, end


def _latest(rows: list[tuple[str, str]]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for key, updated in rows:
        latest[key] = max(latest.get(key, ""), updated)
    return latest


@pytest.mark.parametrize("version,module,key", [("2.2.1", "sessions", "id"),
                                                ("2.1.1", "cdrs", "id"),
                                                ("2.3.0", "cdrs", "id")])
def test_a_platform_clock_behind_ours_loses_no_record(run, demo_server_factory, version,
                                                      module, key, snapshot) -> None:
    """Before: the first run's window ended at our time; the platform, 10 minutes behind,
    then stamped an update 10 minutes before it, which no later window asked for."""
    server = demo_server_factory(version=version, size=200, max_page_size=100,
                                 faults=Faults(clock_behind=600))
    first, a = run(server, "a.csv", module, key)
    # a window ends at whole seconds: let the platform's clock pass one (just past the
    # next whole second: as sure as 1.1 s, 0.5 s on average)
    time.sleep(1.02 - time.time() % 1)
    second, b = run(server, "b.csv", module, key)
    time.sleep(1.02 - time.time() % 1)
    third, c = run(server, "c.csv", module, key)
    assert _window(second)[0] == _window(first)[1]  # the state kept the capped end
    assert _window(third)[0] == _window(second)[1]
    behind = datetime.now(UTC) - read_timestamp(_window(third)[1])
    assert timedelta(minutes=9) < behind < timedelta(minutes=11)
    # every object's latest version delivered, in exactly one of the files
    server.faults = Faults()
    _, everything = run(server, "all.csv", module, key, "--restart")
    delivered = a + b + c
    assert len(delivered) == len(set(delivered))
    assert _latest(delivered) == dict(everything)
    assert [updated for _, updated in b + c] == [max(updated for _, updated in everything)]
    warning = next(line for line in first.stderr.splitlines() if "OCX584" in line)
    assert _TIME.sub("<time>", warning) == snapshot


def test_without_a_date_header_the_envelope_timestamp_tells_the_clock(run,
                                                                      demo_server_factory) -> None:
    server = demo_server_factory(version="2.2.1", size=100,
                                 faults=Faults(date_header="missing", clock_behind=600))
    result, rows = run(server, "a.csv")
    assert rows and "OCX584: the platform's clock is 10 minutes behind" in result.stderr
    behind = datetime.now(UTC) - read_timestamp(_window(result)[1])
    assert timedelta(minutes=9) < behind < timedelta(minutes=11)


@pytest.mark.parametrize("header", ["missing", "not a date", "Sun, 06 Nov 1994 08:49:37 GMT",
                                    "ahead"])
def test_a_clock_ahead_or_an_unusable_date_leaves_the_window(run, demo_server_factory,
                                                             header) -> None:
    if header == "ahead":
        header = formatdate(datetime.now(UTC).timestamp() + 3600, usegmt=True)
    server = demo_server_factory(version="2.2.1", size=100, faults=Faults(date_header=header))
    before = datetime.now(UTC).replace(microsecond=0)
    result, rows = run(server, "a.csv")
    assert rows and "OCX584" not in result.stderr
    assert read_timestamp(_window(result)[1]) >= before  # ends at our time


def test_the_clock_is_read_from_discovery_or_the_versions_url(demo_server_factory) -> None:
    from ocpispec.ocpi.profiles import profile_from_client

    server = demo_server_factory(version="2.2.1", size=50, faults=Faults(clock_behind=3600))
    credentials = Credentials(server.versions_url, server.token)
    with OcpiClient.connect(credentials) as client:
        asked = len(server.request_log)
        platform = client.platform_now()
        profile = profile_from_client("p", client)
    assert len(server.request_log) == asked  # discovery's answers told it
    assert platform is not None
    assert timedelta(minutes=59) < datetime.now(UTC) - platform < timedelta(minutes=61)
    stored = profile.credentials(reuse_discovery_for=3600)
    assert stored.endpoints
    with OcpiClient.connect(stored) as client:
        assert len(server.request_log) == asked  # a stored discovery asks nothing
        platform = client.platform_now()
    assert [r.target for r in server.request_log[asked:]] == ["/ocpi/cpo/versions"]
    assert platform is not None
    assert timedelta(minutes=59) < datetime.now(UTC) - platform < timedelta(minutes=61)


@pytest.mark.parametrize("value,expected", [
    ("Thu, 03 Dec 2026 22:00:00 GMT", "2026-12-03T22:00:00Z"),
    ("Thu, 03 Dec 2026 23:00:00 +0100", "2026-12-03T22:00:00Z"),
    ("Thu Dec  3 22:00:00 2026", "2026-12-03T22:00:00Z"),
    ("", None), ("garbage", None), ("Thu, 32 Dec 2026 22:00:00 GMT", None),
    ("Sun, 06 Nov 1994 08:49:37 GMT", None), ("Thu, 03 Dec 99999 22:00:00 GMT", None),
    ("x" * 200, None),
])
def test_date_headers_are_read_or_ignored(value, expected) -> None:
    reading = read_date(value, 0.0)
    assert (format_timestamp(reading.said) if reading else None) == expected


@pytest.mark.parametrize("value,expected", [
    ("2026-12-03T22:00:00Z", "2026-12-03T22:00:00Z"),
    ("2026-12-03T23:00:00.5+01:00", "2026-12-03T22:00:00Z"),
    ("2026-12-03T22:00:00", None),  # no zone: perhaps local time
    ("1999-12-31T23:59:59Z", None), ("yesterday", None), (1764799200, None), (None, None),
])
def test_envelope_timestamps_are_read_when_they_name_their_zone(value, expected) -> None:
    reading = read_envelope_time(value, 0.0)
    assert (format_timestamp(reading.said) if reading else None) == expected


class _Clock:
    def __init__(self, platform: datetime | None) -> None:
        self.platform = platform

    def platform_now(self) -> datetime | None:
        return self.platform


class _Dataset:
    """What `capped` reads of a plan's dataset: its name and its fetch's window kind."""

    def __init__(self, kind: str) -> None:
        self.name = "sessions"
        self._fetch = type("F", (), {"window": type("W", (), {"kind": kind})()})()

    def step(self, kind):
        return self._fetch


class _Plan:
    def __init__(self, kind: str = "since-last-run") -> None:
        self.datasets = (_Dataset(kind),)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 7200), st.one_of(st.none(), st.integers(-3600, 3600))),
                min_size=1, max_size=12))
def test_windows_tile_time_whatever_the_platform_clock(runs) -> None:
    """Successive `since last run` windows, each capped at the platform's time (behind,
    ahead or unknown): each starts where the last ended, none runs backwards or past
    our clock, and the state never moves back."""
    plan, window = _Plan(), ir.Window(kind="since-last-run")
    now, watermark, previous_end = datetime(2026, 6, 1, tzinfo=UTC), None, None
    for gap, offset in runs:
        now += timedelta(seconds=gap)
        resolved = resolve_window(window, watermark, now)
        platform = None if offset is None else now + timedelta(seconds=offset, milliseconds=400)
        found = capped(plan, {"sessions": resolved}, _Clock(platform), now, now).windows["sessions"]
        start, end = read_timestamp(found.date_from), read_timestamp(found.date_to)
        assert found.date_from == (previous_end or FIRST_WATERMARK)
        assert start <= end <= now
        if platform is not None and platform < now:
            assert end <= max(platform, start)
        previous_end = watermark = found.date_to



@pytest.mark.parametrize("behind,waits", [(3, True), (3600, False)])
def test_a_fixed_window_waits_for_the_platform_clock_or_fails(run_cli, demo_server_factory,
                                                             tmp_path: Path, behind, waits,
                                                             snapshot) -> None:
    """A window with an end of its own cannot move (the next one starts at its boundary):
    before, a run right after its end lost what the lagging platform still stamped inside
    it. A short lag is waited out; a long one fails before anything is fetched."""
    server = demo_server_factory(version="2.2.1", size=100, faults=Faults(clock_behind=behind))
    # start just after a second: `now` cut to the second is then the true time, and the
    # wait (until the platform's clock, in whole seconds, passes `end`) is about 2 s, not 1-2
    time.sleep(1.02 - time.time() % 1)
    now, started = datetime.now(UTC).replace(microsecond=0), time.monotonic()   # the wait is from `now`
    start, end = format_timestamp(now - timedelta(hours=1)), format_timestamp(now - timedelta(seconds=1))
    spec = tmp_path / "fixed.ocx"
    spec.write_text(SPEC.format(module="sessions", key="id")
                    .replace("since last run", f"between {start} and {end}"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), env=env)
    if waits:
        assert result.exit_code == 0, result.stderr
        assert time.monotonic() - started >= 1.5  # until the platform's clock passed `end`
        return
    assert result.exit_code == 1 and "OCX585" in result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert not [r for r in server.request_log if "/sessions" in r.target]  # nothing fetched
    text = scrub(result.stderr, tmp_path=tmp_path)
    assert _TIME.sub("<time>", text[text.index("error[OCX585]"):]) == snapshot


def test_a_file_named_after_the_window_end_is_named_after_the_capped_end(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    server = demo_server_factory(version="2.2.1", size=100, faults=Faults(clock_behind=600))
    spec = tmp_path / "named.ocx"
    spec.write_text(SPEC.format(module="sessions", key="id")
                    .replace('"out.csv"', '"out_{window.end}.csv"'))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    (tmp_path / "exports").mkdir()
    result = run_cli("run", str(spec), "--out", str(tmp_path / "exports"), "--state",
                     str(tmp_path / "named.sqlite"), env=env)
    assert result.exit_code == 0, result.stderr
    end = _window(result)[1]
    [output] = (tmp_path / "exports").glob("*.csv")
    assert output.name == f"out_{end.replace('-', '').replace(':', '')}.csv"
    manifest = json.loads((tmp_path / "exports" / f"{output.name}.manifest.json").read_text())
    assert manifest["window"]["end"] == end
    assert timedelta(minutes=9) < datetime.now(UTC) - read_timestamp(end) < timedelta(minutes=11)


@pytest.mark.parametrize("behind", [-3600, 3600])
def test_a_retry_after_date_is_measured_by_the_platform_clock(demo_server_factory,
                                                              behind) -> None:
    """Before: `Retry-After: <date>` was measured from our clock. A platform an hour ahead
    asked for an hour's wait (the run failed at once with OCX505: `wait_too_long`); one an
    hour behind for none (retried at once, into the same limit)."""
    from ocpispec.ocpi import FetchOptions

    server = demo_server_factory(version="2.2.1", size=120, max_page_size=50, faults=Faults(
        clock_behind=behind, rate_limit_every=3, retry_after=1, retry_after_date=True))
    options = FetchOptions(max_retries=3, backoff_base=0.001, backoff_max=0.01,
                           retry_after_max=5.0, retry_after_give_up=60.0, timeout=5.0)
    started = time.monotonic()
    with OcpiClient.connect(Credentials(server.versions_url, server.token, party="NL-ABC"),
                            options=options) as client:
        records = list(client.fetch("sessions", date_to=datetime(2026, 1, 1, tzinfo=UTC)))
    assert len(records) == 120
    assert client.stats.retries >= 1
    assert time.monotonic() - started >= 0.5 * client.stats.retries  # it waited, about 1 s each


@pytest.mark.parametrize("behind", [0, 600])
def test_a_window_not_over_yet_ends_at_the_run_s_time(run_cli, demo_server_factory,
                                                      tmp_path: Path, behind) -> None:
    """`between 2026-01-01 and 2099-01-01` asked for `date_to=2099-01-01`: records the
    platform stamped while its list was read could move between pages of a list sorted
    newest first and never arrive, with nothing to tell. Such a window ends at the run's
    time, and at the platform's when its clock is behind, as `since` windows do."""
    server = demo_server_factory(version="2.2.1", size=100, faults=Faults(clock_behind=behind))
    spec = tmp_path / "open.ocx"
    spec.write_text(SPEC.format(module="sessions", key="id")
                    .replace("since last run", "between 2020-01-01 and 2099-01-01"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    before = datetime.now(UTC).replace(microsecond=0)
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), env=env)
    assert result.exit_code == 0, result.stderr
    # the list's pages; the one probe for records stamped in the future asks no `date_to`
    targets = [r.target for r in server.request_log if "/sessions" in r.target and "date_to=" in r.target]
    assert targets
    asked = {unquote(re.search(r"date_to=([^&]+)", target).group(1)) for target in targets}
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    end = read_timestamp(manifest["window"]["end"])
    assert manifest["window"]["end"] in asked and max(map(read_timestamp, asked)) == end, asked
    assert before - timedelta(seconds=behind + 60) <= end <= datetime.now(UTC)


@pytest.mark.parametrize("window", ["since last run", "previous day"])
def test_a_clock_years_behind_fails_the_run(run_cli, demo_server_factory, tmp_path: Path,
                                            window, snapshot) -> None:
    """Before: a platform whose `Date` said 2001 cut every `since last run` window at the
    state's watermark: 0 rows, exit 0, a warning, on every run for ever (and a fixed window
    was told to run again in 25 years). A clock more than a day behind is wrong: OCX575,
    nothing fetched, no state."""
    server = demo_server_factory(version="2.2.1", size=100,
                                 faults=Faults(date_header="Mon, 01 Jan 2001 00:00:00 GMT"))
    spec = tmp_path / "wrong.ocx"
    spec.write_text(SPEC.format(module="sessions", key="id").replace("since last run", window))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    state = tmp_path / "state.sqlite"
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                     str(state), env=env)
    assert result.exit_code == 1 and "OCX575" in result.stderr, result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert not [r for r in server.request_log if "/sessions" in r.target]  # nothing fetched
    if window == "since last run":
        text = scrub(result.stderr, tmp_path=tmp_path)
        assert re.sub(r"\d+ (years?|days)\b", "<behind>",
                      _TIME.sub("<time>", text[text.index("error[OCX575]"):])) == snapshot
