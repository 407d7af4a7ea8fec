"""Platforms whose lists do not end, and error answers that say why: round seven of the
independent deviations (d6).

An HTTP 500 (or 4xx) whose body is an OCPI envelope read as "HTTP 500" alone; it now says
the OCPI `status_code` and the words of its message that error messages use
(`ocpi/platform_words.py`), never a card, an address, a token or a URL.

An extra list read for a window (the records updated since its `date_to`, which a
platform applying its date filters early kept back) has no `date_to` of its own: a
platform adding records faster than they are read kept a run reading it (3,282 requests
of sessions invented as they were read). It is bounded by what the window needed
(`execute/extra_lists.py`), and a run cut there fails loudly with nothing committed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures_demo import scrub
from hypothesis import given, settings, strategies as st
from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text
from test_independent_deviations import _leaks, _login, _written

from ocpispec.demo import Faults
from ocpispec.ocpi.platform_words import MOST_WORDS, VOCABULARY, shown_message

# requests after which the endless platform stops inventing (so the code before the
# bound ended too, and the test could fail instead of hanging)
INVENTING_UNTIL = 400


class _Endless(IndependentCpo):
    """Adds ten sessions, last updated now, at each request of sessions without a
    `date_to` (the list after a window's end): more than a page (7) holds."""

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        if module == "sessions" and "date_to" not in query and len(self.requests) < INVENTING_UNTIL:
            for _ in range(10):
                self.add_session(datetime.now(UTC))
        return super()._page(module, query)


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_a_list_after_the_window_that_never_ends_is_cut_and_the_run_fails(concurrency: str, run_cli,
                                                                          tmp_path: Path, snapshot) -> None:
    with _Endless("2.2.1", records=30) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        out, state = tmp_path / "sessions.csv", tmp_path / "state.sqlite"
        before = len(cpo.requests)
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(state),
                       "--concurrency", concurrency, env={"INDEPENDENT_KEY": KEY})
        asked = len(cpo.requests) - before
        assert "Traceback" not in done.output
        assert done.exit_code == 1, done.output
        # the window took 5 pages (30 sessions, 7 a page): 20 + 2 x 5 pages of the list after it
        assert asked <= 50, asked
        assert "OCX571" in done.output and "nothing was written" in done.output, done.output
        assert not out.exists()
        assert not _leaks(cpo, _written(tmp_path) + done.output.encode())
        said = [line.strip() for line in done.output.splitlines() if "updated since `date_to`" in line]
        assert said == snapshot
        assert "the `since last run` state did not change" in done.output


# a platform's error text quoting a record, an address, the token and a URL: only its
# words of errors may show
MESSAGE = "Database timeout while reading card NL-DEM-C00042 of jan.jansen@example.com, token {token}, see " \
          "https://status.cpo.example/incident?for=jan"


@pytest.mark.parametrize("command", ["get", "run", "doctor"])
def test_an_error_answers_ocpi_status_and_its_words_are_shown(command: str, run_cli, demo_server_factory,
                                                             tmp_path: Path, snapshot) -> None:
    """HTTP 500 with an OCPI body (3000 and a message) read 'HTTP 500 Internal Server
    Error' alone: the user could not tell an outage from a refused request."""
    server = demo_server_factory(size=60, max_page_size=20)
    server.faults = Faults(error_rate=1.0, error_status=500, fault_after_requests=2,
                           error_message=MESSAGE.format(token=server.token))
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC",
                   "--profile", "independent")
    assert done.exit_code == 0, done.output
    match command:
        case "get":
            done = run_cli("get", "sessions", "--profile", "independent", "--date-to", "2026-01-01")
        case "run":
            spec = tmp_path / "sessions.ocx"
            spec.write_text(spec_text("sessions"))
            done = run_cli("run", str(spec), "--out", str(tmp_path / "sessions.csv"),
                           "--state", str(tmp_path / "state.sqlite"), env={"INDEPENDENT_KEY": KEY})
        case _:
            done = run_cli("doctor", "--profile", "independent")
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output
    assert 'OCPI status_code 3000 (generic server error), platform message "Database timeout while reading ' \
           'card (…) of (…) token (…) see (…)"' in done.output, done.output
    for secret in (server.token, "NL-DEM-C00042", "jan.jansen", "cpo.example", "for=jan"):
        assert secret not in done.output
    said = [scrub(line.strip()) for line in done.output.splitlines() if "platform message" in line]
    assert said == snapshot


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from([*sorted(VOCABULARY)[:60], "42", "-", ":", "(x)", "é"]), max_size=40),
       at=st.integers(min_value=0, max_value=40), glue=st.sampled_from(["", " ", "-", ",", "@", "'", "`"]))
def test_a_message_shows_its_words_of_errors_only(words: list[str], at: int, glue: str) -> None:
    """A value put anywhere in a platform's message, glued to a word or apart, never shows;
    what shows is bounded."""
    canary = "Jq7Xcanary0042"
    text = " ".join(words[:at]) + glue + canary + glue + " ".join(words[at:])
    shown = shown_message(text)
    assert shown is not None and "canary" not in shown.lower() and "0042" not in shown
    assert len(shown.split()) <= MOST_WORDS + 1
