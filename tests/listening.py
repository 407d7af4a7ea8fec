"""Waiting for a test server started as a subprocess (sshd, moto) to listen on its port."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import pytest

STARTUP_LIMIT_S = 60


def free_port() -> int:
    """A port free when probed; another process may take it before the server binds it,
    so callers retry with a new one when the server exits."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(process: subprocess.Popen, port: int, answers: Callable[[int], bool],
                   name: str) -> bool:
    """Whether `process` answers on `port`, as `answers(port)` tells (its own protocol, not
    another program that took the port); False once it exited. A loaded machine may take
    seconds to start a server: past the limit the tests would only meet "connection
    refused", so the server is killed and the test fails."""
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while process.poll() is None:
        try:
            if answers(port):
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{name} did not listen on port {port} within {STARTUP_LIMIT_S} s")
        time.sleep(0.05)
    return False
