"""`@frozen`: the class `@dataclass(frozen=True, slots=True)` makes, built for less start-up.

On CPython 3.11 `@dataclass` compiles six methods from generated source for every class
(about half a millisecond each class). The syntax tree, the checker and the schema define
about a hundred such classes, which cost a cold `ocpispec check` a third of its time.
`@frozen` compiles `__init__` once per shape of class rather than once per class (see
`_init`); repr, equality, hashing, frozenness and pickling are shared functions that
read the class's field names.

To the standard library the result is an ordinary dataclass: `dataclasses.fields`,
`replace`, `asdict` and `is_dataclass` work, `match` uses `__match_args__`, instances
compare, hash, repr and pickle exactly as a `@dataclass(frozen=True, slots=True)` would.
Supported: defaults, `field(default_factory=..., init=..., repr=..., compare=...,
metadata=...)` and `__post_init__`; anything else (inheriting fields, `ClassVar`,
`kw_only`) raises TypeError at class creation, so use `@dataclass` for those.
tests/test_frozen.py compares both, class by class.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from dataclasses import MISSING, Field, FrozenInstanceError
from operator import attrgetter
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

__all__ = ["frozen"]

if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    T = TypeVar("T", bound=type)
_FACTORY = object()  # the default of a parameter whose field has a default_factory


def frozen(cls: T) -> T:
    fields = _fields_of(cls)
    own = cls.__dict__
    namespace = {key: value for key, value in own.items()
                 if key not in ("__dict__", "__weakref__") and key not in fields}
    namespace["__slots__"] = tuple(fields)
    namespace["__dataclass_fields__"] = fields
    if "__match_args__" not in own:
        namespace["__match_args__"] = tuple(f.name for f in fields.values() if f.init)
    namespace["__ocx_fields__"] = tuple(fields)
    namespace["__ocx_compared__"] = staticmethod(
        _values_getter(tuple(f.name for f in fields.values() if f.compare)))
    namespace["__ocx_shown__"] = tuple(
        (f.name, attrgetter(f.name)) for f in fields.values() if f.repr)
    for name, method in _SHARED.items():
        if name not in own:
            namespace[name] = method
    if own.get("__hash__", _hash) is None and "__eq__" in own:  # set to None by Python itself
        namespace["__hash__"] = _hash  # as @dataclass does for a class with its own __eq__
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    if "__init__" not in own:
        made.__init__ = _init(made, fields)
    return made


_RESERVED = {"self", "_set", "_FACTORY"}


def _fields_of(cls: type) -> dict[str, Field]:
    if any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:]):
        raise TypeError(f"@frozen {cls.__name__}: fields cannot be inherited; use @dataclass")
    fields: dict[str, Field] = {}
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if "ClassVar" in str(annotation) or "InitVar" in str(annotation) or name in _RESERVED:
            raise TypeError(f"@frozen {cls.__name__}.{name}: use @dataclass for this field")
        fields[name] = _field(cls, name, annotation, cls.__dict__.get(name, MISSING))
    return fields


def _field(cls: type, name: str, annotation: Any, default: Any) -> Field:
    made = default if isinstance(default, Field) else dataclasses.field(default=default)
    if made.kw_only not in (MISSING, False) or made.hash is not None:
        raise TypeError(f"@frozen {cls.__name__}.{name}: use @dataclass for kw_only or hash")
    if made.default.__class__.__hash__ is None:  # list, dict, set: shared by every instance
        raise ValueError(f"mutable default {type(made.default)} for field {name} "
                         "is not allowed: use default_factory")
    made.name, made.type, made.kw_only = name, annotation, False
    made._field_type = dataclasses._FIELD  # type: ignore[attr-defined]  # what fields() lists
    return made


# ---- __init__ ----------------------------------------------------------------------------
#
# `@dataclass` writes `__init__` as source and compiles it, for every class. Classes with
# the same *shape* (how many fields, and which have a default_factory or stay out of
# `__init__`) differ only in their field names, so the source is written with placeholder
# names (`f0`, `f1`, ...), compiled once per shape, and each class gets a copy of that
# code with its own names put in (`CodeType.replace`). The body is what `@dataclass`
# writes for a frozen class:
#
#     def __init__(self, name, span, distinct=False):
#         _set(self, 'name', name)         # _set is object.__setattr__
#         _set(self, 'span', span)
#         _set(self, 'distinct', distinct)
#
# with `_make_x() if x is _FACTORY else x` for a default_factory, then __post_init__.
# The templates of the common shapes ship compiled (`PREBUILT`): a process that compiles
# none saves more than their compiling (see there).


def _init(cls: type, fields: dict[str, Field]) -> Callable[..., None]:
    shape, defaults = [], []
    scope: dict[str, Any] = {"_set": object.__setattr__, "_FACTORY": _FACTORY}
    for index, f in enumerate(fields.values()):
        if f.default_factory is not MISSING:
            scope[f"_make_f{index}"] = f.default_factory
        elif not f.init and f.default is not MISSING:
            scope[f"_default_f{index}"] = f.default
        if f.init and (f.default is not MISSING or f.default_factory is not MISSING):
            defaults.append(_FACTORY if f.default is MISSING else f.default)
        elif f.init and defaults:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        shape.append(_kind(f))
    template = _template(tuple(shape), hasattr(cls, "__post_init__"))
    names = {f"f{index}": name for index, name in enumerate(fields)}
    code = template.replace(
        co_varnames=tuple(names.get(name, name) for name in template.co_varnames),
        co_consts=tuple(names.get(c, c) if isinstance(c, str) else c for c in template.co_consts),
        co_qualname=f"{cls.__qualname__}.__init__")
    return types.FunctionType(code, scope, "__init__", tuple(defaults) or None)


def _kind(f: Field) -> str:
    if f.default_factory is not MISSING:
        return "factory" if f.init else "made"
    if f.init:
        return "given"
    return "default" if f.default is not MISSING else "unset"


@functools.cache
def _template(shape: tuple[str, ...], post_init: bool) -> types.CodeType:
    given = shape.count("given")
    if given <= PREBUILT and shape == ("given",) * given + ("unset",) * (len(shape) - given):
        return _prebuilt(given, post_init)
    module = compile(_source(shape, post_init), "<@frozen __init__>", "exec")
    return next(c for c in module.co_consts if isinstance(c, types.CodeType))


def _source(shape: tuple[str, ...], post_init: bool) -> str:
    parameters, lines = ["self"], []
    for index, kind in enumerate(shape):
        name = f"f{index}"
        if kind in ("given", "factory"):
            parameters.append(name)
        value = {"given": name, "factory": f"_make_{name}() if {name} is _FACTORY else {name}",
                 "made": f"_make_{name}()", "default": f"_default_{name}"}.get(kind)
        if value is not None:
            lines.append(f"_set(self, {name!r}, {value})")
    if post_init:
        lines.append("self.__post_init__()")
    return f"def __init__({', '.join(parameters)}):\n    " + "\n    ".join(lines or ["pass"])


# The templates that ship compiled, in ocpispec/frozen_inits.py: for up to `PREBUILT`
# fields, every one given (then any left out of `__init__` without a default), with or
# without `__post_init__`; that is all of `check`'s classes. Compiling even one template
# from source costs a process more than the template: the first `compile` builds the
# syntax-tree types, a tenth of a cold check's instructions. tests/test_frozen.py keeps
# the module in step.
PREBUILT = 16


def _prebuilt(given: int, post_init: bool) -> types.CodeType:
    from ocpispec import frozen_inits

    code = getattr(frozen_inits, _prebuilt_name(given, post_init)).__code__
    return code.replace(co_name="__init__", co_qualname="__init__",
                        co_filename="<@frozen __init__>")


def _prebuilt_name(given: int, post_init: bool) -> str:
    return f"given_{given}_then_post_init" if post_init else f"given_{given}"


def prebuilt_source() -> str:
    """The text of ocpispec/frozen_inits.py."""
    functions = [_source(("given",) * given, post_init).replace(
                     "def __init__(", f"def {_prebuilt_name(given, post_init)}(", 1)
                 for post_init in (False, True) for given in range(PREBUILT + 1)]
    return ('"""The `__init__` templates of `@frozen` (ocpispec/frozen.py) for classes whose\n'
            'fields are all given, compiled with the package rather than at start-up.\n\n'
            'Written by `ocpispec.frozen.prebuilt_source()`: do not edit (tests/test_frozen.py\n'
            'compares). `_set` is bound by `@frozen`, which runs each template in its own scope.\n'
            '"""\n\n\n'
            + "\n\n\n".join(functions) + "\n")


def _values_getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """The tuple of a node's compared values (attrgetter returns a bare value for one name)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda node: (one(node),)
    if not names:
        return lambda node: ()
    return attrgetter(*names)


def _repr(self) -> str:
    shown = ", ".join(f"{name}={get(self)!r}" for name, get in self.__ocx_shown__)
    return f"{self.__class__.__qualname__}({shown})"


def _eq(self, other: object) -> bool:
    if other.__class__ is self.__class__:
        return self.__ocx_compared__(self) == other.__ocx_compared__(other)
    return NotImplemented


def _hash(self) -> int:
    return hash(self.__ocx_compared__(self))


def _setattr(self, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self) -> list[Any]:
    return [getattr(self, name) for name in self.__ocx_fields__]


def _setstate(self, state: list[Any]) -> None:
    for name, value in zip(self.__ocx_fields__, state):
        object.__setattr__(self, name, value)


_SHARED = {"__repr__": _repr, "__eq__": _eq, "__hash__": _hash, "__setattr__": _setattr,
           "__delattr__": _delattr, "__getstate__": _getstate, "__setstate__": _setstate}
