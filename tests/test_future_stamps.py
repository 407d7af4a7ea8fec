"""A record stamped in the future (`last_updated` in 2099, or days ahead by a clock
error) falls inside no window a run asks for until its time comes: on an honest
platform, which applies `date_to`, a run delivered the rest and exited 0, and no run
ever said a word of it. One request of one record after the crawl (records updated
more than the margin after now, the count from `X-Total-Count`) finds them: the run
fails loudly (OCX571), and `--accept-incomplete` delivers the rest with a warning."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo

SPEC = '''export future_stamps
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
  pseudonym key env FUTURE_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  pseudonymize(id) as session
output csv to "{out}"
'''
KEY = "3f9a1c7e5b2d4f608a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f"


@pytest.mark.parametrize("stamps", [("2099-01-01T00:00:00Z",),
                                    ("2099-01-01T00:00:00Z", "2031-06-01T12:00:00Z")],
                         ids=["one", "two"])
def test_a_record_stamped_in_the_future_is_not_lost_silently(run_cli, tmp_path: Path,
                                                            stamps: tuple[str, ...]) -> None:
    out = tmp_path / "s.csv"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=out))
    with IndependentCpo("2.2.1", records=20) as cpo:
        for record, stamp in zip(cpo.lists["sessions"][3:], stamps):
            record["last_updated"] = stamp
        cpo.lists["sessions"].sort(key=lambda record: record["last_updated"])
        env = {"OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token, "FUTURE_KEY": KEY}
        refused = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env=env)
        written = out.exists()
        accepted = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z",
                           "--accept-incomplete", env=env)
    told = " ".join(refused.output.split())
    assert refused.exit_code == 1, refused.output
    assert "error[OCX571]" in told
    records = "1 record is" if len(stamps) == 1 else "2 records are"
    assert f"{records} stamped more than 25 hours after now" in told
    assert "have the platform correct" in told
    assert not written
    assert accepted.exit_code == 0, accepted.output
    assert f"{records} stamped more than 25 hours after now" in " ".join(accepted.output.split())
    with open(out, newline="") as rows:
        assert len(list(csv.DictReader(rows))) == 20 - len(stamps)


def test_records_updated_after_the_window_are_no_doubt(run_cli, tmp_path: Path) -> None:
    """A window in the past (`--as-of`) leaves out records updated since: they are not in
    the future, and their run comes; nothing is said of them."""
    out = tmp_path / "s.csv"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=out))
    with IndependentCpo("2.2.1", records=20) as cpo:
        env = {"OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token, "FUTURE_KEY": KEY}
        first = sorted(record["last_updated"] for record in cpo.lists["sessions"])[10]
        done = run_cli("run", str(spec), "--as-of", first, env=env)
    assert done.exit_code == 0, done.output
    assert "stamped" not in done.output
