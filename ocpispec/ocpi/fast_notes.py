"""What `Release` withholds from an object the fast path read (`fast_pages`), found
from the strict object's present fields instead of a walk of the parsed JSON.

The compiled projection (`release_codegen`) notes a field's path when the field is
sent but not let out: every known field with a reportable name that the keep tree
does not hold, sent null or not, and, for a kept object, what it withholds inside.
A strict object tells a field sent as null (None) from one not sent (UNSET), so one
generated function per object place gives the same paths:

    notes = notes_function(shape, keep)
    notes(strict_object)            # -> ('authorization_reference', 'cdr_token.uid', ...)
    flat_notes(shape, keep)         # the fields `notes` notes when sent, where it looks
                                    # into no kept object (`fast_columns`); else None
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec import UNSET

from ocpispec.schema.records import reportable_name
from ocpispec.generated_code import code_of


def notes_function(shape: Any, keep: dict[str, Any]) -> Callable[[Any], tuple[str, ...]]:
    env: dict[str, Any] = {"UNSET": UNSET}
    top = _place(shape, keep, "", env)
    exec(code_of(f"def notes(o):\n    tally = []\n    {top}(o, tally)\n    return tuple(tally)"), env)  # noqa: S102
    return env["notes"]  # type: ignore[no-any-return]


def flat_notes(shape: Any, keep: dict[str, Any]) -> tuple[str, ...] | None:
    names: list[str] = []
    for name in (*shape.quick, *shape.objects):
        below = keep.get(name, False)
        if below is False:
            if reportable_name(name):
                names.append(name)
        elif below is not None and name in shape.objects:
            return None
    return tuple(names)


def _place(shape: Any, keep: dict[str, Any], prefix: str, env: dict[str, Any]) -> str:
    """The name of the generated function of one place (with its places below)."""
    lines: list[str] = []
    for name in (*shape.quick, *shape.objects):
        below = keep.get(name, False)
        if below is False:                       # not let out: noted when sent
            if reportable_name(name):
                lines.append(f"    if o.{name} is not UNSET:\n"
                             f"        tally.append({prefix + name!r})")
        elif below is not None and name in shape.objects:
            sub, many = shape.objects[name]
            inner = _place(sub, below, f"{prefix}{name}.", env)
            visit = (f"        for item in v:\n            {inner}(item, tally)" if many
                     else f"        {inner}(v, tally)")
            lines.append(f"    v = o.{name}\n    if v is not UNSET and v is not None:\n{visit}")
    function = f"N{len(env)}"
    env[function] = None
    body = "\n".join(lines) or "    pass"
    exec(code_of(f"def {function}(o, tally):\n{body}"), env)  # noqa: S102 - catalogue names only
    return function
