"""The ids a released row names together, for the risk meter: a row's driver is hidden
contract first (`risk_records.Drivers`), and a record naming a contract id and a card's
uid links the two as one person's, as every other count of people links them
(`people.People`). Without them one person with two contracts, or with a contract on some
charges and the bare card on others, was two drivers in the figures of `review`, `plan`
and the run record.

Rows are measured in worker processes as often as here, so a link goes to a file the
run's processes append to (`LinkSpill`, opened before the workers fork): two hidden
drivers of 16 bytes, written once per process for each pair met (drivers repeat, so
seldom; the run's own process holds its links until the figures). When the figures are
computed, the links make the classes of people (`relinked`), and every driver of the
meter's records is rewritten as its class; where no id is in two links (each contract
with a card of its own, the usual case) no class joins two drivers, which is found in C
(`bench_e2e`'s path pays a card's canonical form and one hash a new driver, no more).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ocpispec.disclosure.people import People
from ocpispec.scratch import ScratchFolder

_HIDDEN = 16
LINK = 2 * _HIDDEN
_LINKS = re.compile(b"(?s).{%d}" % LINK)      # the records of a links file
_HALVES = re.compile(b"(?s).{%d}" % _HIDDEN)  # and their two ids
_PAIRS_HELD = 16_384  # pairs a process remembers having written (a bound, as the memos')


class LinkSpill:
    """The links file of one dataset's meter, in a private scratch folder."""

    def __init__(self) -> None:
        self.folder = ScratchFolder("risk")
        self.path = self.folder.path / "links"
        self._file: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._written: set[bytes] = set()
        # this process's links are held until `flush` (before the figures); a worker
        # process, which is never asked to flush, writes each at once
        self._owner, self._held = os.getpid(), bytearray()

    def link(self, first: bytes, second: bytes) -> None:
        """`first`, a row's hidden driver, and `second`, its card's (or `first` again),
        are one person's."""
        if os.getpid() == self._owner:
            # held as met: a pair again (a driver met anew after the memo is cleared) is
            # read once by `relinked`, which reads the links as a set
            self._held += first + second
            return
        pair = first + second
        if pair in self._written or self._file is None:
            return
        if len(self._written) >= _PAIRS_HELD:
            self._written.clear()
        self._written.add(pair)
        os.write(self._file, pair)  # O_APPEND: whole records, from any process

    def flush(self) -> None:
        """This process's links, written (before the figures are computed)."""
        if self._held and self._file is not None:
            os.write(self._file, self._held)
            self._held = bytearray()

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None
        self.folder.remove()


def relinked(links: Path, spills: list[tuple[Path, int]]) -> None:
    """Each spill file (path, record width; the hidden driver at bytes 16 to 32 of a
    record) rewritten with every driver as its person's (the class of ids the links make);
    left as it is where the links join no two drivers a row was counted as."""
    try:
        data = links.read_bytes()
    except FileNotFoundError:
        return
    pairs = set(_LINKS.findall(data, 0, len(data) - len(data) % LINK))
    halves = _HALVES.findall(b"".join(pairs))
    if len(set(halves)) == len(halves):
        # no id named twice (a driver that is its own card names it twice in its link):
        # each link is a person of its own, and no driver a row was counted as moves, as
        # every such driver is the first of a link (the usual case: a contract and its card)
        return
    people, counted = People(b""), set()
    for first, second in zip(halves[::2], halves[1::2]):
        people.person(first, second)
        counted.add(first)
    find = people.find
    # only drivers rows were counted as (the first of a link) are rewritten: a contract
    # whose card is never a row's driver moves nothing, the usual case
    moved = {digest: root for digest in counted if (root := find(digest)) != digest}
    if not moved:
        return
    get = moved.get
    for path, width in spills:
        if not path.exists():
            continue
        records = path.read_bytes()
        path.write_bytes(b"".join(
            records[at:at + _HIDDEN] + get(driver := records[at + _HIDDEN:at + LINK], driver)
            + records[at + LINK:at + width] for at in range(0, len(records), width)))
