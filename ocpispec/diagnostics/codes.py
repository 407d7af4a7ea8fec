"""The diagnostic code index: one markdown document per code in `ocpispec/diagnostics/codes/`.

Each file `OCXnnn.md` starts with `# OCXnnn slug`, then a one-sentence summary, then
the sections `## What it means`, `## Example`, `## How to fix`. `ocpispec explain`
prints them; JSON diagnostics carry the slug.
"""

from __future__ import annotations

import functools
import importlib.resources
import re

from ocpispec.frozen import frozen

_HEADING = re.compile(r"^# (OCX\d{3}) ([a-z0-9]+(?:-[a-z0-9]+)*)\s*$")
SECTIONS = ("## What it means", "## Example", "## How to fix")


@frozen
class CodeDoc:
    code: str
    slug: str
    summary: str
    text: str


def lookup(code: str) -> CodeDoc | None:
    """The documentation of a code such as `OCX104` (case-insensitive), or None."""
    return _index().get(code.strip().upper())


def all_codes() -> tuple[CodeDoc, ...]:
    """Every documented code, in code order."""
    return tuple(_index()[code] for code in sorted(_index()))


def by_slug(slug: str) -> CodeDoc | None:
    return next((doc for doc in all_codes() if doc.slug == slug.strip().lower()), None)


@functools.cache
def _index() -> dict[str, CodeDoc]:
    folder = importlib.resources.files("ocpispec.diagnostics").joinpath("codes")
    docs = (_parse(entry.read_text(encoding="utf-8")) for entry in folder.iterdir()
            if entry.name.endswith(".md"))
    return {doc.code: doc for doc in docs if doc is not None}


def _parse(text: str) -> CodeDoc | None:
    lines = text.strip().splitlines()
    heading = _HEADING.match(lines[0]) if lines else None
    if heading is None:
        return None
    summary = lines[1].strip() if len(lines) > 1 else ""
    return CodeDoc(heading.group(1), heading.group(2), summary, text.strip() + "\n")
