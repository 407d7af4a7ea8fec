"""A platform behind an XML-to-JSON layer that collapses one-element arrays sends a list
of one inside a record as its one item: `"charging_periods": {...}`, `"evses": {...}`,
`"dimensions": {...}`, `"tariff_ids": "11"` (`independent_cpo`, quirk `lists of one bare`).
Each such value is read as the list of one it stands for, in `get` and in `run` with one
process or two, so the export is the one the same platform sending lists gives; a
value that is no item of the list (a number where a list of objects goes) still reads
as null, counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import HEADER, KEY, _csv_rows

SPECS = {
    "cdrs": """from cdrs
  each charging_periods as period
select
  pseudonymize(id) as cdr
  period.tariff_id as tariff
  period.start_date_time as period_start
  total_energy
""",
    "sessions": """from sessions
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(id) as session
  round(total_cost.excl_vat, 1) as cost
""",
    "locations": """from locations
select
  id as location_id
  jmespath("length(evses)") as evse_count
  jmespath("length(evses[].connectors[])") as connector_count
  jmespath("max(evses[].connectors[].max_amperage)") as max_amperage
""",
}
# what `get` releases beside the public fields: the lists the layer collapses
PASSED = {"cdrs": "charging_periods,tariffs,total_cost", "locations": "evses,coordinates",
          "sessions": "charging_periods,total_cost"}


def _export(version: str, quirks: tuple[str, ...], module: str, workers: str, run_cli,
            tmp_path: Path) -> tuple[list[dict[str, str]], str, list[dict]]:
    """The rows a run of `SPECS[module]` delivers, its output, and `get MODULE`'s objects
    (with the fields `PASSED[module]` released)."""
    with IndependentCpo(version, records=9, quirks=quirks) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", module, "--profile", "independent", "--privacy-pass", PASSED[module],
                         "--workers", workers)
        assert pulled.exit_code == 0, pulled.output
        spec = tmp_path / f"{module}.ocx"
        spec.write_text(HEADER.format(name=module) + SPECS[module] + f'output csv to "{module}.csv"\n')
        out = tmp_path / "-".join(quirks) / f"{module}.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--workers", workers,
                       "--state", str(tmp_path / f"{'-'.join(quirks)}.sqlite"), env={"INDEPENDENT_KEY": KEY})
        assert done.exit_code == 0, done.output
    return _csv_rows(out), done.output, [json.loads(line) for line in pulled.stdout.splitlines()]


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(("version", "module"), [("2.2.1", "cdrs"), ("2.3.0", "locations"),
                                                 ("2.1.1", "cdrs"), ("2.2.1", "locations")])
def test_a_list_of_one_sent_as_its_item_is_read_as_the_list(version: str, module: str, workers: str,
                                                            run_cli, tmp_path: Path, forks: list) -> None:
    """Every CDR's one charging period (with its one dimension) came as the period itself:
    each CDR was invalid (`charging_periods` is not a list) and the run failed; a site's
    one EVSE, or an EVSE's one connector, came as the object and read as null, so the
    site's EVSE count was empty, counted as a value of the wrong type."""
    listed, _, listed_objects = _export(version, (), module, workers, run_cli, tmp_path)
    rows, said, objects = _export(version, ("lists of one bare",), module, workers, run_cli, tmp_path)
    assert rows == listed and rows
    assert objects == listed_objects
    assert "one item where OCPI says a list, read as a list of one" in said
    assert "wrong type" not in said
    assert bool(forks) == (workers == "2")



@pytest.mark.parametrize(("version", "module", "workers"), [("2.2.1", "sessions", "1"), ("2.2.1", "cdrs", "2"),
                                                            ("2.3.0", "locations", "1"), ("2.2.1", "cdrs", "1")])
def test_an_object_sent_as_a_list_of_one_is_read_as_the_object(version: str, module: str, workers: str,
                                                               run_cli, tmp_path: Path) -> None:
    """A serialiser writing every nested object as an array sends `"cdr_token": [{...}]`,
    `"cdr_location": [{...}]`, `"total_cost": [{...}]`: read as null, every CDR lacked
    its required site and was invalid (the run failed), a session's cost was empty."""
    listed, _, listed_objects = _export(version, (), module, workers, run_cli, tmp_path)
    rows, said, objects = _export(version, ("objects in lists",), module, workers, run_cli, tmp_path)
    assert rows == listed and rows
    assert objects == listed_objects
    assert "an object sent as a list of one, read as the object" in said
    assert "wrong type" not in said


