"""A party's codes padded with white space (`" DE"`, `"XYZ "`, a fixed-width formatter), in
the records of a platform serving two CPOs: such a text was longer than OCPI allows (2 and
3 characters) only by its padding, so each record of that party was invalid and every run
joining its sites failed (OCX570, "key field `country_code` is longer than 2 characters"),
though ids compare without the padding everywhere else. A text over its length only by
white space around it is read without it now, and said as a deviation."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from ocpispec.schema.wire_tests import string

KEY = "1a3c5e7b9d2f4a6c8e1b3d5f7a9c2e4b6d8f1a3c5e7b9d2f4a6c8e1b3d5f7a9c"
SPEC = """export padded_codes
  consumer "Test consumer"
  purpose "Sessions at the sites of two CPOs served by one platform"
  legal basis public task "test"
  retention 1 months
  pseudonym key env PADDED_KEY
source profile independent
from {module}
join locations on {key}
select
  pseudonymize(id) as record
  party_id as cpo
  country_code as country
  location.city as city because "the study compares charging in the cities of two operators"
output csv to "{module}.csv"
"""


class _PaddedSecondParty(IndependentCpo):
    """The second party's (`DE*XYZ`) codes padded, in its sites and its sessions and CDRs."""

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for record in made:
            if record.get("party_id") == "XYZ":
                record["country_code"], record["party_id"] = " DE", "XYZ\t"
        return made


@pytest.mark.parametrize(("module", "key"), [("sessions", "location_id"), ("cdrs", "cdr_location.id")])
def test_party_codes_padded_with_white_space_are_read_without_it(module: str, key: str, run_cli,
                                                                   tmp_path: Path) -> None:
    with _PaddedSecondParty("2.2.1", records=8, quirks=("two parties",)) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        spec = tmp_path / "padded.ocx"
        spec.write_text(SPEC.format(module=module, key=key))
        out = tmp_path / "out.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"PADDED_KEY": KEY})
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sorted((row["cpo"], row["country"], row["city"]) for row in rows) == \
        [("BEC", "BE", "Gent")] * 4 + [("XYZ", "DE", "Berlin")] * 4
    assert f"{module}.party_id: padded with white space, read without it" in done.output


@pytest.mark.parametrize(("text", "limit", "read"), [(" DE", 2, "DE"), ("XYZ\t", 3, "XYZ"), ("\u00a0NL\u00a0", 2, "NL"),
                                                     (" DEU", 2, None), ("D E", 2, None)])
def test_a_text_over_its_length_only_by_padding_is_read_without_it(text: str, limit: int, read: str | None) -> None:
    found = string(limit)(text)
    assert found is not None and found[0] == read
    assert (found[1] is None) == (read is not None)
