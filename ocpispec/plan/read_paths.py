"""What a dataset reads of each module's records: the neutral paths its normalizers keep,
in catalogue order, and the sub-bindings of its joins that it reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ocpispec.check.checked import CheckedDataset, CheckedEach, CheckedJoin
from ocpispec.plan import columns as cols
from ocpispec.plan import ir
from ocpispec.plan import sample as sampling
from ocpispec.plan.drivers import DRIVER_PATHS
from ocpispec.plan.privacy_step import HOME_CHARGING, LOCATION_KEYS, TARIFF_SITES, \
    checks_locations
from ocpispec.schema import catalogue
from ocpispec.schema.joins import PARTY

Path = tuple[str, ...]


def fact_paths(checked: CheckedDataset, moment: str | None) -> list[Path]:
    """The paths of the dataset's own module; `moment`: the time that puts each pseudonym
    in its period (None: pseudonyms have no period)."""
    module = checked.module
    paths = [field.path for field in checked.touched if field.binding == ""]
    paths += [path for each in checked.eaches for path in _element_paths(checked, each)]
    paths += [each.parent_end for each in checked.eaches if each.parent_end]
    paths += [(*join.local_key.base, *join.local_key.path) for join in checked.joins]
    paths += [path for join in checked.joins for path in join.local_party]
    if moment:
        paths.append((moment,))
    paths += [sub.local_key for join in checked.joins for sub in sub_bindings(checked, join)]
    if checks_locations(checked):
        paths.append(LOCATION_KEYS.get(module, ("id",)))
        paths += PARTY
        if module in HOME_CHARGING:
            paths.append(HOME_CHARGING[module][1])
    if module == "locations" and not checked.include_private:
        paths.append(("publish",))
    if checked.is_aggregate and module in DRIVER_PATHS:
        paths += DRIVER_PATHS[module]
    if (sample := sampling.sample_of(checked.dataset.source)) is not None:
        paths += sampling.key_paths(module, sample)
    return paths


def element_fields(checked: CheckedDataset, alias: str) -> tuple[Path, ...]:
    """The fields of an `each` element the dataset reads (derived ones excluded)."""
    return tuple(field.path for field in checked.touched if field.binding == alias)


def _element_paths(checked: CheckedDataset, each: CheckedEach) -> list[Path]:
    return [(*each.base, *path) for path in element_fields(checked, each.alias)]


def dimension_paths(checked: CheckedDataset, module: str) -> list[Path]:
    """The paths of a module the dataset joins, or looks locations up in."""
    paths: list[Path] = []
    for join in (j for j in checked.joins if j.module == module):
        paths.append(join.remote_key)
        paths += join.remote_party
        subs = sub_bindings(checked, join)
        lists = {sub.name: sub.items for sub in subs}
        for sub in subs:
            paths.append((*sub.items, *sub.item_key))
        for field in checked.touched:
            if field.binding == join.alias:
                paths.append(field.path)
            elif field.binding in lists:
                paths.append((*lists[field.binding], *field.path))
    if module == "locations" and checks_locations(checked):
        paths += [TARIFF_SITES if checked.module == "tariffs" else ("id",), ("publish",), *PARTY]
    return paths


def sub_bindings(checked: CheckedDataset, join: CheckedJoin) -> tuple[ir.SubBinding, ...]:
    """The join's sub-bindings the spec reads (`location.connector` needs
    `location.evse` to find it; an unread EVSE is not looked for)."""
    specs = {spec.target: spec for spec in catalogue().joins(checked.module)}
    spec = specs.get(join.module)
    if spec is None:
        return ()
    subs, parent = [], join.alias
    for sub in spec.sub_bindings:
        name = f"{join.alias}.{sub.name}"
        subs.append(ir.SubBinding(name, parent, sub.list_path, sub.match_field, sub.local_key))
        parent = name
    read = {field.binding for field in checked.touched}
    for sub in reversed(subs):
        if sub.name in read:
            read.add(sub.parent)
    return tuple(sub for sub in subs if sub.name in read)


def catalogue_order(module: str, paths: Iterable[Sequence[str]]) -> list[Path]:
    """Unique paths in catalogue order (so the plan does not depend on spec order)."""
    wanted = {tuple(path) for path in paths}
    order = {path: index for index, (path, _) in enumerate(cols.leaf_fields(module))}
    return sorted(wanted, key=lambda path: (_rank(order, path), path))


def _rank(order: dict[Path, int], path: Path) -> int:
    matches = [index for leaf, index in order.items() if leaf[: len(path)] == path]
    return min(matches) if matches else len(order)
