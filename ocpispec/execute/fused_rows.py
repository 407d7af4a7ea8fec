"""A record's row, its CSV line, its sort key and what the risk meter stores of it, in
one generated function, for the worker processes of a CSV row export in value order
(`ocpi.row_pages.fitting_row_page`).

A worker ran four functions on every record of a page that fits the strict types: the
pipeline (`Pipeline.one`, through its counting wrapper), the meter's part
(`RowRisk.beside`: the driver's hidden pair, then `row_measure`), and the key with the
line (`keyed_lines`), each reading the row's columns again. Here, where the pipeline
fuses its steps on the wire (`Pipeline._fused_record`), the private-site check (a
site's remembered verdict read inline) and the filter are called and the projection's
columns computed inline, one local each (no row made); elsewhere the row is made by the pipeline's bare record function. Each column is
read once for the key, the line and the meter's class and point, and the driver's pair
comes from the meter's memo:

    fused = fused_row(record, columns, ranks, lines, numbers, largest, meter)
    made = fused(wire)   # (key, (line, bits), part), None (no row: counted), or FALLBACK

Only the plain cases are written here (those of `keyed_lines`, a class and a point the
meter names by orjson and its memo); anything else returns FALLBACK before anything of
the record is counted or measured, and the caller takes the record through the present
functions, so the result is the same for every record. A class holding a null and a
point of texts and nulls met first are named here as `row_measure` names them; a point
of other values, or a value orjson refuses, is measured by `row_measure` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ocpispec.disclosure.risk_records import measure_env
from ocpispec.execute.keyed_lines import keyed_body
from ocpispec.execute.site_verdicts import NONE
from ocpispec.execute.value_order import Rank
from ocpispec.ocpi.row_pages import FALLBACK
from ocpispec.render.values import CsvLines
from ocpispec.generated_code import code_of


Fused = Callable[[dict], Any]


@dataclass(frozen=True, slots=True)
class MeterParts:
    """What the meter's worker part reads (`RowRisk.beside`, no k rule): the class's and
    the point's columns, the driver's reader, its memo of hidden pairs and the reader
    behind it, and the row's measure (`row_measure`) for the cases not written inline."""

    quasi: tuple[str, ...]
    points: tuple[str, ...]
    driver: Callable[[Any], Any]
    seen: dict[str, tuple[bytes, bytes, Any]]
    hidden_of: Callable[[Any], tuple[bytes, ...]]
    measure: Callable[[bytes, bytes, dict], tuple[bytes, bytes | None]]
    card: Callable[[Any], Any]  # the card a memo's pair came with (`disclosure._card_reader`)


def fused_row(bare: tuple[Callable[[dict], dict | None], Any], counts: Any,
              columns: Sequence[str], ranks: Mapping[str, Rank], lines: CsvLines,
              numbers: tuple[tuple[str, ...], tuple[str, ...]], largest: int,
              meter: MeterParts | None) -> Fused | None:
    """`bare`: the pipeline's row of a wire record without its counting wrapper, which
    counts (in `counts`) what it excludes or filters and raises for a record it cannot
    transform, and its private-site check, filter and projection on the wire or None
    (`Pipeline.bare`): with them, the columns are computed right here, no row made
    (but for the meter's rare cases). `meter`: None where no part is measured beside a
    row. None where `keyed_lines` writes no line, or the meter reads a column the rows
    lack."""
    measured = () if meter is None else (*meter.quasi, *meter.points)
    if not set(measured) <= set(columns):
        return None
    record, parts = bare
    env: dict[str, Any] = {"RECORD": record, "FALLBACK": FALLBACK, "Exception": Exception}
    inline = _inline(parts, columns, counts, env)
    at = {column: index for index, column in enumerate(columns)}
    body = keyed_body(columns, ranks, lines, numbers, largest, env, "return FALLBACK", measured,
                      *(() if inline is None else (lambda index, column: f"w{at[column]}",)))
    if body is None:
        return None
    code = ["def fused(wire):", *(inline or (
            "  try:", "    row = RECORD(wire)", "  except Exception:",
            "    return FALLBACK",  # raised again, and counted, by the present functions
            "  if row is None:", "    return None",
            "  if row.__class__ is not dict:", "    return FALLBACK")),
            "  try:", *(("    get = row.get",) if inline is None else ()), *body,
            "  except UnicodeEncodeError:", "    return FALLBACK",
            "  line = (text + END, found)"]
    row = "row" if inline is None else \
        "{" + ", ".join(f"{column!r}: w{index}" for index, column in enumerate(columns)) + "}"
    if meter is None:
        code.append("  return key, line, None")
    else:
        code += _measured(meter, [columns.index(name) for name in meter.quasi],
                          [columns.index(name) for name in meter.points], env, row)
    exec(code_of("\n".join(code) + "\n", kept=False), env)  # noqa: S102 - built from column names, written with repr
    return env["fused"]  # type: ignore[no-any-return]


