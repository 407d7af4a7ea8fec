"""Fixtures that start the built-in demo CPO on 127.0.0.1.

* `demo_server`: one module-scoped OCPI 2.2.1 server, 300 sessions, pages of at
  most 100 objects. Treat it as read-only: do not change its `faults`.
* `demo_server_factory(**kwargs)`: start a server with any `DemoServer` arguments
  (`version`, `versions`, `size`, `faults`, `max_page_size`, `canaries`, ...);
  all are stopped at teardown.
* `demo_profile`: a profile `default`, logged in to `demo_server` with party
  `NL-ABC`, saved in the same private config dir `run_cli` uses.
* `fast_options`: FetchOptions with millisecond backoff, for fault tests.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ocpispec.demo import DemoServer
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient
from ocpispec.ocpi.profiles import Profile, profile_from_client, save_profile

__all__ = ["demo_server", "demo_server_factory", "demo_profile", "fast_options", "DEMO_PARTY", "scrub"]

DEMO_PARTY = "NL-ABC"
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def scrub(text: str, *, tmp_path: Path | None = None, token: str | None = None) -> str:
    """Snapshot-stable text: ports, UUIDs, the temp dir and the token replaced."""
    text = _PORT.sub("127.0.0.1:PORT", text)
    text = _UUID.sub("UUID", text)
    if tmp_path is not None:
        text = text.replace(str(tmp_path), "<tmp>")
    if token:
        text = text.replace(token, "<token>")
    return text


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    with DemoServer(version="2.2.1", size=300, max_page_size=100) as server:
        yield server


@pytest.fixture
def demo_server_factory() -> Iterator[Callable[..., DemoServer]]:
    started: list[DemoServer] = []

    def start(**kwargs: object) -> DemoServer:
        server = DemoServer(**kwargs).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    # stopped together: a stop waits for its serving loop's next look (every 0.05 s), and
    # a test of every fault started some thirty servers, stopped one after another
    # (one by one where there is one, or where the test left no thread to start: a test
    # of a run that cannot start a thread patches `Thread.start` until its teardown)
    stopping = [threading.Thread(target=server.stop) for server in started] if len(started) > 1 else []
    try:
        for thread in stopping:
            thread.start()
    except RuntimeError:
        pass
    for thread in stopping:
        if thread.ident is not None:
            thread.join()
    for server, thread in zip(started, stopping or [None] * len(started)):
        if thread is None or thread.ident is None:
            server.stop()


@pytest.fixture
def demo_profile(demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Profile:
    monkeypatch.setenv("OCPISPEC_CONFIG_DIR", str(tmp_path / "config"))
    credentials = Credentials(demo_server.versions_url, demo_server.token, party=DEMO_PARTY)
    with OcpiClient.connect(credentials) as client:
        profile = profile_from_client("default", client)
    save_profile("default", profile)
    return profile


@pytest.fixture
def fast_options() -> FetchOptions:
    return FetchOptions(max_retries=3, backoff_base=0.001, backoff_max=0.01, retry_after_max=0.05, timeout=5.0)
