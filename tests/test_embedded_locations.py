"""A 2.2+ session or CDR sent with OCPI 2.1.1's embedded `location` (a platform upgraded
one module at a time, as with a Price in another version's shape), or a 2.1.1 one with
2.2's `cdr_location` (`location_id`...): every CDR lacked its required `cdr_location`
(`location`) and every session its `location_id`, `evse_uid` and `connector_id`
(`location`), so the run refused them all (OCX570, "missing required field"). They are
now read as the fields their version names, said as a deviation; a location embedding more than the EVSE and connector
used leaves which was used unknown: read without them (as a 2.1.1 record is), never the first."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text

_CONNECTOR = {"standard": "connector_standard", "format": "connector_format",
              "power_type": "connector_power_type"}


def _embedded(site: dict[str, Any], evse_uid: str, evse_id: str, connector: dict[str, Any],
              stamp: str) -> dict[str, Any]:
    """OCPI 2.1.1's Location of a session or CDR: the site with the one EVSE and connector used."""
    plug = {"id": connector["id"], **{name: connector[flat] for name, flat in _CONNECTOR.items()},
            "voltage": 230, "amperage": 16, "last_updated": stamp}
    return {**{name: site[name] for name in ("id", "name", "address", "city", "postal_code", "country",
                                             "coordinates") if name in site},
            "type": "ON_STREET", "last_updated": stamp,
            "evses": [{"uid": evse_uid, "evse_id": evse_id, "status": "CHARGING", "connectors": [plug],
                       "last_updated": stamp}]}


class _OtherLocationShape(IndependentCpo):
    """Sessions and CDRs naming where they charged in the other version's shape: on 2.2+ a
    2.1.1 `location` (with `extra_evse`, listing a second EVSE too), on 2.1.1 the 2.2 fields."""

    def __init__(self, version: str, extra_evse: bool = False, **options: Any) -> None:
        self.extra_evse = extra_evse
        super().__init__(version, **options)

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for record in made if module in ("sessions", "cdrs") else ():
            self._flatten(record) if self.version == "2.1.1" else self._embed(record)
        return made

    @staticmethod
    def _flatten(record: dict[str, Any]) -> None:
        location = record.pop("location")
        evse = location["evses"][0]
        plug = evse["connectors"][0]
        if "stop_date_time" not in record:     # a session
            record.update(location_id=location["id"], evse_uid=evse["uid"], connector_id=plug["id"])
            return
        record["cdr_location"] = {**{name: location[name] for name in ("id", "name", "address", "city",
                                                                       "postal_code", "country", "coordinates")},
                                  "evse_uid": evse["uid"], "evse_id": evse["evse_id"], "connector_id": plug["id"],
                                  **{flat: plug[name] for name, flat in _CONNECTOR.items()}}

    def _embed(self, record: dict[str, Any]) -> None:
        stamp = record["last_updated"]
        if "cdr_location" in record:
            site = record.pop("cdr_location")
            connector = {"id": site["connector_id"], **{flat: site[flat] for flat in _CONNECTOR.values()}}
            location = _embedded(site, site["evse_uid"], site["evse_id"], connector, stamp)
        else:
            site = copy.deepcopy(self._example("locations"))
            evse = next(evse for evse in site["evses"] if evse["uid"] == record.pop("evse_uid"))
            plug = next(plug for plug in evse["connectors"] if plug["id"] == record.pop("connector_id"))
            connector = {"id": plug["id"], **{flat: plug[name] for name, flat in _CONNECTOR.items()}}
            location = _embedded({**site, "id": record.pop("location_id")}, evse["uid"], evse["evse_id"],
                                 connector, stamp)
        if self.extra_evse:
            location["evses"].append({**copy.deepcopy(location["evses"][0]), "uid": "OTHER-EVSE"})
        record["location"] = location


def _run(cpo: IndependentCpo, module: str, run_cli, tmp_path: Path):
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC", "--profile", "independent")
    assert done.exit_code == 0, done.output
    pulled = run_cli("get", module, "--profile", "independent")
    spec = tmp_path / f"{module}.ocx"
    spec.write_text(spec_text(module))
    out = tmp_path / "out" / f"{module}.csv"
    done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                   env={"INDEPENDENT_KEY": KEY})
    return pulled, done, out


@pytest.mark.parametrize(("version", "module", "extra_evse", "said"), [
    ("2.2.1", "cdrs", False, "OCPI 2.1.1's embedded Location sent for `cdr_location`"),
    ("2.3.0", "cdrs", False, "OCPI 2.1.1's embedded Location sent for `cdr_location`"),
    ("2.2.1", "sessions", False, "OCPI 2.1.1's embedded Location sent for `location_id`"),
    ("2.1.1", "cdrs", False, "OCPI 2.2's `cdr_location` sent for `location`"),
    ("2.1.1", "sessions", False, "OCPI 2.2's `location_id`, `evse_uid` and `connector_id` sent for `location`"),
    # which EVSE was used is unknown: never the first one's (another charger's) ids
    ("2.3.0", "cdrs", True, "holds more than the EVSE and connector used, so which was used is unknown"),
])
def test_where_a_session_or_cdr_charged_in_the_other_versions_shape_is_read_as_its_own(
        version: str, module: str, extra_evse: bool, said: str, run_cli, tmp_path: Path, snapshot) -> None:
    with _OtherLocationShape(version, extra_evse=extra_evse, records=9) as cpo:
        pulled, done, out = _run(cpo, module, run_cli, tmp_path)
        personal = [cpo.token, *cpo.personal_values()]
    assert pulled.exit_code == 0, pulled.output
    objects = [json.loads(line) for line in pulled.stdout.splitlines() if line.strip()]
    assert len(objects) == 9 and all(("location" in item) is (version == "2.1.1") for item in objects)
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 9 and len({row["session" if module == "sessions" else "cdr"] for row in rows}) == 9
    assert said in done.output, done.output
    assert [line.strip() for line in done.output.splitlines() if said in line] == snapshot
    assert "Traceback" not in done.output + pulled.output
    assert not [value for value in personal if value in done.output + pulled.output + out.read_text()]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=4),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["id", "evses", "connectors", "uid", "evse_id", "standard", "city",
                                         "contract_id", "evse_uid", "connector_id", "x"]), inner, max_size=4),
                    max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["2.1.1", "2.2.1", "2.3.0"]), st.sampled_from(["cdrs", "sessions"]),
       st.sampled_from(["location", "cdr_location", "location_id", "auth_id", "cdr_token"]), JSON)
def test_any_value_where_a_site_is_due_is_read_or_judged_never_raises(version: str, module: str, field: str,
                                                                       value: Any) -> None:
    from ocpispec.ocpi.objects import ObjectCheck

    record = {"id": "R1", "country_code": "NL", "party_id": "ABC", "last_updated": "2026-01-05T08:00:00Z",
              field: copy.deepcopy(value)}
    problem = ObjectCheck(version, module, None).problem(record)
    assert problem is None or isinstance(problem, str)
