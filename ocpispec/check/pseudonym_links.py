"""How a consumer joins the files of one delivery: on the pseudonyms they share.

One value has one pseudonym in every dataset of a delivery, so two files releasing it
join on it; and a file of (session, CDR) pairs, or of tokens with their card and
contract, joins two files that share no pseudonym with each other. `linked_files`
follows shared pseudonyms from one file to every file reachable that way, by the
shortest way: the k rules (`linked_k_rules.py`) and the filters (`linked_filters.py`)
of linked files are judged together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.public_pseudonyms import released_pseudonyms, same_value
from ocpispec.frozen import frozen
from ocpispec.language import syntax

Rows = list[tuple[CheckedDataset, str]]


@frozen
class Link:
    """How the consumer joins another file to a start file: the pseudonym of each join
    (`session`, then `cdr`) and the files joined on the way (none: directly)."""

    pseudonyms: tuple[str, ...]
    through: tuple[str, ...]

    def beside(self) -> str:
        if not self.through:
            return f"beside the same `{self.pseudonyms[0]}`"
        return f"linked to it through {names(self.through)}"

    def joined_on(self) -> str:
        if not self.through:
            return f"joins the two files on `{self.pseudonyms[0]}`"
        return (f"joins the files on {' then '.join(f'`{p}`' for p in self.pseudonyms)}, "
                f"through {names(self.through)}")

    def unlinked(self, both: str) -> str:
        """How the spec breaks the link; `both`: the two files, as the help names them."""
        if not self.through:
            return f"`{self.pseudonyms[0]}` in one of {both} only"
        shown = " or ".join(f"`{p}`" for p in self.pseudonyms)
        return f"{shown} in only one of the datasets that share it"


def row_datasets(datasets: Sequence[CheckedDataset | None], dataset_names: Sequence[str]
                 ) -> Rows:
    """The row datasets (no `group by`) that checked, with their names."""
    return [(dataset, name) for dataset, name in zip(datasets, dataset_names)
            if dataset is not None and isinstance(dataset.dataset.body, syntax.Select)]


def released_by(rows: Rows, ctx: Context) -> dict[int, list]:
    """The pseudonym columns of each row dataset, by the dataset's id()."""
    return {id(dataset): list(released_pseudonyms(dataset, name, ctx)) for dataset, name in rows}


def linked_files(start: CheckedDataset, rows: Rows, released: dict[int, list]
                 ) -> Iterator[tuple[CheckedDataset, str, Link]]:
    """Every other row dataset a consumer joins to `start` on shared pseudonyms, directly
    or through other files (a file of (session, CDR) pairs joins a file of sessions to
    one of CDRs), with the shortest way, in the spec's order at each step."""
    reached = {id(start): Link((), ())}
    frontier = [start]
    while frontier:
        following = []
        for dataset in frontier:
            way = reached[id(dataset)]
            hop = () if dataset is start else (_name_of(dataset, rows),)
            for other, there in rows:
                if id(other) in reached:
                    continue
                shared = next((p for p in released[id(dataset)] for q in released[id(other)]
                               if same_value(p, q)), None)
                if shared is None:
                    continue
                link = Link(way.pseudonyms + (shared.column.name,), way.through + hop)
                reached[id(other)] = link
                following.append(other)
                yield other, there, link
        frontier = following


def _name_of(dataset: CheckedDataset, rows: Rows) -> str:
    return next(name for candidate, name in rows if candidate is dataset)


def names(files: tuple[str, ...]) -> str:
    return " and ".join(f"`{name}`" for name in files)