@pytest.mark.parametrize("quirks", [(), ("lists of one bare",)])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_connector_sent_alone_raises_its_locations_stamp(workers: str, quirks, run_cli) -> None:
    """A location is read as last updated when its latest EVSE or connector was; an EVSE's
    one connector sent as the object was not looked at, so the location kept its older
    stamp (and fell into an earlier window than its connector's update)."""
    with IndependentCpo("2.2.1", records=9, quirks=quirks) as cpo:
        site = cpo.lists["locations"][0]
        assert len(site["evses"][1]["connectors"]) == 1
        site["evses"][1]["connectors"][0]["last_updated"] = "2026-03-01T10:00:00Z"
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", "locations", "--profile", "independent", "--date-to", "2027-01-01",
                         "--privacy-pass", "last_updated", "--workers", workers)
    assert pulled.exit_code == 0, pulled.output
    stamps = {obj["id"]: obj["last_updated"] for obj in map(json.loads, pulled.stdout.splitlines())}
    assert stamps[site["id"]] == "2026-03-01T10:00:00Z", pulled.output


@pytest.mark.parametrize(("version", "module"), [("2.2.1", "sessions"), ("2.3.0", "tariffs")])
def test_get_of_a_module_with_a_fast_path_reads_a_list_of_one_sent_as_its_item(version: str, module: str,
                                                                               run_cli) -> None:
    """`get sessions` and `get tariffs` read clean pages in C (`ocpi/fast_pages.py`); a
    page with a list sent as its item is read the usual way, to the same objects."""
    dumps = []
    for quirks in [(), ("lists of one bare",)]:
        with IndependentCpo(version, records=9, quirks=quirks) as cpo:
            done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                           "--profile", "independent")
            assert done.exit_code == 0, done.output
            pulled = run_cli("get", module, "--profile", "independent", "--workers", "1",
                             "--privacy-pass", {"sessions": "charging_periods", "tariffs": "elements"}[module])
        assert pulled.exit_code == 0, pulled.output
        dumps.append((pulled.stdout, pulled.stderr))
    (listed, _), (collapsed, said) = dumps
    assert collapsed == listed and len(listed.splitlines()) == 9
    assert "one item where OCPI says a list, read as a list of one" in said


def test_one_object_answered_as_a_list_of_one_is_that_object(run_cli, tmp_path: Path) -> None:
    """A `--limit` sample asks for each session's site by id (`GET {locations}/{id}`); a
    platform answering with a list of that one site, as its list query finds it, had every
    site read as unknown, so every session was left out as at a site the platform does not
    list, and the sample came out empty."""
    rows, said = {}, {}
    for quirk in ("object routes", "object routes listed"):
        with IndependentCpo("2.2.1", records=12, quirks=(quirk,)) as cpo:
            done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                           "--profile", "independent")
            assert done.exit_code == 0, done.output
            spec = tmp_path / "sessions.ocx"
            spec.write_text(HEADER.format(name="sessions") + SPECS_SESSIONS + 'output csv to "sessions.csv"\n')
            out = tmp_path / quirk / "sessions.csv"
            done = run_cli("run", str(spec), "--out", str(out), "--limit", "5", env={"INDEPENDENT_KEY": KEY})
            assert done.exit_code == 0, done.output
            assert any("/locations/" in request for request in cpo.requests)
        rows[quirk], said[quirk] = _csv_rows(out), done.output
    assert rows["object routes listed"] == rows["object routes"] and len(rows["object routes"]) == 5
    assert "with a list of that object; read as the object" in said["object routes listed"]
    assert "read as the object" not in said["object routes"]


SPECS_SESSIONS = """from sessions
select
  pseudonymize(id) as session
  truncate(start_date_time, hour) as started
"""


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(("version", "module"), [("2.2.1", "cdrs"), ("2.3.0", "locations"),
                                                 ("2.1.1", "locations"), ("2.2.1", "sessions")])
def test_null_items_in_a_list_are_left_out(version: str, module: str, workers: str,
                                           run_cli, tmp_path: Path, forks: list) -> None:
    """A list inside a record with null items (`"evses": [null, {...}, null]`) read as null
    whole: a site's every EVSE and connector was gone (counted as a value of the wrong
    type), and a CDR with such `charging_periods` was invalid, so the run failed. The null
    items stand for nothing: the rest of the list is read, and the export is the one the
    platform sending the lists without them gives."""
    listed, _, listed_objects = _export(version, (), module, workers, run_cli, tmp_path)
    rows, said, objects = _export(version, ("null items",), module, workers, run_cli, tmp_path)
    assert rows == listed and rows
    assert objects == listed_objects
    assert "null items in a list, left out" in said
