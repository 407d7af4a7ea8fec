"""Discovery and negotiation against the demo CPO: versions, details, token
encodings, SENDER endpoints, routing and tracing headers."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from ocpispec.demo import DemoServer, Faults
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError
from ocpispec.diagnostics.report import render

ALL = ("2.1.1", "2.2.1", "2.3.0")
DATE_TO = datetime(2026, 1, 1, tzinfo=UTC)


def connect(url: str, server: DemoServer, **credentials: object) -> OcpiClient:
    return OcpiClient.connect(Credentials(url, server.token, **credentials),  # type: ignore[arg-type]
                              options=FetchOptions(max_retries=0))


def headers_of(server: DemoServer, fragment: str) -> list[dict[str, str]]:
    return [r.headers for r in server.request_log if fragment in r.target]


def test_negotiates_the_highest_common_version(demo_server_factory) -> None:
    server = demo_server_factory(versions=ALL, size=20)
    with connect(server.versions_url, server) as client:
        assert client.version == "2.3.0"
        assert client.offered_versions == ALL
        assert client.details_url == server.details_url("2.3.0")


@pytest.mark.parametrize("version", ALL)
def test_each_version_by_versions_url(demo_server_factory, version: str) -> None:
    server = demo_server_factory(version=version, size=20)
    with connect(server.versions_url, server, party="NL-ABC") as client:
        assert client.version == version
        assert client.modules == ("cdrs", "locations", "sessions", "tariffs", "tokens")
        assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 20
        assert client.token_encoding == ("plain" if version == "2.1.1" else "base64")


@pytest.mark.parametrize("version", ALL)
def test_each_version_by_details_url(demo_server_factory, version: str) -> None:
    server = demo_server_factory(versions=ALL, size=20)
    with connect(server.details_url(version), server, party="NL-ABC") as client:
        assert client.version == version
        assert len(list(client.fetch("tariffs", date_to=DATE_TO))) == 6


def test_explicit_version_is_used(demo_server_factory) -> None:
    server = demo_server_factory(versions=ALL, size=20)
    with connect(server.versions_url, server, version="2.1.1") as client:
        assert client.version == "2.1.1"
        assert "start_datetime" in next(client.fetch("sessions", date_to=DATE_TO))


def test_no_common_version(demo_server_factory, snapshot) -> None:
    server = demo_server_factory(version="2.1.1", size=20)
    with pytest.raises(OcpiError) as caught:
        connect(server.versions_url, server, version="2.3.0")
    assert caught.value.code == "OCX506"
    from fixtures_demo import scrub
    assert scrub(render([caught.value.diagnostic], {})) == snapshot


def test_only_sender_endpoints_are_kept(demo_server: DemoServer) -> None:
    with connect(demo_server.versions_url, demo_server) as client:
        endpoints = dict(client.endpoints)
    assert endpoints["tokens"] == demo_server.module_url("2.2.1", "tokens")
    assert "commands" not in endpoints


def test_cpo_party_comes_from_credentials(demo_server: DemoServer) -> None:
    with connect(demo_server.versions_url, demo_server) as client:
        assert client.to_party == "NL-DMO"


def test_token_falls_back_to_raw_on_401(demo_server_factory) -> None:
    server = demo_server_factory(version="2.2.1", size=30, faults=Faults(plain_token_only=True))
    with connect(server.versions_url, server, party="NL-ABC") as client:
        assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 30
        assert client.token_encoding == "plain"
    statuses = [r.status for r in server.request_log]
    assert statuses.count(401) == 1          # learned once, then kept


def test_explicit_encoding_gets_no_fallback(demo_server_factory, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=30, faults=Faults(plain_token_only=True))
    with pytest.raises(OcpiError) as caught:
        connect(server.versions_url, server, token_encoding="base64")
    assert caught.value.code == "OCX502"
    from fixtures_demo import scrub
    text = render([caught.value.diagnostic], {})
    assert server.token not in text and base64.b64encode(server.token.encode()).decode() not in text
    assert scrub(text) == snapshot


def test_wrong_token(demo_server: DemoServer, snapshot) -> None:
    with pytest.raises(OcpiError) as caught:
        OcpiClient.connect(Credentials(demo_server.versions_url, "not-the-token"))
    assert caught.value.code == "OCX502"
    from fixtures_demo import scrub
    assert scrub(render([caught.value.diagnostic], {})) == snapshot


def test_routing_and_tracing_headers(demo_server_factory) -> None:
    server = demo_server_factory(version="2.2.1", size=150, max_page_size=50)
    with connect(server.versions_url, server, party="nl-abc") as client:
        list(client.fetch("sessions", date_to=DATE_TO))
    data = headers_of(server, "/sessions")
    assert len(data) == 4       # three pages, then the objects updated since the pinned end
    for headers in data:
        assert headers["OCPI-from-country-code"] == "NL" and headers["OCPI-from-party-id"] == "ABC"
        assert headers["OCPI-to-country-code"] == "NL" and headers["OCPI-to-party-id"] == "DMO"
    assert len({h["X-Request-ID"] for h in data}) == 4
    assert len({h["X-Correlation-ID"] for h in data}) == 1
    configuration = headers_of(server, "/versions") + headers_of(server, "/credentials")
    assert configuration and all("X-Request-ID" in h for h in configuration)
    assert not any(k.startswith("OCPI-") for h in configuration for k in h)


def test_no_routing_headers_on_2_1_1(demo_server_factory) -> None:
    server = demo_server_factory(version="2.1.1", size=20)
    with connect(server.versions_url, server, party="NL-ABC") as client:
        list(client.fetch("sessions", date_to=DATE_TO))
    assert not any(k.startswith("OCPI-") for h in headers_of(server, "/sessions") for k in h)


def test_authorization_never_logged_and_token_not_in_repr(demo_server: DemoServer) -> None:
    credentials = Credentials(demo_server.versions_url, demo_server.token, party="NL-ABC")
    assert demo_server.token not in repr(credentials) and demo_server.token not in str(credentials)
    with OcpiClient.connect(credentials) as client:
        list(client.fetch("tariffs"))
    assert all("Authorization" not in r.headers for r in demo_server.request_log)


def test_unknown_module(demo_server: DemoServer, snapshot) -> None:
    with connect(demo_server.versions_url, demo_server) as client, pytest.raises(OcpiError) as caught:
        client.fetch("commands")
    assert caught.value.code == "OCX507"
    assert render([caught.value.diagnostic], {}) == snapshot


@pytest.mark.parametrize("url,code", [("ftp://cpo.example/versions", "OCX510"), ("cpo.example", "OCX510"),
                                      ("https://cpo.example/versions\nhttps://other/versions", "OCX510"),
                                      ("https://cpo.example/ocpi versions", "OCX510"),
                                      ("https://cpo.example/versions\x00", "OCX510")])
def test_bad_versions_url(url: str, code: str) -> None:
    with pytest.raises(OcpiError) as caught:
        OcpiClient.connect(Credentials(url, "t"))
    assert caught.value.code == code


def test_a_versions_url_of_two_lines_is_shown_on_one() -> None:
    """A pasted second line made the HTTP client raise, reported as an internal error."""
    with pytest.raises(OcpiError) as caught:
        OcpiClient.connect(Credentials("https://cpo.example/versions\nhttps://x/v?token=SECRET", "t"))
    text = render([caught.value.diagnostic], {})
    assert "versions\\nhttps://x/v?token=(redacted)" in text and "SECRET" not in text


@pytest.mark.parametrize("value", ["0f3a9c-SECRET-token-7b", "SECRET token with a space",
                                   "Token SECRET\n"])
def test_a_versions_url_that_is_no_url_is_not_shown(run_cli, tmp_path, value) -> None:
    """`source ocpi env OCPI_TOKEN token env OCPI_TOKEN` (or two variables swapped): the
    versions URL then holds the token, and OCX510 printed it (`got: 0f3a9c-SECRET...`)."""
    spec = tmp_path / "swapped.ocx"
    spec.write_text('export swapped\n  consumer "A city"\n  purpose "Sessions per area"\n'
                    "source ocpi env OCPI_TOKEN token env OCPI_TOKEN\n"
                    "from locations\nselect city\noutput csv to stdout\n")
    result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                     env={"OCPI_TOKEN": value})
    assert result.exit_code == 1 and "OCX510" in result.output
    assert "SECRET" not in result.output
    assert "characters without `scheme://host` (not shown: it may be a secret" in result.output


def test_a_listed_url_with_a_control_character_is_a_diagnostic() -> None:
    """A platform (a real HTTP server here) whose versions list holds a URL with a control
    character: a diagnostic naming the URL, not an internal error."""
    import http.server
    import json
    import threading

    class Platform(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps({"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z", "data": [
                {"version": "2.2.1", "url": f"http://127.0.0.1:{self.server.server_port}/2.2.1\x01"}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Platform)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with pytest.raises(OcpiError) as caught:
            OcpiClient.connect(Credentials(f"http://127.0.0.1:{server.server_port}/versions", "t"))
    finally:
        server.shutdown()
    assert caught.value.code == "OCX513"
    shown = render([caught.value.diagnostic], {})
    assert "\x01" not in shown and f"{server.server_port}/(segment)" in shown   # the platform's text
