"""A DateTime sent as a Unix time (`1767600000`, or in milliseconds), in `last_updated` or
in another of a record's times: the record is invalid, and `get` and `run` refuse loudly
with nothing written. Their reason said "is not a DateTime", as for a text of no known
form, which sent the CPO looking for a malformed text; it says the value is a number now."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text


class _UnixTimes(IndependentCpo):
    """The second CDR of each page sends `field` as a Unix time (`scale` 1000: in
    milliseconds); the server's own date filters read the stamps it keeps."""

    def __init__(self, version: str, field: str, scale: int, **options: Any) -> None:
        self.field, self.scale = field, scale
        super().__init__(version, **options)

    def _shaped(self, page: list[dict[str, Any]]) -> Any:
        page = copy.deepcopy(super()._shaped(page))
        if len(page) > 1 and "total_energy" in page[1]:
            page[1][self.field] = 1767600000 * self.scale
        return page


@pytest.mark.parametrize(("field", "scale"), [("last_updated", 1), ("start_date_time", 1000)])
def test_a_unix_time_is_an_invalid_record_said_as_a_number(field: str, scale: int, run_cli, tmp_path: Path,
                                                           snapshot) -> None:
    with _UnixTimes("2.2.1", field, scale, records=12) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", "cdrs", "--include-private", "--profile", "independent")
        spec = tmp_path / "cdrs.ocx"
        spec.write_text(spec_text("cdrs"))
        out = tmp_path / "out" / "cdrs.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
    assert pulled.exit_code == 1 and len(pulled.stdout.splitlines()) == 10, pulled.stderr
    assert f"2 `{field}` is a number, not a DateTime" in pulled.stderr
    assert done.exit_code == 1 and not out.exists()
    assert "Traceback" not in done.output + pulled.output
    assert [line for line in done.output.splitlines()
            if line.startswith(("error", "  = note: why", "  = note: nothing", "help"))] == snapshot
