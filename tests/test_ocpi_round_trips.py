"""Fewer round trips and connects, counted by the demo CPO over HTTP.

A profile's stored discovery is reused: `get` and `run` send no discovery request while it
is younger than `rediscover_after`, discover again (once) when a stored endpoint fails or
the profile is older, and keep what they discovered for the next time. A crawl opens its
connections gradually.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from fixtures_cli import WITHOUT_K, run_cli  # noqa: F401  (fixture)
from fixtures_demo import demo_profile, demo_server  # noqa: F401  (fixtures)

from ocpispec.ocpi import OcpiClient, OcpiError
from ocpispec.ocpi.profiles import load_profile, remember_discovery, save_profile

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DAY = 24 * 3600.0


def paths(server, start: int = 0) -> list[str]:
    return [record.target.split("?")[0].rsplit("/", 1)[-1] for record in server.request_log[start:]]


def test_a_fresh_profile_connects_without_a_request(demo_server, demo_profile):
    start = len(demo_server.request_log)
    credentials = demo_profile.credentials(reuse_discovery_for=DAY)
    with OcpiClient.connect(credentials) as client:
        assert client.stored and not client.discovered
        assert client.version == "2.2.1" and "sessions" in client.modules
        first = next(client.fetch("sessions", limit=1))
    assert first["id"]
    assert paths(demo_server, start) == ["sessions"]


def test_without_reuse_it_discovers_as_before(demo_server, demo_profile):
    start = len(demo_server.request_log)
    with OcpiClient.connect(demo_profile.credentials()) as client:
        assert client.discovered
        next(client.fetch("sessions", limit=1))
    assert paths(demo_server, start) == ["versions", "2.2.1", "sessions"]


def test_an_old_profile_is_discovered_again():
    old = dataclasses.replace(_profile(), created_at="2025-12-30T00:00:00Z")
    assert old.credentials(reuse_discovery_for=DAY, now=NOW).endpoints == ()
    young = dataclasses.replace(old, discovered_at="2025-12-31T12:00:00Z")
    assert dict(young.credentials(reuse_discovery_for=DAY, now=NOW).endpoints) == dict(young.endpoints)
    assert old.credentials(reuse_discovery_for=3 * DAY, now=NOW).endpoints != ()


def test_a_moved_endpoint_is_discovered_again_once(demo_server, demo_profile):
    moved = dataclasses.replace(demo_profile, endpoints={
        **demo_profile.endpoints, "sessions": demo_server.module_url("2.2.1", "sessions") + "-moved"})
    start = len(demo_server.request_log)
    with OcpiClient.connect(moved.credentials(reuse_discovery_for=DAY)) as client:
        objects = list(client.fetch("sessions", limit=3))
        assert client.discovered and not client.stored
        assert any("stored discovery did not hold" in w for w in client.stats.warnings)
    assert len(objects) == 3
    assert paths(demo_server, start) == ["sessions-moved", "versions", "2.2.1", "sessions"]


def test_a_dead_host_is_discovered_again(demo_server, demo_profile, fast_options):
    gone = dataclasses.replace(demo_profile, endpoints={"sessions": "http://127.0.0.1:9/ocpi/sessions"},
                               allowed_hosts=("127.0.0.1:9",))
    with OcpiClient.connect(gone.credentials(reuse_discovery_for=DAY), options=fast_options) as client:
        assert client.count("sessions") == demo_server.size
        assert client.discovered


def test_a_stored_endpoint_the_token_may_not_go_to_is_discovered_again(demo_server, demo_profile,
                                                                      fast_options):
    """A profile stored before ports were told apart may list an endpoint on another port:
    nothing is sent there, and a fresh discovery gives the platform's own."""
    elsewhere = dataclasses.replace(demo_profile,
                                    endpoints={"sessions": "http://127.0.0.1:9/ocpi/sessions"})
    with OcpiClient.connect(elsewhere.credentials(reuse_discovery_for=DAY), options=fast_options) as client:
        assert client.count("sessions") == demo_server.size
        assert client.discovered


