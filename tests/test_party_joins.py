"""Ids are unique per party only (OCPI 2.2+): a platform serving two CPOs may list two
sites as `LOC1`. A session or CDR joins the site of its own party, never the other
party's, against the independent OCPI server with its `two parties` quirk."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from independent_cpo import IndependentCpo

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
SPEC = """export party_{module}
  consumer "Test consumer"
  purpose "Sites of two CPOs served by one platform"
  legal basis public task "test"
  retention 1 months
  pseudonym key env PARTY_KEY
source profile independent
from {module}
join locations on {key}
select
  pseudonymize(id) as record
  party_id as cpo
  location.postal_code as postal_code
  location.city as city
output csv to "{module}.csv"
"""
# each party's own site: the first party's is the official example's
SITES = {"BEC": ("9000", "Gent"), "XYZ": ("10115", "Berlin")}


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_a_record_joins_the_site_of_its_own_party(version: str, module: str, run_cli,
                                                  tmp_path: Path) -> None:
    with IndependentCpo(version, records=12, quirks=("two parties",)) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        spec = tmp_path / "party.ocx"
        key = "location_id" if module == "sessions" else "cdr_location.id"
        spec.write_text(SPEC.format(module=module, key=key))
        out = tmp_path / "out.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state",
                       str(tmp_path / "state.sqlite"), env={"PARTY_KEY": KEY})
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 12
    assert sorted(row["cpo"] for row in rows) == ["BEC"] * 6 + ["XYZ"] * 6
    assert {(row["cpo"], row["postal_code"], row["city"]) for row in rows} == \
        {(cpo, *site) for cpo, site in SITES.items()}


PARTY_VALUES = st.one_of(
    st.text(max_size=4), st.text(alphabet=" \t\x1c\x85\u3000NLnlｎｌßİ", max_size=4),
    st.sampled_from(["NL", " nl ", "ＮＬ", "", "  ", "BEC", "bec\t"]), st.none(), st.booleans(),
    st.integers(), st.floats(allow_nan=False), st.just([]), st.just({}))


class _Record(dict):  # type: ignore[type-arg]
    """A dict of another class: the general reading's."""


@settings(max_examples=500, deadline=None)
@given(PARTY_VALUES, PARTY_VALUES, st.sampled_from([
    (("country_code",), ("party_id",)), (("cdr_token", "country_code"), ("cdr_token", "party_id")),
    (("country_code",),)]), st.sampled_from([dict, _Record, lambda fields: [fields]]),
    st.booleans())
def test_the_party_reader_reads_as_party_of(country: object, party: object,
                                            paths: tuple[tuple[str, ...], ...], kind: Any,
                                            leave_out: bool) -> None:
    """The privacy check's and a join's party (`lookups.party_reader`, ASCII text read
    inline) is `party_of`'s, for any values, missing fields and records of any kind."""
    from ocpispec.execute.lookups import party_of, party_reader

    fields = {"country_code": country, "party_id": party}
    if leave_out:
        fields.pop("party_id")
    record = kind({**fields, "cdr_token": dict(fields)})
    assert party_reader(paths)(record) == party_of(record, paths)
