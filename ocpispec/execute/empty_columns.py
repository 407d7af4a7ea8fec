"""Released columns that no written row holds a value in.

An optional OCPI field a platform never sends (a location's `state`, a connector's
`tariff_ids` on some platforms) makes a column that is empty in every row: a file of
blanks the consumer takes for data, and a group key that splits nothing (every record
in one group, labelled empty). The run says so, naming the fields the column reads.
An empty text counts as no value: every output releases it as missing
(`writers.empty_texts_as_null`), so a column of `""` (a JMESPath `join` of a list the
platform never fills, `join(',', parking_restrictions || `[]`)`) is as empty as one of
nulls.
Measures are left out: a cell of one may be withheld on purpose (too few contributors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping

from ocpispec.plan import ir
from ocpispec.generated_code import code_of

# what a released cell holds when it holds nothing: null, or a text released as missing
_NO_VALUE = ("", None)
_INDEX = re.compile(r"\[[^\]]*\]")


class EmptyColumns:
    """Watches the rows on their way to the writer; `warnings()` once they are written."""

    def __init__(self, dataset: ir.Dataset) -> None:
        self.columns = {column.name: column for column in dataset.released_columns
                        if column.sources}
        self.grouped = dataset.step(ir.Aggregate) is not None
        # where each element alias sits in the record (`hint` of `each directions as hint`:
        # `directions`), as the guards name what they null
        self.elements = {each.alias: (each.parent, each.items) for each in dataset.all(ir.Unnest)}
        self.pending = set(self.columns)
        self.written = False

    def watch(self, rows: Iterable[dict]) -> Iterator[dict]:
        """A row a worker rendered (a tuple, `DatasetOutput.rendered_beside`) says which
        columns it fills in its second item, a bit per column in the order of `filled`."""
        pending, rows = self.pending, iter(rows)
        names = tuple(self.columns)
        for row in rows:
            self.written = True
            if row.__class__ is tuple:
                bits = row[1]  # type: ignore[index]
                pending.difference_update([name for at, name in enumerate(names)
                                           if bits >> at & 1])
            else:
                pending.difference_update([name for name in pending
                                           if row.get(name) not in _NO_VALUE])
            yield row
            if not pending:
                break
        yield from rows  # every column seen filled (soon, on real data): rows pass as they are

    def saw(self, rows: int, bits: int) -> None:
        """`watch` for `rows` rows seen before they are sorted, every one of them to be
        written, which together fill the columns of `bits` (as `filled` gives them)."""
        self.written = self.written or rows > 0
        names = tuple(self.columns)
        self.pending.difference_update([name for at, name in enumerate(names) if bits >> at & 1])

    def filled(self) -> Callable[[dict], int]:
        """The columns a row fills, as the bits `watch` reads: computed beside the row by
        a worker, which sends it rendered (`DatasetOutput.rendered_beside`)."""
        # one straight-line test per column (statements: no nesting, however many
        # columns): a loop over the names cost a worker a tenth of a row's rendering
        lines = ["def bits(row):", "    get = row.get", "    found = 0",
                 *(f"    if get({name!r}) not in ('', None): found |= {1 << at}"
                   for at, name in enumerate(self.columns)), "    return found", ""]
        env: dict[str, Callable[[dict], int]] = {}
        exec(code_of("\n".join(lines), kept=False), env)  # noqa: S102 - column names through repr
        return env["bits"]

    def warnings(self, said: Iterable[str] = (), unjoined: frozenset[str] | set[str] =
                 frozenset(), nulled: Mapping[str, int] | None = None) -> list[str]:
        """One line per column empty in every row written; none when no row was (the
        run says that already), nor for a column `said` already names (a field the
        platform's OCPI version does not have) or one read only through a join whose
        key this version lacks (`unjoined` aliases: the run names the join). `nulled`:
        the dataset's invalid fields (`module.path (reason)`: values the wire reader or
        a privacy guard read as null), whose fields the line names as emptied by ocpispec,
        not left out by the platform."""
        if not self.written:
            return []
        named = tuple(said)
        emptied = _emptied(nulled or {})
        found = []
        for name in sorted(self.pending, key=list(self.columns).index):
            sources = self.columns[name].sources
            if any(line.startswith(f"column `{name}` ") for line in named) or all(
                    source.partition(".")[0] in unjoined for source in sources):
                continue
            line = f"column `{name}` is empty in every row: " + _why(
                sources, emptied, self.in_record)
            if self.grouped:
                line += "; as a group key it splits no group"
            found.append(line)
        return found


    def in_record(self, source: str) -> str:
        """A source at its path in the record: an element alias's field (`hint.text`) at
        the list it unnests (`directions.text`), through the aliases it sits in."""
        alias, dot, rest = _plain(source).partition(".")
        seen = set()
        while alias in self.elements and alias not in seen:
            seen.add(alias)
            parent, items = self.elements[alias]
            rest = ".".join((*items, rest) if rest else items)
            alias, dot, rest = (parent, ".", rest) if parent else ("", "", rest)
        return f"{alias}{dot}{rest}" if alias else rest


def _plain(path: str) -> str:
    """A path without its list indexes (`evses[0].uid`, `evses[].uid`: `evses.uid`)."""
    return _INDEX.sub("", path).strip()


def _emptied(nulled: Mapping[str, int]) -> dict[str, list[str]]:
    """The reasons of the values read as null, by their path in the record (`location.name`,
    the dataset's module left off: sources are written without it)."""
    found: dict[str, list[str]] = {}
    for key in nulled:
        path, _, reason = key.partition(" (")
        reasons = found.setdefault(_plain(path.partition(".")[2]), [])
        if reason.removesuffix(")") not in reasons:
            reasons.append(reason.removesuffix(")"))
    return found


def _reasons_of(path: str, emptied: dict[str, list[str]]) -> list[str]:
    """Why ocpispec read the field at `path` in the record, or a field holding it, as
    null ([]: it never did)."""
    return [reason for at, reasons in emptied.items()
            if path == at or path.startswith(at + ".") for reason in reasons]


def _why(sources: list[str], emptied: dict[str, list[str]],
         in_record: Callable[[str], str]) -> str:
    """Who emptied the column's fields: ocpispec, for each it read as null (a value the
    platform sent but a guard withheld, or one of the wrong type), else the platform."""
    said, left = [], []
    for source in sources:
        reasons = _reasons_of(in_record(source), emptied)
        if reasons:
            said.append(f"ocpispec emptied `{source}` " + ", or ".join(map(_where, reasons)))
        else:
            left.append(f"`{source}`")
    if not said:
        return (f"no record read gave it a value (it reads {', '.join(left)}, which the "
                "platform leaves out)")
    text = "; ".join(said) + " (counted under `invalid fields`)"
    if left:
        text += f"; the platform leaves out {', '.join(left)}"
    return text


def _where(reason: str) -> str:
    """A reason as a clause: `text with an e-mail address in it`, where it held an e-mail
    address; `not a number`, where it was not a number."""
    if reason.startswith("text with ") and reason.endswith(" in it"):
        return f"where it held {reason.removeprefix('text with ').removesuffix(' in it')}"
    return f"where it was {reason}"
