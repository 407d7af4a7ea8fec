"""Row datasets kept by different filters, linked through a third file (OCX333).

`check/differencing.py` warns of two row datasets that release one pseudonym under
different filters: whether a record is in each file tells the consumer which filter its
hidden values pass. A consumer joins through other files too: sessions of 20 kWh or more
released with their card's pseudonym, every session with its contract's, and a file of
tokens pairing each card with its contract. The two sessions files share no pseudonym,
yet joined through the tokens each driver's sessions rounded to 20 kWh are told to lie
above or below 20. Every file reachable over shared pseudonyms is compared
(`pseudonym_links.py`), by the shortest way.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.dataset_differences import differ_by_filter
from ocpispec.check.differencing import anchor, linked_directly
from ocpispec.check.pseudonym_links import Link, linked_files, released_by, row_datasets
from ocpispec.diagnostics import Diagnostic, Label, Severity


def check_linked_filters(datasets: Sequence[CheckedDataset | None], names: Sequence[str],
                         ctx: Context) -> None:
    """`datasets` as the spec lists them (None for one that failed), `names` theirs.
    One warning per dataset, as `check_differencing` gives, and none where it gave one."""
    rows = row_datasets(datasets, names)
    released = released_by(rows, ctx)
    for index, (later, name) in enumerate(rows):
        links = {id(other): (there, link)
                 for other, there, link in linked_files(later, rows, released)}
        for earlier, _ in rows[:index]:
            if linked_directly(earlier, later, ctx):
                break
            there, link = links.get(id(earlier), ("", None))
            if link is not None and link.through and differ_by_filter(earlier, later, ctx):
                ctx.emit(_warn(earlier, there, later, name, link))
                break


def _warn(first: CheckedDataset, first_name: str, second: CheckedDataset, second_name: str,
          link: Link) -> Diagnostic:
    modules = first.module if first.module == second.module else \
        f"{first.module}` and `{second.module}"
    return Diagnostic(
        "OCX333", Severity.WARNING,
        f"two datasets of `{modules}` under different filters are linked by pseudonyms "
        f"through {_files(link)}",
        (Label(anchor(second), f"a different filter on non-public fields than `{first_name}`"),
         Label(anchor(first), f"`{first_name}`, joined to `{second_name}` through "
                              f"{_files(link)}", False)),
        notes=[f"one value has one pseudonym in every dataset of a delivery: the consumer "
               f"{link.joined_on()}, and whether a record or driver of `{second_name}` is in "
               f"`{first_name}` tells which filter its hidden values pass",
               "many such datasets narrow a value down past its generaliser: ranges of `kwh` "
               "give the exact energy behind `round(kwh, 0)`"],
        help=f"release the rows once, with the filtered field generalised as a column, or "
             f"release {link.unlinked('them')} (two exports to the consumer never share "
             "pseudonyms)")


def _files(link: Link) -> str:
    return " and ".join(f"`{name}`" for name in link.through)
