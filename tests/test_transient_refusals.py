"""HTTP 408 Request Timeout and 425 Too Early say the request may be sent again (RFC 9110
15.5.9: a server closing a connection it finds idle, as Node.js answers a kept-alive
socket at its `headersTimeout`; RFC 8470). One such answer mid-crawl failed the whole run
at once with OCX501 'check the request; the platform refused it', though the request was
sound and asking again answered it. They are now retried as a 5xx is (demo `error_every`
with `error_status`: every Nth data request, counted, so every run meets the same ones; the
4th is a page of the sessions after their first). HTTP 404 from an endpoint that answered
earlier requests of the run (a load balancer routing to a node that lacks the route while
the platform is deployed) still fails the run (a next link's 404 falls back to offset, a
cursor's expiry ends in OCX571), but said 'the endpoint does not exist: check the versions
URL', which had just answered: it now says the endpoint answered before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures_demo import scrub
from test_chunked_answers import SPEC
from test_run_e2e import run_spec  # noqa: F401 (fixture)
from test_run_fault_matrix import SERVER, committed, lines

from ocpispec.demo import Faults


def data_requests(server) -> list[int]:
    return [r.status for r in server.request_log if "/2.2.1/" in r.target and "credentials" not in r.target]


@pytest.mark.parametrize("status", [408, 425])
def test_a_request_timeout_or_too_early_answer_is_asked_again(run_spec, demo_server_factory, tmp_path: Path,
                                                                status: int) -> None:
    honest = demo_server_factory(**SERVER)
    assert run_spec(SPEC, honest, "-q", out="honest").exit_code == 0
    server = demo_server_factory(**SERVER, faults=Faults(error_every=4, error_status=status))
    result = run_spec(SPEC, server, "-q", out="retried")
    assert result.exit_code == 0, result.stderr
    assert lines(tmp_path / "retried") == lines(tmp_path / "honest")
    asked = data_requests(server)
    assert asked.count(status) >= 2 and len(asked) - asked.count(status) == len(data_requests(honest))


@pytest.mark.parametrize("status", [408, 404])
def test_a_lasting_refusal_fails_the_run_saying_so(run_spec, demo_server_factory, tmp_path: Path, status: int,
                                                   snapshot) -> None:
    """The faults start after the locations' two lists and the first page of sessions."""
    server = demo_server_factory(**SERVER, faults=Faults(error_every=1, error_status=status, fault_after_requests=3))
    result = run_spec(SPEC, server, "--concurrency", "1", out="lasting")
    assert result.exit_code == 1, result.stderr
    assert committed(tmp_path, "lasting") == []
    tries = 6 if status == 408 else 2       # the second page of sessions (a 404: its next link, then by offset)
    assert data_requests(server) == [200] * 3 + [status] * tries
    shown = re.sub(r"date_to=[0-9T:-]+Z", "date_to=<date>", scrub(result.stderr, tmp_path=tmp_path))
    assert shown == snapshot
