"""Answers sent with `Transfer-Encoding: chunked` (demo `chunked_bodies`): no
`Content-Length` to hold a body against, as streaming servers and compressing gateways
send them. Read whole, each session is delivered once; the last page of the list broken
off inside a JSON string, with the connection closed before the closing chunk or with the
chunked stream ended properly (a serialiser failing mid-answer), is asked again and then
fails the run loudly with nothing committed, the pages before it delivered nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures_demo import scrub
from test_run_e2e import HEADER, run_spec  # noqa: F401 (fixture)
from test_run_fault_matrix import SERVER, committed, lines

from ocpispec.demo import Faults

SPEC = HEADER + '''
from sessions since last run
select pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started_hour
  round(kwh, 1) as energy_kwh
output csv to "exports/sessions-{run.date}.csv"
'''


def session_pages(server) -> list[str]:
    return [record.target for record in server.request_log if "/sessions?" in record.target]


@pytest.mark.parametrize(("mode", "workers"), [("on", "2"), ("cut_last", "1"), ("ended_last", "2")])
def test_chunked_answers_are_read_whole_or_fail_the_run_with_nothing_committed(
        run_spec, demo_server_factory, tmp_path: Path, mode: str, workers: str, snapshot) -> None:
    honest = demo_server_factory(**SERVER)
    assert run_spec(SPEC, honest, "-q", out="honest").exit_code == 0
    server = demo_server_factory(**SERVER, faults=Faults(chunked_bodies=mode))
    result = run_spec(SPEC, server, "--workers", workers, out="chunked")
    pages = session_pages(server)
    if mode == "on":
        assert result.exit_code == 0, result.stderr
        assert lines(tmp_path / "chunked") == lines(tmp_path / "honest")
        assert len(pages) == len(session_pages(honest))
        return
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert committed(tmp_path, "chunked") == []
    offsets = [int(re.search(r"offset=(\d+)", page)[1]) for page in pages]     # type: ignore[index]
    last = max(offsets)
    assert last > 0 and offsets.count(last) == 6    # the last page asked for 6 times, the ones before once
    assert sorted(set(offsets)) == sorted(offsets[:offsets.index(last)]) + [last]
    shown = re.sub(r"date_to=[0-9T:-]+Z", "date_to=<date>", scrub(result.stderr, tmp_path=tmp_path))
    assert shown == snapshot
