"""Who is one person: the ids a record names together (its contract id and its card's
uid) are one person's, and so is every id linked to them through other records.

A platform writes the contract id on the charges an eMSP authorised and the card's uid
(in the contract's place, or nothing there) on those it authorised itself; a contract
has several cards. Counted by either id alone, one person is several: (C, U1), (-, U2)
and (C, U2) are two drivers read contract first (C, U2) and two read card first (U1,
U2), yet C names both cards. Every count of people (a group's drivers, the contributors
of a sum or an order statistic, the dominance rule's drivers, a k rule's class) counts
the classes of linked ids, over the whole dataset: a link seen in any record holds in
every group. Two contracts sharing a card's uid (a hub's eMSPs, a placeholder uid) are
one person: the cautious way.

Ids are digests (keyed, as the counts hold them), so memory holds no identifier: an
entry per id seen (some 100 bytes; a contract and its card are two).
"""

from __future__ import annotations

from collections.abc import Iterable


class People:
    """A union-find over id digests. Every id seen is in `parent`, a class's
    representative as its own parent. `nobody` (the digest of no id) links none.
    `merges` counts the links that joined two classes both already handed out as
    people: a count kept since may hold one person twice (`accumulators.Full`)."""

    __slots__ = ("parent", "nobody", "merges")

    def __init__(self, nobody: bytes) -> None:
        self.parent: dict[bytes, bytes] = {}
        self.nobody = nobody
        self.merges = 0

    def person(self, first: bytes, second: bytes) -> bytes:
        """The person of a record naming `first` and `second` (the same id where it
        names one), the two linked: their class's representative now, or `nobody` where
        either is nobody (a record with an unreadable id adds no one)."""
        nobody = self.nobody
        if first == nobody or second == nobody:
            return nobody
        parent = self.parent
        if first not in parent:
            if second in parent:     # a new id joins a class: nothing counted to undo
                root = parent[first] = self.find(second)
                return root
            parent[first] = first
            if second != first:
                parent[second] = first
            return first
        root = self.find(first)
        if second == first:
            return root
        if second not in parent:
            parent[second] = root
            return root
        if (other := self.find(second)) != root:  # two people counted so far are one
            self.merges += 1
            parent[other] = root
        return root

    def find(self, digest: bytes) -> bytes:
        """The representative of `digest`'s class (paths halved on the way); an id
        never seen is its own."""
        parent = self.parent
        up = parent.get(digest)
        if up is None or up == digest:
            return digest
        while (above := parent[up]) != up:
            parent[digest] = above
            digest, up = up, above
        return up

    def distinct(self, digests: Iterable[bytes]) -> set[bytes]:
        """The people among `digests` (each class once)."""
        find = self.find
        return {find(digest) for digest in digests}
