"""A platform whose list cannot be paged past a depth (a search index behind it caps
`offset`, as Elasticsearch's `max_result_window` does) and that answers a deeper page
with an empty list instead of its refusal; its `X-Total-Count`, where it sends one, counts
no further (as Elasticsearch's `track_total_hits` does), and its next links stop there:
the list looks as if it ended there. Every record of the window arrives once, or the
command fails saying so, with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows, spec_text
from test_independent_deviations import _login

# pages of 7 and 70: a page reaching past the cap comes back empty (a list without headers
# may end there at any depth; one that counts and links ends there at a depth such caps lie at)
SHALLOW = {"records": 40, "page_cap": 7, "offset_cap": 21}
DEEP = {"records": 1_500, "page_cap": 70, "offset_cap": 1_050}


@pytest.mark.parametrize(("total", "quirks", "size"), [
    (False, ("no links",), SHALLOW), (False, ("no links", "newest first"), SHALLOW), (True, (), DEEP),
    (True, ("no links",), DEEP), (True, ("newest first",), DEEP)],
    ids=["no-headers", "no-headers-newest-first", "count-and-links-capped", "count-capped",
         "count-and-links-capped-newest-first"])
def test_a_list_cut_at_an_offset_cap_is_not_read_as_its_end(total: bool, quirks: tuple[str, ...], size: dict,
                                                            run_cli, tmp_path: Path) -> None:
    with IndependentCpo("2.2.1", total=total, quirks=quirks, **size) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--profile", "independent")
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        out = tmp_path / "sessions.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
    assert "Traceback" not in pulled.output + done.output
    records = size["records"]
    lines = pulled.stdout.splitlines()
    if pulled.exit_code == 0:
        assert len(lines) == records, f"`get` exited 0 with {len(lines)} of {records} sessions"
    else:
        assert pulled.exit_code == 1 and "OCX571" in pulled.stderr, pulled.stderr
        assert "did not arrive" in pulled.stderr, pulled.stderr
    if done.exit_code == 0:
        rows = _csv_rows(out)
        assert len(rows) == records, f"`run` exited 0 with {len(rows)} of {records} sessions"
        return
    assert done.exit_code == 1, done.output
    assert "OCX571" in done.output, done.output
    assert "nothing was written" in done.output and not out.exists()
