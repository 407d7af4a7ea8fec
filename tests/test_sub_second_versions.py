"""Versions of a record within one second of each other are told apart.

Platforms stamp `last_updated` with fractions (`12:00:00.100Z`); the outputs print whole
seconds. A correction stamped in the same second as the version delivered before is
another version: a `--lookback` run that re-reads it delivers it. The same version sent
again in another form of the same instant (`.000Z` for `Z`, an offset, nine fraction
digits) is not delivered again."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from independent_cpo import IndependentCpo

KEY = {"TEST_PSEUDONYM_KEY": "6a1f0c9e3d7b24e8a5c1f9d0b3e6a27c4f8d1b5e9a0c3f7d2b6e4a8c1f5d9b03"}
SPEC = """export sub_second_test
  consumer "Test consumer"
  purpose "Tests that versions within one second are told apart"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source profile independent
from sessions since last run
select kwh as energy
output csv to "{out}/sessions-{{window.end}}.csv"
"""


def _energies(folder: Path) -> list[str]:
    return sorted(row["energy"] for path in folder.glob("sessions-*.csv")
                  for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _stamp(moment: datetime, fraction: str) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def test_a_correction_in_the_same_second_as_the_delivered_version_is_delivered(run_cli,
                                                                                  tmp_path: Path) -> None:
    second = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "out"))
    with IndependentCpo("2.2.1", records=0) as cpo:
        cpo.add_session(second)
        session = cpo.lists["sessions"][-1]
        session.update(kwh=10.0, last_updated=_stamp(second, ".100"))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-XYZ",
                       "--profile", "independent").exit_code == 0

        runs = iter(range(1, 10))

        def run():  # each at its own (past) time: each window its own file
            as_of = second + timedelta(hours=1, seconds=next(runs))
            result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                             "--lookback", "1d", "--as-of", as_of.strftime("%Y-%m-%dT%H:%M:%SZ"), env=KEY)
            assert result.exit_code == 0, result.output
            return result

        run()
        assert _energies(tmp_path / "out") == ["10.0"]
        # a late correction, stamped 0.6 s after the version delivered
        session.update(kwh=12.5, last_updated=_stamp(second, ".700"))
        corrected = run()
        assert _energies(tmp_path / "out") == ["10.0", "12.5"], corrected.stderr
        assert "1 late record" in " ".join(corrected.stderr.split())
        # the same version again, its instant written otherwise: not a new version
        for form in (_stamp(second, ".700000000"), _stamp(second, ".7"),
                     (second + timedelta(hours=2, microseconds=700_000)).strftime("%Y-%m-%dT%H:%M:%S.%f+02:00")):
            session["last_updated"] = form
            again = run()
            assert _energies(tmp_path / "out") == ["10.0", "12.5"], (form, again.stderr)


def test_a_version_sent_with_and_without_a_zero_fraction_is_delivered_once(run_cli, tmp_path: Path) -> None:
    second = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "out"))
    with IndependentCpo("2.2.1", records=0) as cpo:
        cpo.add_session(second)
        session = cpo.lists["sessions"][-1]
        session.update(kwh=10.0, last_updated=_stamp(second, ""))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-XYZ",
                       "--profile", "independent").exit_code == 0
        for index, form in enumerate((_stamp(second, ""), _stamp(second, ".000"), _stamp(second, ".000000000"))):
            as_of = second + timedelta(hours=1, seconds=index)
            session["last_updated"] = form
            result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                             "--lookback", "1d", "--as-of", as_of.strftime("%Y-%m-%dT%H:%M:%SZ"), env=KEY)
            assert result.exit_code == 0, result.output
            assert _energies(tmp_path / "out") == ["10.0"], (form, result.stderr)


_FORMS = (".%f", ".%f000", "", ".%f+00:00")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 999_999), st.integers(0, 3), st.booleans()),
                min_size=1, max_size=12))
def test_each_version_is_delivered_once_whatever_its_stamp_says(steps: list[tuple[int, int, int, bool]]) -> None:
    """Between runs each step re-lists a record: as a new version (another `kwh`) at some
    microsecond of one second, or the version listed already with its instant written in
    another form. A lookback run re-reads every record, as the crawl hands it on (stamps
    normalised). Every version is delivered once; a form of one is never a new one."""
    from ocpispec.execute.lookback import Screen
    from ocpispec.ocpi.objects import normalise_timestamps

    key = b"k" * 32
    second = datetime(2026, 3, 1, 12, tzinfo=UTC)
    listed: dict[str, tuple[datetime, float]] = {}
    delivered: list[tuple[str, float]] = []
    before: set[str] = set()
    for number, (which, micro, form, new) in enumerate(steps):
        ident = f"S{which}"
        if new or ident not in listed:
            listed[ident] = (second.replace(microsecond=micro), float(number))
        stamp, kwh = listed[ident]
        text = stamp.strftime("%Y-%m-%dT%H:%M:%S" + _FORMS[form]) + ("" if form == 3 else "Z")
        page = [normalise_timestamps({"country_code": "NL", "party_id": "ABC", "id": name,
                                      "last_updated": text if name == ident else moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                                      "kwh": energy})
                for name, (moment, energy) in sorted(listed.items())]
        screen = Screen(key, before, second - timedelta(days=1), module="sessions")
        delivered += [(record["id"], record["kwh"]) for record in screen(page)]
        before = screen.seen
    versions = {(name, energy) for name, (_, energy) in listed.items()}
    assert len(delivered) == len(set(delivered)), delivered
    assert versions <= set(delivered)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_windows_split_within_a_second_tile_time(workers: str, run_cli) -> None:
    """`get` windows that meet at an instant within a second (`--date-to` and the next
    `--date-from` at 0.500 s) list every record once: a window's bounds are cut to the
    second, on the platform (asked in whole seconds, which every platform reads) and on
    our side (the stamps are compared as the outputs print them)."""
    second = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    with IndependentCpo("2.2.1", records=0) as cpo:
        for offset, fraction in ((-1, ".900"), (0, ""), (0, ".200"), (0, ".500"), (0, ".800"), (1, "")):
            cpo.add_session(second)
            cpo.lists["sessions"][-1]["last_updated"] = _stamp(second + timedelta(seconds=offset), fraction)
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-XYZ",
                       "--profile", "independent").exit_code == 0
        bounds = (_stamp(second - timedelta(hours=1), ""), _stamp(second, ".500"),
                  _stamp(second + timedelta(hours=1), ""))
        listed = []
        for start, end in zip(bounds, bounds[1:], strict=False):
            result = run_cli("get", "sessions", "--profile", "independent", "--privacy-pass", "id",
                             "--workers", workers, "--date-from", start, "--date-to", end)
            assert result.exit_code == 0, result.output
            listed += [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert sorted(listed) == sorted(session["id"] for session in cpo.lists["sessions"]), listed


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_later_version_in_the_same_second_as_the_copy_read_first_fails_the_run(workers: str, run_cli,
                                                                                tmp_path: Path) -> None:
    """A list holding an object twice, the second time 0.6 s later in its second: the copy
    read first was handed on and, with worker processes (which compared the stamps as
    whole seconds), the later one dropped as a repeat of the same version. As in one
    process, such a list cannot be proven complete (`test_later_copies`)."""
    from test_later_copies import _run

    with IndependentCpo("2.2.1", records=20, total=False) as cpo:
        sessions = cpo.lists["sessions"]
        second = datetime.fromisoformat(sessions[2]["last_updated"].replace("Z", "+00:00")).replace(microsecond=0)
        older = copy.deepcopy(sessions[15])
        older["status"], older["last_updated"] = "ACTIVE", _stamp(second, ".100")
        sessions[15]["last_updated"] = _stamp(second, ".700")
        sessions.insert(3, older)
        done, out = _run(cpo, run_cli, tmp_path, "--workers", workers)
    assert done.exit_code == 1 and not out.exists(), done.output
    assert "later `last_updated` inside the window" in done.stderr, done.stderr


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5_000_000), min_size=2, max_size=5, unique=True),
       st.lists(st.integers(-1_000_000, 6_000_000), min_size=1, max_size=20), st.sampled_from(_FORMS))
def test_windows_tile_time_whatever_the_stamps_say(bounds: list[int], stamps: list[int], form: str) -> None:
    """Consecutive windows (bounds at any microsecond) hold each stamp once, and the same
    window whether the stamp comes as sent (`12:00:00.200Z`, an offset, nine digits) or
    normalised to its second, as the executor's guard meets it either way."""
    from ocpispec.execute.window_guard import WindowGuard
    from ocpispec.timestamps import normalise_timestamp

    origin = datetime(2026, 3, 1, 12, tzinfo=UTC)
    edges = [origin + timedelta(microseconds=at) for at in sorted(bounds)]
    guards = [WindowGuard(start, end) for start, end in zip(edges, edges[1:], strict=False)]
    first, last = WindowGuard(edges[0], edges[0]), WindowGuard(edges[-1], None)
    for at in stamps:
        moment = origin + timedelta(microseconds=at)
        sent = moment.strftime("%Y-%m-%dT%H:%M:%S" + form) + ("" if form.endswith("00:00") else "Z")
        places = []
        for text in (sent, normalise_timestamp(sent)):
            inside = [guard.side(text) == 0 for guard in guards]
            before, after = first.side(text) == -1, last.side(text) == 0
            assert inside.count(True) + before + after == 1, (text, edges)
            places.append((before, *inside, after))
        assert places[0] == places[1], (sent, edges)


