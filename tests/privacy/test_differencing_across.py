"""Two exports to one consumer whose aggregates differ only by a filter or a window:
each passes its own review, but the consumer holds both files and their difference
isolates records. `ocpispec check` of several specs warns (OCX332, `check/across.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from test_run_e2e import run_spec  # noqa: F401 - fixture


def _spec(name: str, consumer: str, clauses: str,
          keys: str = "truncate(start_date_time, day) as day") -> str:
    return (f'export {name}\n  consumer "{consumer}"\n  purpose "Planning of chargers"\n'
            '  legal basis public task "Art. 6(1)(e)"\n  retention 1 year\n'
            f"source profile demo\nfrom sessions\n{clauses}group by {keys}\n"
            "compute sum(kwh) as energy_kwh\n  minimum group size 10\n"
            f'output csv to "{name}.csv"\n')


def _check(run_cli, folder: Path, *specs: tuple[str, str]) -> dict[str, list[str]]:
    for name, text in specs:
        (folder / f"{name}.ocx").write_text(text, encoding="utf-8")
    result = run_cli("check", "--format", "json", str(folder))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    codes: dict[str, list[str]] = {Path(f["file"]).stem: [] for f in document["files"]}
    for found in document["diagnostics"]:
        if found["code"] != "OCX237":  # late records of a `between` window: not differencing
            codes[Path(found["file"]).stem].append(found["code"])
    return codes


@pytest.mark.parametrize("first, second, consumer", [
    ("  last 7 days\n", "  last 7 days\n  where kwh < 55\n", "Gemeente Utrecht"),
    ("", "  where kwh < 55\n", "  gemeente   UTRECHT "),  # case and spacing ignored
    ("  last 7 days\n", "  last 8 days\n", "Gemeente Utrecht"),
    ("  since 2026-01-01\n", "  since 2026-01-02\n", "Gemeente Utrecht"),
])
def test_two_exports_to_one_consumer_that_differ_by_a_filter_are_warned(
        run_cli, tmp_path: Path, first: str, second: str, consumer: str) -> None:
    codes = _check(run_cli, tmp_path, ("a_all", _spec("a_all", "Gemeente Utrecht", first)),
                   ("b_some", _spec("b_some", consumer, second)))
    assert codes == {"a_all": [], "b_some": ["OCX332"]}


@pytest.mark.parametrize("keys", ['constant("all") as everything',
                                  "truncate(start_date_time, week) as week"])
def test_totals_of_the_same_records_in_another_export_are_warned(run_cli, tmp_path: Path,
                                                                 keys: str) -> None:
    """No secondary suppression runs across specs: a grand total (a constant key, which
    no grid relates to the days) in another export was not warned of."""
    codes = _check(run_cli, tmp_path,
                   ("daily", _spec("daily", "Gemeente Utrecht", "")),
                   ("totals", _spec("totals", "Gemeente Utrecht", "", keys)))
    assert codes == {"daily": [], "totals": ["OCX332"]}


def test_totals_in_another_export_give_withheld_groups_back(run_spec, run_cli, demo_server,
                                                            tmp_path: Path) -> None:
    """Against the demo CPO: the sessions per postal district (districts under 10 drivers
    withheld) and, in another export to the same consumer, their grand total; the total
    minus the released districts is the withheld districts' sessions."""
    from test_run_e2e import read_csv

    header = _spec("x", "Gemeente Utrecht", "").split("source")[0]
    body = ("source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN\nfrom sessions\n"
            "  join locations on location_id\ngroup by {keys}\ncompute count() as sessions\n"
            '  minimum group size {minimum}\noutput csv to "{name}.csv"\n')
    files = {}
    for name, keys, minimum in (("districts", "prefix(location.postal_code, 2) as area", 10),
                                ("total", 'constant("all") as area', 10),
                                ("every_district", "prefix(location.postal_code, 2) as area", 1)):
        text = header.replace("export x", f"export {name}") + body.format(keys=keys, minimum=minimum,
                                                                            name=name)
        files[name] = tmp_path / f"{name}.ocx"
        files[name].write_text(text, encoding="utf-8")
        (tmp_path / name).mkdir()
        result = run_spec(files[name], demo_server, out=f"{name}/")
        assert result.exit_code == 0, result.stderr
    released = {r["area"]: int(r["sessions"]) for r in read_csv(tmp_path / "districts" / "districts.csv")}
    [total] = read_csv(tmp_path / "total" / "total.csv")
    every = {r["area"]: int(r["sessions"]) for r in read_csv(tmp_path / "every_district" / "every_district.csv")}
    withheld = {area: n for area, n in every.items() if area not in released}
    assert withheld and int(total["sessions"]) - sum(released.values()) == sum(withheld.values())
    pair = tmp_path / "pair"
    pair.mkdir()
    for name in ("districts", "total"):
        (pair / f"{name}.ocx").write_text(files[name].read_text(encoding="utf-8"), encoding="utf-8")
    checked = run_cli("check", str(pair))
    assert checked.exit_code == 0, checked.stderr
    assert "warning[OCX332]: this aggregate and one of export `districts` go to the same " \
        "consumer, and one holds the totals of the other's groups" in checked.output


