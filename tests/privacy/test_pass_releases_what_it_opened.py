"""The summary of `get` names as released by `--privacy-pass` only what the pass let out
(adversarial review, round 27).

`get sessions --privacy-pass kwh,id` said "released by --privacy-pass: id, kwh": a
reader took `kwh` for a field `get` withholds, and one released here; it is public at its
place, the pass opened nothing (as `currency` of `get tariffs` and `time_zone` of `get
locations`). The paths that opened nothing are now said apart."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ocpispec.demo import DemoServer

DATE_TO = ("--date-to", "2026-01-01")
_LINE = re.compile(r"^  (released by|opened by).*$",
                   re.MULTILINE)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(version="2.2.1", size=150, max_page_size=40) as started:
        yield started


def _get(run_cli, server: DemoServer, *args: str):
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr
    got = run_cli("get", *args, *DATE_TO)
    assert got.exit_code == 0, got.stderr
    return got


@pytest.mark.parametrize("args", [
    ("sessions", "--privacy-pass", "kwh,id"),
    ("sessions", "--include-private"),
    ("sessions", "--include-private", "--privacy-pass", "kwh,currency"),
    ("cdrs", "--include-private", "--privacy-pass", "total_energy,cdr_token.uid"),
    ("cdrs", "--include-private", "--privacy-pass", "."),
    ("tariffs", "--include-private", "--privacy-pass", "currency,id"),
    ("locations", "--include-private", "--privacy-pass", "time_zone,evses.uid"),
    ("locations", "--privacy-pass", "time_zone,address"),
])
def test_the_summary_says_what_the_pass_released(run_cli, server, args, snapshot) -> None:
    got = _get(run_cli, server, *args)
    said = [match.group(0) for match in _LINE.finditer(got.stderr)]
    assert "\n".join(said) == snapshot


@pytest.mark.parametrize(("module", "public", "opening"), [
    ("sessions", "currency", "id"),
    ("tariffs", "currency", "id"),
    ("locations", "time_zone", "evses.uid"),
])
def test_a_path_said_public_without_the_pass_opens_nothing(run_cli, server, module, public,
                                                           opening) -> None:
    both = _get(run_cli, server, module, "--include-private", "--privacy-pass", f"{public},{opening}")
    assert f"opened by --privacy-pass, public without it: {public}\n" in both.stderr
    assert f"released by --privacy-pass: {opening}\n" in both.stderr
    alone = _get(run_cli, server, module, "--include-private", "--privacy-pass", opening)
    assert both.stdout == alone.stdout
