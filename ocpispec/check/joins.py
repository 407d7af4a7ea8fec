"""The joins of a dataset: each to a module its records can join, on a key that joins
them, under a name no field or other join has; a join that fails its check leaves its
name broken in the scope, so a column reading it is not reported again."""

from __future__ import annotations

from ocpispec.check.checked import Binding, CheckedJoin
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.element_fields import ELEMENT_NAMES, unbound_help
from ocpispec.diagnostics import Diagnostic, Label, Severity, error, warning
from ocpispec.language import syntax
from ocpispec.schema import tariff_prices
from ocpispec.schema.joins import JOINS
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from ocpispec.check.scope import Scope


def check_joins(dataset: syntax.From, scope: Scope, modules: tuple[str, ...],
                ctx: Context, earlier: list[CheckedJoin] | None = None) -> list[CheckedJoin]:
    """The joins on the record (`earlier` None), or, once the `each` clauses are bound,
    those on an element (`join tariffs on connector.tariff_ids`) after the `earlier` ones."""
    checked: list[CheckedJoin] = []
    aliases: dict[str, syntax.Join] = {item.alias: item.join for item in earlier or ()}
    for join in dataset.joins:
        if on_element(join, dataset, scope.module, ctx) != (earlier is not None):
            continue
        result = _check_join(join, dataset, scope, modules, ctx)
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
        if item.module == "tariffs":
            _add_prices(item.alias, scope)
        checked.append(item)
    return checked


def _add_prices(alias: str, scope: Scope) -> None:
    """A joined tariff's prices (`tariff.energy_price`, ...: `schema.tariff_prices`), of
    the class its prices have in this dataset; `alias` "" for a tariffs dataset's own
    (`from tariffs select energy_price`, what a regulator asks of each tariff)."""
    privacy = scope.class_of((*filter(None, (alias,)), "elements", "price_components",
                              "price"))
    if privacy is None:
        return
    for name in tariff_prices.PRICES:
        reads = tuple((*filter(None, (alias,)), *read) for read in tariff_prices.READS)
        scope.derived[(*filter(None, (alias,)), name)] = (alias, (name,),
                                                          tariff_prices.price_field(
                                                              name, privacy), reads)


def add_own_prices(scope: Scope) -> None:
    """A tariffs dataset's own prices, as a joined tariff has them."""
    if scope.module == "tariffs":
        _add_prices("", scope)


def on_element(join: syntax.Join, dataset: syntax.From, module: str, ctx: Context) -> bool:
    """Whether the join's key is read from an `each` element of the dataset, or its
    module is joined on one only (its help then names the `each` the dataset has)."""
    if len(join.key.path) > 1 and \
            any(each.alias.name == join.key.path[0] for each in dataset.eaches):
        return True
    specs = [spec for spec in ctx.catalogue.joins(module) if spec.target == join.module.name]
    return bool(specs) and all(spec.element_list for spec in specs)


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


def _check_join(join: syntax.Join, dataset: syntax.From, scope: Scope, modules,
                ctx: Context):
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
    spec = _join_spec(join, _unnested(dataset), scope, ctx)
    local = scope.resolve(join.key, joined=target) if spec is not None else None
    if local is None:
        return None
    element = join.key.path[0] if spec.element_list else ""
    alias = join.alias.name if join.alias else spec.alias
    bindings = [Binding(alias, target, ctx.catalogue.root(target).name)]
    sub_paths = {}
    for sub in spec.sub_bindings:
        bindings.append(Binding(f"{alias}.{sub.name}", target, sub.object))
        sub_paths[f"{alias}.{sub.name}"] = sub.list_path
    return CheckedJoin(join, target, alias, local, spec.remote_key, tuple(bindings),
                       spec.local_party, spec.remote_party, element), sub_paths


def _unnested(dataset: syntax.From) -> dict[tuple[str, ...], str]:
    """The record's own lists the dataset's `each` clauses unnest, with their names."""
    return {each.path.path: each.alias.name for each in dataset.eaches}


