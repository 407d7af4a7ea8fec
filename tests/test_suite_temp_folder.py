"""The suite's own isolation: every process that runs tests has a temporary folder of its
own (tests/conftest.py), so that the runs of one xdist worker never sweep, find or
collide with what another worker's runs (or another program on the machine) left in
the shared /tmp."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

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
