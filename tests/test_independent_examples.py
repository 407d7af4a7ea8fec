"""Every official example payload of a data module (`tests/ocpi_examples/`) that the
independent sender does not serve by default, served as its records in turn: `get` reads
every object once, `run` exports every record once (or, for tokens, counts them), and
nothing personal leaves. The defaults (`<module>.json`) go through
`test_independent_cpo.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from independent_cpo import EXAMPLES, IndependentCpo
from test_independent_cpo import KEY, VERSIONS, _csv_rows, spec_text
from test_independent_deviations import _leaks, _login, _written

OTHER_EXAMPLES = [(version, module, path.stem) for version in VERSIONS
                  for module in ("sessions", "cdrs", "tariffs", "tokens")
                  for path in sorted((EXAMPLES / version).glob(f"{module}_*.json"))]


def test_the_other_examples_are_there() -> None:
    assert len(OTHER_EXAMPLES) == 10, OTHER_EXAMPLES


@pytest.mark.parametrize(("version", "module", "example"), OTHER_EXAMPLES)
def test_an_official_example_is_read_and_exported_whole(version: str, module: str, example: str, run_cli,
                                                        tmp_path: Path) -> None:
    with IndependentCpo(version, records=12, examples={module: example}) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", module, "--profile", "independent")
        assert pulled.exit_code == 0, pulled.output
        objects = [json.loads(line) for line in pulled.stdout.splitlines() if line.strip()]
        assert len(objects) == 12
        spec = tmp_path / f"{module}.ocx"
        spec.write_text(spec_text(module))
        out = tmp_path / "out" / f"{module}.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
        assert done.exit_code == 0, done.output
        rows = _csv_rows(out)
        if module == "tokens":
            assert sum(int(row["tokens"]) for row in rows) == 12, rows
        else:
            assert len(rows) == 12, rows
        warnings = [line for line in done.output.splitlines() if line.startswith("warning")]
        assert warnings in ([], ["warning[OCX319]: the aggregate sets no minimum group size"]), done.output
        assert not _leaks(cpo, _written(tmp_path) + done.output.encode() + pulled.stderr.encode())


def test_a_2_1_1_location_on_a_driveway_is_told_what_its_type_means(run_cli) -> None:
    """`type: ON_DRIVEWAY` on 2.1.1 (2.2's `parking_type` value, a home) was an invalid
    location with only "not a LocationType value"; the reason now says what it is."""
    with IndependentCpo("2.1.1", records=3) as cpo:
        cpo.lists["locations"][0]["type"] = "ON_DRIVEWAY"
        _login(cpo, run_cli)
        pulled = run_cli("get", "locations", "--profile", "independent")
    assert ("1 `type` is not a LocationType value: ON_DRIVEWAY is OCPI 2.2's `parking_type` for a "
            "home's driveway, which OCPI 2.1.1's location `type` has no value for") in pulled.stderr, pulled.stderr
