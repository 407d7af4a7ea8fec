"""Why a generaliser falls short of a floor, as OCX303's label says it: a cut finer than
the floor, of a value whose step cannot be known, of a field it does not protect."""

from __future__ import annotations

import math

from ocpispec.check import literals
from ocpispec.check.floors.limits import (
    COORDINATE_STEP,
    NUMBER_STEP,
    POSTAL_PREFIX,
    SITE_COORDINATE_STEP,
    SITE_POSTAL_PREFIX,
    is_postal,
    site_stamp,
)
from ocpispec.check.values import Use
from ocpispec.language import syntax


def shortfall(name: str, call: syntax.Call, use: Use, step: float) -> str:
    """Why a generaliser on the way from the field falls short of its floor; `step`: the
    smallest step the value shows where it is cut, in its unit there."""
    if site_stamp(use):
        return ("the time a site was last updated names the site whatever it is cut to: "
                "the CPO publishes it with the site, and no two sites share one")
    match name:
        case "truncate":
            return "`truncate` counts from `hour` up; a finer unit releases the time"
        case "round" | "bucket":
            if step == math.inf:
                return (f"`{name}` works on a value scaled by another field or taken from "
                        "`jmespath(...)`, so how fine it is cannot be known")
            kept = _kept_step(name, call)
            shown = f"steps of {_format(kept)}" if kept is not None else "fine steps"
            if math.isclose(step, NUMBER_STEP):
                return f"`{name}` keeps {shown}; the floor is {_format(NUMBER_STEP)} (1 decimal)"
            return (f"`{name}` keeps {shown} of a value scaled or converted inside it; the "
                    f"field's floor needs steps of at least {_format(step)} there")
        case "prefix" if use.field.site and is_postal(use.field.field.name):
            return (f"at a site that may be someone's home, `prefix` protects a postal code "
                    f"cut to at most {SITE_POSTAL_PREFIX} characters (a municipality's scale); "
                    "a longer one is the resident's neighbourhood")
        case "prefix":
            return (f"`prefix` protects only a postal code, cut to at most {POSTAL_PREFIX} "
                    "characters; on anything else it releases the start of the value")
        case "round_coords" | "grid" if use.field.site:
            return (f"at a site that may be someone's home, `{name}` protects only cells of "
                    f"at least {SITE_COORDINATE_STEP} degrees (a municipality's scale); a finer "
                    "one points at the resident's street")
        case "round_coords" | "grid":
            return (f"`{name}` keeps cells finer than {COORDINATE_STEP} degrees (about 1 km), "
                    "so it points at a spot")
        case "minutes" | "hours":
            return (f"`{name}` counts only between two timestamps of the record itself; "
                    "against a constant it releases the exact time")
    return f"`{name}` does not coarsen the value enough"


def _kept_step(name: str, call: syntax.Call) -> float | None:
    if name == "round":
        digits = literals.constant(call.args[1]) if len(call.args) > 1 else 0
        return None if digits is None else 10.0 ** -digits
    edges = literals.edges(call.args[1]) if len(call.args) > 1 else None
    widths = [b - a for a, b in zip(edges or [], (edges or [])[1:])]
    return min(widths) if widths else None


def _format(step: float) -> str:
    return f"{step:g}"
