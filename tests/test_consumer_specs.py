"""Specs for consumers the repo does not ship (tests/specs/consumers/), as new users
wrote them from the README and docs/language.md: a grid operator, statistics offices,
a tariff study, a GIS status feed, idle time per site, an audit, a finance team, an
emissions report, accessibility studies, 2.1.1-only and 2.3.0 platforms, an incremental
feed; a DSO's quarter hours per site and EVSE, a university's session rows, a statistics
office's XLSX per municipality, a GIS team's occupancy map and a tariff NGO's tariffs
beside the prices paid (test_five_consumers.py: what those five tripped over); a grid operator's power classes, a statistics office's durations, a university's CDRs against their tariffs, a parking department's idle time, a regulator's tariff structures, a car-sharing study's starts and an SFTP feed (test_grid_power_class.py and the other tests named for them: their numbers checked by hand against `ocpispec get`); a fleet desk's own cards, a municipality's hourly uptime, a university's idle-time distribution, a tariff transparency study on 2.3.0, a statistics office's connector power classes and a grid operator's hourly profile per grid cell as GeoJSON, an AFIR access point's ad hoc prices (test_fleet_own_cards.py, test_municipality_uptime.py, test_idle_distribution.py, test_tariff_transparency.py, test_statistics_connector_power.py, test_substation_profile.py); a DSO's quarter hours per connection point, a ministry's AFIR EVSE status in XLSX, a university's idle time in Parquet, a city's street occupancy top ten, an eMSP fleet desk's own cards, an NGO's dearest prices, a statistics office's municipalities in XLSX, an open-data portal's every format and SFTP, a 2.1.1 settlement desk, a province's local evening peak, a card audit on tokens and a hub planner's top areas (test_newcomer_round_eleven_consumers.py: their first tries and plans); a grid operator's quarter-hour peaks per substation area, a tourism board's card countries, an insurer's EVSE status per connector standard, a transport study's weekday hours, a journalist's top ten sites, a tariff comparison site's price components, a roaming hub auditor's totals per party and a retailer's power classes (test_newcomer_round_twelve_consumers.py); a grid operator's 15-minute load per site, a city's occupancy per district and hour of the week, a researcher's idle-time percentiles, a fleet manager's own cards, a tax office's energy per municipality per quarter, a tourism board's foreign cards per month, a university's keyed sample of sessions and an insurer's fault stops per connector kind (test_newcomer_round_fourteen.py). Each checks clean, runs against the demo CPO of the OCPI version it is written
for (a spec pinning a version gets that version from the demo, which serves all), and
its file loads as its consumer loads it (pandas, Excel, a GIS tool)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from frontend_helpers import REPO

from ocpispec.check.compiler import compile_file

CONSUMERS = sorted((REPO / "tests" / "specs" / "consumers").glob("*.ocx"))
VERSIONS = {"legacy_211": "2.1.1", "price_components_230": "2.3.0",
            "tariff_transparency_230": "2.3.0", "emsp_settlement_211": "2.1.1",
            "fleet_emsp_sessions": "2.2.1"}


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_there_are_ten_consumers() -> None:
    assert len(CONSUMERS) >= 10


@pytest.mark.parametrize("path", CONSUMERS, ids=lambda p: p.stem)
def test_a_consumer_spec_checks_clean(path: Path) -> None:
    checked = compile_file(path.relative_to(REPO))
    assert [w.code for w in checked.warnings] == []


@pytest.mark.parametrize("path", CONSUMERS, ids=lambda p: p.stem)
def test_a_consumer_spec_runs_on_its_version(path: Path, run_cli, tmp_path: Path) -> None:
    """A spec of several datasets (a tariff NGO's tariffs beside the prices paid) writes
    each into the `--out` directory, and each file loads."""
    text = path.read_text()
    several = len(re.findall(r"^from ", text, re.MULTILINE)) > 1
    extension = re.search(r'to "[^"]*?(\.[a-z]+)"', text).group(1)
    out = tmp_path / ("out" if several else f"out{extension}")
    args = ["run", str(path.relative_to(REPO)), "--demo", "--demo-size", "2000",
            "--out", f"{out}/" if several else str(out)]
    if path.stem in VERSIONS:
        args += ["--demo-version", VERSIONS[path.stem]]
    done = run_cli(*args)
    assert done.exit_code == 0, done.stderr
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr
    outputs = sorted(p for p in out.iterdir() if p.suffix != ".json") if several else [out]
    assert len(outputs) == (text.count("\noutput ") if several else 1)
    for output in outputs:
        assert output.exists() and Path(f"{output}.datapackage.json").exists()
        _loads_as_the_consumer_loads_it(output, text)


def _loads_as_the_consumer_loads_it(out: Path, spec: str) -> None:
    """pandas, Excel and GIS tools read the file cleanly: every row, typed numbers, and
    GeoJSON points with numeric longitude and latitude in range."""
    import pandas as pd

    match out.suffix:
        case ".csv":
            excel = " excel-" in spec
            frame = pd.read_csv(out, sep=";" if excel else ",", decimal="," if excel else ".",
                                encoding="utf-8-sig")
        case ".ndjson" | ".jsonl":
            frame = pd.read_json(out, lines=True)
        case ".parquet":
            frame = pd.read_parquet(out)
        case ".xlsx":
            pytest.importorskip("openpyxl")
            frame = pd.read_excel(out, sheet_name=0)
        case ".geojson":
            frame = _features(out)
        case _:
            return
    assert len(frame.columns) > 0 or (out.suffix == ".geojson" and len(frame) == 0)
    numeric = [c for c in frame.columns if c in ("energy_kwh", "kwh", "sessions", "cdrs",
                                                 "revenue_excl_vat", "volts", "amps",
                                                 "connectors", "energy_price_per_kwh",
                                                 "paid_per_kwh_incl_vat", "charging_h")]
    for column in numeric if len(frame) else ():  # a file of no rows has no types to infer
        assert pd.api.types.is_numeric_dtype(frame[column]), column


def _features(out: Path):
    import json

    import pandas as pd

    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        if geometry is not None:
            longitude, latitude = geometry["coordinates"]
            assert geometry["type"] == "Point"
            assert isinstance(longitude, float) and isinstance(latitude, float)
            assert -180 <= longitude <= 180 and -90 <= latitude <= 90
    return pd.DataFrame([feature["properties"] for feature in collection["features"]])