def _inline(parts: Any, columns: Sequence[str], counts: Any, env: dict[str, Any]
            ) -> list[str] | None:
    """The statements of `_fused_record` with the projection's values computed into
    `w{index}`, one per column (`jmes_codegen.Source.columns`), or None where the
    projection is not a multi-select hash of exactly the columns."""
    if parts is None or (columns_of := getattr(parts[2], "columns", None)) is None:
        return None
    from ocpispec.execute.jmes_compile import is_false

    values, namespace = columns_of()
    if [key for key, _ in values] != list(columns):
        return None
    env.update({**namespace, "PUBLIC": parts[0], "WHERE": parts[1], "COUNTS": counts,
                "IS_FALSE": is_false})
    return ["  v = wire", "  try:", f"    if not {_public(parts[0], env)}:",
            "      COUNTS.excluded_private += 1", "      return None",
            "    if (kept := WHERE(v)) is not True and IS_FALSE(kept):",
            "      COUNTS.filtered += 1", "      return None",
            *(f"    w{index} = {text}" for index, (_, text) in enumerate(values)),
            "  except Exception:", "    return FALLBACK"]


def _public(public: Any, env: dict[str, Any]) -> str:
    """The private-site check of the wire record `v`: a verdict remembered by the site
    and party as sent (`pipeline_privacy`, `public_as_sent`) read here, any other case
    through `PUBLIC` itself, which finds, remembers and judges it."""
    if (sent := getattr(public, "as_sent", None)) is None:
        return "PUBLIC(v)"
    site_of, first, second, by_party = sent
    env.update({"SITE_OF": site_of, "SITES": by_party, "NO_SITES": NONE})
    return ("(pub if (pub_k := SITE_OF(v)).__class__ is str and "
            f"(pub_c := v.get({first!r})).__class__ is str and "
            f"(pub_p := v.get({second!r})).__class__ is str and "
            "(pub := SITES.get(pub_c, NO_SITES).get(pub_p, NO_SITES).get(pub_k)) is not None "
            "else PUBLIC(v))")


def _driver_pair(meter: MeterParts, env: dict[str, Any]) -> list[str]:
    """The statements that set `pair`, the driver's hidden pair: a text driver read
    here where `disclosure._plain_driver` reads it (its contract id, the usual case)
    and met before (`SEEN`); any other through `HIDDEN_OF`, which reads the same memo."""
    plain = getattr(meter.driver, "plain", None)
    if plain is None:
        env["CARD"] = meter.card
        return ["  d = DRIVER(wire)",
                "  if d.__class__ is not str or (pair := SEEN.get(d)) is None or "
                "pair[2] != CARD(wire):",
                "    pair = HIDDEN_OF(wire)"]
    nested, one_time = plain
    env["ONE_TIME"] = one_time
    return ["  t = wire.get('cdr_token')" if nested else "  t = wire",
            "  if t.__class__ is not dict or (d := t.get('contract_id')).__class__ is not str "
            "or not d or t.get('type') in ONE_TIME or (pair := SEEN.get(d)) is None "
            "or pair[2] != t.get('uid'):",
            "    pair = HIDDEN_OF(wire)"]


def _measured(meter: MeterParts, quasi: list[int], points: list[int], env: dict[str, Any],
              row: str) -> list[str]:
    """The statements that return the key, the line and the meter's part (`row_measure`
    of the driver's pair: the class digest and, with a point, its record); `row` the
    row as the code reads it."""
    env.update(measure_env() | {"DRIVER": meter.driver, "SEEN": meter.seen,
                                "HIDDEN_OF": meter.hidden_of, "MEASURE": meter.measure})
    values = "".join(f"c{index}, " for index in quasi)
    slow = f"    return key, line, MEASURE(pair[0], pair[1], {row})"
    # a class with a null is named by `class_key`, as `row_measure` names it
    code = [*_driver_pair(meter, env),
            f"  values = ({values})",
            "  try:", "    named = DUMPS(values, option=JSON_ONLY)",
            "  except TypeError:", slow,
            "  if b'null' in named:", "    member = DIGEST(CLASS_KEY(values).encode()) + pair[0]",
            "  else:", "    digest = JSON_NAMES.copy()", "    digest.update(named)",
            "    member = digest.digest() + pair[0]"]
    if not points:
        return [*code, "  return key, line, (member, None)"]
    point = "".join(f"c{index}, " for index in points)
    # a point met first is named and remembered here as `row_measure` does it
    return [*code, f"  point = ({point})", "  try:", "    name = POINT_NAMES.get(point)",
            "  except TypeError:", slow,
            "  if name is None:", "    if not TEXT_OR_NULL.issuperset(map(type, point)):", "  " + slow,
            "    if len(POINT_NAMES) >= POINTS_HELD:", "      POINT_NAMES.clear()",
            "    text = repr(point).encode()",
            "    name = POINT_NAMES[point] = (text, BLAKE2B(text, digest_size=16).digest())",
            "  ranking = RANKING.copy()", "  ranking.update(pair[1] + name[0])",
            "  rank = TO_INT(ranking.digest(), 'big') >> 1",
            "  return key, line, (member, name[1] + pair[0] + rank.to_bytes(8, 'big'))"]
