"""`get locations` holds its lines back until the list has ended.

`get` streams: a page's objects are written as the page is read. Of the locations that
let a home out: a platform that lists a home twice, first as a published site and then,
with the same stamp, as the private driveway it is, is known to have done so only when
the private copy arrives (`ocpi.private_copies`), pages after the published copy with
the home's address was written; `get` then failed with OCX571, the address already out.
So the lines of `get locations` wait, in a spooled file (memory up to `IN_MEMORY`, a
temporary file beyond it: a platform's locations are few against its sessions, but a
large one's run to hundreds of megabytes), until the list ends; if the crawl doubts which
copy of a site holds (`DOUBTS_OF_A_COPY`), none is written unless `--accept-incomplete`
accepts it, nor when the dump fails or is interrupted before the list ends.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any

IN_MEMORY = 32 << 20
# the crawl's doubts (`execute.crawls._DOUBTS`) that the copy of a site kept may be the
# wrong one: a private copy after a public one, a later copy (a site made private while
# the list was read)
DOUBTS_OF_A_COPY = frozenset({"private-copy", "later-copy"})
NOTHING_PRINTED = ("no locations were printed: the list sent a site twice, and the copy "
                   "read first may be a home's")


class HeldLines:
    """Takes `get`'s writes and holds them; `release` writes them to `out`, `drop`
    forgets them."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._held: Any = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)

    def write(self, data: bytes) -> int:
        return self._held.write(data)

    def flush(self) -> None:
        """Nothing leaves before `release`."""

    def release(self) -> None:
        """Whole lines at a time (some 64 KiB): a terminal's writer escapes controls
        in what it is given, and a character cut at a chunk's end would pass unseen."""
        self._held.seek(0)
        batch: list[bytes] = []
        size = 0
        for line in iter(self._held.readline, b""):
            batch.append(line)
            size += len(line)
            if size >= 1 << 16:
                self._out.write(b"".join(batch))
                batch, size = [], 0
        if batch:
            self._out.write(b"".join(batch))
        self._out.flush()
        self.drop()

    def drop(self) -> None:
        self._held.close()


def doubts_a_copy(fetched: Any) -> bool:
    """Whether the crawl of `fetched` doubts which copy of an object it kept."""
    report = fetched.report
    return report is not None and not report.limited and \
        bool(DOUBTS_OF_A_COPY & set(report.warning_kinds))
