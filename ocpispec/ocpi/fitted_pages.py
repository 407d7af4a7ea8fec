"""A page whose objects fit the strict types, read in the crawl's own process.

`run`'s worker processes skip the wire reader on a page whose parsed objects fit the
strict types (`fast_pages.strict_fit`): the reader would find nothing on any of them, the
judge no problem, and each object gives its site's, party's and driver's keys once, so
the second look `repeated.settle` takes at a page is moot. A crawl without workers (the
client on its own, `get --workers 1`, a run's sample) read every object of such a page
through the reader: on 20,000 realistic sessions the reader and the settling took 60% of
the crawl's instructions, the test that says the page fits a third of that.

    fitted = fitted_reader("2.2.1", "sessions")   # None where the module has no strict types
    body = decode_body(..., fitted=fitted)        # `data` a `FittedPage` where it fits
    fresh, duplicates, invalid = fitted_accepter(check)(page, room, keys)

The transport asks only of a page without loose timestamps (`timestamps.loose_timestamps`),
which the strict types would refuse anyway; a page that does not fit is read as before.
`tests/test_fitted_pages.py` holds the two ways to the same objects, counts and findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpispec.ocpi.repeated import FLAGGED_MODULES


class FittedPage(list):  # type: ignore[type-arg]
    """The objects of a page (parsed dicts) that fit the strict types: each is usable as
    it came (no finding, no problem), and only its key and the dedup remain to judge."""

    __slots__ = ()


def fitted_reader(version: str, module: str) -> Callable[[Any, bytes], Any] | None:
    """`decode_body`'s test of a page (its parsed body and its text, whose timestamps are
    not loose): the body with `data` a `FittedPage` where its objects fit, else None.
    None where the module has no strict types (flagged modules, locations, a shape they
    cannot state). The test gives up after a few pages in a row that did not fit, none
    having fitted before (`fast_pages._Attempts`)."""
    if module in FLAGGED_MODULES or module == "locations":   # none: msgspec is not even loaded
        return None
    from ocpispec.ocpi.fast_pages import strict_fit

    fits = strict_fit(version, module)
    if fits is None:
        return None

    def fitted(body: Any, content: bytes) -> Any:
        if body.__class__ is not dict or (data := body.get("data")).__class__ is not list or not data:
            return None
        if fits(data, content, False, body) is not True:
            return None
        body["data"] = FittedPage(data)
        return body
    return fitted