def test_a_state_written_before_digests_told_versions_apart_repeats_nothing(run_cli, tmp_path: Path) -> None:
    """A state whose digests an earlier version made by the key and the whole second (its
    `seen_check` says so) loads; the record read by the run that wrote it, read again, is
    not delivered again; the digests then stored tell versions apart, so the next run
    delivers a correction in that second."""
    import dataclasses

    from ocpispec.execute.lookback import Digests, Screen, lookback_key, second_check
    from ocpispec.ledger import load_state, save_state

    second = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "out"))
    ledger = tmp_path / "ledger.sqlite"
    with IndependentCpo("2.2.1", records=0) as cpo:
        cpo.add_session(second)
        session = cpo.lists["sessions"][-1]
        session.update(kwh=10.0, last_updated=_stamp(second, ".100"))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-XYZ",
                       "--profile", "independent").exit_code == 0
        runs = iter(range(1, 10))

        def run():
            as_of = second + timedelta(hours=1, seconds=next(runs))
            result = run_cli("run", str(spec), "--state", str(ledger), "--lookback", "1d",
                             "--as-of", as_of.strftime("%Y-%m-%dT%H:%M:%SZ"), env=KEY)
            assert result.exit_code == 0, result.output
            return " ".join(result.stderr.split())

        run()
        # the state as the version before wrote it: digests by the key and the whole second
        key = lookback_key(KEY["TEST_PSEUDONYM_KEY"].encode(), "sub_second_test", True)
        state = load_state(ledger, "sub_second_test")
        old = Screen(key, (), second, module="sessions", stored=Digests.SECOND)._earlier_digest(
            {**session, "last_updated": _stamp(second, "")}, second)
        save_state(ledger, state.advanced({"sessions": dataclasses.replace(
            state.datasets["sessions"], seen=(old,), seen_check=second_check(key))}))
        assert "1 record read again and skipped" in run()
        assert _energies(tmp_path / "out") == ["10.0"]
        session.update(kwh=12.5, last_updated=_stamp(second, ".700"))
        assert "1 late record" in run()
    assert _energies(tmp_path / "out") == ["10.0", "12.5"]
