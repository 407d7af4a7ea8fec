"""Name resolution: the record scopes of a dataset (its own module and its joins) and
field references bound to the version-neutral catalogue. The joins are checked in
`check/joins.py`; a reference that resolves to no field is reported by
`check/unknown_fields.py`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ocpispec.check import private_sites
from ocpispec.schema import charge_sites, contract_tariffs
from ocpispec.language import syntax
from ocpispec.check.checked import Binding, CheckedJoin, ResolvedField
from ocpispec.check.context import Context, backticked
from ocpispec.check.scope_view import Reach
from ocpispec.diagnostics.source import Span
from ocpispec.diagnostics import error, warning
from ocpispec.schema import VERSIONS
from ocpispec.schema.model import Field, PrivacyClass


# a field a pinned version lacks -> the field that version fills in its stead, and why
_STAND_INS = {
    ("2.1.1", "cdr_token.uid"): ("cdr_token.contract_id", "OCPI 2.1.1 names the card of a "
                                 "session or CDR only by its `auth_id`, read as "
                                 "`cdr_token.contract_id`"),
    ("2.1.1", "total_cost.incl_vat"): ("total_cost.excl_vat", "OCPI 2.1.1 gives a cost "
                                       "without VAT only"),
}


class Scope:
    """Resolves the field references of one dataset and remembers every resolution.

    With `private_sites` (the dataset says `include private locations`), every field
    that describes a site resolves as personal: class by context, not by catalogue."""

    def __init__(self, module: str, ctx: Context, *, private_sites: bool = False) -> None:
        self.module = module
        self.ctx = ctx
        self.private_sites = private_sites
        root = ctx.catalogue.root(module)
        self.own = Reach(Binding("", module, root.name), ())
        self.reaches: list[Reach] = []
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
        # the zone whose clock the dataset's days and hours are cut on (its window's, or
        # a column's stated zone): a help that writes `weekday(t)` writes it in (OCX236)
        self.clock_zone: str | None = None

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return (self.own.binding, *(reach.binding for reach in self.reaches))

    def add_join(self, checked: CheckedJoin, sub_paths: dict[str, tuple[str, ...]]) -> None:
        for binding in checked.bindings:
            self.reaches.append(Reach(binding, sub_paths.get(binding.name, ())))

    def add_element(self, binding: Binding, base: tuple[str, ...]) -> None:
        """An `each` alias: the element object of the list at `base` in the record."""
        self.reaches.append(Reach(binding, base))

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

    def resolve(self, ref: syntax.FieldRef, *, synthetic: bool = False,
                joined: str | None = None) -> ResolvedField | None:
        """Bind a reference, or emit a diagnostic and return None (`joined`: the module
        a join on this key reaches)."""
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
        self._check_version(ref, resolved, joined)
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

    def _split(self, path: tuple[str, ...]) -> tuple[Reach, tuple[str, ...]]:
        for reach in sorted(self.reaches, key=lambda r: -len(r.parts)):
            if path[: len(reach.parts)] == reach.parts:
                return reach, path[len(reach.parts):]
        return self.own, path

    def _lookup(self, ref: syntax.FieldRef, reach: Reach,
                rest: tuple[str, ...]) -> ResolvedField | None:
        catalogue = self.ctx.catalogue
        binding = reach.binding
        resolution = self._resolution(reach, rest)
        if not resolution.ok:
            from ocpispec.check import unknown_fields  # a diagnostic's only

            unknown_fields.report_unresolved(self, ref, reach, rest, resolution)
            return None
        versions = catalogue.versions_of(binding.module, reach.base + rest)
        leaf, site = self._in_context(reach, tuple(rest), resolution.leaf)
        contents, site_inside = self._contents(reach, tuple(rest), leaf)
        return ResolvedField(ref, binding.name, binding.module, tuple(rest), leaf,
                             resolution.many, frozenset(versions), site, reach.base,
                             contents, site_inside)

    def _in_context(self, reach: Reach, rest: tuple[str, ...], leaf: Field) -> tuple[Field, bool]:
        """The field with the class this dataset gives it, and whether it describes a
        private site here."""
        site = self._describes_site(reach, rest)
        if self._names_contract(reach, rest) or self._places_charge(reach, rest):
            leaf = replace(leaf, privacy=contract_tariffs.at_least_quasi(leaf.privacy))
        if site:
            leaf = replace(leaf, privacy=private_sites.site_class(leaf.privacy))
        return leaf, site

    def _contents(self, reach: Reach, rest: tuple[str, ...],
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

    def _resolution(self, reach: Reach, rest: tuple[str, ...]):
        catalogue = self.ctx.catalogue
        if reach.binding.name:
            return catalogue.resolve_in(reach.binding.object, rest)
        return catalogue.resolve(reach.binding.module, rest)

    def _names_contract(self, reach: Reach, rest: tuple[str, ...]) -> bool:
        """A tariff the dataset's charges were billed under, reached through a join or
        an `each` (the dataset's own fields resolve so in the catalogue)."""
        if not reach.binding.name:
            return False
        return contract_tariffs.joined_names_contract(
            self.module, reach.binding.module, (*reach.base, *rest))

    def _places_charge(self, reach: Reach, rest: tuple[str, ...]) -> bool:
        """A joined location's address, postal code, coordinates...: where the
        dataset's charge was made (`schema/charge_sites.py`)."""
        return bool(reach.binding.name) and charge_sites.joined_places_charge(
            self.module, reach.binding.module, (*reach.base, *rest))

    def _describes_site(self, reach: Reach, rest: tuple[str, ...]) -> bool:
        if not self.private_sites:
            return False
        sub_binding = bool(reach.binding.name) and "." in reach.binding.name
        # an `each` element sits at `base` in the record: `tariff_used.id` is `tariffs.id`
        return private_sites.describes_site(reach.binding.module, (*reach.base, *rest),
                                            sub_binding=sub_binding)

    # ---- diagnostics -----------------------------------------------------------------

    def _whole_binding(self, ref: syntax.FieldRef, reach: Reach) -> None:
        fields = list(self.ctx.catalogue.object(reach.binding.object).fields)
        self.ctx.emit(error(
            "OCX209", f"`{ref.dotted}` is a whole `{reach.binding.object}` record", ref.span,
            "not a single value", notes=[f"its fields are {backticked(fields)}"],
            help=f"select one of its fields, e.g. `{ref.dotted}.{fields[0]}`"))

    def resolves(self, path: tuple[str, ...]) -> bool:
        """Whether a path reads a field (through a binding, or of the record itself)."""
        reach, rest = self._split(path)
        if not rest:
            return False
        if reach.binding.name:
            return self.ctx.catalogue.resolve_in(reach.binding.object, rest).ok
        return self.ctx.catalogue.resolve(reach.binding.module, rest).ok

    def class_of(self, path: tuple[str, ...]) -> PrivacyClass | None:
        """The class this dataset gives the field at `path`, without resolving (touching)
        it; None where no field is there."""
        reach, rest = self._split(path)
        resolution = self._resolution(reach, rest) if rest else None
        if resolution is None or not resolution.ok or resolution.leaf is None:
            return None
        return self._in_context(reach, rest, resolution.leaf)[0].privacy

    def personal(self, path: tuple[str, ...]) -> bool:
        """Whether a path reads a personal field (a help's guess, without diagnostics)."""
        reach, rest = self._split(path)
        if not rest:
            return False
        found = self.ctx.catalogue.resolve_in(reach.binding.object, rest) \
            if reach.binding.name else self.ctx.catalogue.resolve(reach.binding.module, rest)
        return found.ok and found.fields[-1].privacy in (PrivacyClass.PERSONAL,
                                                         PrivacyClass.NEVER)

    def _check_version(self, ref: syntax.FieldRef, resolved: ResolvedField,
                       joined: str | None = None) -> None:
        version = self.ctx.version
        if version is None or version in resolved.versions:
            return
        if resolved.qualified in self._warned_versions:
            return
        self._warned_versions.add(resolved.qualified)
        present = ", ".join(sorted(resolved.versions)) or "no version"
        # a join key has no stand-in: another field does not join (OCX206)
        stand_in = None if joined else _STAND_INS.get((version, ".".join(resolved.path)))
        written = ".".join((*ref.path[:len(ref.path) - len(resolved.path)], stand_in[0])) \
            if stand_in else ""
        self.ctx.emit(warning(
            "OCX106", f"`{resolved.qualified}` is always null on OCPI {version}", ref.span,
            f"not in OCPI {version}", notes=[f"the spec pins `version {version}`; the field "
                                             f"exists in OCPI {present}"],
            help=f"{stand_in[1]}: write `{written}`, or `version auto` if the platform may "
                 "run a newer version" if stand_in else
                 f"the join finds no `{joined}` record on OCPI {version} (its fields are "
                 "empty): remove it, or write `version auto` if the platform may run a newer "
                 "version" if joined else
                 "drop it, or write `version auto` if the platform may run a newer version"))