def test_a_module_not_stored_is_discovered_again(demo_server, demo_profile):
    few = dataclasses.replace(demo_profile, endpoints={"locations": demo_profile.endpoints["locations"]})
    with OcpiClient.connect(few.credentials(reuse_discovery_for=DAY)) as client:
        assert next(client.fetch("sessions", limit=1))["id"]
        assert client.discovered


def test_a_refused_token_still_fails_with_the_discovery_diagnostic(demo_server, demo_profile):
    wrong = dataclasses.replace(demo_profile, token="0" * 32, token_encoding="base64")
    with OcpiClient.connect(wrong.credentials(reuse_discovery_for=DAY)) as client:
        with pytest.raises(OcpiError) as failure:
            list(client.fetch("sessions", limit=1))
    assert failure.value.code == "OCX502"


def test_a_failure_after_the_first_page_is_not_retried(demo_server, demo_profile):
    """Objects were already handed out: discovering and starting over would repeat them."""
    with OcpiClient.connect(demo_profile.credentials(reuse_discovery_for=DAY)) as client:
        objects = client.fetch("sessions")
        next(objects)
        assert not client.stored        # the first page confirmed the stored discovery


def test_what_was_discovered_is_kept_in_the_profile(demo_server, demo_profile):
    moved = dataclasses.replace(demo_profile, endpoints={
        **demo_profile.endpoints, "sessions": demo_server.module_url("2.2.1", "sessions") + "-moved"})
    save_profile("default", moved)
    with OcpiClient.connect(moved.credentials(reuse_discovery_for=DAY)) as client:
        next(client.fetch("sessions", limit=1))
        remember_discovery(moved, client)
    stored = load_profile("default")
    assert stored.endpoints["sessions"] == demo_server.module_url("2.2.1", "sessions")
    assert stored.discovered_at and stored.token == demo_profile.token
    assert stored.discovery_age() < 60


def test_get_sends_no_discovery_request_with_a_fresh_profile(demo_server, demo_profile, run_cli):
    start = len(demo_server.request_log)
    result = run_cli("get", "sessions", "--limit", "2")   # the published locations beside
    assert result.exit_code == 0, result.stderr
    assert sorted(paths(demo_server, start)) == ["locations", "sessions"]
    assert "1 request," in result.stderr


def test_get_discovers_when_told_the_age_is_zero(demo_server, demo_profile, run_cli):
    start = len(demo_server.request_log)
    result = run_cli("get", "sessions", "--limit", "2", env={"OCPISPEC_REDISCOVER_AFTER": "0"})
    assert result.exit_code == 0, result.stderr
    asked = paths(demo_server, start)
    assert asked[:2] == ["versions", "2.2.1"] and sorted(asked[2:]) == ["locations", "sessions"]
    assert load_profile("default").discovered_at   # stored again: the next `get` skips it


def _profile():
    from ocpispec.ocpi.profiles import Profile

    return Profile(name="work", versions_url="https://cpo.example/ocpi/versions", token="t0k3n",
                   party="NL-ABC", version="2.2.1", to_party="NL-CPO",
                   endpoints={"sessions": "https://cpo.example/ocpi/2.2.1/sessions"},
                   created_at="2025-12-31T12:00:00Z")


def test_a_profile_never_discovered_has_no_age():
    assert dataclasses.replace(_profile(), created_at="").discovery_age() == float("inf")
    assert _profile().discovery_age(NOW) == timedelta(hours=12).total_seconds()


# -- connections are opened gradually ------------------------------------------------------

def test_a_short_list_opens_connections_gradually(demo_server_factory):
    """Four pages at concurrency 8: two in flight after the first page, then one more as
    each arrives, so two connections carry them all (a burst would open three)."""
    from ocpispec.demo.faults import Faults
    from ocpispec.ocpi import Credentials, FetchOptions

    server = demo_server_factory(size=400, max_page_size=100, faults=Faults(latency_ms=20))
    credentials = Credentials(server.versions_url, server.token, party="NL-OCX")
    with OcpiClient.connect(credentials, options=FetchOptions(concurrency=8)) as client:
        before = server.connections
        objects = list(client.fetch("sessions"))
    assert len(objects) == 400
    assert server.connections - before <= 1     # the discovery's connection, and one more


