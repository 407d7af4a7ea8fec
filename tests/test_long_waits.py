"""A platform that answers 429 with a long `Retry-After` (minutes, within the longest
wait ocpispec honours): the run says, as the wait begins, that it waits and for how long,
instead of a frozen progress bar. Stopped during the wait (SIGTERM), it commits nothing,
and the next run delivers every record of the window once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from fixtures_cli import CLI_ENV
from hypothesis import given
from hypothesis import strategies as st
from ledger_helpers import has_state
from test_bodies_cut_short import SERVER, SPEC, rows
from test_run_e2e import KEYS, run_spec  # noqa: F401 (fixture)

from ocpispec.cli.client_options import ANSWER_PAUSE, answer_pause
from ocpispec.demo import Faults

MARKER = "the platform asks to wait"


def test_a_long_wait_the_platform_asks_for_is_said_and_a_stop_during_it_commits_nothing(
        run_spec, demo_server_factory, tmp_path: Path, snapshot) -> None:
    honest = demo_server_factory(**SERVER)
    assert run_spec(SPEC, honest, "-q", out="honest").exit_code == 0
    expected = rows(tmp_path / "honest")

    server = demo_server_factory(**SERVER, faults=Faults(rate_limit_every=3, retry_after=240))
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC)
    out, state = tmp_path / "out", tmp_path / "state-out.json"
    env = {**os.environ, **CLI_ENV, **KEYS, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    run = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "--out", str(out), "--state",
                            str(state), "--as-of", "2026-01-01T00:00:00Z"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    said: list[str] = []
    waiting = threading.Event()

    def read() -> None:
        assert run.stderr is not None
        for line in run.stderr:
            said.append(line)
            if MARKER in line:
                waiting.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert waiting.wait(60), "".join(said)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        run.kill()
    assert run.returncode == 1, "".join(said)
    assert not out.exists() and not has_state(state)
    notice = next(line for line in said if MARKER in line)
    assert re.sub(r"waiting \d+ s", "waiting N s", notice) == snapshot

    server.faults = Faults()
    again = run_spec(SPEC, server, "-q", out="out")
    assert again.exit_code == 0, again.stderr
    assert rows(out) == expected


@given(st.floats(min_value=0.001, max_value=86_400))
def test_a_raised_request_timeout_lets_an_answer_keep_silent_longer(request_timeout: float) -> None:
    """`--request-timeout` bounds how long an answer may keep silent too: it stayed 30 s
    whatever the option said, and a platform taking 35 s to start each answer failed with
    "raise `--request-timeout`" at 120 (by hand: login against `demo-server --fault
    latency_ms=35000`, 62 s and OCX500 before; it logs in with `--request-timeout 80` now).
    A silence mid-body is still given up on, and retried, before the request's deadline."""
    pause = answer_pause(request_timeout)
    assert pause >= ANSWER_PAUSE                     # never shorter than before
    if request_timeout > 2 * ANSWER_PAUSE:
        assert ANSWER_PAUSE < pause < request_timeout
    else:
        assert pause == ANSWER_PAUSE                 # the default 60 s: as before