def test_totals_in_another_export_are_warned(run_cli, tmp_path: Path) -> None:
    codes = _check(run_cli, tmp_path,
                   ("daily", _spec("daily", "Gemeente Utrecht", "")),
                   ("weekly", _spec("weekly", "Gemeente Utrecht", "  where kwh < 55\n",
                                    "truncate(start_date_time, week) as week")))
    assert codes == {"daily": [], "weekly": ["OCX332"]}


@pytest.mark.parametrize("second, consumer", [
    ("  where kwh < 55\n", "Provincie Utrecht"),                  # another consumer
    ("", "Gemeente Utrecht"),                                     # the same table twice
    ("  between 2025-01-01 and 2025-02-01\n", "Gemeente Utrecht"),  # no shared records
])
def test_exports_that_cannot_be_subtracted_are_not_warned(run_cli, tmp_path: Path,
                                                          second: str, consumer: str) -> None:
    first = "  between 2025-03-01 and 2025-04-01\n" if "between" in second else ""
    codes = _check(run_cli, tmp_path, ("a_all", _spec("a_all", "Gemeente Utrecht", first)),
                   ("b_some", _spec("b_some", consumer, second)))
    assert codes == {"a_all": [], "b_some": []}


def test_a_spec_with_errors_is_left_out_of_the_comparison(run_cli, tmp_path: Path) -> None:
    broken = _spec("b_some", "Gemeente Utrecht", "  where kwh < 55\n").replace(
        "sum(kwh)", "sum(no_such_field)")
    (tmp_path / "a_all.ocx").write_text(_spec("a_all", "Gemeente Utrecht", ""))
    (tmp_path / "b_some.ocx").write_text(broken)
    result = run_cli("check", "--format", "concise", str(tmp_path))
    assert result.exit_code == 1
    assert "OCX332" not in result.stderr and "error" in result.stderr


def test_the_warning_names_the_other_export(run_cli, tmp_path: Path, snapshot) -> None:
    (tmp_path / "a_all.ocx").write_text(_spec("a_all", "Gemeente Utrecht", "  last 7 days\n"))
    (tmp_path / "b_some.ocx").write_text(
        _spec("b_some", "Gemeente Utrecht", "  last 7 days\n  where kwh < 55\n"))
    result = run_cli("check", str(tmp_path))
    assert result.exit_code == 0
    assert "a_all.ocx:8:3" in result.stderr
    assert cli_block(result).replace(str(tmp_path), "<dir>") == snapshot


@pytest.mark.parametrize("second_keys", ["bucket(kwh, [10.5, 20, 30]) as band",
                                         "bucket(kwh, [10, 15, 20, 30]) as band"])
def test_exports_grouping_one_value_on_other_grids_are_warned(run_cli, tmp_path,
                                                              second_keys: str) -> None:
    """Bands of 10-20 kWh in one export and of 10.5-20 (or 10-15 and 15-20) in the other:
    the consumer subtracts one band from the other and reads the sessions in between;
    across exports not even nested bands are protected (no secondary suppression)."""
    first = _spec("bands", "Gemeente Utrecht", "  last 7 days\n",
                  keys="bucket(kwh, [10, 20, 30]) as band")
    second = _spec("other_bands", "Gemeente Utrecht", "  last 7 days\n", keys=second_keys)
    codes = _check(run_cli, tmp_path, ("bands", first), ("other_bands", second))
    assert codes == {"bands": [], "other_bands": ["OCX332"]}
    (tmp_path / "apart").mkdir()
    codes = _check(run_cli, tmp_path / "apart", ("bands", first),
                   ("other_bands", second.replace("Gemeente Utrecht", "TU Delft")))
    assert codes == {"bands": [], "other_bands": []}


def test_rows_in_another_export_beside_an_aggregate_are_warned(run_cli, tmp_path: Path) -> None:
    """The sessions under 55 kWh row by row in one export, the sessions per day in another
    to the same consumer: a day's count minus its rows is its larger sessions (OCX348)."""
    rows = _spec("rows", "Gemeente Utrecht", "  where kwh < 55\n").replace(
        "group by truncate(start_date_time, day) as day\ncompute sum(kwh) as energy_kwh\n"
        "  minimum group size 10\n", "select\n  truncate(start_date_time, day) as day\n")
    codes = _check(run_cli, tmp_path, ("daily", _spec("daily", "Gemeente Utrecht", "")),
                   ("rows", rows))
    assert codes == {"daily": [], "rows": ["OCX348"]}
