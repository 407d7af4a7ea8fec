"""Error answers whose body is JSON but no OCPI envelope (d7): platforms built on common
frameworks answer errors as Spring Boot (`error`, `message`, `path`), RFC 9457 problem
details (`title`, `detail`, `instance`), an OAuth resource server (`error`,
`error_description`) or a list of `errors`. Such an answer read as "HTTP 400 Bad Request"
alone; it now shows its message's words of errors (`ocpi/platform_words.py`), never a
card, an address, a token, a host or a URL (a `path`, `instance` or `type` never shows),
in run, get and doctor. And doctor's count of answers lists an HTTP 200 carrying OCPI
`status_code` 3000, as it lists a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fixtures_demo import scrub
from hypothesis import given, settings, strategies as st
from test_independent_cpo import KEY, spec_text

from ocpispec.demo import Faults
from ocpispec.ocpi.error_answers import error_answer, http_error
from ocpispec.ocpi.failures import unauthorized
from ocpispec.ocpi.platform_words import MOST_WORDS, VOCABULARY

MESSAGE = "Database timeout while reading card NL-DEM-C00042 of jan.jansen@example.com, token {token}, see " \
          "https://status.cpo.example/incident?for=jan"
SHOWN = '"Database timeout while reading card (…) of (…) token (…) see (…)"'
SECRETS = ("NL-DEM-C00042", "jan.jansen", "cpo.example", "for=jan")


def _answered(run_cli, server, command: str, tmp_path: Path, *login: str):
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC",
                   "--profile", "independent", *login)
    assert done.exit_code == 0, done.output
    match command:
        case "get":
            return run_cli("get", "sessions", "--profile", "independent", "--date-to", "2026-01-01")
        case "get locations":   # no other list read beside it: its pages come in one order
            return run_cli("get", "locations", "--profile", "independent")
        case "run":
            spec = tmp_path / "sessions.ocx"
            spec.write_text(spec_text("sessions"))
            return run_cli("run", str(spec), "--out", str(tmp_path / "sessions.csv"),
                           "--state", str(tmp_path / "state.sqlite"), env={"INDEPENDENT_KEY": KEY})
        case _:
            return run_cli("doctor", "--profile", "independent")


@pytest.mark.parametrize(("shape", "status", "command"), [
    ("spring", 400, "get"), ("spring", 400, "run"), ("spring", 400, "doctor"),
    ("problem", 503, "run"), ("problem", 503, "doctor"), ("errors", 502, "get")])
def test_a_frameworks_error_body_shows_its_words(shape: str, status: int, command: str, run_cli,
                                                 demo_server_factory, tmp_path: Path, snapshot) -> None:
    """'the platform answered HTTP 400 Bad Request' alone, before: a user could not tell a
    refused filter from a platform's outage."""
    server = demo_server_factory(size=60, max_page_size=20)
    server.faults = Faults(error_rate=1.0, error_status=status, fault_after_requests=2, error_body=shape,
                           error_message=MESSAGE.format(token=server.token))
    done = _answered(run_cli, server, command, tmp_path)
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output
    assert SHOWN in done.output, done.output
    for secret in (server.token, *SECRETS, "problems/request-failed"):
        assert secret not in done.output
    said = [scrub(line.strip()) for line in done.output.splitlines() if "platform message" in line]
    assert said == snapshot


@pytest.mark.parametrize(("status", "after", "command"), [(401, 0, "get"), (403, 1, "get locations"), (401, 2, "run")])
def test_an_oauth_refusal_shows_its_error_and_description(status: int, after: int, command: str, run_cli,
                                                          demo_server_factory, tmp_path: Path, snapshot) -> None:
    """An OAuth gateway's `invalid_token` and its `error_description` (`The access token
    expired`, `insufficient_scope`) tell a wrong token from an expired one or one without the
    module: OCX502 said 'HTTP 401' alone. Refused at the first data request (after the
    credentials answered) or after data requests were answered."""
    server = demo_server_factory(size=60, max_page_size=20)
    server.faults = Faults(error_rate=1.0, error_status=status, fault_after_requests=after, error_body="oauth",
                           error_message=MESSAGE.format(token=server.token))
    # one token form: with `auto`, the demo refuses the other form with its own OCPI body
    done = _answered(run_cli, server, command, tmp_path, "--token-encoding", "base64")
    assert done.exit_code == 1 and "Traceback" not in done.output and "OCX502" in done.output, done.output
    assert f'"invalid_token: {SHOWN[1:]}' in done.output, done.output
    for secret in (server.token, *SECRETS):
        assert secret not in done.output
    said = [scrub(line.strip()) for line in done.output.splitlines() if "platform message" in line]
    assert said == snapshot


def test_doctor_counts_a_server_error_inside_a_200(run_cli, demo_server_factory, tmp_path: Path,
                                                    snapshot) -> None:
    """An HTTP 200 carrying OCPI status_code 3000 (retried by the crawl) was missing from
    doctor's count of answers, which listed a 5xx."""
    server = demo_server_factory(size=60, max_page_size=20)
    server.faults = Faults(envelope_error=3000, fault_after_requests=2)
    done = _answered(run_cli, server, "doctor", tmp_path)
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output
    said = [scrub(line.strip()) for line in done.output.splitlines() if "answers:" in line]
    assert said and all('answers: HTTP 200, OCPI status_code 3000 (generic server error), platform message '
                        '"generic server error" (' in line for line in said), done.output
    assert said == snapshot


_CANARY = "Jq7Xcanary0042"
_WORDS = st.lists(st.sampled_from([*sorted(VOCABULARY)[:60], "42", "-", ":", "é"]), max_size=30)


@st.composite
def _bodies(draw: Any) -> dict[str, Any]:
    """A framework's error body with the canary in one of its fields, glued to words or apart."""
    words, at = draw(_WORDS), draw(st.integers(min_value=0, max_value=30))
    glue = draw(st.sampled_from(["", " ", "-", ",", "@", "/", "?for="]))
    text = " ".join(words[:at]) + glue + _CANARY + glue + " ".join(words[at:])
    plain = " ".join(words) or "error"
    shape = draw(st.sampled_from(["spring", "problem", "oauth", "errors", "nested"]))
    keys = {"spring": ["timestamp", "error", "message", "path"], "problem": ["type", "title", "detail", "instance"],
            "oauth": ["error", "error_description"], "errors": ["errors"], "nested": ["error"]}[shape]
    where = draw(st.sampled_from(keys))
    body: dict[str, Any] = {key: plain for key in keys}
    body[where] = text
    if shape == "errors":
        body["errors"] = [{"message": plain, "path": text if where == "errors" else "/x"}, {"detail": text}]
    if shape == "nested":
        body["error"] = {"message": text, "code": 500}
    return body


@settings(max_examples=200, deadline=None)
@given(body=_bodies(), status=st.sampled_from([400, 401, 403, 422, 500, 503]))
def test_a_canary_anywhere_in_such_a_body_never_shows(body: dict[str, Any], status: int) -> None:
    content = orjson.dumps(body)
    retried = error_answer(f"HTTP {status}", content)
    url = "https://cpo.example.com/ocpi/2.2.1/sessions"
    refused = http_error(url, httpx.Response(status), body).diagnostic
    rejected = unauthorized(url, status, "auto", "base64", body=content).diagnostic
    for text in (retried, *refused.notes[1:], refused.message, *rejected.notes[1:]):
        assert "canary" not in text.lower() and "0042" not in text, text
        assert len(text.split()) <= 3 * MOST_WORDS, text
