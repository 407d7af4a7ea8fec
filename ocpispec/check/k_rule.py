"""`require k K over (...) suppression limit P%` on a row dataset (ocpispec/disclosure).

The rule must name released columns (OCX342) other than a pseudonymised identifier,
ask for at least 2 drivers per class (OCX343) and allow at most 100% suppression
(OCX344). A k-anonymised export that also releases a pseudonym kept stable across
deliveries is warned about (OCX345): the pseudonym links a driver's rows across
windows, so each window's k no longer holds for the whole history.

A released column outside `over` that reads what a column in `over` reads (the same
time, energy or duration, a charge's end beside its start or its start beside its end,
or a place beside a place) undoes the rule (OCX347): the run
recodes `started_hour` to a day where a class is small, and `hour_of_day(start_date_time)`
beside it gives the hour back, in classes the rule never counted.
"""

from __future__ import annotations

from ocpispec.language import pseudonym_scope, syntax
from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.floors import read_quantity
from ocpispec.check.values import Use
from ocpispec.diagnostics import error, warning
from ocpispec.language.functions import Effect
from ocpispec.places import is_place
from ocpispec.schema.model import PrivacyClass

SMALLEST_K = 2


def check_k_rules(spec: syntax.Spec, datasets: list[CheckedDataset | None],
                  ctx: Context) -> None:
    scope = spec.header.pseudonym_scope
    phrase = pseudonym_scope.normalise(scope.phrase) if scope else pseudonym_scope.EXPORT
    for dataset in datasets:
        if dataset is None or not isinstance(dataset.dataset.body, syntax.Select):
            continue
        rule = dataset.dataset.body.k_rule
        if rule is not None:
            _check_rule(rule, dataset, ctx)
            _check_beside(rule, dataset, ctx)
            _check_scope(rule, dataset, phrase, ctx)


def _check_rule(rule: syntax.KRule, dataset: CheckedDataset, ctx: Context) -> None:
    released = {column.name: column for column in dataset.columns}
    for name in rule.over:
        column = released.get(name.name)
        if column is None:
            guess = did_you_mean(name.name, released)
            ctx.emit(error("OCX342", f"the k rule names `{name.name}`, which this dataset does "
                           "not release", name.span, "not a released column",
                           notes=[f"released columns are {backticked(released)}"],
                           help=f"did you mean `{guess}`?" if guess else
                           "name released columns in `over (...)`, or leave `over` out to "
                           "use the released quasi-identifiers"))
        elif column.effect is Effect.PSEUDONYMISE and column.privacy is PrivacyClass.PERSONAL:
            ctx.emit(error("OCX342", f"the k rule names `{name.name}`, a pseudonymised "
                           "identifier", name.span, "an identity, not a quasi-identifier",
                           notes=["k counts distinct drivers in each class; a class of one "
                                  "pseudonym always holds one driver"],
                           help="name the columns someone may know about a charge (time, "
                                "place, energy), not the pseudonym"))
    if rule.k < SMALLEST_K:
        ctx.emit(error("OCX343", f"`require k {rule.k}` protects nobody", rule.k_span,
                       f"k must be at least {SMALLEST_K}",
                       notes=["k is the fewest distinct drivers every released class holds"],
                       help="use `require k 5` (a common floor) or more"))
    if rule.limit is not None and rule.limit > 100:
        ctx.emit(error("OCX344", f"a suppression limit of {rule.limit:g}% is more than "
                       "all rows", rule.limit_span or rule.span, "at most 100%",
                       notes=["the limit is the largest share of a window's rows that may be "
                              "suppressed before the run fails"],
                       help="write e.g. `suppression limit 2%`"))


