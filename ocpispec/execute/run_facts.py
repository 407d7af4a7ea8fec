"""What a run already asked the platform, so that a second dataset of the same module
does not ask it again: the same fact, the same answer within one run.

Kept per client (a client is one run's connection to the platform), by a key that
names the fact and every input its request has (module, window): an answer to other
inputs is asked. Only answers are kept, never the failures (a failure raises, as
before, for each dataset that asks). Used by the probes that do not read records for
the output: the date filters' field (`filtered_field`), records stamped ahead
(`future_stamps`) and the last window's count asked again (`late_arrivals`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

_FACTS: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def once(client: Any, key: Hashable, ask: Callable[[], T]) -> T:
    """`ask()`'s answer, asked once per client for `key`."""
    try:
        facts = _FACTS.setdefault(client, {})
    except TypeError:   # a client that cannot be referred to weakly: asked each time
        return ask()
    if key not in facts:
        facts[key] = ask()
    return facts[key]  # type: ignore[no-any-return]
