"""Another git revision of this repository as a source tree, for the benchmarks'
`--against REF`: `git archive` unpacked in a temporary folder (run with
`PYTHONPATH=<folder>`), removed afterwards."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def revision(ref: str | None) -> Iterator[Path | None]:
    """The tree of `ref` (None: None, meaning this checkout)."""
    if ref is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="ocx-bench-rev-") as folder:
        archive = subprocess.run(["git", "archive", ref], cwd=REPO, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)
