"""Straight-line Python for the type checks of `wire_check`: one function per object
place (`cdr_token.`, `charging_periods.dimensions.`), generated once per version and
module, so a record costs one `get` and one class test per field with no loop, rule
lookup or string building. Only a value that fails its quick test calls its full test.

The catalogue has no object that contains itself, so places form a finite tree.
Names in the generated text are catalogue field names, written with `repr`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ABSENT = object()   # a field the object does not send
Walk = Callable[[dict[str, Any], list[tuple[str, str]], list[str], list[str]], None]

# quick conditions (true when the value does NOT pass inline), by `wire_check` code
_FAILS = {
    "text": "v.__class__ is not str or len(v) > {arg}",
    # wire_tests.url: any URL but a plain http(s) one gets the full test of its scheme
    "link": "v.__class__ is not str or len(v) > {arg} or "
            "not v.startswith(('http://', 'https://'))",
    "stamp": "v.__class__ is not str or len(v) != 20 or not stamp(v)",
    "choice": "v.__class__ is not str or v not in {arg}",
    "number": "v.__class__ is not float and v.__class__ is not int",
    # wire_tests.INTEGER_RANGE: a larger one gets the full test, which reads it as null
    "whole": "v.__class__ is not int or not -9007199254740991 <= v <= 9007199254740991",
    "flag": "v.__class__ is not bool",
    "other": "True",
}


def generate(shape: Any, prefix: str, helpers: Mapping[str, Any]) -> Walk:
    """The check function of `shape` at `prefix`. `helpers` supplies `settle`, `null`,
    `moved`, `bare` (a list with items that are no object: the list read, or None, nulled), `stamp` (whether a 20-character text is a timestamp) and
    `quick_code(shape, name) -> (code, argument)`."""
    env: dict[str, Any] = dict(helpers)
    lines = ["def walk(node, invalid, found, unknown):"]
    # a default fills a field sent as null or not at all (under any name), never one
    # read as null as the wrong type
    env["ABSENT"] = ABSENT
    lines += [f"    m{index} = node.get({name!r}, ABSENT)" for index, (name, _, _) in enumerate(shape.defaults)]
    for index, (name, test) in enumerate(shape.tests.items()):
        code, arg = helpers["quick_code"](shape, name)
        if code == "choice":
            env[f"E{index}"] = arg
            arg = f"E{index}"
        env[f"T{index}"] = test
        fails = _FAILS[code].format(arg=arg)
        lines += [f"    v = node.get({name!r})",
                  f"    if v is not None and ({fails}) and (p := T{index}(v)) is not None:",
                  f"        settle(node, {name!r}, {prefix!r}, p, invalid, found)"]
    for index, (name, (sub, many)) in enumerate(shape.objects.items()):
        env[f"C{index}"] = generate(sub, f"{prefix}{name}.", helpers)
        path = prefix + name
        lines += [f"    v = node.get({name!r})", "    if v is not None:"]
        if many:
            env[f"S{index}"] = sub
            lines += ["        if v.__class__ is list:",
                      "            for item in v:",
                      "                if item.__class__ is not dict:",
                      f"                    v = bare(node, {name!r}, {path!r}, S{index}, invalid, found)",
                      "                    break",
                      "            if v is not None:",
                      "                for item in v:",
                      f"                    C{index}(item, invalid, found, unknown)",
                      "        else:",
                      f"            null(node, {name!r}, {path!r}, 'not a list', invalid)"]
        else:
            lines += ["        if v.__class__ is dict:",
                      f"            C{index}(v, invalid, found, unknown)",
                      "        else:",
                      f"            null(node, {name!r}, {path!r}, 'not an object', invalid)"]
    env["KNOWN"] = frozenset((*shape.tests, *shape.objects))
    env["SHAPE"] = shape
    lines += ["    if not node.keys() <= KNOWN:",
              f"        moved(SHAPE, node, {prefix!r}, invalid, found, unknown)"]
    for index, (name, default, why) in enumerate(shape.defaults):
        env[f"D{index}"] = default
        lines += [f"    if node.get({name!r}) is None and "
                  f"(m{index} is None or (m{index} is ABSENT and {name!r} not in node)):",
                  f"        node[{name!r}] = D{index}",
                  f"        found.append({f'{prefix}{name} missing, read as {default} ({why})'!r})"]
    exec("\n".join(lines), env)  # noqa: S102 - text built above from catalogue names only
    return env["walk"]  # type: ignore[no-any-return]
