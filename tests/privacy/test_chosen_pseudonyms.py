"""A pseudonym of a value the spec chooses is a dictionary entry (adversarial review,
round 4).

A pseudonym's key was derived from the family of the first field its value reads, so
`pseudonymize(kwh)` and `pseudonymize(kwh * 0 + 40.13)` had one key, and so had every
`pseudonymize(jmespath("..."))` (family `value`): `jmespath("kwh")` beside
``jmespath("`40.13`")``. The second column is the key's answer for 40.13, the same on
every row, and the rows whose first pseudonym equals it are exactly the sessions of
40.13 kWh: the exact energy the first pseudonym was meant to hide, told without the
key. Both checked clean. Now a pseudonym of a computed value has the key of its
computation (`execute/pseudonyms.py`, `plan/lower.py`): a value computed otherwise,
a constant included, never shares one; a field pseudonymised as it is keeps its
family's key, so a session's `location_id` and a location's `id` still link."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

KEY = "5d1e7c3a9b0f428e6a1c5d9b3f7e0a24c8b6d1f3a5e7092c4b8d0f6a2e4c7b91"
HEADER = '''export chosen_values
  consumer "Mobility research institute"
  purpose "Study sessions by their energy in whole kilowatt hours"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-3"
  retention 12 months
  pseudonym key env CHOSEN_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(("hidden", "chosen"), [
    ("pseudonymize(kwh)", "pseudonymize(kwh * 0 + {kwh})"),
    ('pseudonymize(jmespath("kwh"))', 'pseudonymize(jmespath("`{kwh}`"))'),
], ids=["arithmetic", "jmespath"])
def test_a_pseudonym_of_a_chosen_value_names_no_record(
        run_cli, demo_server, tmp_path: Path, hidden: str, chosen: str) -> None:
    env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token,
           "CHOSEN_KEY": KEY}
    truth, out = tmp_path / "exports" / "truth.csv", tmp_path / "exports" / "probe.csv"
    spec = tmp_path / "truth.ocx"
    spec.write_text(HEADER + f'''from sessions
select
  pseudonymize(id) as session
  kwh because "the exact energy shows the test its truth and nothing else"
output csv to "{truth}"
''')
    assert run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                   env=env).exit_code == 0
    energies = {row["session"]: row["kwh"] for row in _rows(truth)}
    target = sorted(energies.values(), key=float)[len(energies) // 2]
    spec = tmp_path / "probe.ocx"
    spec.write_text(HEADER + f'''from sessions
select
  pseudonymize(id) as session
  round(kwh, 0) as energy_kwh
  {hidden} as energy
  {chosen.format(kwh=target)} as probe
output csv to "{out}"
''')
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 0, checked.output
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     "--state", str(tmp_path / "probe-state.sqlite"), env=env)
    assert result.exit_code == 0, result.stderr
    rows = _rows(out)
    assert rows and {row["probe"] for row in rows} != {""}
    named = [energies[row["session"]] for row in rows if row["energy"] == row["probe"]]
    assert named == [], f"the chosen {target} kWh named {len(named)} sessions"
