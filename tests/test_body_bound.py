"""One answer's body is read to a bound (`OCPISPEC_MAX_BODY_BYTES`, 256 MiB by default),
counted after decompression: a platform sending its whole list in one answer, or a small
gzip body that unpacks to gigabytes (a gzip bomb), failed by exhausting memory. Now the
run fails with OCX504 naming the bound and what to do, without reading further."""

from __future__ import annotations

import functools
import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from independent_cpo import IndependentCpo
from ocpispec.diagnostics.report import render
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError

_HEAD, _TAIL = b'{"status_code": 1000, "data": [', b']}'


@functools.cache
def _bomb() -> bytes:
    """64 MiB of JSON (an envelope padded with spaces) that gzip packs into about 64 KB.
    Packed when a test first sends it, not at import: packing costs 0.4 s of CPU and 64 MiB
    of memory, which every worker of the suite paid while collecting."""
    return gzip.compress(_HEAD + b" " * (64 << 20) + _TAIL, compresslevel=9)


@contextmanager
def _bomb_server(label: str) -> Iterator[str]:
    """A platform answering every request with `_bomb()` under `Content-Encoding: label`."""
    body = _bomb()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:       # noqa: N802 (the http.server name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if label:
                self.send_header("Content-Encoding", label)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:             # the client stopped reading: as it should
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ocpi/versions"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("label", ["gzip", "x-gzip", ""], ids=["gzip", "left packed", "unlabelled"])
def test_a_gzip_bomb_fails_at_the_bound_instead_of_taking_the_memory(monkeypatch, label: str) -> None:
    """httpx unpacks `gzip`; `x-gzip` and an unlabelled gzip body are unpacked by ocpispec:
    each is counted as unpacked, and stops at the bound."""
    monkeypatch.setenv("OCPISPEC_MAX_BODY_BYTES", str(1 << 20))
    options = FetchOptions(max_retries=0, backoff_base=0.01)
    started = time.monotonic()
    with _bomb_server(label) as url, pytest.raises(OcpiError) as caught:
        OcpiClient.connect(Credentials(url, "bound-token-0001"), options=options)
    assert caught.value.code == "OCX504"
    text = render([caught.value.diagnostic], {})
    assert "larger than 1 MiB" in text and "OCPISPEC_MAX_BODY_BYTES" in text and "--page-size" in text
    assert "bound-token-0001" not in text
    assert time.monotonic() - started < 20


def test_the_bound_defaults_to_256_mib_and_a_bad_setting_is_ignored(monkeypatch) -> None:
    monkeypatch.delenv("OCPISPEC_MAX_BODY_BYTES", raising=False)
    assert FetchOptions().max_body_bytes == 256 << 20
    monkeypatch.setenv("OCPISPEC_MAX_BODY_BYTES", "lots")
    assert FetchOptions().max_body_bytes == 256 << 20


def test_a_whole_list_in_one_answer_fails_the_get_with_the_bound_named(run_cli, monkeypatch) -> None:
    """A platform that sends 60 sessions in one page (its cap above ocpispec's page size):
    over the bound, `get` fails with the diagnostic, and writes no record."""
    with IndependentCpo("2.2.1", records=60, page_cap=100, quirks=("gzip",)) as cpo:
        login = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                        "--profile", "independent")
        assert login.exit_code == 0, login.output
        monkeypatch.setenv("OCPISPEC_MAX_BODY_BYTES", "16384")   # discovery fits, the page does not
        done = run_cli("get", "sessions", "--profile", "independent", "--date-to", "2030-01-01")
        monkeypatch.delenv("OCPISPEC_MAX_BODY_BYTES")
        read = run_cli("get", "sessions", "--profile", "independent", "--date-to", "2030-01-01")
    assert done.exit_code == 1 and "OCX504" in done.output and "Traceback" not in done.output, done.output
    assert "larger than 16384 bytes" in done.output and not done.stdout.strip()
    assert read.exit_code == 0 and len(read.stdout.splitlines()) == 60, read.output


def test_the_diagnostic_names_the_request_the_bound_and_what_to_do(snapshot) -> None:
    from ocpispec.ocpi.failures import BodyTooLarge, body_too_large
    url = "https://cpo.example/ocpi/2.2.1/sessions?offset=0&limit=100"
    shown = [render([body_too_large(url, BodyTooLarge(limit, packed)).diagnostic], {})
             for limit, packed in ((256 << 20, ""), (16384, " once unpacked"))]
    assert shown == snapshot


@pytest.mark.parametrize("command", [["get", "sessions", "--demo", "--limit", "1"],
                                     ["run", "specs/research_cdrs.ocx", "--demo", "--limit", "1",
                                      "--out", "-"],
                                     ["doctor", "http://127.0.0.1:9/versions", "--token-env", "NONE"]])
@pytest.mark.parametrize("value", ["1G", "512MiB", "0", "1e9"])
def test_a_bound_in_another_form_is_a_usage_error(command: list[str], value: str, tmp_path) -> None:
    """An operator told by OCX504 to raise `OCPISPEC_MAX_BODY_BYTES` wrote `1G` in the
    cron job: it was ignored without a word, and the next night failed the same way.
    It is a usage error (exit 2) with the form it takes, never showing the value."""
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    done = subprocess.run([sys.executable, "-m", "ocpispec", *command], cwd=REPO, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, "OCPISPEC_MAX_BODY_BYTES": value,
                               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")})
    assert done.returncode == 2, done.stderr
    assert "OCPISPEC_MAX_BODY_BYTES must be a whole number of bytes, e.g. 536870912" in done.stderr
    assert value not in done.stderr.replace("536870912", "").replace("268435456", "") and done.stdout == ""
