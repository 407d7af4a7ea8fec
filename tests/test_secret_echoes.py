"""Values a platform echoes back where ocpispec quotes what it got: never the token."""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path

import pytest
from fixtures_proxy import RewritingProxy


def test_a_next_links_odd_date_filter_is_not_quoted(run_cli, demo_server_factory, tmp_path: Path,
                                                   snapshot) -> None:
    """A next link whose `date_from` holds no timestamp (here the token, as a platform
    whose cursor state leaked into its filters sends it) is not followed, and the warning
    saying why quoted the value's first 40 characters, outside the URL redaction that shows
    `date_from` only as a timestamp."""
    server = demo_server_factory(version="2.2.1", size=60, max_page_size=20)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        headers.pop("x-total-count", None)     # no count: the crawl follows the links
        if "link" in headers:
            headers["link"] = headers["link"].replace("date_from=", f"date_from={server.token}&x=")
        return status, headers, body

    log = tmp_path / "requests.log"
    with RewritingProxy(server.origin, rewrite) as proxy:
        login = run_cli("login", f"{proxy.origin}/ocpi/cpo/versions", "--token", server.token,
                        "--party", "NL-ABC")
        pulled = run_cli("-vv", "--log-file", str(log), "get", "sessions", "--include-private", "--date-to", "2026-01-01")
    assert login.exit_code == 0 and pulled.exit_code == 0, login.output + pulled.stderr
    assert len(pulled.stdout.splitlines()) == 60
    printed = login.output + pulled.stderr + log.read_text()
    assert server.token not in printed and server.token[:20] not in printed
    warning = [line for line in pulled.stderr.splitlines() if "date_from" in line]
    assert warning == snapshot


def test_the_token_in_url_safe_base64_in_a_listed_url_is_not_shown(run_cli, demo_server_factory) -> None:
    """A platform that puts the token into the URLs it lists, Base64-encoded in the URL-safe
    alphabet (`-` and `_` for `+` and `/`, the form a path can hold): the failing
    request's URL in the error showed it; only the standard alphabet was hidden."""
    token = "ocpi>>>token???~~secret-01"
    encoded = base64.urlsafe_b64encode(token.encode()).decode()
    server = demo_server_factory(version="2.2.1", size=20, token=token)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if path.rstrip("/").endswith("/2.2.1"):
            body = body.replace(b"/ocpi/cpo/2.2.1/sessions", f"/{encoded}/ocpi/cpo/2.2.1/sessions".encode())
        return status, headers, body

    with RewritingProxy(server.origin, rewrite) as proxy:
        login = run_cli("login", f"{proxy.origin}/ocpi/cpo/versions", "--token-env", "CPO_TOKEN",
                        "--party", "NL-ABC", env={"CPO_TOKEN": token})
        pulled = run_cli("-vv", "get", "sessions", "--include-private", "--date-to", "2026-01-01")
        doctor = run_cli("doctor", "--format", "json")
    assert login.exit_code == 0 and pulled.exit_code == 1, login.output + pulled.stderr
    assert encoded.rstrip("=") not in doctor.output and "/(redacted)/ocpi/cpo/2.2.1/sessions" in doctor.stdout
    assert "/(redacted)/ocpi/cpo/2.2.1/sessions" in pulled.stderr
    assert encoded not in login.output + pulled.output and encoded.rstrip("=") not in pulled.output


def test_the_token_in_a_listed_hosts_name_is_not_shown(run_cli, demo_server_factory) -> None:
    """A platform that lists its endpoints on a host named by the token (a tenant's own
    subdomain): the refusal to send the token to another host named that host whole."""
    server = demo_server_factory(version="2.2.1", size=20)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if path.rstrip("/").endswith("/2.2.1"):
            body = body.replace(b"http://127.0.0.1:", f"http://{server.token}.localhost:".encode())
        return status, headers, body

    with RewritingProxy(server.origin, rewrite) as proxy:
        login = run_cli("login", f"{proxy.origin}/ocpi/cpo/versions", "--token", server.token,
                        "--party", "NL-ABC")
    assert login.exit_code == 1, login.output
    assert "error[OCX518]" in login.stderr and "(redacted).localhost" in login.stderr
    assert server.token not in login.output


