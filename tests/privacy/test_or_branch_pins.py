"""A filter that pins a quasi-identifier in one branch of an `or` (adversarial review).

`where (kwh >= 23.41 and kwh < 23.42) or country_code = "ZZ"` beside `round(kwh, 0)`
checked clean: only a pin in every branch was warned about, and whether the other
branch ever holds is the data's to say (no record has country `ZZ`), so every released
row had its energy to 0.01 kWh with the driver's pseudonym beside it. A pin in any
branch is warning OCX303 now, silenced as any filter pin with `because "..."`."""

from __future__ import annotations

import json
from pathlib import Path

SPEC = '''export energy_slices
  consumer "Mobility research institute"
  purpose "Study how much energy drivers charge in public"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-5"
  retention 12 months
  pseudonym key env SLICE_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  where (kwh >= 23.41 and kwh < 23.42) or country_code = "ZZ"
select
  pseudonymize(cdr_token.contract_id) as driver
  round(kwh, 0) as energy_kwh
output csv to "x"
'''


def test_check_and_review_warn_of_a_pin_in_one_branch(run_cli, tmp_path: Path,
                                                      snapshot) -> None:
    spec = tmp_path / "slices.ocx"
    spec.write_text(SPEC)
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 0
    assert checked.stderr.replace(str(tmp_path), "<tmp>") == snapshot
    review = run_cli("review", str(spec), "--format", "json")
    assert review.exit_code == 0, review.stderr
    assert [w["code"] for w in json.loads(review.stdout)["warnings"]] == ["OCX303"]
    reviewed = spec.read_text().replace('"ZZ"\n', '"ZZ" because "the grid study needs '
                                        'exactly these sessions"\n')
    spec.write_text(reviewed)
    assert "OCX303" not in run_cli("check", str(spec)).stderr
