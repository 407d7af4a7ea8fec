"""Every kind of step, by the name a plan's JSON gives it, and the JMESPath texts
each holds."""

from __future__ import annotations

from ocpispec.plan.ir.output import Order, Render
from ocpispec.plan.ir.reading import Fetch, Filter, Join, Lookup, Normalize, PrivacyFilter
from ocpispec.plan.ir.shaping import Aggregate, KAnonymity, Project, Spread, Unnest


Step = (Fetch | Normalize | Lookup | Join | PrivacyFilter | Filter | Project | Aggregate | Render
        | Unnest | Spread | KAnonymity | Order)
STEP_KINDS: dict[str, type] = {
    "fetch": Fetch, "normalize": Normalize, "lookup": Lookup, "join": Join,
    "privacy": PrivacyFilter, "filter": Filter, "project": Project, "aggregate": Aggregate,
    "render": Render,
    "unnest": Unnest, "spread": Spread,
    "k_anonymity": KAnonymity, "order": Order,
}


def step_expressions(step: Step) -> tuple[str, ...]:
    """Every JMESPath text a step holds (all are compiled before a run starts)."""
    match step:
        case Normalize():
            return tuple(item.expression for item in step.expressions)
        case Filter() | Project():
            return (step.expression,)
        case PrivacyFilter(exclude=str() as exclude):
            return (exclude,)
        case Aggregate():
            return (*(key.expression for key in step.keys),
                    *(m.argument for m in step.measures if m.argument),
                    *(p.argument for m in step.measures for p in m.parts if p.argument),
                    *(m.formula for m in step.measures if m.formula),
                    *((step.entity,) if step.entity else ()))
    return ()
