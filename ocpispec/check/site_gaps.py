"""Sites missing from an aggregate per site (OCX324): a regional planner asking which
public sites had no session last month listed the sites in one dataset and counted the
sessions per `location_id` in another, and read every site the counts lack as unused.
The minimum group size leaves out the sites with fewer drivers too: on the demo CPO,
211 of 360 sites were missing for December, where 4 had no session. How many sites had
none can leave (the sites that had one, counted over all of them); which cannot."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import CheckedColumn, CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.dataset_names import dataset_ids
from ocpispec.diagnostics import Diagnostic, warning
from ocpispec.language import syntax
from ocpispec.language.functions import Effect
from ocpispec.schema.contract_tariffs import EVENT_MODULES

_DEFAULT_MINIMUM = 10  # `minimum group size` left out (OCX319)
# (binding, path) of the fields that name a charge's site or charger, by what they name
_NAMED = {("", ("location_id",)): "site", ("", ("cdr_location", "id")): "site",
          ("location", ("id",)): "site", ("", ("evse_uid",)): "charger",
          ("", ("cdr_location", "evse_uid")): "charger", ("location.evse", ("uid",)): "charger"}


def check_site_gaps(datasets: Sequence[CheckedDataset | None], spec: syntax.Spec,
                    ctx: Context) -> None:
    """Warns on the site (or EVSE) key of an aggregate of charges whose minimum group size
    is above 1, in a spec with a dataset listing the locations (OCX324)."""
    names = dataset_ids(spec.datasets)
    listing = next((name for name, dataset in zip(names, datasets) if dataset is not None
                    and dataset.module == "locations" and not dataset.is_aggregate), None)
    if listing is None:
        return
    for name, dataset in zip(names, datasets):
        if dataset is None or dataset.module not in EVENT_MODULES or not dataset.is_aggregate:
            continue
        body = dataset.dataset.body
        size = body.min_group_size if body.min_group_size is not None else _DEFAULT_MINIMUM
        if size <= 1:
            continue
        for column in dataset.columns:
            named = _names(column, body.keys)
            if named is not None:
                ctx.emit(_gap(column, named, (name, dataset.module), listing, size, ctx))


def _names(column: CheckedColumn, keys: tuple[syntax.Column, ...]) -> str | None:
    """What a group key names when it is a charge's site or charger id as it is."""
    if column.aggregate or column.column not in keys or column.effect is not Effect.RAW \
            or len(column.sources) != 1:
        return None
    source = column.sources[0]
    return _NAMED.get((source.binding, source.path))


def _gap(column: CheckedColumn, named: str, counted: tuple[str, str], listing: str,
         size: int, ctx: Context) -> Diagnostic:
    key = ctx.source.text[column.column.expr.span.start:column.column.expr.span.end]
    dataset, charges = counted[0], "sessions" if counted[1] == "sessions" else "CDRs"
    return warning(
        "OCX324", f"a {named} missing from `{dataset}` may have had {charges}: groups of "
        f"fewer than {size} drivers are left out", column.column.span,
        f"{named}s with 1 to {size - 1} drivers are left out, as those with none",
        notes=[f"`{listing}` lists every public site: those `{dataset}` lacks had none "
               f"or fewer than {size} drivers, which the files cannot tell apart"],
        help=f"count the {named}s that had one: write `constant(\"all\") as scope` in "
             f"place of this key and add `count(distinct {key}) as {named}s_used` to "
             f"`compute` (the others had none); which ones had none cannot leave under a "
             f"minimum group size of {size}")
