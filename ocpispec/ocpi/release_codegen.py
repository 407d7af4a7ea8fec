"""`Release.apply`'s projection and withheld count in one generated pass.

`schema.public_projection` copies the fields that may pass and `release._count_withheld`
then walks the original and the copy side by side to count what stayed behind. Here
both happen in one walk, generated once per OCPI version, module and set of opened
paths as one small function per object place, so a field costs one dict lookup:

    project = compiled_projection(version, module, open_paths)
    released = project(obj, noted)         # appends each withheld field's path to `noted`

A withheld field is noted by appending its path, built once per place and name (not a
counter's increment of a text made per field): `Release` counts the list of one object
as a whole, since objects of one platform mostly withhold the same fields.

Each place first looks up the object's key sequence (`release_shapes`): for the few
sequences a platform sends, a generated function reads only the kept fields.

Only field names shaped like identifiers are counted (`records.reportable_name`), as
before. `tests/test_release_codegen.py` holds it to the two-pass reference with
hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpispec.ocpi.release_shapes import Place
from ocpispec.schema.catalogue import catalogue
from ocpispec.schema.records import _holds_objects, _keep_tree, _shape, reportable_name
from ocpispec.generated_code import code_of

Projection = Callable[[dict[str, Any], list[str]], dict[str, Any]]

_LINES = """def P{n}(node, tally):
    keys = tuple(node)
    shaped = SHAPES{n}.get(keys) or PLACE{n}.shaped(keys)
    if shaped is not None and (out := shaped(node, tally)) is not None:
        return out
    out = {{}}
    for key, value in node.items():
        kind = KIND{n}.get(key)
        if kind is None:
            if key in NAMED{n}:
                tally.append(PATH{n}[key])
            elif key not in KNOWN{n} and reportable(key):
                tally.append(PREFIX{n} + key)
        elif kind is True:
            if value is None or (value.__class__ is not dict and value.__class__ is not list) \\
                    or not holds(value):
                out[key] = value
            else:
                tally.append(PATH{n}[key])
        elif value is None:
            out[key] = None
        elif value.__class__ is dict:
            out[key] = kind(value, tally)
        elif value.__class__ is list:
            out[key] = [kind(item, tally) for item in value if item.__class__ is dict]
        else:
            tally.append(PATH{n}[key])
    return out
"""


def compiled_projection(version: str, module: str, open_paths: frozenset[str]) -> Projection:
    """The projection of `module` records in `version` with `open_paths` opened."""
    cat = catalogue()

    def make() -> Projection:
        keep = _keep_tree(cat, version, module, open_paths)
        shape = _shape(cat, version, cat.wired[version].roots[module])
        env: dict[str, Any] = {"reportable": reportable_name, "holds": _holds_objects}
        return _function(keep, shape, "", env)

    return cat.cached(("compiled-projection", version, module, open_paths), make)


def _function(keep: Any, shape: Any, prefix: str, env: dict[str, Any]) -> Projection:
    kinds: dict[str, Any] = {}
    for name, below in keep.items():
        kinds[name] = True if below is None else \
            _function(below, shape.get(name) or {}, f"{prefix}{name}.", env)
    n = len(env)  # after the places below: a fresh number
    env[f"KIND{n}"] = kinds
    env[f"KNOWN{n}"] = frozenset(shape)
    env[f"NAMED{n}"] = frozenset(name for name in shape if reportable_name(name))
    env[f"PREFIX{n}"] = prefix
    env[f"PATH{n}"] = {name: prefix + name for name in (*shape, *kinds)}
    place = env[f"PLACE{n}"] = Place(kinds, env[f"KNOWN{n}"], env[f"NAMED{n}"], prefix)
    env[f"SHAPES{n}"] = place.shapes
    exec(code_of(_LINES.format(n=n)), env)  # noqa: S102 - a fixed text; names are in the tables
    return env[f"P{n}"]  # type: ignore[no-any-return]
