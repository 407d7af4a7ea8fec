"""The suite's own isolation from the other xdist workers and programs on the machine:
every process that runs tests has a temporary folder of its own (tests/conftest.py), so
that the runs of one worker never sweep, find or collide with what another worker's runs
left in the shared /tmp; and a test server (sshd, moto) is taken as started only when it
is the one listening on its port, not another worker's server of the same kind."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import sys
import tempfile
from pathlib import Path

from listening import wait_listening

from ocpispec.scratch import ScratchFolder


def test_temporary_files_go_to_this_workers_own_folder(tmp_path_factory) -> None:
    own = tmp_path_factory.getbasetemp() / "tmp"
    assert Path(tempfile.gettempdir()) == own
    assert os.environ["TMPDIR"] == str(own)
    shown = subprocess.run([sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert shown == str(own)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is not None:      # the folder names the worker (xdist's `popen-gw<N>`)
        assert f"popen-{worker}" in own.parts
    with ScratchFolder("order") as scratch:      # the tool's scratch space follows
        assert scratch.path.parent == own


def test_a_server_is_started_only_when_it_listens_itself() -> None:
    """`free_port` probes a port; another worker's sshd may take it before this one binds
    it. Ours then exits ("Address already in use"), but until it has, the other answered
    `SSH-` and was taken for ours: the test then met another server's host key. Here a
    process that never listens stands for ours, and a banner on the port for the other."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]

        def answer() -> None:
            while True:
                try:
                    connection, _ = other.accept()
                except OSError:
                    return
                with connection:
                    connection.sendall(b"SSH-2.0-another-workers-sshd\r\n")

        threading.Thread(target=answer, daemon=True).start()
        ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])

        def banner(port: int) -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as probe:
                return probe.recv(8).startswith(b"SSH-")

        try:
            assert wait_listening(ours, port, banner, "sshd") is False
        finally:
            ours.kill()
            ours.wait()
