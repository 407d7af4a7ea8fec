"""One object place's projection, generated per sequence of keys (`release_codegen`).

A platform's objects at one place mostly hold the same keys in the same order. For
such a key sequence the generic loop's decisions that depend on the key alone (which
fields pass, which are noted as withheld, under which path) are made once, and a
function is generated that reads only the kept fields:

    def shaped(node, tally):
        v0 = node[K0]; v2 = node[K2]
        if not (<v0 is a scalar> and <v2 is null, an object or a list>):
            return None                          # the generic loop decides
        tally += N1                              # withheld, in key order
        o2 = None if v2 is None else ...         # the place below, which notes its own
        return {K0: v0, K2: o2}

It returns what the generic loop returns, with the same notes in the same order, or
None before noting anything when a value is not the usual kind. Key texts come from
the platform: they are bound as constants (`K0`, `N1`), never written into the source.
At most `SHAPES_PER_PLACE` sequences get a function; others take the generic loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpispec.schema.records import _holds_objects, reportable_name
from ocpispec.generated_code import code_of

SHAPES_PER_PLACE = 16

Shaped = Callable[[dict[str, Any], list[str]], "dict[str, Any] | None"]


class Place:
    """What the generic loop of one place knows (see `release_codegen._function`)."""

    __slots__ = ("kinds", "known", "named", "prefix", "shapes")

    def __init__(self, kinds: dict[str, Any], known: frozenset[str], named: frozenset[str],
                 prefix: str) -> None:
        self.kinds, self.known, self.named, self.prefix = kinds, known, named, prefix
        self.shapes: dict[tuple[str, ...], Shaped] = {}

    def shaped(self, keys: tuple[str, ...]) -> Shaped | None:
        """The function for `keys`, made on first sight while there is room."""
        if len(self.shapes) >= SHAPES_PER_PLACE:
            return None
        made = self.shapes[keys] = _generate(self, keys)
        return made


def _generate(place: Place, keys: tuple[str, ...]) -> Shaped:
    env: dict[str, Any] = {"holds": _holds_objects}
    reads, tests, steps, built = [], [], [], []
    noted: list[str] = []
    for index, key in enumerate(keys):
        kind = place.kinds.get(key)
        if kind is None:
            if key in place.named or (key not in place.known and reportable_name(key)):
                noted.append(place.prefix + key)
            continue
        if noted:
            steps.append(_note(env, noted))
        env[f"K{index}"] = key
        reads.append(f"    v{index} = node[K{index}]")
        if kind is True:
            tests.append(f"(v{index}.__class__ is not dict and (v{index}.__class__ is not list"
                         f" or not holds(v{index})))")
            built.append(f"K{index}: v{index}")
            continue
        env[f"C{index}"] = kind
        tests.append(f"(v{index} is None or v{index}.__class__ is dict "
                     f"or v{index}.__class__ is list)")
        steps.append(f"    o{index} = None if v{index} is None else C{index}(v{index}, tally) "
                     f"if v{index}.__class__ is dict else "
                     f"[C{index}(item, tally) for item in v{index} if item.__class__ is dict]")
        built.append(f"K{index}: o{index}")
    if noted:
        steps.append(_note(env, noted))
    lines = ["def shaped(node, tally):", *reads]
    if tests:
        lines.append(f"    if not ({' and '.join(tests)}):")
        lines.append("        return None")
    lines += [*steps, f"    return {{{', '.join(built)}}}"]
    exec(code_of("\n".join(lines)), env)  # noqa: S102 - generated names only; keys are in env
    return env["shaped"]  # type: ignore[no-any-return]


def _note(env: dict[str, Any], noted: list[str]) -> str:
    name = f"N{len(env)}"
    env[name] = tuple(noted)
    noted.clear()
    return f"    tally += {name}"
