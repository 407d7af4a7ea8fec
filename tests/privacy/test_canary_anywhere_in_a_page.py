"""A canary anywhere in the objects a platform sends never shows where ocpispec reports.

Hypothesis picks a module and a place in every object of it the demo CPO sends (through
a proxy on 127.0.0.1): a field's value, its name, a value wrapped in an object, a new
field beside it, at any depth. `get` of that module (public fields only) and `run` of the
municipality spec (sessions joined to locations: pseudonyms, hours, rounded numbers,
postal areas) then read it with `-vv` and a log
file; the canary may not show on stdout, stderr, in the log, in the export or any file
beside it (manifest, data package, run records, ledger), but where it was put in a field
`get` releases as public (`connector_id` is free text OCPI allows any id in): the released
columns. The spec's columns are all derived (pseudonyms, hours, rounded numbers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures_cli import WITHOUT_K
from fixtures_proxy import RewritingProxy
from privacy.platform_canaries import CANARY, HOST_CANARY as HOST, Channels

KEY = "5b8e2d0f9a3c71e46b0d8f2a5c9e13b7d4f6a08c2e5b19d7f3a6c40e8b2d5f19"
ACTIONS = ("value", "name", "wrapped", "beside", "appended")
MODULES = ("sessions", "locations", "cdrs", "tariffs", "tokens")


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a sample object: keys of objects, the first item of lists."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list) and value:
        found += _paths(value[0], (*prefix, 0))
    return found


def _inject(obj: Any, path: tuple, action: str) -> None:
    parent = obj
    for step in path[:-1]:
        if isinstance(parent, dict) and step in parent or isinstance(parent, list) and len(parent) > step:
            parent = parent[step]
        else:
            return
    last = path[-1]
    if isinstance(parent, list):
        if len(parent) <= last:
            return
        parent[last] = {"value": CANARY} if action == "wrapped" else CANARY
        return
    if not isinstance(parent, dict) or last not in parent:
        return
    match action:
        case "value":
            parent[last] = CANARY
        case "name":
            parent[CANARY] = parent.pop(last)
        case "wrapped":
            parent[last] = {"id": CANARY, "value": parent[last]}
        case "beside":
            parent[f"{last}_{CANARY}"] = CANARY
        case "appended":
            parent[last] = f"{parent[last]} {CANARY}" if isinstance(parent[last], str) else CANARY


class _Page:
    """What the proxy does to list pages of one module: the place and the action, set per example."""

    def __init__(self) -> None:
        self.module, self.path, self.action = "sessions", (), "value"
        self.injected = 0           # objects sent with a canary
        self.public: dict[str, set[tuple]] = {}   # the paths `get MODULE` prints, learned untouched

    def __call__(self, request: str, status: int, headers: dict[str, str], body: bytes):
        if status != 200 or f"/{self.module}" not in request or not self.path:
            return status, headers, body
        envelope = json.loads(body)
        if isinstance(envelope.get("data"), list):
            for item in envelope["data"]:
                before = json.dumps(item)
                _inject(item, self.path, self.action)
                self.injected += json.dumps(item) != before
        return status, headers, json.dumps(envelope).encode()


def _unreleased(ndjson: str, page: _Page) -> str:
    """`get`'s lines without a canary that stands as the value of a field `get` releases
    as public (at a path it prints on the untouched platform): the released columns."""
    public = page.public[page.module]

    def blank(value: Any, path: tuple) -> Any:
        if isinstance(value, dict):
            return {key: blank(child, (*path, key)) for key, child in value.items()}
        if isinstance(value, list):
            return [blank(child, (*path, 0)) for child in value]
        return "(released)" if path in public and CANARY in str(value) else value

    return "\n".join(json.dumps(blank(json.loads(line), ())) for line in ndjson.splitlines())


@pytest.fixture(scope="module")
def platform():
    from ocpispec.demo import DemoServer

    page = _Page()
    with DemoServer(version="2.2.1", size=30, max_page_size=15) as server, \
            RewritingProxy(server.origin, page) as proxy:
        sample = {module: _first(proxy.origin, server.token, module) for module in MODULES}
        yield server, proxy, page, sample


def _first(origin: str, token: str, module: str) -> dict:
    import base64

    from fixtures_proxy import upstream_get

    answer = upstream_get(f"{origin}/ocpi/cpo/2.2.1/{module}?limit=1&date_from=2000-01-01T00:00:00Z",
                          {"authorization": "Token " + base64.b64encode(token.encode()).decode()})
    return answer.json()["data"][0]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_a_canary_anywhere_in_a_page_never_shows(data, platform, run_cli, tmp_path_factory) -> None:
    server, proxy, page, sample = platform
    page.module = data.draw(st.sampled_from(MODULES), label="module")
    page.path = data.draw(st.sampled_from(_paths(sample[page.module])), label="path")
    page.action = data.draw(st.sampled_from(ACTIONS), label="action")
    folder = tmp_path_factory.mktemp("example")
    log = folder / "ocpispec.log"
    env = {"OCPI_VERSIONS_URL": f"{proxy.origin}/ocpi/cpo/versions", "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY, "OCPISPEC_LEDGER": str(folder / "ledger.sqlite")}
    if not Path(folder / "login").exists():
        run_cli("login", env["OCPI_VERSIONS_URL"], "--token", server.token, "--party", "NL-ABC", env=env)
    get = ("-vv", "--log-file", str(log), "get", page.module, "--date-to", "2026-01-01")
    if page.module not in page.public:
        path, page.path = page.path, ()
        page.public[page.module] = {p for line in run_cli(*get, env=env).stdout.splitlines()
                                    for p in _paths(json.loads(line))}
        page.path = path
    channels, page.injected = Channels(), 0
    for args in (get, ("-vv", "--log-file", str(log), "run", WITHOUT_K, "--out", str(folder / "out.csv"),
                       "--state", str(folder / "state.sqlite"), "--as-of", "2026-01-01T00:00:00Z")):
        result = run_cli(*args, env=env)
        stdout = _unreleased(result.stdout, page) if args is get else result.stdout
        channels.add(f"{args[3]} stdout", stdout)
        channels.add(f"{args[3]} stderr", result.stderr)
    channels.add_files(folder)
    assert page.injected
    assert not channels.leaks(), "\n".join(channels.leaks())


class _Discovery(_Page):
    """The canary at a place of the versions list, the version details or the credentials."""

    def __call__(self, request: str, status: int, headers: dict[str, str], body: bytes):
        if status != 200 or not self.path or not request.split("?")[0].rstrip("/").endswith(self.module):
            return status, headers, body
        envelope = json.loads(body)
        before = json.dumps(envelope)
        _inject(envelope, self.path, self.action)
        self.injected += json.dumps(envelope) != before
        return status, headers, json.dumps(envelope).encode()


DISCOVERY = {"/versions": "versions", "/2.2.1": "details", "/credentials": "credentials"}


@pytest.fixture(scope="module")
def discovery_platform():
    import base64

    from ocpispec.demo import DemoServer
    from fixtures_proxy import upstream_get

    page = _Discovery()
    with DemoServer(version="2.2.1", size=20) as server, RewritingProxy(server.origin, page) as proxy:
        token = {"authorization": "Token " + base64.b64encode(server.token.encode()).decode()}
        sample = {end: upstream_get(f"{server.origin}/ocpi/cpo{path}", token).json()
                  for end, path in (("/versions", "/versions"), ("/2.2.1", "/2.2.1"),
                                    ("/credentials", "/2.2.1/credentials"))}
        yield server, proxy, page, sample


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_a_canary_anywhere_in_discovery_never_shows(data, discovery_platform, run_cli, tmp_path_factory) -> None:
    """The same for what discovery reads: the versions list, the version details (module
    identifiers, roles, endpoint URLs) and the credentials (party, roles, business details):
    `login`, `get sessions` and `doctor --format json` show no canary."""
    server, proxy, page, sample = discovery_platform
    page.module = data.draw(st.sampled_from(sorted(DISCOVERY)), label="answer")
    page.path = data.draw(st.sampled_from(_paths(sample[page.module])), label="path")
    page.action = data.draw(st.sampled_from(ACTIONS), label="action")
    folder = tmp_path_factory.mktemp("discovery")
    env = {"OCPISPEC_CONFIG_DIR": str(folder / "config"), "OCPISPEC_LEDGER": str(folder / "ledger.sqlite")}
    channels, page.injected = Channels(), 0
    for args in (("login", f"{proxy.origin}/ocpi/cpo/versions", "--token", server.token, "--party", "NL-ABC"),
                 ("-vv", "--log-file", str(folder / "ocpispec.log"), "get", "sessions", "--limit", "5"),
                 ("doctor", "--format", "json")):
        result = run_cli(*args, env=env)
        channels.add(f"{args[0]} stdout", result.stdout)
        channels.add(f"{args[0]} stderr", result.stderr)
    channels.add_files(folder)
    # the profile keeps the URLs the platform lists (where to go), never its other text
    profile = json.loads((folder / "config" / "profiles" / "default.json").read_text() or "{}") \
        if (folder / "config" / "profiles" / "default.json").exists() else {}
    kept = [profile.get("to_party"), profile.get("version"), *profile.get("endpoints", {})]
    channels.add("profile", json.dumps(kept))
    assert page.injected
    assert not channels.leaks(), "\n".join(channels.leaks())


HEADERS = ("link", "x-total-count", "x-limit", "retry-after", "ratelimit-reset", "x-ratelimit-reset", "date",
           "content-type", "content-encoding", "location", "www-authenticate", "x-request-id")
STATUSES = (200, 301, 302, 307, 400, 401, 403, 404, 429, 500, 502, 503)


class _Headers(_Page):
    """One header of every list answer set to a text holding the canary, under a status."""

    def __init__(self) -> None:
        super().__init__()
        self.header, self.value, self.status = "link", CANARY, 200

    def __call__(self, request: str, status: int, headers: dict[str, str], body: bytes):
        if f"/{self.module}" not in request or request.rstrip("/").endswith("/2.2.1"):
            return status, headers, body
        self.injected += 1
        return self.status, {**headers, self.header: self.value}, body


@pytest.fixture(scope="module")
def header_platform():
    from ocpispec.demo import DemoServer

    page = _Headers()
    with DemoServer(version="2.2.1", size=30, max_page_size=15) as server, \
            RewritingProxy(server.origin, page) as proxy:
        yield server, proxy, page


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_a_canary_in_any_header_under_any_status_never_shows(data, header_platform, run_cli,
                                                            tmp_path_factory) -> None:
    """Headers are the platform's text too: any of those ocpispec reads (and one it does
    not), holding the canary as a URL's host, path or query, a date, a number's place or
    plain text, under any status, on the sessions list: `get`, `run` (every file it
    writes) and `doctor --format json` show no canary."""
    server, proxy, page = header_platform
    page.module = "sessions"
    page.header = data.draw(st.sampled_from(HEADERS), label="header")
    page.status = data.draw(st.sampled_from(STATUSES), label="status")
    page.value = data.draw(st.sampled_from([
        CANARY, f"<http://{HOST}.cpo.example/x?offset=20>; rel=\"next\"", f"</ocpi/{CANARY}/sessions>; rel=next",
        f"http://127.0.0.1:1/ocpi/{HOST}/sessions?{HOST}={CANARY}", f"Mon, 01 Jan 2026 {CANARY}",
        f"text/{HOST}; charset={HOST}", f"10 {CANARY}", f"Token realm=\"{CANARY}\""]), label="value")
    folder = tmp_path_factory.mktemp("headers")
    env = {"OCPISPEC_CONFIG_DIR": str(folder / "config"), "OCPISPEC_LEDGER": str(folder / "ledger.sqlite"),
           "OCPI_VERSIONS_URL": f"{proxy.origin}/ocpi/cpo/versions", "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    channels, page.injected = Channels(), 0
    for args in (("login", env["OCPI_VERSIONS_URL"], "--token", server.token, "--party", "NL-ABC"),
                 ("-vv", "--log-file", str(folder / "ocpispec.log"), "get", "sessions", "--date-to", "2026-01-01"),
                 ("-vv", "--log-file", str(folder / "ocpispec.log"), "run", WITHOUT_K, "--out",
                  str(folder / "out.csv"), "--as-of", "2026-01-01T00:00:00Z"),
                 ("doctor", "--format", "json")):
        result = run_cli(*args, env=env)
        channels.add(f"{args[0]} {args[-1]} stdout", result.stdout)
        channels.add(f"{args[0]} {args[-1]} stderr", result.stderr)
    channels.add_files(folder)
    assert page.injected
    assert not channels.leaks(), "\n".join(channels.leaks())
