"""`ocpispec get` prints no object a run leaves out whole (adversarial review, round 11).

`get tariffs` printed every tariff, the demo CPO's `HOME` "home charging compensation"
with its id, text and URL among them, though a tariffs export keeps only those a
connector of a published location names (a home's own tariff names the home); `get
sessions` and `get cdrs` printed the charges at private sites with their times and
energy, and `get locations` the private sites themselves. `get` withheld fields by path
only. Now it leaves such objects out as the run does (`ocpi/public_scope.py`), on the
fast path and in the worker pool alike, counts them in the summary, and prints them only
with `--include-private`, which warns."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ocpispec.demo import DemoServer
from ocpispec.demo.handler import DemoHandler

DATE_TO = ("--date-to", "2026-01-01")
WHERE = {("sessions", "2.1.1"): "location.id", ("cdrs", "2.1.1"): "location.id",
         ("sessions", "2.2.1"): "location_id", ("cdrs", "2.2.1"): "cdr_location.id",
         ("sessions", "2.3.0"): "location_id", ("cdrs", "2.3.0"): "cdr_location.id"}


@pytest.fixture(scope="module", params=["2.1.1", "2.2.1", "2.3.0"])
def server(request) -> Iterator[DemoServer]:
    with DemoServer(version=request.param, size=150, max_page_size=40) as started:
        started.ocpi_version = request.param
        yield started


def _login(run_cli, server: DemoServer) -> None:
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr


def _objects(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _place(obj: dict, path: str) -> str | None:
    for name in path.split("."):
        obj = obj.get(name) if isinstance(obj, dict) else None
    return obj if isinstance(obj, str) else None


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_home_tariff_stays_out(run_cli, server: DemoServer, workers: str) -> None:
    _login(run_cli, server)
    got = run_cli("get", "tariffs", *DATE_TO, "--workers", workers)
    assert got.exit_code == 0, got.stderr
    ids = {t["id"] for t in _objects(got.stdout)}
    assert ids and "HOME" not in ids and "home charging" not in got.stdout
    assert "no connector of a published location names them; --include-private keeps " \
        "them)" in got.stderr
    kept = run_cli("get", "tariffs", "--include-private", *DATE_TO, "--workers", workers)
    unnamed = [t for t in _objects(kept.stdout) if "id" not in t]   # in their private form
    assert unnamed and len(_objects(kept.stdout)) == len(ids) + len(unnamed)
    assert kept.stderr.startswith("warning: `--include-private` prints private sites")


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_no_charge_at_a_private_site_is_printed(run_cli, server: DemoServer, module: str,
                                                workers: str, forks) -> None:
    _login(run_cli, server)
    path = WHERE[module, server.ocpi_version]
    home = {server.world.site(j).id for j in server.world.private_sites()}
    opened = ("--privacy-pass", path, "--page-size", "40", *DATE_TO, "--workers", workers)
    everything = _objects(run_cli("get", module, "--include-private", *opened).stdout)
    at_home = [o for o in everything if _place(o, path) in home]
    assert at_home  # the demo CPO charges at homes
    got = run_cli("get", module, *opened)
    assert got.exit_code == 0, got.stderr
    printed = _objects(got.stdout)
    assert printed and not [o for o in printed if _place(o, path) in home]
    assert len(printed) == len(everything) - len(at_home)
    assert f"--include-private keeps them): {len(at_home)}" in got.stderr
    assert forks == (["fork", "fork"] if workers == "2" else [])


def test_a_private_site_is_not_printed(run_cli, server: DemoServer) -> None:
    _login(run_cli, server)
    home = {server.world.site(j).id for j in server.world.private_sites()}
    got = run_cli("get", "locations", *DATE_TO)
    assert got.exit_code == 0, got.stderr
    printed = {o["id"] for o in _objects(got.stdout)}
    assert printed and not printed & home


class _StrayCharges(DemoServer):
    """The demo CPO, with some sessions at a location it does not list and some of
    another party at the id of one of its own published sites: neither is a published
    location of that party, so a run leaves both out."""

    def render(self, version: str, module: str, index: int) -> dict:
        obj = super().render(version, module, index)
        if module == "sessions" and index % 7 == 3:
            obj["location_id"] = f"UNLISTED-{index}"
        elif module == "sessions" and index % 7 == 5:
            obj["party_id"] = "XYZ"     # the same site id, another party's
        return obj


def _page_kinds(monkeypatch) -> list[str]:
    """The kinds of pages `get` writes: `CleanPage` where the fast path read them whole
    (`ocpi.fast_pages`), in the parent or in a worker process."""
    from ocpispec.execute.crawls import AuditedFetch

    seen: list[str] = []
    real = AuditedFetch.pages

    def pages(self):
        for page in real(self):
            seen.append(page.__class__.__name__)
            yield page

    monkeypatch.setattr(AuditedFetch, "pages", pages)
    return seen


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_fast_path_keeps_the_scope(run_cli, monkeypatch, version: str, workers: str) -> None:
    """Sessions read whole in C (the fast path) are left out as a run leaves them out:
    at a private site, at a location the platform does not list, at another party's
    site of the same id; the output is byte for byte what the Python reader gives
    (`--limit`, a small sample, reads every page in Python)."""
    with _StrayCharges(version=version, size=400, max_page_size=100) as server:
        _login(run_cli, server)
        home = {server.world.site(j).id for j in server.world.private_sites()}
        window = (*DATE_TO, "--page-size", "100")
        everything = _objects(run_cli("get", "sessions", "--include-private", *window,
                                      "--privacy-pass", "location_id,party_id,id").stdout)
        out = {o["id"] for o in everything if o["location_id"] in home
               or o["location_id"].startswith("UNLISTED-") or o["party_id"] == "XYZ"}
        assert {o["location_id"] in home for o in everything} == {True, False}
        kinds = _page_kinds(monkeypatch)
        got = run_cli("get", "sessions", *window, "--workers", workers,
                      "--privacy-pass", "location_id,party_id,id")
        assert got.exit_code == 0, got.stderr
        assert "CleanPage" in kinds     # the fast path read pages whole
        printed = _objects(got.stdout)
        assert printed and not {o["id"] for o in printed} & out
        assert len(printed) == len(everything) - len(out)
        assert f"--include-private keeps them): {len(out)}" in got.stderr
        kinds.clear()
        slow = run_cli("get", "sessions", *window, "--limit", "5000",
                       "--privacy-pass", "location_id,party_id,id")
        assert "CleanPage" not in kinds and slow.stdout == got.stdout
        assert f"--include-private keeps them): {len(out)}" in slow.stderr
        plain = run_cli("get", "sessions", *window, "--workers", workers)
        assert plain.stdout.count("\n") == len(printed)


class _ObjectValuedParty(DemoServer):
    """The demo CPO (2.1.1, which has no `country_code`) with a session and a location
    carrying an unknown `country_code` that is an object: a platform's own field."""

    def render(self, version: str, module: str, index: int) -> dict:
        obj = super().render(version, module, index)
        if module in ("sessions", "locations") and index == 3:
            obj["country_code"] = {"code": "NL"}
        return obj


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_place_that_is_an_object_names_no_site(run_cli, workers: str) -> None:
    """`get sessions` failed with an internal error (a TypeError hashing the session's
    place) where a record's party held an object; such a place names no published
    site, so the session is left out like one at an unlisted location."""
    with _ObjectValuedParty(version="2.1.1", size=60, max_page_size=100) as server:
        _login(run_cli, server)
        odd = server.render("2.1.1", "sessions", 3)["id"]
        got = run_cli("get", "sessions", *DATE_TO, "--workers", workers,
                      "--privacy-pass", "id,location.id", "--accept-incomplete")
        assert got.exit_code == 0, got.stderr
        printed = _objects(got.stdout)
        assert printed and odd not in {o["id"] for o in printed}
        assert "left out whole" in got.stderr