def test_a_long_list_reaches_the_full_concurrency(demo_server_factory):
    from ocpispec.demo.faults import Faults
    from ocpispec.ocpi import Credentials, FetchOptions

    server = demo_server_factory(size=2000, max_page_size=100, faults=Faults(latency_ms=20))
    credentials = Credentials(server.versions_url, server.token, party="NL-OCX")
    with OcpiClient.connect(credentials, options=FetchOptions(concurrency=4)) as client:
        assert len(list(client.fetch("sessions"))) == 2000
    assert 3 <= server.connections <= 4


def test_run_with_a_fresh_profile_sends_no_discovery_request(demo_server, demo_profile, run_cli,
                                                             tmp_path):
    start = len(demo_server.request_log)
    result = run_cli("run", WITHOUT_K, "--profile", "default",  # round trips, not k
                     "--out", str(tmp_path / "out.csv"), "--state", str(tmp_path / "ledger.sqlite"),
                     "--as-of", "2026-01-01T00:00:00Z",
                     env={"UTRECHT_PSEUDONYM_KEY": "9e4c1a7f3b08d26e5c9a0f7b3d1e84c6a2f5b09d7e3c16a8f4b2d90e5c7a3f1b"})
    assert result.exit_code == 0, result.stderr
    asked = paths(demo_server, start)
    assert "sessions" in asked and not {"versions", "2.2.1", "credentials"} & set(asked)


def test_run_keeps_a_new_discovery_in_the_profile(demo_server, demo_profile, run_cli, tmp_path):
    start = len(demo_server.request_log)
    result = run_cli("run", WITHOUT_K, "--profile", "default",  # round trips, not k
                     "--out", str(tmp_path / "out.csv"), "--state", str(tmp_path / "ledger.sqlite"),
                     "--as-of", "2026-01-01T00:00:00Z",
                     env={"UTRECHT_PSEUDONYM_KEY": "9e4c1a7f3b08d26e5c9a0f7b3d1e84c6a2f5b09d7e3c16a8f4b2d90e5c7a3f1b",
                          "OCPISPEC_REDISCOVER_AFTER": "0"})
    assert result.exit_code == 0, result.stderr
    assert paths(demo_server, start)[:2] == ["versions", "2.2.1"]
    assert load_profile("default").discovered_at


# -- the end checks ask side by side ------------------------------------------------------

def test_the_end_checks_of_a_deep_list_are_asked_side_by_side(demo_server_factory, monkeypatch):
    """1,000 sessions on pages of 100, read by offset: after the last page the crawl asks
    for the objects updated since the pinned `date_to` (`count-shift`) and, the list this
    deep ending at a full page, for those after its latest one (`offset-cap`). The server
    holds each of the two until the other has come: asked one after the other, the first
    waits in vain (10 s) and comes alone. Asked together, both meet, and no request is
    added: 10 pages and 2 checks."""
    import threading

    from ocpispec.demo.faults import Faults
    from ocpispec.demo.handler import DemoHandler
    from ocpispec.ocpi import Credentials, FetchOptions

    server = demo_server_factory(size=1000, max_page_size=100, faults=Faults())
    both, met, firsts = threading.Barrier(2, timeout=10), [], []
    answer = DemoHandler.do_GET

    def held(handler: DemoHandler) -> None:
        if "/sessions?" in handler.path and "offset=0&" in handler.path + "&":
            firsts.append(handler.path)
            if len(firsts) > 1:         # not the first page
                try:
                    both.wait()
                    met.append(True)
                except threading.BrokenBarrierError:
                    met.append(False)
        answer(handler)

    monkeypatch.setattr(DemoHandler, "do_GET", held)
    credentials = Credentials(server.versions_url, server.token, party="NL-OCX")
    start = len(server.request_log)
    with OcpiClient.connect(credentials, options=FetchOptions(concurrency=4)) as client:
        objects = list(client.fetch("sessions"))
        warnings = list(client.stats.warnings)
    assert len(objects) == 1000 and warnings == []
    assert met == [True, True]
    assert paths(server, start).count("sessions") == 12
    # one without an end (`count-shift`), one inside the window (`offset-cap`)
    assert sorted("date_to" in path for path in firsts[1:]) == [False, True]
