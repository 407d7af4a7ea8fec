"""A plan to JSON-safe data and back (`Plan.to_dict`, `Plan.from_dict`)."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from ocpispec.diagnostics.source import Span
from ocpispec.plan.ir.steps import STEP_KINDS


def encode(value: Any) -> Any:
    if isinstance(value, Span):
        return {"start": value.start, "end": value.end}
    if dataclasses.is_dataclass(value):
        data: dict[str, Any] = {}
        kind = kind_of(type(value))
        if kind:
            data["kind"] = kind
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.metadata.get("omit_default") and item == field.default:
                continue
            if item == () and field.default == ():
                continue  # an optional list left empty: plans without it keep their bytes
            data[field.name] = encode(item)
        return data
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    return value


def kind_of(cls: type) -> str | None:
    return next((kind for kind, step in STEP_KINDS.items() if step is cls), None)


def decode(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    if hint is Span:
        return Span(data["start"], data["end"])
    if origin in (typing.Union, types.UnionType):
        return decode_union(typing.get_args(hint), data)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(decode(item, element) for element in data)
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{field.name: decode(hints[field.name], data[field.name])
                       for field in dataclasses.fields(hint) if field.name in data})
    return data


def decode_union(options: tuple[Any, ...], data: Any) -> Any:
    if data is None:
        return None
    if isinstance(data, dict) and "kind" in data and data["kind"] in STEP_KINDS:
        return decode(STEP_KINDS[data["kind"]], data)
    concrete = [option for option in options if option is not type(None)]
    return decode(concrete[0], data)


def without_origins(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_origins(item) for key, item in value.items() if key != "origin"}
    if isinstance(value, list):
        return [without_origins(item) for item in value]
    return value
