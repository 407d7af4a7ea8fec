"""`@frozen`: the class `@dataclass(frozen=True, slots=True)` makes, built for less start-up.

On CPython 3.11 `@dataclass` compiles six methods from generated source for every class
(about half a millisecond each class). The syntax tree, the checker and the schema define
about a hundred such classes, which cost a cold `ocpispec check` a third of its time.
`@frozen` compiles only `__init__`, and only when the class makes its first instance;
repr, equality, hashing, frozenness and pickling are shared functions that read the
class's field names.

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
from dataclasses import MISSING, Field, FrozenInstanceError
from operator import attrgetter
from typing import Any, Callable, TypeVar

__all__ = ["frozen"]

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
        made.__init__ = _compiled_on_first_call(made)
    return made


def _compiled_on_first_call(cls: type) -> Callable[..., None]:
    """A stand-in `__init__` that compiles the real one the first time the class makes an
    instance, then leaves it in its place: a spec uses few of the syntax classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if cls.__init__ is __init__:
            cls.__init__ = _init(cls, cls.__dataclass_fields__)
        cls.__init__(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


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


def _init(cls: type, fields: dict[str, Field]) -> Callable[..., None]:
    """`__init__` compiled from source, as `@dataclass` writes it: positional parameters in
    field order, defaults, a fresh default_factory value per instance, then __post_init__."""
    parameters, defaults, lines = ["self"], [], []
    scope: dict[str, Any] = {"_set": object.__setattr__, "_FACTORY": _FACTORY}
    for f in fields.values():
        if f.init:
            parameters.append(f.name)
            if f.default is not MISSING or f.default_factory is not MISSING:
                defaults.append(_FACTORY if f.default is MISSING else f.default)
            elif defaults:
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
        value = _initial_value(f, scope)
        if value is not None:
            lines.append(f"_set(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    source = f"def __init__({', '.join(parameters)}):\n    " + "\n    ".join(lines or ["pass"])
    exec(compile(source, f"<@frozen {cls.__qualname__}>", "exec"), scope)
    init = scope["__init__"]
    init.__defaults__ = tuple(defaults) or None
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _initial_value(f: Field, scope: dict[str, Any]) -> str | None:
    """The expression a field starts from; None leaves it unset (init=False, no default)."""
    if f.default_factory is not MISSING:
        scope[f"_make_{f.name}"] = f.default_factory
        if f.init:
            return f"_make_{f.name}() if {f.name} is _FACTORY else {f.name}"
        return f"_make_{f.name}()"
    if f.init:
        return f.name
    if f.default is not MISSING:
        scope[f"_default_{f.name}"] = f.default
        return f"_default_{f.name}"
    return None


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