def test_the_token_in_a_listed_hosts_name_in_lower_case_is_not_shown(run_cli, demo_server_factory) -> None:
    """Host names are case-insensitive and platforms write them in lower case: a tenant's
    subdomain holding a mixed-case token (`Tok3n` as `tok3n.localhost`) was named whole
    by login's and doctor's refusal to send the token there (OCX518); only the token as
    given was hidden."""
    token = "CanaryTok3n-9f8e7d6c5b4a"
    server = demo_server_factory(version="2.2.1", size=20, token=token)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if path.rstrip("/").endswith("/2.2.1"):
            body = body.replace(b"http://127.0.0.1:", f"http://{token.lower()}.localhost:".encode())
        return status, headers, body

    with RewritingProxy(server.origin, rewrite) as proxy:
        versions = f"{proxy.origin}/ocpi/cpo/versions"
        login = run_cli("login", versions, "--token", token, "--party", "NL-ABC")
        doctor = run_cli("doctor", versions, "--token", token, "--party", "NL-ABC", "--format", "json")
    assert login.exit_code == 1 and "error[OCX518]" in login.stderr, login.output
    assert "(redacted).localhost" in login.stderr and "(redacted).localhost" in doctor.stdout
    for shown in (login.output, doctor.output):
        assert token.lower() not in shown.lower()


@pytest.mark.parametrize("proxy", ["ftp://alice:pw-4711-secret@proxy.example",
                                   "socks5://alice:pw-4711-secret@proxy.example:1080"])
def test_a_proxy_the_client_cannot_use_is_a_diagnostic(run_cli, demo_server, proxy: str, snapshot) -> None:
    """`HTTPS_PROXY` naming an `ftp://` proxy, or a `socks5://` one without the optional
    `socksio` package: login, get and doctor ended as internal errors (exit 70) whose
    debug traceback quoted the proxy's URL; now OCX500 names the variable and the proxy
    without its user and password."""
    if proxy.startswith("socks5") and importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed: socks5:// proxies are usable")
    env = {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy}
    login = run_cli("login", demo_server.versions_url, "--token", demo_server.token, "--party", "NL-ABC",
                    env=env)
    doctor = run_cli("doctor", demo_server.versions_url, "--token", demo_server.token, "--party", "NL-ABC",
                     env=env)
    pulled = run_cli("get", "sessions", "--include-private", "--demo", "--limit", "1", env=env)
    for result in (login, doctor, pulled):
        assert result.exit_code == 1, result.output
        assert "error[OCX500]" in result.stderr and "pw-4711" not in result.output and "alice" not in result.output
    assert login.stderr == snapshot


def test_a_library_error_naming_the_token_is_not_quoted() -> None:
    """A certificate or connection error's own text names the host, and a platform that
    names its tenants' hosts by the token (`<token>.cpo.example`) has the token there:
    the TLS diagnostic's note and a connection failure's reason (also the retry's log
    line) quoted it. No server on 127.0.0.1 can present such a host name, so the
    library's errors are built here as it raises them."""
    import ssl

    import httpx

    from ocpispec.ocpi import errors, failures
    from ocpispec.ocpi.transport_errors import describe

    token = "c0ffee15dead4beef0000feed1234567"
    errors.keep_secret(token)
    url = f"https://{token}.cpo.example/ocpi/cpo/2.2.1/sessions"
    certificate = ssl.SSLCertVerificationError(
        f"certificate verify failed: Hostname mismatch, certificate is not valid for "
        f"'{token}.cpo.example'")
    found = failures.tls_error(url, url, certificate).diagnostic
    texts = [found.message, *found.notes, found.help or ""]
    assert any("Hostname mismatch" in text for text in texts)
    assert not any(token in text for text in texts), texts
    refused = httpx.ConnectError(f"[Errno -2] Name or service not known: '{token}.cpo.example'")
    assert describe(refused) == \
        "cannot connect ([Errno -2] Name or service not known: '(redacted).cpo.example')"
    shown = errors.fail(errors.CONNECTION_FAILED, f"cannot reach {token}", notes=[token],
                        help=f"try {token}").diagnostic
    assert token not in " ".join([shown.message, *shown.notes, shown.help or ""])
