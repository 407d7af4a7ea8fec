"""The joins of a dataset: each to a module its records can join, on a key that joins
them, under a name no field or other join has; a join that fails its check leaves its
name broken in the scope, so a column reading it is not reported again."""

from __future__ import annotations

from ocpispec.check.checked import Binding, CheckedJoin
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.element_fields import ELEMENT_NAMES, unbound_help
from ocpispec.diagnostics import Diagnostic, Label, Severity, error
from ocpispec.language import syntax
from ocpispec.schema.joins import JOINS
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from ocpispec.check.scope import Scope


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
    local = scope.resolve(join.key, joined=target) if spec is not None else None
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


def _lacking_version(specs, module: str, ctx: Context) -> str | None:
    """The pinned OCPI version when the record lacks every key that joins it there."""
    version = ctx.version
    if version is None or any(version in ctx.catalogue.versions_of(module, spec.local_key)
                              for spec in specs):
        return None
    return version


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
