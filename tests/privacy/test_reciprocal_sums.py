"""A sum of a reciprocal is its smallest value's (adversarial review).

`min(kwh)` is OCX303: it releases one record's energy. `sum(1 / kwh)` checked clean and
was called an aggregate, "quasi-identifier -> public"; the pole check (OCX303 for
`1 / (kwh - 40)`) let a division by a record value the spec does not shift pass. Yet
its pole is at 0, and real platforms hold charges that stopped after a few Wh (a car
that refused the charge, a cable pulled at once): such a charge outweighs the hundreds
of others in its group, and one over the sum is its energy. Served here by the demo CPO
with a few such charges."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from frontend_helpers import HEADER, codes_of

from ocpispec.demo import DemoServer

KEY = "4b1d7e0a9c3f82d5e6a1b4c7d0e3f6a9b2c5d8e1f4a7b0c3d6e9f2a5b8c1d4e7"
TINY = 0.0037  # kWh: a charge that stopped after a few Wh


class _TinyChargesServer(DemoServer):
    """The demo CPO, where every 50th completed session stopped after a few Wh."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "sessions" and index % 50 == 7 and obj.get("kwh"):
            obj["kwh"] = TINY + index / 1_000_000
        return obj


SPEC = '''export district_energy
  consumer "Provincial energy office"
  purpose "Energy charged per postal district"
  legal basis public task "Art. 6(1)(e) GDPR; DSA-2026-030"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  join locations on location_id
group by
  prefix(location.postal_code, 2) as district
compute
  count() as sessions
  sum(1 / kwh) as reciprocal
  minimum group size 10
output csv to "districts.csv"
'''


def test_a_sum_of_a_reciprocal_gives_the_smallest_value_and_is_warned(
        run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC)
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["range"]["start"]["line"], d["help"])
             for d in json.loads(checked.stdout)["diagnostics"]]
    with _TinyChargesServer(version="2.2.1", size=600, max_page_size=200) as server:
        result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                         env={"OCPI_VERSIONS_URL": server.versions_url,
                              "OCPI_TOKEN": server.token,
                              "OCPISPEC_OUTPUT_ROOT": str(tmp_path)})
    assert result.exit_code == 0, result.output
    with (tmp_path / "districts.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    served = [TINY + index / 1_000_000 for index in range(7, 600, 50)]
    told = [1 / float(row["reciprocal"]) for row in rows]
    # a group of 10 drivers and more gives one charge's energy, to a few Wh in a thousand
    # (the floor of `kwh` is 100 Wh): one over the sum, as `min(kwh)` would say it
    assert any(abs(energy - charge) < charge * 0.02 for energy in told for charge in served), \
        (told, served)
    assert [(code, line) for code, line, _ in found] == [("OCX303", 13)], found
    assert "`total_cost / kwh`" in found[0][2]


@pytest.mark.parametrize("measure, codes", [
    ("sum(100 / kwh)", ["OCX303"]),
    ("avg(round(1 / kwh, 3))", ["OCX338"]),           # a cut of a scaled value
    ("sum(1 / hours(start_date_time, end_date_time))", ["OCX303"]),
    ("avg(total_cost.excl_vat / kwh)", []),           # a price per kWh: a rate
    ("sum(kwh / hours(start_date_time, end_date_time))", []),  # a power
    ("sum(kwh / 2)", []),
])
def test_reciprocals(measure: str, codes: list[str]) -> None:
    text = ("from sessions\ngroup by truncate(start_date_time, month) as month\n"
            f"compute\n  count() as sessions\n  {measure} as measure\n  minimum group size 10\n"
            'output csv to "a.csv"\n')
    assert [c for c in codes_of(text) if c in ("OCX303", "OCX338")] == codes
