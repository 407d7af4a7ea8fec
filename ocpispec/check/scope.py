"""Name resolution: the record scopes of a dataset (its own module and its joins) and
field references bound to the version-neutral catalogue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from ocpispec.check import private_sites
from ocpispec.schema import charge_sites, contract_tariffs
from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.check.other_module import other_module_hint
from ocpispec.check.dotted_names import dotted_path
from ocpispec.check.idle_words import idle_help
from ocpispec.check.element_fields import ELEMENT_NAMES, element_help, unbound_help
from ocpispec.check.checked import Binding, CheckedJoin, ResolvedField
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.diagnostics.source import Span
from ocpispec.diagnostics import Diagnostic, Label, Severity, error, warning
from ocpispec.schema import VERSIONS
from ocpispec.schema.joins import JOINS
from ocpispec.schema.model import Field, PrivacyClass
from ocpispec.text import with_article


# a record's values a user names as if they were fields -> the call that computes them
_DERIVED = {
    **dict.fromkeys(("duration", "duration_min", "duration_minutes", "minutes"),
                    "minutes(start_date_time, end_date_time)"),
    **dict.fromkeys(("duration_h", "duration_hours", "hours"),
                    "hours(start_date_time, end_date_time)"),
    **dict.fromkeys(("weekday", "day_of_week", "dow"), "weekday(start_date_time)"),
    **dict.fromkeys(("hour", "hour_of_day"), "hour_of_day(start_date_time)"),
    **dict.fromkeys(("date", "day"), "truncate(start_date_time, day)"),
    "week": "truncate(start_date_time, week)", "month": "truncate(start_date_time, month)",
    "year": "truncate(start_date_time, year)",
}


# a CDR's time spent charging, which OCPI gives as total time minus parking time
_CHARGING_TIME = frozenset({"charging_time", "total_charging_time", "charging_hours",
                            "charging_duration", "time_charging", "active_charging_time"})


# a field a pinned version lacks -> the field that version fills in its stead, and why
_STAND_INS = {
    ("2.1.1", "cdr_token.uid"): ("cdr_token.contract_id", "OCPI 2.1.1 names the card of a "
                                 "session or CDR only by its `auth_id`, read as "
                                 "`cdr_token.contract_id`"),
    ("2.1.1", "total_cost.incl_vat"): ("total_cost.excl_vat", "OCPI 2.1.1 gives a cost "
                                       "without VAT only"),
}


# words of the language written as if they were fields -> (what they are, what to write)
_SPOKEN = {
    "count": ("`count` is a function", "count()"),
    **dict.fromkeys(("minimum_group_size", "min_group_size", "group_size"),
                    ("the rule is three words", "minimum group size")),
}


@frozen
class _Reach:
    """A binding and where its object sits inside the binding module's records."""

    binding: Binding
    base: tuple[str, ...]

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.binding.name.split(".")) if self.binding.name else ()


# `evse_count`, `n_connectors`, `number_of_evses`, `facilities_count`: a list's length
_COUNTED = re.compile(r"(?:n|num|nr|no|number_of|count|count_of|total)_(?P<a>[a-z_]+)"
                      r"|(?P<b>[a-z_]+?)_(?:count|counts|number|total|n)")


def _counted_list(parent, name: str) -> str | None:
    """The list field of `parent` whose number of elements `name` asks for."""
    found = _COUNTED.fullmatch(name.lower())
    if found is None:
        return None
    stem = found.group("a") or found.group("b")
    for option in (stem, f"{stem}s", f"{stem}es", stem.rstrip("s")):
        field = parent.fields.get(option)
        if field is not None and field.many:
            return option
    return None


