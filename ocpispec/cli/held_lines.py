"""`get locations`, `get sessions` and `get cdrs` hold their lines back until the list
has ended.

`get` streamed: a page's objects were written as the page was read. Of the objects a
run leaves out whole when private, that let a home out: a platform that lists a home
twice, first as a published site and then, with the same stamp, as the private driveway
it is, is known to have done so only when the private copy arrives
(`ocpi.private_copies`), pages after the published copy with the home's address was
written; `get` then failed with OCX571, the address already out. So did a charge sent at
a published site and again at the home: its first copy, printed as a public charge,
gave the time and energy of a charge at a home. So the lines of these modules wait, in
a spooled file (memory up to `IN_MEMORY`, a temporary file beyond it: a large platform's
run to hundreds of megabytes), until the list ends; if the crawl doubts which copy of
an object holds (`DOUBTS_OF_A_COPY`), none is written unless `--accept-incomplete`
accepts it, nor when the dump fails or is interrupted before the list ends. No cheaper
exact rule exists: any charge printed may be sent again at a home on the list's last
page, and a first pass would read the list twice from a platform that may change it
between the two.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any

IN_MEMORY = 32 << 20
# the crawl's doubts (`execute.crawl_doubts.DOUBTS`) that the copy of an object kept may be the
# wrong one: a private copy after a public one, a later copy (a site made private while
# the list was read), a copy farther apart than the crawl remembers keys (its private
# copy, if it was one, went unjudged: handed on as a new object and left out)
DOUBTS_OF_A_COPY = frozenset({"private-copy", "later-copy", "far-repeat"})
# the modules whose objects a private copy may contradict (`ocpi.private_copies.MODULES`)
HELD = frozenset({"locations", "sessions", "cdrs"})
_TWICE = {"locations": "a site twice, and the copy read first may be a home's"}


def nothing_printed(module: str) -> str:
    """What `get` says instead of printing `module` when the crawl doubts a copy."""
    twice = _TWICE.get(module, "a charge twice, and the copy read first may be at a home")
    return f"no {module} were printed: the list sent {twice}"


class HeldLines:
    """Takes `get`'s writes and holds them; `release` writes them to `out`, `drop`
    forgets them."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._held: Any = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)

    def write(self, data: bytes) -> int:
        return self._held.write(data)

    def holding(self) -> bool:
        """Whether lines are held (none written yet)."""
        return not self._held.closed and self._held.tell() > 0

    def flush(self) -> None:
        """Nothing leaves before `release`."""

    def release(self) -> None:
        """Whole lines at a time (some 64 KiB, ended at a line's end): a terminal's
        writer escapes controls in what it is given, and a character cut at a chunk's
        end would pass unseen."""
        self._held.seek(0)
        while chunk := self._held.read(1 << 16):
            if not chunk.endswith(b"\n"):
                chunk += self._held.readline()
            self._out.write(chunk)
        self._out.flush()
        self.drop()

    def drop(self) -> None:
        self._held.close()


def doubts_a_copy(fetched: Any) -> bool:
    """Whether the crawl of `fetched` doubts which copy of an object it kept; a sample
    (`--limit`) by a private copy alone, as it fails on that one alone
    (`execute.crawl_doubts.PRIVACY_DOUBTS`)."""
    report = fetched.report
    if report is None:
        return False
    kinds = DOUBTS_OF_A_COPY & set(report.warning_kinds)
    return bool(kinds & {"private-copy"} if report.limited else kinds)
