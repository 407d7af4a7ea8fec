"""A pseudonym released where its value is public is a dictionary for every other
dataset of the export that releases it.

A keyed pseudonym hides a value only from someone who never sees the value beside it.
Within one export a value has one pseudonym in every dataset (the key is derived per
export, consumer, period and family, `check/families.py`), so a locations dataset
releasing `pseudonymize(id)` beside a site's `id`, address or coordinates (public
there) tells the consumer which site each `pseudonymize(location_id)` of a sessions
dataset is, where the site is a quasi-identifier: the sessions file checked clean and
showed `quasi-identifier -> public`, while every row could be joined to its full postal
code and location id (on the demo CPO, all 18,402). A warning, as releasing the site
itself is (OCX303): the sites the public dataset names are public ones, never a private
site, which no public dataset holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.check.checked import CheckedColumn, CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.families import family_value, pseudonym_family
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.language.functions import ALIASES
from ocpispec.schema.model import PrivacyClass
from ocpispec.text import with_article

_SPACE = re.compile(r"\s+")


@frozen
class _Pseudonym:
    dataset: CheckedDataset
    name: str         # the dataset's, as the run summary and the manifest say it
    column: CheckedColumn
    family: str
    form: str | None  # the value hashed, its fields written by family; None: unknown
    field: str        # the field as the spec writes it


def check_public_pseudonyms(datasets: Sequence[CheckedDataset | None], names: Sequence[str],
                            ctx: Context) -> None:
    """`datasets` as the spec lists them (None for one that failed), `names` theirs."""
    released = [p for dataset, name in zip(datasets, names) if dataset is not None
                for p in released_pseudonyms(dataset, name, ctx)]
    public = [p for p in released if p.column.privacy is PrivacyClass.PUBLIC]
    for hidden in released:
        if hidden.column.privacy is PrivacyClass.PUBLIC:
            continue
        shown = next((p for p in public
                      if p.dataset is not hidden.dataset and same_value(p, hidden)), None)
        if shown is not None:
            ctx.emit(_linked(hidden, shown))


def same_value(a: _Pseudonym, b: _Pseudonym) -> bool:
    """Whether two pseudonym columns give one value one pseudonym (family and form)."""
    return a.family == b.family and (a.form is None or b.form is None or a.form == b.form)


def released_pseudonyms(dataset: CheckedDataset, name: str,
                        ctx: Context) -> Iterator[_Pseudonym]:
    objects = {binding.name: binding.object for binding in dataset.bindings}
    for column in dataset.columns:
        expr = column.column.expr
        if not (isinstance(expr, syntax.Call) and expr.args and
                ALIASES.get(expr.name.name, expr.name.name) == "pseudonymize"):
            continue
        argument = expr.args[0]
        refs = [ref for ref in syntax.field_refs(argument) if ref in dataset.fields]
        if not refs:  # `pseudonymize(jmespath("..."))`: family `value`, any value
            yield _Pseudonym(dataset, name, column, "value", None, _written(argument, ctx))
            continue
        first = dataset.fields[refs[0]]
        family = pseudonym_family(first, objects.get(first.binding, ""))
        yield _Pseudonym(dataset, name, column, family, _form(argument, refs, dataset, ctx),
                         first.qualified)


def _form(argument: syntax.Expr, refs: list[syntax.FieldRef], dataset: CheckedDataset,
          ctx: Context) -> str:
    """`prefix(location.postal_code, 4)` and `prefix(postal_code, 4)` alike:
    `prefix(<postal_code>, 4)`; `location_id` and a location's `id`: `<id>`."""
    start, text = argument.span.start, _written(argument, ctx)
    for ref in sorted(refs, key=lambda r: r.span.start, reverse=True):
        at, end = ref.span.start - start, ref.span.end - start
        text = f"{text[:at]}<{family_value(dataset.fields[ref])}>{text[end:]}"
    return _SPACE.sub("", text)


def _written(node: syntax.Expr, ctx: Context) -> str:
    return ctx.source.text[node.span.start:node.span.end]


def _linked(hidden: _Pseudonym, shown: _Pseudonym) -> Diagnostic:
    name, there = hidden.column.name, shown.name
    cls = hidden.column.privacy.value
    return Diagnostic(
        "OCX360", Severity.WARNING,
        f"`{name}` gives `{hidden.field}` the pseudonyms dataset `{there}` releases where "
        "it is public",
        (Label(hidden.column.column.expr.span, f"{with_article(cls)} here, pseudonymised"),
         Label(shown.column.column.expr.span,
               f"the same pseudonyms beside the public record of `{shown.field}`", False)),
        notes=["within one export a value has one pseudonym in every dataset: the consumer "
               f"joins the two files on it, and each row here gets what `{there}` releases "
               f"beside it (the value itself, an address, coordinates)",
               "a keyed pseudonym hides a value only from someone who never sees the value "
               "beside it"],
        help=f"drop the pseudonym from `{there}` (public data needs none), or release a "
             f"coarser form here instead (for a site `prefix(location.postal_code, 4)`); if "
             f"the consumer may know `{hidden.field}` of every row, release it as it is "
             "with `because \"...\"`, so the review says so")
