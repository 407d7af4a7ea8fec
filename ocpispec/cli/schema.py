"""`ocpispec schema [MODULE]`: the OCPI fields a spec can use, with privacy classes."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from ocpispec.schema import MODULES, VERSIONS, catalogue
from ocpispec.schema.joins import JoinSpec
from ocpispec.schema.reference import FieldInfo, describe

CARDINALITY = {(False, True): "1", (False, False): "?", (True, False): "*", (True, True): "+"}
PRIVACY = {"PUBLIC": "public", "QUASI": "quasi", "PERSONAL": "personal", "NEVER": "never"}
LEGEND = """\
privacy: public    may be exported as is
         quasi     quasi-identifier: times, energy, places and costs of a driver
         personal  identifies a driver, card, contract or record: pseudonymise or get an allowance
         never     may not leave at all, not even with an allowance
         An object has the highest class among its fields; the object holding a field can
         raise its class (coordinates are public in a location, quasi in a CDR and in
         a location joined to a session or CDR, as are the site's ids and a tariff's
         prices there). In a dataset with `include private locations`, every field that
         describes the site is personal.
card:    1 required, ? optional, * list, + non-empty list"""


@click.command("schema")
@click.argument("module", required=False, type=click.Choice(MODULES, case_sensitive=False),
                metavar="[MODULE]")
@click.option("--version", "version", type=click.Choice(VERSIONS),
              help="Show only the fields OCPI VERSION carries, with its wire names.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--docs", is_flag=True, help="Add a one-line description under each field.")
def schema(module: str | None, version: str | None, fmt: str, docs: bool) -> None:
    """List the OCPI fields a spec can use, with privacy classes.

    Without MODULE, list the modules. With MODULE (sessions, cdrs, locations,
    tariffs, tokens), print its fields as a tree in version-neutral names (the
    OCPI 2.2.1/2.3.0 names, which work on every version): type, cardinality,
    privacy class at that place, the versions that carry the field, and the wire
    name where a version calls it differently.

    \b
    Examples:
      ocpispec schema
      ocpispec schema sessions
      ocpispec schema cdrs --version 2.1.1 --docs
      ocpispec schema locations --format json
    """
    if module is None:
        click.echo(_modules_json() if fmt == "json" else _modules_text())
        return
    rows = [row for row in describe(catalogue(), module)
            if version is None or version in row.versions]
    click.echo(_fields_json(module, version, rows) if fmt == "json"
               else _fields_text(module, version, rows, docs))


def _modules_text() -> str:
    cat = catalogue()
    lines = [f"{'MODULE':<10} {'OBJECT':<9} {'FIELDS':>6}  JOINS (target as alias)"]
    for module in MODULES:
        joins = _join_words(cat.joins(module))
        count = len(describe(cat, module))
        lines.append(f"{module:<10} {cat.root(module).name:<9} {count:>6}  {joins}")
    lines += ["", f"Field names are version-neutral and work on OCPI {_and(VERSIONS)}.",
              "Run `ocpispec schema MODULE` for the fields of a module and their privacy classes."]
    return "\n".join(lines)


def _join_words(joins: tuple[JoinSpec, ...]) -> str:
    """`target as alias` of each join; with the key it is written on where one module is
    joined two ways (a record's tariff, and a charging period's)."""
    twice = {join.target for join in joins if sum(other.target == join.target for other in joins) > 1}
    return ", ".join(f"{join.target} as {join.alias}" + (f" on {_written_key(join)}" if join.target in twice else "")
                     for join in joins) or "-"


def _written_key(join: JoinSpec) -> str:
    """The key as a spec writes it: on the `each` element (`period.tariff_id`) or the record."""
    return f"{join.element_name}.{join.local_key[-1]}" if join.element_name else ".".join(join.local_key)


def _modules_json() -> str:
    cat = catalogue()
    modules = [{"module": m, "object": cat.root(m).name, "fields": len(describe(cat, m)),
                "joins": [{"target": j.target, "alias": j.alias, "local_key": ".".join(j.local_key),
                           "remote_key": ".".join(j.remote_key)} for j in cat.joins(m)]}
               for m in MODULES]
    return json.dumps({"versions": list(VERSIONS), "modules": modules}, indent=2)


def _fields_text(module: str, version: str | None, rows: Sequence[FieldInfo],
                 docs: bool) -> str:
    width = max(len(_indented(row)) for row in rows) + 2
    type_width = max(len(_type(row)) for row in rows) + 2
    head = f"{'FIELD':<{width}}{'TYPE':<{type_width}}{'CARD':<6}{'PRIVACY':<10}"
    head += "WIRE NAME" if version else f"{'VERSIONS':<13}WIRE NAME"
    lines = [_title(module, version), "", head]
    for row in rows:
        line = (f"{_indented(row):<{width}}{_type(row):<{type_width}}{_card(row):<6}"
                f"{_privacy(row):<10}")
        if version is None:
            line += f"{_versions(row.versions):<13}"
        line += row.wire.get(version, "") if version else _wire_names(row)
        lines.append(line.rstrip())
        if docs:
            lines.append("  " * len(row.path) + row.field.doc)
    return "\n".join([*lines, "", LEGEND])


def _wire_names(row: FieldInfo) -> str:
    """Per version, where the field is read from; once, where every version reads it alike."""
    if tuple(row.wire) == VERSIONS and len(set(row.wire.values())) == 1:
        return f"all: {row.wire[VERSIONS[0]]}"
    return "; ".join(f"{v}: {w}" for v, w in row.wire.items())


def _title(module: str, version: str | None) -> str:
    root = catalogue().root(module).name
    if version:
        return (f"{module}: {root} fields as read from OCPI {version}, "
                "in version-neutral names")
    return f"{module}: {root} fields in version-neutral names (OCPI {_and(VERSIONS)})"


def _fields_json(module: str, version: str | None, rows: Sequence[FieldInfo]) -> str:
    fields = [{"path": ".".join(row.path), "type": _type(row), "kind": row.field.kind.value,
               "cardinality": _card(row), "privacy": _privacy(row),
               "versions": list(row.versions),
               "wire": {v: w for v, w in row.wire.items() if version in (None, v)},
               "doc": row.field.doc} for row in rows]
    return json.dumps({"module": module, "object": catalogue().root(module).name,
                       "version": version, "fields": fields}, indent=2)


def _indented(row: FieldInfo) -> str:
    return "  " * (len(row.path) - 1) + row.path[-1]


def _type(row: FieldInfo) -> str:
    return row.field.enum or row.field.object or row.field.kind.value


def _card(row: FieldInfo) -> str:
    return CARDINALITY[(row.field.many, row.field.required)]


def _privacy(row: FieldInfo) -> str:
    return PRIVACY[row.field.privacy.name]


def _versions(versions: Sequence[str]) -> str:
    return "all" if tuple(versions) == VERSIONS else " ".join(versions)


def _and(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)
