"""Did a list that ended at an empty page end there, or did the page lie?

A platform that cuts its page (`offset`, `limit`) from its whole list before the date
filters apply answers a page of a window with what of that part of the list lies in the
window: often nothing, for the first page of a `since last run` window at the end of the
list; and a platform may fail to fill a page in the middle of a list (`[]`). Without
`X-Total-Count` or next links nothing else shows that the list goes on, and the crawl
ended there (doctor asks; a run did not). So when a list ends at an empty page on such a
platform, the last object of the list up to the window's end is found (by offset, one
object per request: doubling, then halving, about 2·log2(n) requests) and its
`last_updated` compared with the window: an object inside the window that did not arrive
means the list went on, whatever its empty page said.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ocpispec.timestamps import parse_timestamp

# the list is searched to 2**_MOST_DOUBLINGS objects at most (a request per doubling)
_MOST_DOUBLINGS = 26

Probe = Callable[[int], list[Any] | None]    # the objects at an offset (one at most), None: failed


def last_object(at: Probe) -> Any | None:
    """The last object of a list read one object per offset (None when the list is empty,
    a request fails, or the list is longer than the search goes)."""
    if not (found := at(0)):
        return None
    known, step = 0, 1                      # `known` holds an object; search past it
    for _ in range(_MOST_DOUBLINGS):
        objects = at(known + step)
        if objects is None:
            return None
        if not objects:
            break
        known, found, step = known + step, objects, step * 2
    else:
        return None
    low, high = known, known + step         # an object at `low`, none at `high`
    while high - low > 1:
        middle = (low + high) // 2
        objects = at(middle)
        if objects is None:
            return None
        if objects:
            low, found = middle, objects
        else:
            high = middle
    return found[0]


def inside(obj: Any, date_from: datetime | None, date_to: datetime | None) -> bool:
    """Whether an object's `last_updated` lies in `[date_from, date_to)`."""
    stamp = parse_timestamp(obj.get("last_updated")) if isinstance(obj, dict) else None
    if stamp is None or date_from is None:
        return False
    return date_from <= stamp and (date_to is None or stamp < date_to)
