"""Text the platform chooses never reaches an error, a log or a report.

The attack: a platform (hostile, or one that quotes the record it failed on) answers a
data request with an OCPI `status_message`, an HTTP reason phrase of its own, or a
broken page of records, each carrying a card id and a driver's name. The client used
to print the message (200 characters), the reason phrase and the first 24 bytes of
the body in its errors and retry logs.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer
from ocpispec.demo.handler import DemoHandler
from ocpispec.demo.pages import Reply, envelope
from ocpispec.ocpi import FetchOptions

SECRET = "CANARY-04A2B3C4D5E6F7 jan.jansen@example.com"
FAULTS = {
    # an OCPI error whose message quotes the record
    "status_message": lambda: Reply(400, (), envelope(None, 2001, f"cannot list: token {SECRET}")),
    "server_error_message": lambda: Reply(200, (), envelope(None, 3000, f"failed on {SECRET}")),
    # a reason phrase of the platform's own (on a retried and on a final status)
    "reason_503": lambda: Reply(503, (("X-Reason", SECRET),), b""),
    "reason_418": lambda: Reply(418, (("X-Reason", SECRET),), b"not json"),
    # a page of records cut by garbage after the envelope: it starts with a card id
    "broken_page": lambda: Reply(200, (), b'{"data":[{"uid":"CANARY-04A2B3C4D5E6F7","x":1}],'
                                          b'"status_code":1000}}garbage jan.jansen@example.com'),
    # a framework's JSON error, no OCPI envelope (Spring Boot, RFC 9457, OAuth): its words of
    # errors show, never a value, nor its `path`, `type` or `instance`
    "spring_400": lambda: Reply(400, (), {"timestamp": "2026-01-01T00:00:00Z", "status": 400, "error": "Bad Request",
                                          "message": f"cannot list: token {SECRET}", "path": f"/ocpi/{SECRET}"}),
    "problem_503": lambda: Reply(503, (("Content-Type", "application/problem+json"),),
                                 {"type": f"https://{SECRET.split()[1]}/problem", "title": "Service Unavailable",
                                  "detail": f"failed on {SECRET}", "instance": f"/ocpi/{SECRET}"}),
    "oauth_401": lambda: Reply(401, (), {"error": "invalid_token", "error_description": f"token {SECRET} expired"}),
    "plain_text": lambda: Reply(200, (), SECRET.encode()),
    "content_type": lambda: Reply(200, (("Content-Type", f"text/{SECRET.split()[1]}"),), b"<p>"),
}


class _Handler(DemoHandler):
    """Discovery as the demo CPO; every data request answered with the server's fault.
    A header `X-Reason` becomes the status line's reason phrase."""

    def _answer(self, kind: str, version: str | None, module: str | None, object_id: str | None,
                query: str, faults: Any) -> Reply:
        if kind in ("list", "object"):
            return FAULTS[self.demo.fault]()  # type: ignore[attr-defined]
        return super()._answer(kind, version, module, object_id, query, faults)

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, getattr(self, "_pending_reason", None) or message)

    def _send(self, reply: Reply, **how: Any) -> None:
        reason = dict(reply.headers).get("X-Reason")
        self._pending_reason = reason
        super()._send(Reply(reply.status, tuple(h for h in reply.headers if h[0] != "X-Reason"),
                            reply.body), **how)


class _TalkingServer(DemoServer):
    def __init__(self, fault: str) -> None:
        super().__init__(version="2.2.1", size=50)
        self.fault = fault

    def start(self) -> DemoServer:
        super().start()
        # the same server, answering with the handler above
        self._httpd.RequestHandlerClass = _Handler  # type: ignore[union-attr]
        return self


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = functools.partial(FetchOptions, max_retries=1, backoff_base=0.001, backoff_max=0.01)
    monkeypatch.setattr("ocpispec.ocpi.FetchOptions", fast)
    monkeypatch.setattr("ocpispec.cli.get.FetchOptions", fast)


SPEC = '''export talking_platform
  consumer "Gemeente Utrecht"
  purpose "Plan the municipal charging network from the sessions"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from tokens
select
  type
  whitelist
output ndjson to "{out}"
'''


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_platform_text_never_shows(run_cli, tmp_path: Path, fault: str) -> None:
    with _TalkingServer(fault) as server:
        spec = tmp_path / "talking.ocx"
        spec.write_text(SPEC.replace("{out}", str(tmp_path / "out.ndjson")))
        log = tmp_path / "run.log"
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        result = run_cli("-vv", "--log-file", str(log), "run", str(spec), env=env)
        assert result.exit_code == 1
        login = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
        assert login.exit_code == 0, login.stderr
        got = run_cli("-vv", "get", "tokens")
        doctor = run_cli("doctor", "--format", "json")
    texts = [result.stdout, result.stderr, got.stdout, got.stderr, doctor.stdout, doctor.stderr]
    texts += [path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
              if path.is_file() and "config" not in path.parts and path != spec]
    leaks = [text for text in texts if "CANARY" in text or "jansen" in text]
    assert not leaks, leaks[0][-600:]
    assert "OCX5" in result.stderr   # the run still says what failed


def test_what_is_said_instead(run_cli, tmp_path: Path, snapshot) -> None:
    shown = []
    for fault in ("status_message", "reason_418", "broken_page", "plain_text", "content_type"):
        with _TalkingServer(fault) as server:
            spec = tmp_path / "talking.ocx"
            spec.write_text(SPEC.replace("{out}", str(tmp_path / "out.ndjson")))
            result = run_cli("run", str(spec),
                             env={"OCPI_VERSIONS_URL": server.versions_url,
                                  "OCPI_TOKEN": server.token})
            notes = [line.strip() for line in result.stderr.splitlines()
                     if line.lstrip().startswith(("error", "= note: status", "= note: platform"))]
            shown.append(f"{fault}: " + json.dumps(notes))
    assert "\n".join(shown).replace(str(tmp_path), "<tmp>") == snapshot


# ---- object ids in the URLs ocpispec itself builds ------------------------------------------

SITES_SPEC = '''export site_lookups
  consumer "Gemeente Utrecht"
  purpose "Plan the municipal charging network from the sessions"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  join locations on location_id
select
  prefix(location.postal_code, 4) as area
  status
output ndjson to "{out}"
'''


def test_object_ids_are_not_logged(run_cli, tmp_path: Path) -> None:
    """A join looks locations up one by one (`GET .../locations/{id}`), home chargers
    among them: the log names the endpoint, never the id."""
    from ocpispec.demo.world import World

    spec = tmp_path / "sites.ocx"
    spec.write_text(SITES_SPEC.replace("{out}", str(tmp_path / "out.ndjson")))
    log = tmp_path / "run.jsonl"
    result = run_cli("-vv", "--log-format", "json", "--log-file", str(log), "run", str(spec),
                     "--demo", "--limit", "200")
    assert result.exit_code == 0, result.stderr
    text = log.read_text() + result.stderr
    assert "/locations/(id)" in text             # looked up one by one
    world = World(7, 1000)
    ids = {world.site(j).id for j in range(world.site_count)}
    assert {world.site(j).id for j in world.private_sites()} <= ids
    assert not [site for site in ids if site in text]