def _join_spec(join: syntax.Join, unnested: dict[tuple[str, ...], str], scope: Scope,
               ctx: Context):
    """The catalogue's JoinSpec for this join, or None after a diagnostic. Of a module
    joined on the record and on an element of one of its lists (a session's tariffs: the
    first period's, or each period's), the element's when an `each` unnests that list."""
    target = join.module.name
    specs = [spec for spec in ctx.catalogue.joins(scope.module) if spec.target == target]
    if not specs:
        ctx.emit(_no_join(join, scope.module, ctx.catalogue.joins(scope.module)))
        return None
    written = _written_key(join, scope)
    if written is None:
        return None  # its `each` is already an error
    spec = next((s for s in specs if s.local_key == written[0]
                 and bool(s.element_list) == written[1]), None)
    listed = next((s for s in specs if s.element_list and (
        s.element_list in unnested or all(other.element_list for other in specs)
        or join.key.path[0] == s.element_name)), None)
    if spec is None and listed is not None:
        ctx.emit(_element_key_help(join, listed, unnested.get(listed.element_list), scope))
        return None
    if spec is not None and listed is not None and not spec.element_list and \
            spec.local_key == listed.local_key:
        ctx.emit(first_element_join(join, listed, unnested[listed.element_list]))
    if spec is None:
        keys = list(dict.fromkeys(".".join(s.local_key) for s in specs if not s.element_list))
        lacking = _lacking_version(specs, scope.module, ctx)
        ctx.emit(error("OCX206", f"`{join.key.dotted}` cannot join `{scope.module}` to "
                       f"`{target}`", join.key.span, "not a join key",
                       notes=[f"`{target}` records are found by {backticked(keys)}" + (
                           f", which OCPI {lacking} `{scope.module}` lack: on OCPI {lacking} "
                           f"no join reaches `{target}`" if lacking else "")],
                       help=f"remove the join, or write `version auto` (and `join {target} "
                            f"on {keys[0]}`) if the platform may run a newer version"
                       if lacking else f"write `join {target} on {keys[0]}`"))
    return spec


def first_element_join(join: syntax.Join, spec, name: str) -> Diagnostic:
    """A record's join on the first element of a list its `each` (naming the elements
    `name`) unnests: every row gets the first element's record, not its own (OCX323)."""
    target, base = join.module.name, spec.element_list
    key = ".".join(spec.local_key[len(base):])
    one = target.rstrip("s")
    return warning("OCX323", f"`{join.key.dotted}` joins the {one} of the first "
                   f"{spec.element_name} to every row", join.key.span,
                   f"the first {spec.element_name}'s, in every row",
                   notes=[f"`each {'.'.join(base)}` makes one row per {spec.element_name}, and "
                          f"each names its own {one} (`{name}.{key}`): a {spec.element_name} "
                          f"under another {one} would be counted under the first one's"],
                   help=f"write `join {target} on {name}.{key}`")


def _written_key(join: syntax.Join, scope: Scope) -> tuple[tuple[str, ...], bool] | None:
    """The key as a path in the record, and whether an `each` element holds it; None when
    that `each` failed its own check."""
    path = join.key.path
    reach = scope.reach_of(path[0]) if len(path) > 1 else None
    if reach is not None and reach[0].module == scope.module and reach[1]:
        return (*reach[1], *path[1:]), True
    if path[0] in scope.broken:
        return None
    return path, False


def _element_key_help(join: syntax.Join, spec, named: str | None, scope: Scope
                      ) -> Diagnostic:
    """A key that is not the element's (`tariff_ids` of the record, `evses.connectors.
    tariff_ids` without `each`): the `each` clauses and the join to write. `named`: the
    name an `each` of the dataset gives the elements, if one unnests their list."""
    target, base = join.module.name, spec.element_list
    name = scope.element_named(base) or named
    key = ".".join(spec.local_key[len(base):])
    unnest = "" if name else f"{spec.unnesting} and "
    return error("OCX206", f"`{join.key.dotted}` cannot join `{scope.module}` to `{target}`",
                 join.key.span, "not a join key",
                 notes=[f"`{target}` are named by each element of `{'.'.join(base)}` (its "
                        f"`{key}`): the join gives one row per {spec.element_name} and "
                        f"{target.rstrip('s')}"],
                 help=f"write {unnest}`join {target} on {name or spec.element_name}.{key}`")


def _lacking_version(specs, module: str, ctx: Context) -> str | None:
    """The pinned OCPI version when the record lacks every key that joins it there."""
    version = ctx.version
    if version is None or any(version in ctx.catalogue.versions_of(module, spec.local_key)
                              for spec in specs):
        return None
    return version


def _no_join(join: syntax.Join, module: str, specs) -> Diagnostic:
    target = join.module.name
    choices = [_choice(s) for s in specs]
    own_block = (f"export `{target}` in a `from {target}` block of its own (a spec may "
                 "hold several datasets)")
    notes = [f"`{module}` can join " + ", ".join(choices) if choices
             else f"`{module}` has no joins"]
    return error("OCX102", f"`{module}` cannot be joined to `{target}`",
                 join.module.span, "no join between these modules", notes=notes,
                 help=("join one of the modules listed above, or " if choices else "")
                 + own_block)


def _choice(spec) -> str:
    after = f" (after {spec.unnesting})" if spec.unnesting else ""
    return f"`{spec.target}` on `{spec.written_key}`{after}"
