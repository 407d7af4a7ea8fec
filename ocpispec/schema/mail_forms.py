"""A text as a reader decodes it, for the e-mail address test of free text, ids and links
(`wire_tests.prose`, `ident`, `url`; `docs/privacy-model.md`).

A page, a map or a mail client shows an address that a platform wrote encoded as the
address: percent-escaped (`jan.jansen%40example.com`, twice: `%2540`), with an HTML
entity for a sign (`&#64;`, `&#x40;`, `&commat;`), spelled out (`jan.jansen (at)
example.com`, `[at]`, `[dot]`), or in base64 (`?u=amFuLmphbnNlbkBleGFtcGxlLmNvbQ==`,
either alphabet, padding left off). `forms(text)` gives those readings; the caller tests
each for an address. A text holding no `%`, `&`, bracket or run of 16 base64 characters
has no other reading, and `wire_codegen` passes it inline without calling here.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from ocpispec.schema.base64_runs import AS_A, BASE64_ONLY, run_readings

_DECODINGS = 4      # `%2540` is `%40` is `@`: as often as a browser would have to
RUN = 16            # the base64 of 12 bytes (`jan@mail.com`); a shorter word is common (`compensation`)
_LONG = b"a" * RUN
# `(at)`, `[ at ]`, `{AT}` for the sign and `(dot)` for a dot, as people spell them out
_SPELLED_AT = re.compile(r"\s*[(\[{]\s*at\s*[)\]}]\s*", re.IGNORECASE)
_SPELLED_DOT = re.compile(r"\s*[(\[{]\s*dot\s*[)\]}]\s*", re.IGNORECASE)


def long_run(text: str) -> bool:
    """Whether `text` holds a run of `RUN` or more base64 characters (in C: a translate
    and a substring test)."""
    return _LONG in text.encode("utf-8", "replace").translate(AS_A)


def forms(text: str, free: bool = True) -> list[str]:
    """The readings of `text` besides itself: percent-unescaped (as often as escaped),
    its HTML entities read; and in `free` text (not an id: a card's uid or a UUID is a run
    of base64) its spelled-out signs read and each run of base64 decoded at each of its
    four alignments, unprintable bytes as spaces."""
    found = [text]
    current = text
    for _ in range(_DECODINGS):
        if "%" not in current or (current := unquote(current, errors="replace")) == found[-1]:
            break
        found.append(current)
    if "&" in text or "%" in text:
        found += [read for form in found if "&" in form and (read := html.unescape(form)) != form]
    if not free:
        return found[1:]
    found += [read for form in found if (read := _SPELLED_DOT.sub(".", _SPELLED_AT.sub("@", form))) != form]
    found += [decoded for form in found for decoded in _decoded_runs(form)]
    return found[1:]


def _decoded_runs(text: str) -> list[str]:
    data = text.encode("utf-8", "replace")
    if _LONG not in data.translate(AS_A):
        return []
    decoded = []
    for run in data.translate(BASE64_ONLY).split():
        if len(run) >= RUN:
            decoded += run_readings(run)
    return decoded
