"""A spec's source that takes the token from a stored profile (`token profile NAME`) and
the versions URL from elsewhere (a literal URL, a variable): the profile's token belongs
to the platform the profile logged in to, and goes nowhere else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fixtures_cli import REPO, cli_block
from fixtures_demo import scrub

SPEC = REPO / "tests" / "specs" / "municipality_sessions_without_k.ocx"
KEY = "b3c1f0a9d2e8475c96a1e0f3b7d4c2a8e5f1a9c3d7b2e6f0"


class Listener:
    """An HTTP server on 127.0.0.1 that answers 404 and keeps each request's
    `Authorization` header: another platform, or one that collects tokens."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                listener.authorizations.append(self.headers.get("authorization", ""))
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def versions_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/ocpi/cpo/versions"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    server._thread.start()
    yield server
    server._httpd.shutdown()
    server._httpd.server_close()


def _spec(tmp_path: Path, source: str) -> Path:
    text = SPEC.read_text(encoding="utf-8")
    start, end = text.index("\nsource\n"), text.index("  version auto\n")
    spec = tmp_path / "paired.ocx"
    spec.write_text(text[:start] + "\nsource\n" + source + text[end:], encoding="utf-8")
    return spec


@pytest.mark.parametrize("url_line", ['  ocpi "{url}"\n', "  ocpi env OTHER_VERSIONS_URL\n"], ids=["literal", "variable"])
def test_a_profiles_token_is_not_sent_to_another_platforms_url(run_cli, demo_server, listener, tmp_path,
                                                               url_line, snapshot) -> None:
    """`source ocpi "https://other.example/versions" token profile production` passed the
    check and sent production's token to the other host: the host check of every request
    compares with the URL the credentials came with, and this pairing made the spec's URL
    that. A spec from someone else could collect a stored token so. Now the check refuses
    the pairing (OCX256), so the run stops before any request."""
    login = run_cli("login", demo_server.versions_url, "--token", demo_server.token, "--party", "NL-ABC",
                    "--profile", "production")
    assert login.exit_code == 0, login.output
    spec = _spec(tmp_path, url_line.format(url=listener.versions_url) + "  token profile production\n")
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"),
                     env={"OTHER_VERSIONS_URL": listener.versions_url, "UTRECHT_PSEUDONYM_KEY": KEY})
    assert listener.authorizations == []
    assert result.exit_code == 1 and "error[OCX256]" in result.stderr, result.output
    assert demo_server.token not in result.output
    if url_line.startswith('  ocpi "'):
        assert scrub(cli_block(result, tmp=tmp_path)) == snapshot


def test_a_profiles_token_with_its_own_url_runs(run_cli, demo_server, tmp_path) -> None:
    """The URL and the token from one profile run as `source profile NAME` does."""
    login = run_cli("login", demo_server.versions_url, "--token", demo_server.token, "--party", "NL-ABC",
                    "--profile", "production")
    assert login.exit_code == 0, login.output
    spec = _spec(tmp_path, "  ocpi profile production\n  token profile production\n")
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--as-of", "2026-01-01T00:00:00Z",
                     env={"UTRECHT_PSEUDONYM_KEY": KEY})
    assert result.exit_code == 0, result.output
