"""A one-time token is no driver: OCPI's `AD_HOC_USER` token is "one time use", a new
uid (and contract id) per charge, so one person paying ad hoc at a site ten times came
to a group as ten drivers and passed `minimum group size 10` alone. Such records now
add no driver, as records without an id do. Runs go over HTTP to the independent CPO."""

from __future__ import annotations

import csv
from pathlib import Path

from independent_cpo import IndependentCpo
from test_outputs import KEY

SPEC = '''export energy
  consumer "Test consumer"
  purpose "Energy for grid planning"
  legal basis public task
  retention 1 year
  pseudonym key env ENERGY_TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
group by
  currency
compute
  count() as sessions
  sum(kwh) as energy_kwh
minimum group size 10
output csv to "{out}"
'''


def _run(run_cli, tmp_path: Path, name: str, card: int, ad_hoc: int, kind: str
         ) -> list[dict[str, str]]:
    """`card` drivers with a card each, and `ad_hoc` charges paid with one-time tokens
    of token type `kind` (the independent CPO gives every charge its own uid and
    contract id, as a platform issuing one-time ids does)."""
    spec, out = tmp_path / f"{name}.ocx", tmp_path / f"{name}.csv"
    spec.write_text(SPEC.format(out=out))
    with IndependentCpo("2.2.1", records=card + ad_hoc) as cpo:
        for session in cpo.lists["sessions"][card:]:
            session["cdr_token"]["type"] = kind
        result = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", "--quiet",
                         env={"OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token,
                              "ENERGY_TEST_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(out.open(newline=""))) if out.exists() else []


def test_one_person_paying_ad_hoc_does_not_make_a_group(run_cli, tmp_path) -> None:
    # 9 card drivers and 6 ad hoc charges: 15 uids, 9 people known
    assert _run(run_cli, tmp_path, "nine", 9, 6, "AD_HOC_USER") == []
    assert _run(run_cli, tmp_path, "lower", 9, 6, "ad_hoc_user") == []
    # 10 card drivers: released, the ad hoc charges counted in its figures
    assert [row["sessions"] for row in _run(run_cli, tmp_path, "ten", 10, 6,
                                            "AD_HOC_USER")] == ["16"]
    # an app user's token is the same for every session: each counts as a driver
    assert [row["sessions"] for row in _run(run_cli, tmp_path, "app", 9, 6,
                                            "APP_USER")] == ["15"]
