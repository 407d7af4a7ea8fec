"""Executor parts without the network: windows, state, outputs, keys, lookups, joins,
privacy and aggregation."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ocpispec.plan import ir
from ocpispec.execute import RunError
from ocpispec.execute.aggregate import Aggregator
from ocpispec.execute.atomic import AtomicFile
from ocpispec.execute.functions import custom_functions
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.execute.keys import DEMO_KEY, resolve_key
from ocpispec.execute.lookups import PerIdLookup, TableLookup, fold
from ocpispec.execute.outputs import OutputError, expand, placeholders, resolve_targets
from ocpispec.execute.pipeline import Counts, Pipeline
from ocpispec.execute.windows import resolve_window
from ocpispec.diagnostics.source import Span
from ocpispec.ledger.state import DatasetState, State, StateError, load_state, save_state

NOW = datetime(2026, 3, 15, 10, 30, 5, tzinfo=UTC)
SPAN = Span(0, 1)
FUNCTIONS = custom_functions(b"unit-test-key-" * 3, "export")


def compile(text: str):
    return compile_expression(text, FUNCTIONS)


# ---- windows and state -----------------------------------------------------------------


@pytest.mark.parametrize(("window", "watermark", "expected"), [
    (ir.Window("all"), None, (None, None, False)),
    (ir.Window("since-last-run"), None, ("1970-01-01T00:00:00Z", "2026-03-15T10:30:05Z", True)),
    (ir.Window("since-last-run"), "2026-03-08T00:00:00Z",
     ("2026-03-08T00:00:00Z", "2026-03-15T10:30:05Z", False)),
    (ir.Window("since", start="2026-01-01T00:00:00Z"), None,
     ("2026-01-01T00:00:00Z", "2026-03-15T10:30:05Z", False)),
    (ir.Window("between", start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:00Z"), None,
     ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", False)),
    (ir.Window("last", amount=7, unit="days"), None,
     ("2026-03-08T10:30:05Z", "2026-03-15T10:30:05Z", False)),
    (ir.Window("last", amount=1, unit="month"), None,
     ("2026-02-15T10:30:05Z", "2026-03-15T10:30:05Z", False)),
    (ir.Window("last", amount=4, unit="weeks"), None,
     ("2026-02-15T10:30:05Z", "2026-03-15T10:30:05Z", False)),
])
def test_windows(window: ir.Window, watermark: str | None, expected: tuple) -> None:
    resolved = resolve_window(window, watermark, NOW)
    assert (resolved.date_from, resolved.date_to, resolved.first_run) == expected


def test_state_round_trip_and_serial(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.json"
    state = load_state(path, "export")
    assert state.serial == 0 and state.watermark("sessions") is None
    update = {"sessions": DatasetState("2026-03-15T10:30:05Z", "f" * 64, "2026-03-15T10:30:05Z")}
    save_state(path, state.advanced(update))
    again = load_state(path, "export")
    assert again.serial == 1 and again.watermark("sessions") == "2026-03-15T10:30:05Z"
    assert list(tmp_path.glob("deep/.*")) == [], "no temporary file is left"


@pytest.mark.parametrize("content", ["{", '{"format_version": 9}', "[]",
                                     '{"format_version": 1, "export": "other", "serial": 1, '
                                     '"datasets": {}}'])
def test_unusable_state_is_an_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateError):
        load_state(path, "export")


def test_atomic_file_appears_only_on_commit(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    file = AtomicFile(target)
    file.stream.write("a,b\r\n")
    assert not target.exists()
    file.commit()
    assert target.read_bytes() == b"a,b\r\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640 & ~_umask())  # never world-readable
    failed = AtomicFile(target)
    failed.stream.write("partial")
    failed.discard()
    assert target.read_bytes() == b"a,b\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---- outputs -------------------------------------------------------------------------------


def test_destination_placeholders() -> None:
    values = placeholders("utrecht", "sessions", NOW, "2026-03-08T00:00:00Z", None)
    assert expand("exports/{export}-{run.date}-{run.time}.csv", values) == \
        "exports/utrecht-2026-03-15-103005.csv"
    assert expand("{window.start}_{window.end}_{run.timestamp}", values) == \
        "20260308T000000Z_all_20260315T103005Z"
    with pytest.raises(OutputError, match="unknown placeholder `{run.year}`"):
        expand("x-{run.year}", values)


def _dataset(name: str, destination: str | None, format: str = "csv") -> ir.Dataset:
    render = ir.Render(f"render.{format}", format, destination, None, None, SPAN)
    return ir.Dataset(name, "sessions", (render,), (), SPAN)


def test_out_overrides_destinations(tmp_path: Path) -> None:
    one = (_dataset("sessions", "exports/{export}.csv"),)
    values = {"sessions": {"export": "x"}, "cdrs": {"export": "x"}}
    assert resolve_targets(one, None, values)["sessions"].path == Path("exports/x.csv")
    assert resolve_targets(one, str(tmp_path / "a.csv"), values)["sessions"].path == \
        tmp_path / "a.csv"
    assert resolve_targets(one, str(tmp_path), values)["sessions"].path == tmp_path / "x.csv"
    assert resolve_targets(one, "-", values)["sessions"].path is None
    two = (*one, _dataset("cdrs", None, "ndjson"))
    targets = resolve_targets(two, str(tmp_path), values)
    assert targets["cdrs"].path == tmp_path / "cdrs.ndjson"
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError):
        resolve_targets(two, str(tmp_path / "file"), values)
    with pytest.raises(OutputError):
        resolve_targets(two, str(tmp_path / "new"), values)
    assert resolve_targets(two, f"{tmp_path}/new/", values)["cdrs"].path == \
        tmp_path / "new" / "cdrs.ndjson"
    with pytest.raises(OutputError):
        resolve_targets(two, "-", values)


# ---- keys -------------------------------------------------------------------------------


def test_keys() -> None:
    reference = ir.SecretReference("env", "KEY", SPAN)
    good = "3f9c0e7a5b12d84e6a0c9f3b7d21e8a45c6b0f9e2d7a13c8b4e5f60a9d1c2b7e"
    assert resolve_key(reference, env={"KEY": good}).secret == good.encode()
    assert resolve_key(reference, env={}, demo=True).secret == DEMO_KEY
    with pytest.raises(RunError) as missing:
        resolve_key(reference, env={})
    assert missing.value.diagnostic.code == "OCX550"
    for weak in ("k3y-Q9", "a" * 40, "abababababababababababababababababab"):
        with pytest.raises(RunError) as caught:
            resolve_key(reference, env={"KEY": weak})
        assert caught.value.diagnostic.code == "OCX551"
        assert weak not in str(caught.value.diagnostic)
    assert "good" not in repr(resolve_key(reference, env={"KEY": good}))


# ---- lookups, joins, privacy ----------------------------------------------------------------


LOCATIONS = [
    {"id": "LOC1", "publish": True, "postal_code": "3511 AB",
     "evses": [{"uid": "E1", "status": "AVAILABLE",
                "connectors": [{"id": "1", "standard": "IEC_62196_T2"},
                               {"id": "2", "standard": "CHADEMO"}]},
               {"uid": "E2", "status": "CHARGING", "connectors": [{"id": "1", "standard": "CCS"}]}]},
    {"id": "loc2", "publish": False, "postal_code": "1012 XY", "evses": []},
]
NORMALIZE_LOCATION = "{id: id, publish: publish, postal_code: postal_code, evses: evses}"


def test_ids_fold_case_insensitively() -> None:
    assert fold(" LOC1 ") == fold("loc1") == "loc1"
    assert fold(37) == fold("37")
    assert fold(None) is None and fold(True) is None
    table = TableLookup(LOCATIONS, compile(NORMALIZE_LOCATION), ("id",))
    assert table.get("Loc2")["postal_code"] == "1012 XY"
    assert table.get("nope") is None


def test_per_id_lookup_asks_once_per_key() -> None:
    asked = []

    def get_object(key: str) -> dict | None:
        asked.append(key)
        return next((loc for loc in LOCATIONS if loc["id"].lower() == key.lower()), None)

    lookup = PerIdLookup(get_object, compile(NORMALIZE_LOCATION))
    assert lookup.get("LOC1")["id"] == "LOC1"
    assert lookup.get("loc1")["id"] == "LOC1"
    assert lookup.get("LOC9") is None and lookup.get("loc9") is None
    assert asked == ["LOC1", "LOC9"]


def _pipeline(steps: list[ir.Step], counts: Counts, version: str = "2.2.1") -> Pipeline:
    normalize = ir.Normalize("normalize.sessions", "sessions", (), (ir.VersionExpression(
        version, "{id: id, location_id: location_id, evse_uid: evse_uid, "
                 "connector_id: connector_id, kwh: kwh}"),), SPAN)
    dataset = ir.Dataset("sessions", "sessions", (normalize, *steps), (), SPAN)
    table = TableLookup(LOCATIONS, compile(NORMALIZE_LOCATION), ("id",))
    return Pipeline(dataset, version, compile, {"lookup.locations": table}, counts)


JOIN = ir.Join("join.location", "locations", "location", "lookup.locations", ("location_id",),
               ("id",), (ir.SubBinding("location.evse", "location", ("evses",), ("uid",),
                                       ("evse_uid",)),
                         ir.SubBinding("location.connector", "location.evse", ("connectors",),
                                       ("id",), ("connector_id",))), SPAN)
PRIVACY = ir.PrivacyFilter("privacy.public_locations", "exclude-private-locations", "",
                           ("location_id",), "lookup.locations", None, None, SPAN)
PROJECT = ir.Project("project.sessions", (), "{area: prefix(location.postal_code, `4`), "
                     "status: location.evse.status, standard: location.connector.standard}",
                     SPAN)


def test_join_binds_evse_and_connector_and_privacy_excludes() -> None:
    counts = Counts()
    records = [
        {"id": "S1", "location_id": "loc1", "evse_uid": "e2", "connector_id": "1", "kwh": 3},
        {"id": "S2", "location_id": "LOC1", "evse_uid": "E1", "connector_id": "2", "kwh": 3},
        {"id": "S3", "location_id": "LOC2", "evse_uid": "X", "connector_id": "1", "kwh": 3},
        {"id": "S4", "location_id": "GONE", "evse_uid": "X", "connector_id": "1", "kwh": 3},
        {"id": "S5", "location_id": "LOC1", "evse_uid": "E9", "connector_id": "1", "kwh": 3},
    ]
    rows = list(_pipeline([PRIVACY, JOIN, PROJECT], counts).rows(records))
    assert rows == [
        {"area": "3511", "status": "CHARGING", "standard": "CCS"},
        {"area": "3511", "status": "AVAILABLE", "standard": "CHADEMO"},
        {"area": "3511", "status": None, "standard": None},
    ]
    assert (counts.read, counts.excluded_private) == (5, 2)


def test_records_that_fail_are_counted_not_raised() -> None:
    counts = Counts()
    project = ir.Project("project.sessions", (), "{kwh: round(kwh, `1`)}", SPAN)
    records = [{"kwh": 1.25}, {"kwh": "SECRET"}, {"kwh": {"x": 1}}, "not an object"]
    rows = list(_pipeline([project], counts).rows(records))
    assert rows == [{"kwh": 1.3}]
    assert counts.invalid == {"expected a number, got text": 1,
                              "expected a number, got an object or a list": 1,
                              "record is not an object": 1}
    assert "SECRET" not in json.dumps(counts.invalid)


# ---- aggregation -----------------------------------------------------------------------------


def _column(name: str, expression: str) -> ir.Column:
    return ir.Column(name, expression, (), "generalised", "", "public", "public", None, SPAN)


def test_aggregation_counts_people_and_suppresses_small_groups() -> None:
    step = ir.Aggregate("aggregate.sessions", (_column("area", "area"),), (
        ir.Measure("sessions", "count", None, (), "public", SPAN),
        ir.Measure("energy", "sum", "kwh", (), "public", SPAN),
        ir.Measure("mean", "avg", "kwh", (), "public", SPAN),
        ir.Measure("low", "min", "kwh", (), "public", SPAN),
        ir.Measure("high", "max", "kwh", (), "public", SPAN)),
        3, True, "distinct drivers", "driver", SPAN)
    counts = Counts()
    aggregator = Aggregator(step, compile, counts)
    records = [{"area": "3511", "driver": d, "kwh": k}
               for d, k in [("a", 1.1), ("b", 2.2), ("c", 3.3), ("a", 4.4)]]
    records += [{"area": "1012", "driver": "a", "kwh": 5.0}] * 10  # ten sessions, one driver
    records += [{"area": None, "driver": d, "kwh": None} for d in ("x", "y", "z")]
    aggregator.add_all(records)
    rows = list(aggregator.rows())
    assert rows == [
        {"area": None, "sessions": 3, "energy": None, "mean": None, "low": None, "high": None},
        {"area": "3511", "sessions": 4, "energy": 11.0, "mean": 2.75, "low": 1.1, "high": 4.4},
    ]
    assert (counts.groups, counts.groups_suppressed) == (3, 1)


def test_aggregation_without_drivers_counts_records() -> None:
    step = ir.Aggregate("aggregate.locations", (_column("city", "city"),),
                        (ir.Measure("n", "count", None, (), "public", SPAN),),
                        2, False, "records", None, SPAN)
    aggregator = Aggregator(step, compile, Counts())
    aggregator.add_all([{"city": "Utrecht"}, {"city": "Utrecht"}, {"city": "Delft"}])
    assert list(aggregator.rows()) == [{"city": "Utrecht", "n": 2}]


def test_state_type_is_frozen() -> None:
    with pytest.raises(AttributeError):
        State("x").serial = 3  # type: ignore[misc]