class Scope:
    """Resolves the field references of one dataset and remembers every resolution.

    With `private_sites` (the dataset says `include private locations`), every field
    that describes a site resolves as personal: class by context, not by catalogue."""

    def __init__(self, module: str, ctx: Context, *, private_sites: bool = False) -> None:
        self.module = module
        self.ctx = ctx
        self.private_sites = private_sites
        root = ctx.catalogue.root(module)
        self.own = _Reach(Binding("", module, root.name), ())
        self.reaches: list[_Reach] = []
        self.fields: dict[syntax.FieldRef, ResolvedField] = {}
        self.touched: dict[str, ResolvedField] = {}
        self._warned_versions: set[str] = set()
        # fields no catalogue object has: derived element fields, a spread's slot
        # (written path -> binding, path in it, field, paths it reads; `ocpispec.series`)
        self.derived: dict[tuple[str, ...], tuple[str, tuple[str, ...], object,
                                                  tuple[tuple[str, ...], ...]]] = {}
        # names of joins, `each` and `spread` that failed their own check (already
        # reported): a column reading one is not reported again as an unknown field
        self.broken: set[str] = set()
        # where a reference to a broken name was read (a `jmespath(...)` literal's span
        # for the paths inside it): a column there reads nothing checkable
        self.broken_reads: list[Span] = []
        # the value `spread` splits over its slots and the slot's name, once checked
        self.spread: tuple[tuple[str, ...], str] | None = None

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return (self.own.binding, *(reach.binding for reach in self.reaches))

    def add_join(self, checked: CheckedJoin, sub_paths: dict[str, tuple[str, ...]]) -> None:
        for binding in checked.bindings:
            self.reaches.append(_Reach(binding, sub_paths.get(binding.name, ())))

    def add_element(self, binding: Binding, base: tuple[str, ...]) -> None:
        """An `each` alias: the element object of the list at `base` in the record."""
        self.reaches.append(_Reach(binding, base))

    def add_broken(self, name: str) -> None:
        """A name the spec binds by a join, `each` or `spread` that failed its check."""
        if not any(binding.name == name for binding in self.bindings) and \
                not any(path[0] == name for path in self.derived):
            self.broken.add(name)

    def element_named(self, base: tuple[str, ...]) -> str | None:
        """The name an `each` of this dataset gives the elements of the record's list at
        `base` (`("elements", "price_components")` -> `component`), if one does."""
        return next((reach.binding.name for reach in self.reaches
                     if reach.base == base and reach.binding.name
                     and reach.binding.module == self.module), None)

    def reach_of(self, name: str) -> tuple[Binding, tuple[str, ...]] | None:
        """The binding called `name` and where its object sits in the record."""
        for reach in self.reaches:
            if reach.binding.name == name:
                return reach.binding, reach.base
        return None

    # ---- resolution ------------------------------------------------------------------

    def resolve(self, ref: syntax.FieldRef, *, synthetic: bool = False) -> ResolvedField | None:
        """Bind a reference, or emit a diagnostic and return None."""
        if not synthetic and ref in self.fields:
            return self.fields[ref]
        if ref.path in self.derived:
            return self._derived(ref, synthetic)
        reach, rest = self._split(ref.path)
        if not reach.parts and ref.path[0] in self.broken:
            self.broken_reads.append(ref.span)
            return None  # its join, `each` or `spread` has its error already
        if not rest:
            self._whole_binding(ref, reach)
            return None
        resolved = self._lookup(ref, reach, rest)
        if resolved is None:
            return None
        if not synthetic:
            self.fields[ref] = resolved
        self.touch(resolved)
        self._check_version(ref, resolved)
        return resolved

    def _derived(self, ref: syntax.FieldRef, synthetic: bool) -> ResolvedField:
        """A derived field: resolved without the catalogue; the fields it is computed
        from are touched (they give it its class and reach the normalizer)."""
        binding, path, field, reads = self.derived[ref.path]
        for read in reads:
            self.resolve(syntax.FieldRef(read, ref.span), synthetic=True)
        resolved = ResolvedField(ref, binding, self.module, path, field, False,
                                 frozenset(VERSIONS))
        if not synthetic:
            self.fields[ref] = resolved
        return resolved

    def touch(self, resolved: ResolvedField) -> None:
        self.touched.setdefault(resolved.qualified, resolved)

    def _split(self, path: tuple[str, ...]) -> tuple[_Reach, tuple[str, ...]]:
        for reach in sorted(self.reaches, key=lambda r: -len(r.parts)):
            if path[: len(reach.parts)] == reach.parts:
                return reach, path[len(reach.parts):]
        return self.own, path

    def _lookup(self, ref: syntax.FieldRef, reach: _Reach,
                rest: tuple[str, ...]) -> ResolvedField | None:
        catalogue = self.ctx.catalogue
        binding = reach.binding
        resolution = self._resolution(reach, rest)
        if not resolution.ok:
            self._report_unresolved(ref, reach, rest, resolution)
            return None
        versions = catalogue.versions_of(binding.module, reach.base + rest)
        leaf, site = self._in_context(reach, tuple(rest), resolution.leaf)
        contents, site_inside = self._contents(reach, tuple(rest), leaf)
        return ResolvedField(ref, binding.name, binding.module, tuple(rest), leaf,
                             resolution.many, frozenset(versions), site, reach.base,
                             contents, site_inside)

    def _in_context(self, reach: _Reach, rest: tuple[str, ...], leaf: Field) -> tuple[Field, bool]:
        """The field with the class this dataset gives it, and whether it describes a
        private site here."""
        site = self._describes_site(reach, rest)
        if self._names_contract(reach, rest) or self._places_charge(reach, rest):
            leaf = replace(leaf, privacy=contract_tariffs.at_least_quasi(leaf.privacy))
        if site:
            leaf = replace(leaf, privacy=private_sites.site_class(leaf.privacy))
        return leaf, site

    def _contents(self, reach: _Reach, rest: tuple[str, ...],
                  leaf: Field) -> tuple[PrivacyClass | None, tuple[str, ...]]:
        """What an object read whole (`jmespath("tariffs")`) releases in this dataset:
        the highest class of the fields below it, each as this dataset classes it when
        read alone, and the first of them that describes a private site. The catalogue's
        class of the object is context-free: a CDR's `tariffs` is public there, though
        its ids and prices are quasi in a charge and a home's own tariff personal in a
        dataset with private sites."""
        if not leaf.object:
            return None, ()
        highest, site_inside = leaf.privacy, ()
        for path in self._below(leaf, rest):
            resolution = self._resolution(reach, path)
            if not resolution.ok or resolution.leaf is None:
                continue
            inner, site = self._in_context(reach, path, resolution.leaf)
            highest = PrivacyClass.highest([highest, inner.privacy])
            site_inside = site_inside or (path if site else ())
        return highest, site_inside

    def _below(self, leaf: Field, rest: tuple[str, ...],
               seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, ...]]:
        if not leaf.object or leaf.object in seen:
            return
        for name, field in self.ctx.catalogue.object(leaf.object).fields.items():
            yield (*rest, name)
            yield from self._below(field, (*rest, name), seen | {leaf.object})

    def _resolution(self, reach: _Reach, rest: tuple[str, ...]):
        catalogue = self.ctx.catalogue
        if reach.binding.name:
            return catalogue.resolve_in(reach.binding.object, rest)
        return catalogue.resolve(reach.binding.module, rest)

    def _names_contract(self, reach: _Reach, rest: tuple[str, ...]) -> bool:
        """A tariff the dataset's charges were billed under, reached through a join or
        an `each` (the dataset's own fields resolve so in the catalogue)."""
        if not reach.binding.name:
            return False
        return contract_tariffs.joined_names_contract(
            self.module, reach.binding.module, (*reach.base, *rest))

    def _places_charge(self, reach: _Reach, rest: tuple[str, ...]) -> bool:
        """A joined location's address, postal code, coordinates...: where the
        dataset's charge was made (`schema/charge_sites.py`)."""
        return bool(reach.binding.name) and charge_sites.joined_places_charge(
            self.module, reach.binding.module, (*reach.base, *rest))

    def _describes_site(self, reach: _Reach, rest: tuple[str, ...]) -> bool:
        if not self.private_sites:
            return False
        sub_binding = bool(reach.binding.name) and "." in reach.binding.name
        # an `each` element sits at `base` in the record: `tariff_used.id` is `tariffs.id`
        return private_sites.describes_site(reach.binding.module, (*reach.base, *rest),
                                            sub_binding=sub_binding)

    # ---- diagnostics -----------------------------------------------------------------

    def _whole_binding(self, ref: syntax.FieldRef, reach: _Reach) -> None:
        fields = list(self.ctx.catalogue.object(reach.binding.object).fields)
        self.ctx.emit(error(
            "OCX209", f"`{ref.dotted}` is a whole `{reach.binding.object}` record", ref.span,
            "not a single value", notes=[f"its fields are {backticked(fields)}"],
            help=f"select one of its fields, e.g. `{ref.dotted}.{fields[0]}`"))

    def _report_unresolved(self, ref, reach: _Reach, rest, resolution) -> None:
        offset = len(reach.parts)
        failed = resolution.failed_at or 0
        span = self.ctx.segment_span(ref, offset + failed)
        owner = reach.binding.object if reach.binding.name else reach.binding.module
        hint = self.ctx.catalogue.rename_hint(owner, rest)
        if self._missing_join(ref, reach, failed) is not None:
            self.ctx.emit(self._unknown(ref, reach, rest, failed, resolution, span))
        elif hint is not None:
            self.ctx.emit(self._renamed(ref, reach, hint, span))
        elif resolution.parent is None and failed > 0:
            self.ctx.emit(self._not_an_object(ref, offset + failed, resolution, span))
        else:
            self.ctx.emit(self._unknown(ref, reach, rest, failed, resolution, span))

    def _renamed(self, ref, reach: _Reach, hint, segment: Span) -> Diagnostic:
        neutral = ".".join((*reach.parts, *hint.neutral))
        versions = ", ".join(hint.versions)
        old, new = hint.written.split(".")[-1], hint.neutral[-1]
        if self.ctx.source.text[ref.span.start:ref.span.end] == ref.dotted:
            span, fix = ref.span, f"use `{neutral}`"  # the whole path, under the caret
        elif hint.written.split(".")[:-1] == list(hint.neutral[:-1]):
            # a name inside `jmespath("...")`, where the path is written its own way
            span, fix = segment, f"write `{new}` for `{old}` in the expression"
        else:
            span, fix = ref.span, f"use `{neutral}` in the expression"
        return error("OCX105", f"`{hint.written}` is the OCPI {versions} name of "
                     f"`{'.'.join(hint.neutral)}`", span, f"an OCPI {versions} name",
                     notes=[hint.note, "specs use one set of names that works on every "
                            "OCPI version"],
                     help=f"{fix}, which works on every OCPI version")

    def _not_an_object(self, ref, index: int, resolution, span) -> Diagnostic:
        holder = ".".join(ref.path[:index])
        leaf = resolution.fields[-1] if resolution.fields else None
        kind = leaf.kind.value if leaf is not None else "value"
        above = (*ref.path[:index - 1], *ref.path[index:])  # `location.address.city`
        fix = f"write `{'.'.join(above)}`" if self._resolves(above) else \
            f"select `{holder}` itself, or pick another field"
        return error("OCX104", f"`{holder}` has no field `{ref.path[index]}`", span,
                     f"`{holder}` is {with_article(kind)}, not an object", help=fix)

    def _resolves(self, path: tuple[str, ...]) -> bool:
        """Whether a path reads a field (through a binding, or of the record itself)."""
        reach, rest = self._split(path)
        if not rest:
            return False
        if reach.binding.name:
            return self.ctx.catalogue.resolve_in(reach.binding.object, rest).ok
        return self.ctx.catalogue.resolve(reach.binding.module, rest).ok

    def _unknown(self, ref, reach: _Reach, rest, failed: int, resolution, span) -> Diagnostic:
        name = rest[failed]
        parent = resolution.parent
        owner = parent.name if parent is not None else reach.binding.object
        if self.spread is not None and len(ref.path) > 1 and ref.path[0] == self.spread[1]:
            value = ".".join(self.spread[0])
            return error("OCX104", f"`{ref.path[0]}` has no field `{ref.path[1]}`", ref.span,
                         "the slot is a time", notes=[
                             f"`{ref.path[0]}` is the start of each slot; in each slot's "
                             f"row `{value}` holds the slot's part of the spread value"],
                         help=f"write `{value}`")
        join = self._missing_join(ref, reach, failed)
        own = self._own_site(ref, reach, join)
        if own is not None:  # a CDR carries its site: `cdr_location.postal_code`, no join
            return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                         f"not a field of `{owner}`",
                         notes=[f"a CDR holds the site it was charged at as `cdr_location`; "
                                f"`{ref.path[0]}` is the locations join"],
                         help=f"write `{own}`, or join the locations first: `join "
                              f"{join.target} on {'.'.join(join.local_key)}`")
        if join is not None:
            renamed = next((binding.name for binding in self.bindings
                            if binding.module == join.target and binding.name
                            and "." not in binding.name), None)
            # inside `jmespath("...")` the path is written its own way (`[0]`, filters)
            written = self.ctx.source.text[ref.span.start:ref.span.end] == ref.dotted
            fix = f"`{'.'.join((renamed, *ref.path[1:]))}`" if written and renamed else \
                f"`{renamed}` for `{name}` in the expression"
            return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                         f"not a field of `{owner}`",
                         notes=[f"`{name}` is the name of the `{join.target}` join"
                                + (" unless it is named with `as`" if renamed else "")],
                         help=f"the `{join.target}` join is named `{renamed}` here: write "
                              f"{fix}" if renamed else
                         f"join the {join.target} first: `join {join.target} on "
                         f"{'.'.join(join.local_key)}`")
        if len(ref.path) == 1 and name.lower() in ("true", "false", "null"):  # SQL's TRUE
            return self._capital_literal(name, span)
        if failed == 0 and name.isupper():  # OCPI fields are lower case: an enum value
            return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                         "a value written without quotes",
                         notes=["a bare word is a field; values are quoted texts"],
                         help=f'a value is quoted: write `"{name}"`')
        if (hint := self._other_module(reach, rest, failed)) is not None:
            last = self.ctx.segment_span(ref, len(reach.parts) + hint.written.count("."))
            return error("OCX104", f"unknown field `{name}` in `{owner}`",
                         Span(span.start, max(span.end, last.end)),
                         f"a field of {hint.other}, not of {reach.binding.module}",
                         notes=[f"`{hint.written}` is a field of {hint.other}"], help=hint.help)
        if (used := self._element_binding(reach, rest[failed:])) is not None:
            binding, path = used
            part = binding.split(".")[-1]
            return error("OCX104", f"unknown field `{name}` in `{owner}`",
                         ref.span,  # the help writes the whole path
                         f"not a field of `{owner}`",
                         help=f"the {part.upper() if part == 'evse' else part} the charge "
                              f"used is `{binding}`: write `{'.'.join((binding, *path))}`")
        if (sibling := self._sibling(reach, rest[failed:])) is not None:
            binding, path = sibling
            return error("OCX104", f"unknown field `{name}` in `{owner}`",
                         ref.span,  # the help writes the whole path
                         f"not a field of `{owner}`",
                         help=f"it is a field of `{binding}`: write "
                              f"`{'.'.join((binding, *path))}`")
        if failed == 0 and not reach.binding.name \
                and (joined := self._through_join(reach.binding.module, name)) is not None:
            named = self._named_part(joined[0], name)
            return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                         f"a field of the joined {joined[0]}",
                         help=f"write `{joined[2]}.{named}`" if joined[3] else
                         f"add `join {joined[0]} on {joined[1]}` and write "
                         f"`{joined[2]}.{named}`")
        if parent is not None and (inner := self._inner(parent, rest[failed:])) is not None:
            path = ".".join((*ref.path[: len(reach.parts) + failed], *inner))
            return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                         f"a field of `{inner[0]}`", help=f"write `{path}`")
        if failed == 0 and not reach.binding.name \
                and (element := self._element(name, after=tuple(rest[1:]))):
            return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                         f"not a field of `{owner}`", help=element)
        if failed == 0 and not reach.binding.name and len(rest) > 1 \
                and (element := self._element(name, unbound=True)):
            return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                         f"no `each` names `{name}`", help=element)
        if (own := self._record_named(ref, reach, failed)) is not None:
            return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                         f"the record itself is {with_article(name)}",
                         notes=[f"fields of the {reach.binding.module} record are named "
                                "without a prefix; a prefix names a join or an `each`"],
                         help=f"write `{own}`")
        if parent is not None and (listed := self._in_list(parent, rest[failed:])):
            holder = ".".join((*ref.path[: len(reach.parts) + failed], listed))
            alias = "connector" if listed == "connectors" else \
                "evse" if listed == "evses" else "item"
            leaf = ".".join((alias, *rest[failed:]))
            return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                         f"a field of each of `{holder}`",
                         notes=[f"`{holder}` is a list: a row per element is `each`"],
                         help=f"add `each {holder} as {alias}` and write `{leaf}`")
        counted = _counted_list(parent, name) if parent is not None else None
        if counted is not None:  # `evse_count`, `number_of_connectors`: a list's length
            path = ".".join((*ref.path[: len(reach.parts) + failed], counted))
            return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                         f"the number of `{counted}`?",
                         notes=[f"`{counted}` is a list; a column counts its elements with "
                                "JMESPath's `length`, a record without it as 0"],
                         help=f"write `jmespath(\"length({path} || `[]`)\") as {name}`")
        if failed == 0 and not reach.binding.name and reach.binding.module == "cdrs" \
                and name.lower() in _CHARGING_TIME:
            return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                         "OCPI gives no charging time", notes=[
                             "a CDR gives the hours connected (`total_time`) and, of "
                             "those, the hours not charging (`total_parking_time`); a CDR "
                             "without a parking time gives an empty difference"],
                         help="it is computed: write `total_time - total_parking_time`")
        if failed == 0 and not reach.binding.name and (idle := idle_help(
                reach.binding.module, name, next((binding.name for binding in self.bindings
                                                  if binding.module == "cdrs"
                                                  and binding.name), None))) is not None:
            return error("OCX104", f"unknown field `{name}` in `{owner}`", span, idle.label,
                         notes=[idle.note], help=idle.help)
        written = dotted_path(ref.path[:len(reach.parts) + failed], name,
                              tuple(rest[failed + 1:]), self._resolves,
                              tuple(parent.fields) if parent is not None else ())
        if written is not None:
            return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                         "a path written with `_` for its dots", help=f"write `{written}`")
        options = [self._into(parent, option, name) for option in
                   self.ctx.catalogue.suggestions(owner, name)] if parent is not None else []
        meant = name.lower()
        if not options and parent is not None and "_" in name:
            # `kwh_delivered`, `cost_eur`, `session_duration`: a word of the name is meant
            for word in meant.split("_"):
                options = [self._into(parent, option, word) for option in
                           self.ctx.catalogue.suggestions(owner, word) if len(word) > 2]
                if options or _DERIVED.get(word):
                    meant = word
                    break
        if failed == 0:
            options = [*self._derived_like(reach, name), *options]
        prefix = ".".join(ref.path[: len(reach.parts) + failed])
        element = self._period_field(name) if not prefix and not reach.binding.name else None
        derived = _DERIVED.get(meant) \
            if not prefix and reach.binding.module in ("sessions", "cdrs") else None
        spoken = _SPOKEN.get(name.lower()) if not prefix else None
        column = self._column_named(name, span) if not prefix and not options else None
        site = self._site_field(ref) if prefix == "cdr_location" and not options else None
        vat_versions = self.ctx.catalogue.versions_of(
            reach.binding.module, (*reach.base, *rest[:failed], "vat"))
        meant_paths = self._meant(parent, prefix, name, options[0], self.ctx.version is None
                                  or self.ctx.version in vat_versions) if options else ()
        fix = (f"{spoken[0]}: write `{spoken[1]}`" if spoken
               else site if site
               else meant_paths if isinstance(meant_paths, str)
               else "did you mean " + ", or ".join(f"`{path}`" for path in meant_paths) + "?"
               if meant_paths
               else f"did you mean `{element}`?" if element
               else f"it is computed: write `{derived}`" if derived
               else f"`{name}` names a column, which another column cannot read: write "
                    f"what it computes, `{column}`" if column
               else f"list the fields with `ocpispec schema {reach.binding.module}`")
        return error("OCX104", f"unknown field `{name}` in `{owner}`",
                     ref.span if site or isinstance(meant_paths, str) else span,  # the help
                     # writes the whole path
                     f"not a field of `{owner}`", help=fix)

    def _element(self, name: str, *, unbound: bool = False,
                 after: tuple[str, ...] = ()) -> str | None:
        """`status` of a location: a field of its EVSEs, reached with `each`; `unbound`:
        `evse.status` written without the `each` that names `evse` (`name`)."""
        bound = {reach.base: reach.binding.name for reach in self.reaches
                 if reach.binding.module == self.module and reach.binding.name and reach.base}
        fields = frozenset(self.ctx.catalogue.root(self.module).fields)
        if unbound:
            return unbound_help(self.ctx.catalogue, self.module, name, bound, fields)
        return element_help(self.ctx.catalogue, self.module, name, bound, fields, after)

    def _capital_literal(self, name: str, span: Span) -> Diagnostic:
        """`credit = FALSE`, `end_date_time = NULL`: SQL's capitals, read as a field; a
        comparison with null is written `is null` (the caret takes the `=` in)."""
        fixed = written = name.lower()
        text = self.ctx.source.text if self.ctx.source is not None else ""
        before = text[:span.start].rstrip()
        operator = next((op for op in ("!=", "<>", "=") if before.endswith(op)), None)
        if fixed == "null" and operator is not None and not before.endswith(("<=", ">=")) \
                and before[-len(operator) - 1:-len(operator)].isspace():
            span = Span(len(before) - len(operator), span.end)
            fixed = "is null" if operator == "=" else "is not null"
            name, written = f"{operator} {name}", fixed
        return error("OCX008", f"`{name}` is written `{written}`", span,
                     "a keyword in capitals",
                     notes=["`true`, `false` and `null` are words of the language, in lower "
                            "case; in quotes they would be texts"],
                     help=f"write `{fixed}`")

    def _site_field(self, ref: syntax.FieldRef) -> str | None:
        """`cdr_location.operator.name`: a field the CDR's copy of its site lacks and the
        location has (its operator, owner, opening times); read through the join."""
        rest = ref.path[1:]
        catalogue = self.ctx.catalogue
        # the charger's power and voltage are the connector's, its status the EVSE's
        inside = "" if catalogue.resolve("locations", rest).ok else \
            next((part for part, kind in (("connector", "Connector"), ("evse", "EVSE"))
                  if catalogue.resolve_in(kind, rest).ok), None)
        if inside is None:
            return None
        joined = next((binding.name for binding in self.bindings
                       if binding.module == "locations" and binding.name
                       and "." not in binding.name), None)
        path = ".".join((joined or "location", *((inside,) if inside else ()), *rest))
        holder = f"its {inside.upper() if inside == 'evse' else inside}" if inside \
            else "its location"
        return (f"the CDR's site holds no `{rest[0]}`; {holder} does: write `{path}`"
                if joined else f"the CDR's site holds no `{rest[0]}`; {holder} does: "
                "add `join locations on cdr_location.id` and write " f"`{path}`")

    def _column_named(self, name: str, span: Span) -> str | None:
        """`sessions / count(distinct location_id)`: a column's `as` name read as a
        field, as SQL lets a query reuse it; the expression that column computes."""
        text = self.ctx.source.text if self.ctx.source is not None else ""
        for found in re.finditer(rf"^[ \t]*(\S.*?)[ \t]+as[ \t]+{re.escape(name)}[ \t]*"
                                 r"(?:#.*)?$", text, re.MULTILINE):
            if not found.start() <= span.start < found.end():
                return found.group(1)
        return None

    def _own_site(self, ref, reach: _Reach, join) -> str | None:
        """`location.postal_code` in a CDR dataset without the join: the CDR's own
        `cdr_location.postal_code`, when it has that field."""
        if join is None or join.target != "locations" or reach.binding.name \
                or reach.binding.module != "cdrs" or len(ref.path) < 2:
            return None
        path = ("cdr_location", *ref.path[1:])
        return ".".join(path) if self.ctx.catalogue.resolve("cdrs", path).ok else None

    def _through_join(self, module: str, name: str) -> tuple[str, str, str, bool] | None:
        """`city` on a session: the module a join brings in that has the field, with
        the join's key, its alias (the name it is joined under) and whether it is joined."""
        joined = {binding.module: binding.name for binding in self.bindings
                  if binding.name and "." not in binding.name}
        for spec in JOINS.get(module, ()):
            if name in self.ctx.catalogue.root(spec.target).fields:
                alias = joined.get(spec.target, spec.alias)
                return spec.target, ".".join(spec.local_key), alias, spec.target in joined
        return None

    def _named_part(self, module: str, name: str) -> str:
        """`operator` of a location, a `BusinessDetails` object no column may release
        whole (OCX209): its `name`, the value a column can hold."""
        field = self.ctx.catalogue.root(module).fields.get(name)
        if field is None or field.object is None or field.many:
            return name
        inner = self.ctx.catalogue.object(field.object).fields
        return f"{name}.name" if "name" in inner else name

    def _meant(self, parent, prefix: str, name: str, option: str,
               vat_here: bool) -> tuple[str, ...] | str:
        """The paths `did you mean` offers for `option`: the leaves of an object no column
        can release (`cost` -> `total_cost.excl_vat`, `total_cost.incl_vat`), or, when
        the name asks for VAT included and `option` excludes it, how to get it."""
        written = f"{prefix}." if prefix else ""
        field = parent.fields.get(option) if parent is not None else None
        words = set(name.lower().replace("-", "_").split("_"))
        if field is not None and field.object is None and "vat" in words \
                and words & {"incl", "including", "inc", "gross"} and "incl" not in option:
            excluded = f"`{written}{option}` excludes VAT, and no field gives it included"
            if "vat" not in parent.fields or not vat_here:
                return f"{excluded} in OCPI {self.ctx.version}: select `{written}{option}`"
            return (f"{excluded}: compute it, `{written}{option} * (1 + {written}vat / 100)`"
                    f" (`{written}vat` is the VAT percentage)")
        if field is None or field.object is None or field.many:
            return (f"{written}{option}",)
        leaves = tuple(f"{written}{option}.{inner}" for inner, leaf in
                       self.ctx.catalogue.object(field.object).fields.items()
                       if leaf.object is None and not leaf.many)
        return leaves[:3] or (f"{written}{option}",)

    def _into(self, parent, option: str, name: str) -> str:
        """`latitude` meant `coordinates`, an object: its field the word names
        (`coordinates.latitude`; `lat` -> `latitude`), so the help is a value."""
        import difflib

        field = parent.fields.get(option)
        if field is None or field.object is None or field.many:
            return option
        inner = list(self.ctx.catalogue.object(field.object).fields)
        word = name.lower()
        found = [f for f in inner if f == word or f.startswith(word)] \
            or difflib.get_close_matches(word, inner, n=1, cutoff=0.6)
        return f"{option}.{found[0]}" if found else option

    def _other_module(self, reach: _Reach, rest: tuple[str, ...], failed: int):
        """`kwh` on a CDR, `cdr_location.city` on a session: the other record's name."""
        if reach.binding.name or failed != 0:
            return None
        location = next((binding.name for binding in self.bindings
                         if binding.module == "locations" and binding.name
                         and "." not in binding.name), None)
        charge = next((binding.name for binding in self.bindings
                       if binding.module == "cdrs" and binding.name), None)
        return other_module_hint(reach.binding.module, rest, location, charge)

    def _derived_like(self, reach: _Reach, name: str) -> list[str]:
        """`period.energy`, `period.kwh`: the derived fields of the binding (a charging
        period's `energy_kwh` and `duration`) that the word names or is spelt like."""
        import difflib

        parts = reach.parts
        own = [path[-1] for path in self.derived
               if len(path) == len(parts) + 1 and path[:-1] == parts]
        word = name.lower()
        return [field for field in own if word in field.split("_")
                or any(part in field.split("_") for part in word.split("_") if len(part) > 2)
                or difflib.get_close_matches(word, [field, *field.split("_")], n=1,
                                             cutoff=0.7)]

    def _period_field(self, name: str) -> str | None:
        """`duration` in a dataset that unnests its charging periods: the period's own
        (`period.duration`), which a `spread` takes and a sum adds once per period."""
        word = name.lower()
        return next((f"{alias}.{field}" for alias, field in
                     (path for path in self.derived if len(path) == 2)  # not the slot
                     if field == word or (field == "duration" and word.startswith("duration"))
                     or (field == "energy_kwh" and word in ("energy", "kwh"))), None)

    def _sibling(self, reach: _Reach,
                 rest: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
        """`location.evse.max_electric_power`: the binding of the same join that has
        the field (`location.connector`), also under the name a user's word means
        (`location.power` is `location.connector.max_electric_power`)."""
        if not reach.binding.name:
            return None
        family = reach.parts[0]
        catalogue = self.ctx.catalogue
        own = reach.binding.object
        meant = [(field, *rest[1:]) for field in catalogue.meant(rest[0])]
        if any(catalogue.resolve_in(own, path).ok for path in meant):
            meant = []  # `location.lat`: the location's own `coordinates` is suggested
        for path in (rest, *meant):
            for other in self.reaches:
                # a join's other bindings, or an element inside this one (`each
                # evse.connectors as connector` beside `each evses as evse`)
                inside = bool(reach.base) and len(other.base) > len(reach.base) and \
                    other.base[:len(reach.base)] == reach.base
                if other is not reach and (other.parts[:1] == (family,) or inside) and \
                        catalogue.resolve_in(other.binding.object, path).ok:
                    return other.binding.name, path
        return None

    def _inner(self, parent, rest: tuple[str, ...]) -> tuple[str, ...] | None:
        """`twentyfourseven` of a location: the first object field (not a list) of
        `parent` that holds the path, `opening_times.twentyfourseven` (a CDR's
        `excl_vat`: `total_cost.excl_vat`, the first of its prices)."""
        catalogue = self.ctx.catalogue
        found = [(field.name, *rest) for field in parent.fields.values()
                 if field.object and not field.many and field.object in catalogue.neutral.objects
                 and catalogue.resolve_in(field.object, rest).ok]
        return found[0] if found else None

    def _in_list(self, parent, rest: tuple[str, ...]) -> str | None:
        """`max_electric_power` of an EVSE: the one list of objects of `parent` whose
        elements hold the path (`connectors`)."""
        catalogue = self.ctx.catalogue
        found = [field.name for field in parent.fields.values()
                 if field.object and field.many and field.object in catalogue.neutral.objects
                 and catalogue.resolve_in(field.object, rest).ok]
        return found[0] if len(found) == 1 else None

    def _record_named(self, ref, reach: _Reach, failed: int) -> str | None:
        """`location.coordinates` in a locations dataset: the record named by its
        module's singular, as a join of it would be; the path without it."""
        module = self.module
        singular = {"locations": "location", "tariffs": "tariff", "sessions": "session",
                    "cdrs": "cdr", "tokens": "token"}.get(module)
        if reach.binding.name or failed != 0 or ref.path[0] != singular or len(ref.path) < 2:
            return None
        return ref.dotted.split(".", 1)[1] \
            if self.ctx.catalogue.resolve(module, ref.path[1:]).ok else None

    def _element_binding(self, reach: _Reach,
                         rest: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
        """`location.connectors.max_electric_power`, `location.evse.connector.standard`:
        the list a join's binding is the charge's own element of (`location.connector`,
        the connector the session used), named as the list or through its holder; the
        path through the list would be a list of every connector's value (OCX209)."""
        word = rest[0].lower()
        for other in self.reaches:
            last = other.parts[-1] if other.parts else ""
            if other is reach or other.parts[:1] != reach.parts[:1] or len(other.parts) < 2 \
                    or word not in (last, last + "s") or len(rest) < 2:
                continue
            if self.ctx.catalogue.resolve_in(other.binding.object, rest[1:]).ok:
                return other.binding.name, rest[1:]
        return None

    def _missing_join(self, ref, reach: _Reach, failed: int):
        if reach.binding.name or failed != 0:
            return None
        for join in self.ctx.catalogue.joins(self.module):
            if join.alias == ref.path[0]:
                return join
        return None

    def _check_version(self, ref: syntax.FieldRef, resolved: ResolvedField) -> None:
        version = self.ctx.version
        if version is None or version in resolved.versions:
            return
        if resolved.qualified in self._warned_versions:
            return
        self._warned_versions.add(resolved.qualified)
        present = ", ".join(sorted(resolved.versions)) or "no version"
        stand_in = _STAND_INS.get((version, ".".join(resolved.path)))
        written = ".".join((*ref.path[:len(ref.path) - len(resolved.path)], stand_in[0])) \
            if stand_in else ""
        self.ctx.emit(warning(
            "OCX106", f"`{resolved.qualified}` is always null on OCPI {version}", ref.span,
            f"not in OCPI {version}", notes=[f"the spec pins `version {version}`; the field "
                                             f"exists in OCPI {present}"],
            help=f"{stand_in[1]}: write `{written}`, or `version auto` if the platform may "
                 "run a newer version" if stand_in else
                 "drop it, or write `version auto` if the platform may run a newer version"))


def check_joins(dataset: syntax.From, scope: Scope, modules: tuple[str, ...],
                ctx: Context) -> list[CheckedJoin]:
    checked: list[CheckedJoin] = []
    aliases: dict[str, syntax.Join] = {}
    for join in dataset.joins:
        result = _check_join(join, scope, modules, ctx)
        if result is None:
            if (alias := _intended_alias(join, ctx)) is not None:
                scope.add_broken(alias)
            continue
        item, sub_paths = result
        clash = _alias_clash(join, item.alias, aliases, scope, ctx)
        if clash is not None:
            ctx.emit(clash)
            continue
        aliases[item.alias] = join
        scope.add_join(item, sub_paths)
        checked.append(item)
    return checked


def _intended_alias(join: syntax.Join, ctx: Context) -> str | None:
    """The name a join that failed its check would have bound."""
    if join.alias is not None:
        return join.alias.name
    targets = {spec.target: spec.alias for specs in JOINS.values() for spec in specs}
    # `join location on location_id`: the module meant is the one OCX101 suggests
    module = join.module.name if join.module.name in targets else \
        did_you_mean(join.module.name, tuple(targets))
    return targets.get(module) if module is not None else None


def _alias_clash(join: syntax.Join, alias: str, aliases: dict[str, syntax.Join], scope: Scope,
                 ctx: Context) -> Diagnostic | None:
    if alias in ctx.catalogue.root(scope.module).fields:
        return error("OCX215", f"the join name `{alias}` hides the field `{alias}` of "
                     f"`{scope.own.binding.object}`", (join.alias or join.module).span,
                     "ambiguous name", help=f"name the join differently, e.g. `as {alias}_record`")
    if alias not in aliases:
        return None
    return Diagnostic("OCX215", Severity.ERROR, f"two joins are both called `{alias}`",
                      (Label(join.span, "second join"),
                       Label(aliases[alias].span, "first join", False)),
                      help=f"name one of them with `as`, e.g. `... as {alias}_2`")


def _check_join(join: syntax.Join, scope: Scope, modules, ctx: Context):
    target = join.module.name
    if target not in modules:
        guess = did_you_mean(target, modules)
        unnest = unbound_help(ctx.catalogue, scope.module, ELEMENT_NAMES.get(target, ""), {},
                              frozenset(ctx.catalogue.root(scope.module).fields))
        ctx.emit(error("OCX101", f"unknown module `{target}`", join.module.span,
                       "not an OCPI module", notes=[f"modules are {backticked(modules)}"],
                       help=f"`{target}` is a list of the record, unnested rather than "
                            f"joined: {unnest.split(': ', 1)[1]}" if unnest else
                       f"did you mean `{guess}`?" if guess else
                       "join one of the modules listed above"))
        if unnest:
            scope.add_broken(ELEMENT_NAMES[target])
        return None
    spec = _join_spec(join, scope, ctx)
    local = scope.resolve(join.key) if spec is not None else None
    if local is None:
        return None
    alias = join.alias.name if join.alias else spec.alias
    bindings = [Binding(alias, target, ctx.catalogue.root(target).name)]
    sub_paths = {}
    for sub in spec.sub_bindings:
        bindings.append(Binding(f"{alias}.{sub.name}", target, sub.object))
        sub_paths[f"{alias}.{sub.name}"] = sub.list_path
    return CheckedJoin(join, target, alias, local, spec.remote_key, tuple(bindings),
                       spec.local_party, spec.remote_party), sub_paths


def _join_spec(join: syntax.Join, scope: Scope, ctx: Context):
    """The catalogue's JoinSpec for this join, or None after a diagnostic."""
    target = join.module.name
    specs = [spec for spec in ctx.catalogue.joins(scope.module) if spec.target == target]
    if not specs:
        ctx.emit(_no_join(join, scope.module, ctx.catalogue.joins(scope.module)))
        return None
    spec = next((s for s in specs if s.local_key == join.key.path), None)
    if spec is None:
        keys = [".".join(s.local_key) for s in specs]
        ctx.emit(error("OCX206", f"`{join.key.dotted}` cannot join `{scope.module}` to "
                       f"`{target}`", join.key.span, "not a join key",
                       notes=[f"`{target}` records are found by {backticked(keys)}"],
                       help=f"write `join {target} on {keys[0]}`"))
    return spec


def _no_join(join: syntax.Join, module: str, specs) -> Diagnostic:
    target = join.module.name
    choices = [f"`{s.target}` on `{'.'.join(s.local_key)}`" for s in specs]
    own_block = (f"export `{target}` in a `from {target}` block of its own (a spec may "
                 "hold several datasets)")
    notes = [f"`{module}` can join " + ", ".join(choices) if choices
             else f"`{module}` has no joins"]
    if (module, target) == ("locations", "tariffs"):  # an auditor's prices per charger
        notes.append("a connector names its tariffs in `tariff_ids`: `each evses as evse`, "
                     "`each evse.connectors as connector` and `jmespath(\"join(',', "
                     "connector.tariff_ids || `[]`)\")` release them beside the connector")
    return error("OCX102", f"`{module}` cannot be joined to `{target}`",
                 join.module.span, "no join between these modules", notes=notes,
                 help=("join one of the modules listed above, or " if choices else "")
                 + own_block)