class _Counting(DemoHandler):
    """The demo CPO's handler, counting the requests it answers at the same time. A
    request counts as answered once its answer starts (`send_response`), not once it has
    been written: a client may send its next request as soon as it has read an answer,
    before this thread gets to count it (`most` was 2 at `--concurrency 1` now and then,
    more often with a faster reader of the pages)."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        demo = self.demo  # type: ignore[attr-defined]
        with demo.lock:
            demo.in_flight += 1
            demo.most = max(demo.most, demo.in_flight)
        self.counted = True
        try:
            super().do_GET()
        finally:
            self._answered()

    def send_response(self, code: int, message: str | None = None) -> None:
        self._answered()
        super().send_response(code, message)

    def _answered(self) -> None:
        if getattr(self, "counted", False):
            self.counted = False
            with self.demo.lock:  # type: ignore[attr-defined]
                self.demo.in_flight -= 1  # type: ignore[attr-defined]


class _WatchedSites(DemoServer):
    """The demo CPO noting whether a session was asked for while it was answering for
    the locations (it waits up to `WAIT` s for one, with the first location), and the
    most requests it answered at once."""

    WAIT = 2.0

    def __init__(self, **options) -> None:
        super().__init__(**options)
        import threading

        self.sessions_asked = threading.Event()
        self.overlapped: list[bool] = []
        self.lock = threading.Lock()
        self.in_flight = self.most = 0

    def start(self) -> DemoServer:
        super().start()
        self._httpd.RequestHandlerClass = _Counting  # type: ignore[union-attr]
        return self

    def render(self, version: str, module: str, index: int) -> dict:
        if module == "sessions":
            self.sessions_asked.set()
        elif module == "locations" and index == 0:
            self.overlapped.append(self.sessions_asked.wait(self.WAIT))
        return super().render(version, module, index)


@pytest.mark.parametrize("concurrency", ["4", "1"])
def test_the_locations_are_read_beside_the_module_within_its_budget(run_cli, concurrency: str) -> None:
    """`get sessions` asks for its first sessions while the locations are still being
    answered (they used to stand, whole, before the first session request), within the
    one `--concurrency` budget of both connections: with one request at a time, never
    two at once. The output is the same either way."""
    with _WatchedSites(version="2.2.1", size=120, max_page_size=100) as server:
        _login(run_cli, server)
        server.most = 0
        got = run_cli("get", "sessions", *DATE_TO, "--concurrency", concurrency)
        assert got.exit_code == 0, got.stderr
        if concurrency == "1":
            assert server.most == 1
        else:
            # the sessions were asked for before the first locations were answered; how
            # many requests were in flight at once then is up to the threads: at most 4
            assert server.overlapped == [True] and server.most <= 4
    with DemoServer(version="2.2.1", size=120, max_page_size=100) as plain:
        _login(run_cli, plain)
        assert run_cli("get", "sessions", *DATE_TO).stdout == got.stdout != ""