def _check_beside(rule: syntax.KRule, dataset: CheckedDataset, ctx: Context) -> None:
    """A column outside `over` that reads what a column in `over` reads (OCX347), or
    that gives it with another such column: a charge's end beside its duration is its
    start. A pseudonym of a personal id (a driver's, a session's) is left to OCX342 and
    OCX345: it cannot be in `over`; a site's pseudonym is a place like its id."""
    released: list[tuple[syntax.Column, str, list[Use]]] = ctx.released.get(id(dataset.dataset.body), [])
    pseudonyms = {c.name for c in dataset.columns if c.effect is Effect.PSEUDONYMISE
                  and c.privacy is PrivacyClass.PERSONAL}
    over = {name.name for name in rule.over}
    counted = {name: quasi_reads(uses) for column, name, uses in released if name in over}
    if not counted:
        return
    outside = [(column, name, quasi_reads(uses)) for column, name, uses in released
               if name not in over and name not in pseudonyms]
    given: dict[str, tuple[syntax.Column, str, str | None, bool]] = {}  # ..., via, approximate
    for column, name, reads in outside:
        for what in reads:
            given.setdefault(what, (column, name, None, False))
    for what, (first, second) in _DERIVED.items():  # two times of a charge give the third
        if first in given and second in given and what not in given:
            given[what] = (*given[first][:2], given[second][1], False)
    for what, near in _NEAR.items():  # one end of a charge places the other within hours
        if near in given and what not in given:
            given[what] = (*given[near][:2], None, True)
    reported = set()
    for other, reads in counted.items():
        for what in sorted(reads & set(given)):
            column, name, via, approximate = given[what]
            if name not in reported:
                reported.add(name)
                ctx.emit(_beside(column, name, other, what, via, approximate))


_START, _END = "charge start", "charge end"
_DURATION = f"duration {_END} to {_START}"
# each of a charge's start, end and duration, from the other two
_DERIVED = {_START: (_END, _DURATION), _END: (_START, _DURATION), _DURATION: (_START, _END)}
# a charge's start and end lie within its duration of each other (minutes to hours): one
# outside `over` gives back what the recoding of the other took away, to within that span
_NEAR = {_START: _END, _END: _START}


def quasi_reads(uses: list[Use]) -> set[str]:
    """What a column's quasi-identifiers hold: `place` for any place, else the time,
    amount or duration (`charge start`, `duration charge end to charge start`)."""
    found = set()
    for use in uses:
        # a joined location reads a place under whatever name the join gives it
        joined = use.field.module == "locations" and is_place(
            ".".join(("location", *use.field.path)))
        if joined or is_place(use.field.qualified):
            found.add("place")
        elif use.field.privacy is PrivacyClass.QUASI:
            found.add(read_quantity(use))
    return found


def _beside(column: syntax.Column, name: str, other: str, what: str, via: str | None,
            approximate: bool = False):
    held = "a place" if what == "place" else f"the {what.removeprefix('charge ')}"
    if approximate:
        message = (f"`{name}` reads the other end of the charge whose {what.removeprefix('charge ')} "
                   f"`{other}` in the k rule reads, and is not in it")
    elif via is None:
        message = f"`{name}` reads {held} as `{other}` in the k rule does, but is not in it"
    else:
        message = (f"`{name}` and `{via}` give {held}, which `{other}` in the k rule reads, "
                   "but are not in it")
    return error(
        "OCX347", message,
        column.expr.span, f"not in `over (...)`: it can undo the recoding of `{other}`",
        notes=[f"where a class is smaller than k the run recodes `{other}` (coarser) or "
               f"suppresses its rows; `{name}` keeps the detail, so the classes the consumer "
               "can form are never counted",
               *([f"a charge lasts minutes to hours: `{name}` places `{other}` within that "
                  "span, however coarse the recoding"] if approximate else [])],
        help=f"name `{name}` in `over (...)` too, or leave `over` out so the rule counts "
             "every released quasi-identifier; or release one of the two columns only")


def _check_scope(rule: syntax.KRule, dataset: CheckedDataset, scope: str | None,
                 ctx: Context) -> None:
    if scope != pseudonym_scope.EXPORT:
        return
    pseudonyms = [c.name for c in dataset.columns if c.effect is Effect.PSEUDONYMISE]
    if not pseudonyms:
        return
    ctx.emit(warning("OCX345", "a k-anonymised export releases a pseudonym that is stable "
                     "across deliveries", rule.span, "k holds per window only",
                     notes=[f"{backticked(pseudonyms)} keeps one value per driver in every "
                            "delivery (pseudonym scope export): a consumer can join a "
                            "driver's rows across windows, and a class of k drivers in each "
                            "window does not protect a driver's whole history"],
                     help="add `pseudonym scope per run` to the header (or a calendar scope "
                          "no longer than a window, e.g. `per week`)"))
