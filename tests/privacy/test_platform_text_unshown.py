"""Text the platform chose never reaches what ocpispec prints or writes.

Each case of `platform_canaries.INJECTIONS` rewrites the demo CPO's answers (through a
proxy on 127.0.0.1) to carry a canary in one place a platform writes: next links,
endpoints, module identifiers, version labels, its party, status messages, error bodies,
headers, field names, enum values, invalid objects. `login`, `get`, `run` and `doctor`
(text and JSON) then run against it, with `-v` and a log file, and no canary may show on
stdout, stderr, in the log, or in any file the commands wrote (outputs, manifests, data
packages, run records, the ledger)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures_cli import WITHOUT_K
from fixtures_proxy import RewritingProxy
from privacy.platform_canaries import INJECTIONS, Channels

KEY = "5b8e2d0f9a3c71e46b0d8f2a5c9e13b7d4f6a08c2e5b19d7f3a6c40e8b2d5f19"


def _commands(run_cli, versions_url: str, token: str, tmp_path: Path) -> Channels:
    channels = Channels()
    log = tmp_path / "logs" / "ocpispec.log"
    env = {"OCPI_VERSIONS_URL": versions_url, "OCPI_TOKEN": token, "UTRECHT_PSEUDONYM_KEY": KEY}
    commands = {
        "login": ("login", versions_url, "--token", token, "--party", "NL-ABC"),
        "get": ("-vv", "--log-file", str(log), "get", "sessions", "--date-to", "2026-01-01"),
        "get locations": ("-v", "--log-file", str(log), "get", "locations", "--include-private"),
        "run": ("-vv", "--log-file", str(log), "--log-format", "json", "run", WITHOUT_K,
                "--out", str(tmp_path / "out" / "sessions.csv"), "--as-of", "2026-01-01T00:00:00Z"),
        "doctor": ("doctor",),
        "doctor json": ("doctor", "--format", "json"),
        "profiles test": ("profiles", "test", "default"),
        "profiles": ("profiles",),
        "state show": ("state", "show", "utrecht_sessions"),
        "history": ("history", "--format", "json"),
        "register": ("history", "--register", "--format", "html"),
        "review": ("review", WITHOUT_K, "--format", "html", "-o", str(tmp_path / "review.html")),
    }
    for name, args in commands.items():
        result = run_cli(*args, env=env)
        channels.add(f"{name} stdout", result.stdout)
        channels.add(f"{name} stderr", result.stderr)
    channels.add_files(tmp_path)
    return channels


# discovery differs most between versions (2.1.1: no roles, the party at the credentials'
# top level); the data cases are the same on every version
DISCOVERY = ("credentials party", "endpoint path", "endpoint role", "module identifier", "version label")


@pytest.mark.parametrize(("case", "version"), [(case, "2.2.1") for case in sorted(INJECTIONS)]
                         + [(case, version) for case in DISCOVERY for version in ("2.1.1", "2.3.0")])
def test_platform_text_is_never_shown(case: str, version: str, run_cli, demo_server_factory,
                                      tmp_path: Path) -> None:
    rewrite, route = INJECTIONS[case]
    server = demo_server_factory(version=version, size=60, max_page_size=20)
    with RewritingProxy(server.origin, rewrite, route=route) as proxy:
        channels = _commands(run_cli, f"{proxy.origin}/ocpi/cpo/versions", server.token, tmp_path)
    assert not channels.leaks(), "\n".join(channels.leaks())


def test_what_discovery_made_up_is_described_not_shown(run_cli, demo_server_factory, tmp_path: Path,
                                                       snapshot) -> None:
    """The words login and doctor use instead: a module OCPI does not define counted, a
    label that is no version number described, a party not of OCPI's shape unknown, a
    path segment of the platform's own as `(segment)`."""
    from fixtures_demo import scrub

    cases = ("module identifier", "version label", "credentials party", "endpoint path")

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        for case in cases:
            status, headers, body = INJECTIONS[case][0](path, status, headers, body)
        return status, headers, body

    server = demo_server_factory(version="2.2.1", size=20)
    with RewritingProxy(server.origin, rewrite, route=INJECTIONS["endpoint path"][1]) as proxy:
        login = run_cli("login", f"{proxy.origin}/ocpi/cpo/versions", "--token", server.token, "--party", "NL-ABC")
        doctor = run_cli("doctor")
    assert login.exit_code == 0, login.output
    shown = [line for line in doctor.stdout.splitlines()
             if any(word in line for word in ("versions ", "endpoints", "credentials", "(segment)"))]
    assert scrub(login.stdout + "\n".join(shown), tmp_path=tmp_path) == snapshot
