"""Straight-line Python for the type checks of `wire_check`: one function per module
root, generated once per version and module, with every object place below it
(`cdr_token.`, `charging_periods.dimensions.`) written inline, so a record costs one
`get` and one class test per field with no loop, rule lookup, string building or
call per nested object. Only a value that fails its quick test calls its full test.

The catalogue has no object that contains itself, so places form a finite tree.
Names in the generated text are catalogue field names, written with `repr`.
"""

from __future__ import annotations

import itertools
import marshal
import sys
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from ocpispec.schema import mail_forms

ABSENT = object()   # a field the object does not send
Walk = Callable[[dict[str, Any], list[tuple[str, str]], list[str], list[str]], None]

# the separators of a 20-character `YYYY-MM-DDTHH:MM:SSZ`, at 4, 7, 10, 13, 16 and 19:
# one slice compares them all (`wire_check._stamp` then asks the C parser for the rest)
STAMP_SEPARATORS = "--T::Z"

# the names the quick conditions call besides the helpers
QUICK_NAMES = {"RUN": mail_forms.RUN, "long_run": mail_forms.long_run}

# quick conditions (true when the value does NOT pass inline), by `wire_check` code
_FAILS = {
    "text": "{v}.__class__ is not str or len({v}) > {arg}",
    # wire_tests.prose: a text with an at sign gets the full test of an e-mail address, and
    # so does one that may hold an address encoded (`mail_forms`: a percent escape, an
    # entity, a bracket of a spelled-out sign, a run of base64)
    "prose": "{v}.__class__ is not str or len({v}) > {arg} or '@' in {v} or '\\uff20' in {v} "
             "or '\\ufe6b' in {v} or '%' in {v} or '&' in {v} or '(' in {v} or '[' in {v} "
             "or '{{' in {v} or len({v}) >= RUN and long_run({v})",
    # wire_tests.ident: the same, for an id that may leave as public (read for escapes
    # and entities, not for base64 nor spelled-out signs)
    "id": "{v}.__class__ is not str or len({v}) > {arg} or '@' in {v} or '\\uff20' in {v} "
          "or '\\ufe6b' in {v} or '%' in {v} or '&' in {v}",
    # wire_tests.url: any URL but a plain http(s) one gets the full test of its scheme, and
    # one that may hold an address (an at sign, a percent escape, an entity, a bracket, a
    # run of base64) the test of an e-mail address
    "link": "{v}.__class__ is not str or len({v}) > {arg} or "
            "not {v}.startswith(('http://', 'https://')) or '@' in {v} or '%' in {v} "
            "or '\\uff20' in {v} or '\\ufe6b' in {v} or '&' in {v} or '(' in {v} or '[' in {v} "
            "or '{{' in {v} or len({v}) >= RUN and long_run({v})",
    "stamp": f"{{v}}.__class__ is not str or len({{v}}) != 20 or {{v}}[4::3] != {STAMP_SEPARATORS!r} "
             "or not instant({v})",
    "choice": "{v}.__class__ is not str or {v} not in {arg}",
    "number": "{v}.__class__ is not float and {v}.__class__ is not int",
    # wire_tests.INTEGER_RANGE: a larger one gets the full test, which reads it as null
    "whole": "{v}.__class__ is not int or not -9007199254740991 <= {v} <= 9007199254740991",
    "flag": "{v}.__class__ is not bool",
    "other": "True",
}


def generate(shape: Any, prefix: str, helpers: Mapping[str, Any]) -> Walk:
    """The check function of `shape` at `prefix`. `helpers` supplies `settle`, `null`,
    `moved`, `bare` (a list with items that are no object: the list read, or None,
    nulled), `lone` (a list sent as its one item: the list of one, else the value as it
    is), `wrapped` (an object sent as a list of one: the object, else the value as it
    is), `instant` (whether a text of the canonical DateTime's length and separators
    reads as a DateTime) and `quick_code(shape, name) -> (code, argument)`."""
    env: dict[str, Any] = dict(helpers)
    env["ABSENT"] = ABSENT
    env.update(QUICK_NAMES)
    lines = ["def walk(node, invalid, found, unknown):"]
    _Place(env, itertools.count()).write(shape, prefix, "node", 1, lines)
    exec(_compiled("\n".join(lines)), env)  # noqa: S102 - text built above from catalogue names only
    return env["walk"]  # type: ignore[no-any-return]


def _compiled(source: str) -> CodeType:
    """`source` compiled, its code kept in the user's cache (`user_cache`) under the text
    itself and Python's version: compiling a module's walk (some 600 lines for locations)
    cost every `run` and `get` 5-10 ms of their serial start per module they read."""
    from ocpispec import user_cache

    code = user_cache.cached("wire-walk", f"{sys.version}\n{source}",
                             lambda: marshal.dumps(compile(source, "<string>", "exec")))
    return marshal.loads(code)  # type: ignore[no-any-return]


