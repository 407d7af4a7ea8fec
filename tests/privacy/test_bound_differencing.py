"""Two row datasets whose filters bound one quasi-identifier close together pin it in
the band between them (adversarial review, round 2).

`where total_cost.excl_vat >= 20` and `where total_cost.excl_vat >= 20.05` in two row
datasets of one export each checked clean (each range is open, wider than any floor):
on the demo CPO the rows the first kept and the second did not were 25 charges that
cost between 20 and 20.05, and a third dataset releasing the driver's pseudonym beside
the same hour, postal area and energy named the one driver of each. OCX303 now warns
(`check/bound_differencing.py`)."""

from __future__ import annotations

import collections
import csv
import json
from pathlib import Path

import pytest
from frontend_helpers import HEADER, codes_of

KEY = "0f8e3a6c1d5b92e47a0c8f3d6b1e59a27c4f0d8b3e6a15c9f2d7b40e8a3c6f1d"
SHOWN = ("  truncate(start_date_time, hour) as started\n"
         "  prefix(cdr_location.postal_code, 4) as area\n  round(total_energy, 1) as energy\n")
DRIVERS = ("from sessions as drivers\n  join locations on location_id\nselect\n"
           "  pseudonymize(cdr_token.uid) as driver\n"
           "  truncate(start_date_time, hour) as started\n"
           "  prefix(location.postal_code, 4) as area\n  round(kwh, 1) as energy\n"
           'output csv to "{out}/drivers.csv"\n')


def _rows(name: str, where: str, out: str = "x", module: str = "cdrs") -> str:
    shown = SHOWN if module == "cdrs" else "  round(kwh, 1) as energy\n"
    return (f"from {module} as {name}\n  where {where}\nselect\n{shown}"
            f'output csv to "{out}/{name}.csv"\n')


def test_two_close_bounds_give_the_charges_between_them_and_their_drivers(
        run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = tmp_path / "costs.ocx"
    spec.write_text(HEADER.replace("source profile demo", "source ocpi env U token env T")
                    + DRIVERS.format(out=out)
                    + _rows("dear", "total_cost.excl_vat >= 20", str(out))
                    + _rows("dearer", "total_cost.excl_vat >= 20.05", str(out)))
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["message"]) for d in json.loads(checked.stdout)["diagnostics"]]
    assert found == [("OCX303", "the filters of `dear` and `dearer` pin the quasi-identifier "
                                "`total_cost.excl_vat` below its floor together")], found

    done = run_cli("run", str(spec), "--demo", "--demo-size", "10000", env={"TEST_KEY": KEY})
    assert done.exit_code == 0, done.stderr

    def rows(name: str) -> list[dict[str, str]]:
        with (out / f"{name}.csv").open() as file:
            return list(csv.DictReader(file))

    band = collections.Counter(tuple(r.values()) for r in rows("dear")) - \
        collections.Counter(tuple(r.values()) for r in rows("dearer"))
    drivers = collections.defaultdict(set)
    for row in rows("drivers"):
        drivers[(row["started"], row["area"], row["energy"])].add(row["driver"])
    assert len(band) >= 10 and all(len(drivers[key]) == 1 for key in band)


@pytest.mark.parametrize("first, second", [
    (_rows("a", "total_cost.excl_vat >= 20"), _rows("b", "total_cost.excl_vat > 20.05")),
    (_rows("a", "total_energy < 10"), _rows("b", "not total_energy >= 10.05")),
    (_rows("a", "total_energy < 20"), _rows("b", "total_energy <= 20")),
    # a session and its CDR are one charge: `kwh` and `total_energy` one energy
    (_rows("a", "kwh >= 10", module="sessions"), _rows("b", "total_energy >= 10.05")),
    (_rows("a", "start_date_time >= 2025-03-01T10:00:00Z and total_energy > 1"),
     _rows("b", "start_date_time >= 2025-03-01T10:01:00Z")),
    # written through arithmetic, the bound is the same (adversarial review, round 8)
    (_rows("a", "total_cost.excl_vat * 100 >= 2000"),
     _rows("b", "total_cost.excl_vat >= 20.05")),
], ids=["cost", "energy below", "one value", "session and cdr", "start", "computed"])
def test_bounds_closer_than_the_floor_pin_the_value_between_them(first: str,
                                                                   second: str) -> None:
    assert codes_of(first + second) == ["OCX303"]


@pytest.mark.parametrize("first, second", [
    (_rows("a", "total_cost.excl_vat >= 20"), _rows("b", "total_cost.excl_vat >= 20.1")),
    (_rows("a", "total_energy < 20"), _rows("b", "total_energy >= 20")),
    (_rows("a", "total_energy >= 20"), _rows("b", "total_energy >= 20")),
    (_rows("a", "total_energy >= 20"),
     _rows("b", 'total_energy >= 20.05 because "the study compares the two groups of charges"')),
    (_rows("a", "total_energy >= 20"),
     "from cdrs as b\n  where total_energy >= 20.05\ngroup by truncate(start_date_time, day) "
     "as d\ncompute count() as n\n  minimum group size 10\noutput csv to \"x/b.csv\"\n"),
], ids=["a floor apart", "either side", "same bound", "justified", "aggregate"])
def test_bounds_a_floor_apart_or_on_either_side_pass(first: str, second: str) -> None:
    assert "OCX303" not in codes_of(first + second)


def test_the_warning_renders(snapshot) -> None:
    from frontend_helpers import diagnose_source

    from ocpispec.diagnostics import report
    from ocpispec.diagnostics.source import SourceFile

    text = HEADER + _rows("dear", "total_cost.excl_vat >= 20") + \
        _rows("dearer", "total_cost.excl_vat >= 20.05")
    found = diagnose_source(SourceFile("costs.ocx", text))
    assert report.render(found, {"costs.ocx": SourceFile("costs.ocx", text)}) == snapshot


def test_a_session_s_and_a_cdr_s_update_times_are_not_one_value() -> None:
    """A CDR is issued after its session's last update: their bounds close no band."""
    first = _rows("a", "last_updated >= 2025-03-01T10:00:00Z", module="sessions")
    second = _rows("b", "last_updated >= 2025-03-01T10:01:00Z")
    assert "OCX303" not in codes_of(first + second)
    assert codes_of(first + second.replace("from cdrs", "from sessions").replace(
        SHOWN, "  round(kwh, 1) as energy\n")) == ["OCX303"]


@pytest.mark.parametrize("consumer, warned", [("Test consumer", True),
                                              ("  test   CONSUMER ", True),
                                              ("Another consumer", False)])
def test_two_exports_to_one_consumer_are_compared_too(run_cli, tmp_path: Path, consumer: str,
                                                      warned: bool) -> None:
    """Each export passes alone; the consumer holds both files."""
    first, second = tmp_path / "dear.ocx", tmp_path / "dearer.ocx"
    first.write_text(HEADER.replace("test_export", "dear") + _rows("a", "total_cost.excl_vat >= 20"))
    second.write_text(HEADER.replace("test_export", "dearer").replace("Test consumer", consumer)
                      + _rows("b", "total_cost.excl_vat >= 20.05"))
    checked = run_cli("check", str(first), str(second), "--format", "concise")
    said = f"{second}:9:9: warning[OCX303]: the filters of `a` of export `dear` at {first}:9:9 " \
        "and `b` pin the quasi-identifier `total_cost.excl_vat` below its floor together"
    assert (said in checked.stderr) is warned, checked.stderr
