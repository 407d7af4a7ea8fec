"""`--lookback` tells records apart by the key the crawl uses (`ocpi.objects.key_fields`):
on 2.2+ an id is unique only within its party (`country_code`, `party_id`), and a
token's `uid` only with its `type`. A late record that shares its id (and update second)
with a record of another party read by the last run is new, not a re-read."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from independent_cpo import IndependentCpo

KEY = {"TEST_PSEUDONYM_KEY": "6a1f0c9e3d7b24e8a5c1f9d0b3e6a27c4f8d1b5e9a0c3f7d2b6e4a8c1f5d9b03"}
SPEC = """export lookback_key_test
  consumer "Test consumer"
  purpose "Tests that a lookback tells records of different parties apart"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source profile independent
from sessions since last run
select party_id as party
output csv to "{out}/sessions-{{window.end}}.csv"
"""


def _parties(folder: Path) -> list[str]:
    return sorted(row["party"] for path in folder.glob("sessions-*.csv")
                  for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_late_record_of_another_party_with_the_same_id_is_delivered(run_cli,
                                                                       tmp_path: Path) -> None:
    updated = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "out"))
    with IndependentCpo("2.2.1", records=0) as cpo:
        # each party lists its own public site under the id its sessions name
        site = cpo.lists["locations"][0]
        cpo.lists["locations"] += [{**site, "party_id": party} for party in ("ABC", "DEF")]
        cpo.add_session(updated)
        cpo.lists["sessions"][-1].update(id="SHARED-1", party_id="ABC")
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-XYZ",
                       "--profile", "independent").exit_code == 0

        def run(*args: str):
            result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                             "--lookback", "1d", *args, env=KEY)
            assert result.exit_code == 0, result.output
            return result

        run("--as-of", (updated + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        # the platform inserts a session of another party late, with the same id and time
        cpo.add_session(updated)
        cpo.lists["sessions"][-1].update(id="SHARED-1", party_id="DEF")
        second = run()
    assert _parties(tmp_path / "out") == ["ABC", "DEF"], second.stderr
    assert "1 late record" in " ".join(second.stderr.split())


def test_digests_stored_by_the_id_alone_still_screen_the_re_read_part() -> None:
    """A state written before digests named the party: its digests (under the old
    check) are compared by the id alone, once, so an upgrade repeats nothing; the
    digests it collects for the next run are by the whole key."""
    from ocpispec.execute.lookback import Digests, Screen, key_check, key_checks, legacy_check, stored_digests
    from ocpispec.execute.statekeeping import comparable
    from ocpispec.ledger.state import DatasetState

    key = b"k" * 32
    horizon = datetime(2026, 1, 1, tzinfo=UTC)
    record = {"country_code": "NL", "party_id": "ABC", "id": "S1",
              "last_updated": "2026-01-01T10:00:00Z"}
    old = Screen(key, (), horizon, module="sessions", stored=Digests.ID)
    legacy_digest = old._earlier_digest(record, horizon.replace(hour=10))
    assert stored_digests(key, legacy_check(key)) is Digests.ID and stored_digests(key, None) is Digests.ID
    screen = Screen(key, {legacy_digest}, horizon, module="sessions", stored=Digests.ID)
    assert list(screen([record])) == [] and screen.skipped == 1
    assert screen.seen and legacy_digest not in screen.seen
    assert list(Screen(key, screen.seen, horizon, module="sessions")([record])) == []
    other = {**record, "party_id": "DEF"}
    assert list(Screen(key, screen.seen, horizon, module="sessions")([other])) == [other]
    stored = DatasetState(watermark="2026-01-02T00:00:00Z", plan_fingerprint="x",
                          committed_at="2026-01-02T00:00:00Z", seen_check=legacy_check(key))
    assert comparable(stored, key_checks(key)) and key_check(key) != legacy_check(key)


def test_digests_stored_by_the_whole_second_still_screen_the_re_read_part() -> None:
    """A state written before digests told versions by what they say (v2: the key and the
    whole second) loads, and its digests screen the re-read part once: the record read
    again is not delivered again; the digests collected for the next run are by version."""
    from ocpispec.execute.lookback import Digests, Screen, second_check, stored_digests

    key = b"k" * 32
    horizon = datetime(2026, 1, 1, tzinfo=UTC)
    record = {"country_code": "NL", "party_id": "ABC", "id": "S1", "kwh": 4.5,
              "last_updated": "2026-01-01T10:00:00Z"}
    assert stored_digests(key, second_check(key)) is Digests.SECOND
    earlier = Screen(key, (), horizon, module="sessions", stored=Digests.SECOND)._earlier_digest(
        record, horizon.replace(hour=10))
    screen = Screen(key, {earlier}, horizon, module="sessions", stored=Digests.SECOND)
    assert list(screen([record])) == [] and screen.skipped == 1 and earlier not in screen.seen
    following = Screen(key, screen.seen, horizon, module="sessions")
    assert list(following([record])) == [] and following.skipped == 1
    corrected = {**record, "kwh": 5.0}
    assert list(Screen(key, screen.seen, horizon, module="sessions")([corrected])) == [corrected]
