"""The lines `ocpispec get` writes to stdout: a page at a time, the objects its scope
keeps, escaped where stdout is a terminal."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import compress
from typing import IO, Any

import orjson

from ocpispec.cli.get_sites import SitesRead
from ocpispec.ocpi.clean_pages import CleanPage
from ocpispec.ocpi.release import Release


class TerminalLines:
    """stdout on a terminal: the lines with a platform's direction controls, invisible
    characters and C1 controls written as JSON escapes (`\\u202e`), the same JSON to
    `jq`, so a name does not show reversed and U+009B does not reach the terminal as a
    control sequence. A pipe or a file gets the bytes unchanged."""

    def __init__(self, out: IO[bytes]) -> None:
        from ocpispec.render.values import json_escaped

        self.out, self.escaped = out, json_escaped

    def write(self, data: bytes) -> int:
        text = self.escaped(data.decode("utf-8", "surrogateescape"))
        return self.out.write(text.encode("utf-8", "surrogateescape"))

    def flush(self) -> None:
        self.out.flush()


def shown_on_terminal(out: IO[bytes]) -> Any:
    return TerminalLines(out) if out.isatty() else out


def dump(fetched: Any, release: Release, out: IO[bytes], sites: SitesRead | None = None) -> None:
    """One write per page (a write per object costs more than the object's checks);
    interrupted (Ctrl-C), the objects released so far are still written. A page the
    workers read holds each object's line, made there (`Release.line`). The scope
    (`ocpi.public_scope`) judges a page of the fast path here, by the places it gives;
    the other objects it judged where their lines were made (an empty line: left out),
    or, where the workers made them while the locations were read, by the key each line
    carries. With `sites`, the scope is set once the first page has come. The crawl is
    closed on every way out: a failure (the locations' OCX576, say) leaves no thread of
    it waiting to hand on a page."""
    crawl = fetched.pages()
    try:
        _write_pages(crawl if sites is None else sites.after_first(crawl, release), release, out)
    finally:
        crawl.close()


def _write_pages(pages: Iterable[Any], release: Release, out: IO[bytes]) -> None:
    apply, dumps = release.apply, orjson.dumps
    scope = release.scope
    known = None if scope is None else scope.places
    for page in pages:
        if page.__class__ is CleanPage:  # read whole by the fast path
            written, kind_of = (page, page.kind_of) if scope is None else \
                _in_scope(page, scope, release)
            for kind, times in Counter(kind_of).items():
                release.absorb(page.kinds[kind], times)
            if written:
                out.write(b"".join(written))
                out.flush()
            continue
        lines: list[bytes] = []
        # a page unpickles each kind of outcome once: equal outcomes are one object,
        # counted here by identity (hashing the tuple per object would cost more)
        outcomes: dict[int, list] = {}
        try:
            for obj in page:
                if obj.__class__ is tuple:
                    row = obj[4][0]
                    if known is not None and len(row) > 2 and row[2] not in known:
                        release.left_out += 1   # a place (fast path) or key (a pending scope) not in it
                        continue
                    line, outcome = row[0], row[1]
                    if (seen := outcomes.get(id(outcome))) is None:
                        outcomes[id(outcome)] = [outcome, 1]
                    else:
                        seen[1] += 1
                    lines.append(line)
                elif (released := apply(obj)) is not None:  # None: out of the scope
                    lines.append(dumps(released) + b"\n")
        finally:
            for outcome, times in outcomes.values():
                release.absorb(outcome, times)
            if lines:
                out.write(b"".join(lines))
                out.flush()


def _in_scope(page: CleanPage, scope: Any, release: Release) -> tuple[list[bytes], list[int]]:
    """The lines of a page of the fast path that the scope keeps, and their kinds (the
    others counted as left out), picked in C by one look-up per place."""
    if page.place_of is None:     # `fast_pages.page_reader` gives places under a scope
        raise RuntimeError("a page read without the places its scope needs")
    if (kept := page.kept_by(scope)) is None:     # asked by the crawl's check already
        return page, page.kind_of
    lines = list(compress(page, kept))
    release.left_out += len(page) - len(lines)
    return lines, list(compress(page.kind_of, kept))
