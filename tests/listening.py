"""Waiting for a test server started as a subprocess (sshd, moto) to listen on its port."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

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
    refused", so the server is killed and the test fails. Another worker's server of the
    same kind that took the port first answers the same protocol: only `process`'s own
    listening socket counts (ours exits then, and the caller tries another port)."""
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while process.poll() is None:
        try:
            if answers(port) and _listens_itself(process, port):
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{name} did not listen on port {port} within {STARTUP_LIMIT_S} s")
        time.sleep(0.05)
    return False


def _listens_itself(process: subprocess.Popen, port: int) -> bool:
    """Whether `process` holds the socket listening on `port` (Linux' /proc; elsewhere the
    protocol's answer is all there is)."""
    try:
        inodes = {fields[9] for table in ("/proc/net/tcp", "/proc/net/tcp6")
                  if Path(table).exists()
                  for fields in (line.split() for line in Path(table).read_text().splitlines()[1:])
                  if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port}
        descriptors = list(Path(f"/proc/{process.pid}/fd").iterdir())
    except OSError:
        return True
    held = set()
    for descriptor in descriptors:
        try:
            held.add(os.readlink(descriptor))
        except OSError:  # closed meanwhile
            continue
    return any(f"socket:[{inode}]" in held for inode in inodes)
