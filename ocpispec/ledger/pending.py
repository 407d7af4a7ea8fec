"""What the ledger's pending commits still need: the temporary files and remote
temporary URLs that recovery will rename (never to be cleaned up or swept), and the
final names other exports' commits will publish (`store` writes and recovers them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpispec.ledger.db import LedgerError, connect
from ocpispec.ledger.store import renames_of


def _pending_renames(path: Path) -> list[Any]:
    """The stored renames of every pending commit in the ledger (none without one)."""
    if not path.exists():
        return []
    try:
        with connect(path) as conn:
            return [renames for (renames,) in conn.execute("SELECT renames FROM pending")]
    except LedgerError:
        return []

def pending_files(path: Path) -> frozenset[Path]:
    """The temporary files pending commits still need (never to be cleaned up), of
    every export in the ledger."""
    needed: set[Path] = set()
    for renames in _pending_renames(path):
        try:
            needed.update(temp for temp, _ in renames_of(renames)[0])
        except (ValueError, TypeError, AttributeError):
            continue
    return frozenset(needed)

def pending_finals(path: Path, export: str) -> dict[Path, str]:
    """The final names (local, resolved) that the pending commits of exports other than
    `export` will publish, each with its export: recovery renames over whatever lies
    there by then."""
    return {final: owner for owner, (local, _) in _others_pending(path, export)
            for _, final in local}

def pending_remote_finals(path: Path, export: str) -> dict[str, str]:
    """The final URLs the pending commits of exports other than `export` will deliver
    to, each with its export (`pending_finals` for remote destinations)."""
    return {url: owner for owner, (_, remote) in _others_pending(path, export)
            for url, _ in remote}

def _others_pending(path: Path, export: str) -> list[tuple[str, tuple[list[tuple[Path, Path]],
                                                                      list[tuple[str, str]]]]]:
    """Each pending commit of an export other than `export`, with its renames; none for
    a ledger that cannot be read, and a row whose renames do not parse is left out."""
    if not path.exists():
        return []
    try:
        with connect(path) as conn:
            rows = conn.execute("SELECT export, renames FROM pending WHERE export != ?",
                                (export,)).fetchall()
    except LedgerError:
        return []
    parsed = []
    for owner, renames in rows:
        try:
            parsed.append((owner, renames_of(renames)))
        except (ValueError, TypeError, AttributeError):
            continue
    return parsed

def pending_remote(path: Path) -> frozenset[str]:
    """The URLs of the remote temporary files pending commits still need (never to be
    swept), of every export in the ledger."""
    from ocpispec.formats.remote import RemoteError, parse_remote

    needed: set[str] = set()
    for renames in _pending_renames(path):
        try:
            needed.update(parse_remote(url).at(temp).url for url, temp in renames_of(renames)[1])
        except (ValueError, TypeError, AttributeError, RemoteError):
            continue
    return frozenset(needed)

def has_pending(path: Path, export: str) -> bool:
    if not path.exists():
        return False
    with connect(path) as conn:
        return conn.execute("SELECT 1 FROM pending WHERE export = ?",
                            (export,)).fetchone() is not None