class _Place:
    """Writes the checks of one object place into the function's lines; the places below
    it go inline, each under names of its own (`n3`, `v3`, `T3_0`...)."""

    def __init__(self, env: dict[str, Any], numbers: Any) -> None:
        self.env, self.numbers = env, numbers

    def _fails(self, code: str, arg: Any, v: str, place: str) -> str:
        """The quick condition `code` of the value named `v` (its enum's values kept as `E{place}`)."""
        if code == "choice":
            self.env[f"E{place}"] = arg
            arg = f"E{place}"
        return _FAILS[code].format(arg=arg, v=v)

    def write(self, shape: Any, prefix: str, node: str, depth: int, lines: list[str]) -> None:
        env, me = self.env, next(self.numbers)
        quick_code = env["quick_code"]
        pad, v = "    " * depth, f"v{me}"
        # a default fills a field sent as null or not at all (under any name), never one
        # read as null as the wrong type
        lines += [f"{pad}m{me}_{index} = {node}.get({name!r}, ABSENT)"
                  for index, (name, _, _) in enumerate(shape.defaults)]
        for index, (name, test) in enumerate(shape.tests.items()):
            code, arg = quick_code(shape, name)
            env[f"T{me}_{index}"] = test
            lines.append(f"{pad}{v} = {node}.get({name!r})")
            inline = getattr(test, "inline", None) if code == "other" else None
            if inline is not None and inline[0] == "each":
                # a list whose every item passes inline is as if absent (`wire_inline`)
                item = f"x{me}_{index}"
                lines += [f"{pad}if {v}.__class__ is list:", f"{pad}    for {item} in {v}:",
                          f"{pad}        if {self._fails(inline[1], inline[2], item, f'{me}_{index}')}:",
                          f"{pad}            break", f"{pad}    else:", f"{pad}        {v} = None"]
                fails = "True"
            elif inline is not None and inline[0] == "match":
                env[f"M{me}_{index}"] = inline[1]
                fails = f"{v}.__class__ is not str or len({v}) > {inline[2]} or M{me}_{index}({v}) is None"
            else:
                fails = self._fails(code, arg, v, f"{me}_{index}")
            lines += [f"{pad}if {v} is not None and ({fails}) and (p := T{me}_{index}({v})) is not None:",
                      f"{pad}    settle({node}, {name!r}, {prefix!r}, p, invalid, found)"]
        for index, (name, (sub, many)) in enumerate(shape.objects.items()):
            path = prefix + name
            lines += [f"{pad}{v} = {node}.get({name!r})", f"{pad}if {v} is not None:"]
            if many:
                env[f"S{me}_{index}"] = sub
                item = f"i{me}_{index}"
                lines += [f"{pad}    if {v}.__class__ is not list:",
                          f"{pad}        {v} = lone({node}, {name!r}, {path!r}, S{me}_{index}, found)",
                          f"{pad}    if {v}.__class__ is list:",
                          f"{pad}        for {item} in {v}:",
                          f"{pad}            if {item}.__class__ is not dict:",
                          f"{pad}                {v} = bare({node}, {name!r}, {path!r}, S{me}_{index}, invalid, found)",
                          f"{pad}                break",
                          f"{pad}        if {v} is not None:",
                          f"{pad}            for {item} in {v}:"]
                self.write(sub, f"{path}.", item, depth + 4, lines)
                lines += [f"{pad}    else:",
                          f"{pad}        null({node}, {name!r}, {path!r}, 'not a list', invalid)"]
            else:
                lines += [f"{pad}    if {v}.__class__ is list:",
                          f"{pad}        {v} = wrapped({node}, {name!r}, {path!r}, found)",
                          f"{pad}    if {v}.__class__ is dict:"]
                self.write(sub, f"{path}.", v, depth + 2, lines)
                lines += [f"{pad}    else:",
                          f"{pad}        null({node}, {name!r}, {path!r}, 'not an object', invalid)"]
        env[f"KNOWN{me}"] = frozenset((*shape.tests, *shape.objects))
        env[f"SHAPE{me}"] = shape
        lines += [f"{pad}if not {node}.keys() <= KNOWN{me}:",
                  f"{pad}    moved(SHAPE{me}, {node}, {prefix!r}, invalid, found, unknown)"]
        for index, (name, default, why) in enumerate(shape.defaults):
            env[f"D{me}_{index}"] = default
            lines += [f"{pad}if {node}.get({name!r}) is None and "
                      f"(m{me}_{index} is None or (m{me}_{index} is ABSENT and {name!r} not in {node})):",
                      f"{pad}    {node}[{name!r}] = D{me}_{index}",
                      f"{pad}    found.append({f'{prefix}{name} missing, read as {default} ({why})'!r})"]
