"""Every string a dataset shows of a joined record, at any depth, as free text.

The joined-record guard (`joined_own_ids`) reads the free texts and links the catalogue
names, and the public ids a dataset shows, against the joining record's card; a list
of ids (a connector's `tariff_ids`, `TARIFF-<uid>` among them) or any other string
the catalogue does not call text was read only as an id, each element whole, and one
holding the card left raw through a join or `jmespath(...)` (adversarial review, round
fifteen). Here the shown parts of a joined record are walked, whatever their shape:
each string found is a text the guard reads. One inside a list stands for the list, which
is null as a whole where it holds the card (as a list of ids equal to it is), so an
expression over the list (`join(',', ...)`) never meets a null element.

    walk = shown_strings(("evses[0].connectors", "name"))   # None: nothing shown
    walk(location)   # [(object, name, path, text), ...], `object[name]` the text or a list
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from ocpispec.schema.own_ids import SHORT

Found = tuple[dict, str, str, str]
_INDEX = re.compile(r"\[[^\]]*\]")


def shown_strings(shown: tuple[str, ...]) -> Callable[[dict], list[Found]] | None:
    """The walk of the strings at and below `shown` (`shown_in_join`'s paths; `*`, the
    whole record), or None where nothing is shown."""
    routes = sorted({_route(path) for path in shown})
    if not routes:
        return None
    if () in routes:
        routes = [()]

    def walk(record: dict) -> list[Found]:
        found: list[Found] = []
        for route in routes:
            found.extend(_reached(record, route, ""))
        return found
    return walk


def _route(path: str) -> tuple[str, ...]:
    """The field names of a shown path (`evses[0].uid`: evses, uid); `*` or a path
    that is no plain one, the whole record."""
    names = tuple(name for name in _INDEX.sub("", path).split(".") if name)
    return () if "*" in path or any(not name.isidentifier() for name in names) else names


def _reached(node: Any, route: tuple[str, ...], prefix: str) -> Iterator[Found]:
    if node.__class__ is list:
        for item in node:
            yield from _reached(item, route, prefix)
        return
    if node.__class__ is not dict:
        return
    if not route:
        yield from _below(node, prefix)
        return
    name = route[0]
    value = node.get(name)
    if len(route) == 1 and value.__class__ in (str, list):
        yield from _strings(node, name, value, prefix + name)
    else:
        yield from _reached(value, route[1:], f"{prefix}{name}.")


def _below(node: dict, prefix: str) -> Iterator[Found]:
    for name, value in node.items():
        if name.__class__ is str:
            yield from _strings(node, name, value, prefix + name)


def _strings(node: dict, name: str, value: Any, path: str) -> Iterator[Found]:
    """`node[name]` for each string long enough to hold an id in `value` (a string, or
    a list of them at any depth), and the strings of the objects in it."""
    if value.__class__ is str:
        if len(value) >= SHORT:
            yield node, name, path, value
    elif value.__class__ is dict:
        yield from _below(value, path + ".")
    elif value.__class__ is list:
        for item in value:
            if item.__class__ is dict:
                yield from _below(item, path + ".")
            elif item.__class__ is str or item.__class__ is list:
                for *_, text in _strings(node, name, item, path):
                    yield node, name, path, text
