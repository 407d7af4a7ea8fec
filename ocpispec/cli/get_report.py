"""What `ocpispec get` says on stderr beside the objects: the warnings of an output that
holds personal data, the exit for objects lost, and the summary of what was released,
withheld and left out."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import click

from ocpispec.cli.get_withheld import PRIVATE_SITE, PRIVATE_TARIFF, charge_withheld, \
    embedded_withheld, private_form_withheld, released_by_pass
from ocpispec.ocpi.console import show_diagnostic
from ocpispec.ocpi.privacy_pass_paths import opened_identifiers
from ocpispec.ocpi.release import Release
from ocpispec.ocpi.site_details import opened_site_details
from ocpispec.ocpi.stats import FetchStats
from ocpispec.schema.own_ids import OWN_ID_IN_TEXT
from ocpispec.schema.records import split_unusual
from ocpispec.text import count

GET_NOTE = "the objects on stdout are those that arrived intact; the others are missing from it"
PRIVATE_WARNING = ("warning: `--include-private` prints private sites, their own tariffs and "
                   "the sessions and CDRs there:\nthis output contains personal data; handle "
                   "it as such\n")
OPEN_ALL_WARNING = ("warning: `--privacy-pass .` opens EVERY field: this output contains personal data\n"
                    "  (card uids, contract ids, session times, home addresses). Do not share it.\n")
IDENTIFIERS_WARNING = (
    "warning: `--privacy-pass {paths}` opens personal identifiers: this output contains\n"
    "  personal data (card uids, contract ids or record ids, unpseudonymised, or a site's\n"
    "  directions, owner or pictures). Do not share it.\n")
PRIVATE_FORM_WARNING = (
    "warning: `--privacy-pass {paths}` with `--include-private` releases these fields of\n"
    "  private sites, of a home's own tariffs and of the charges there, which their private\n"
    "  form withholds: this output contains personal data. Do not share it.\n")
SITE_DETAILS_WARNING = (
    "warning: `--privacy-pass {paths}` opens the details of PRIVATE sites: this output contains\n"
    "  personal data (at a home charger they are the owner's address, linked to the record).\n"
    "  Do not share it.\n")


def warn_opened(module: str, version: str, open_paths: frozenset[str],
                include_private: bool = False) -> None:
    """The loud warnings of `--privacy-pass`: everything, personal identifiers, a private
    site's details, and with `--include-private` what else it opens of the private
    form (`ocpi.private_form`)."""
    if "." in open_paths:
        click.echo(OPEN_ALL_WARNING, err=True, nl=False)
        return
    if identifiers := opened_identifiers(version, module, open_paths):
        click.echo(IDENTIFIERS_WARNING.format(paths=",".join(identifiers)), err=True, nl=False)
    if site_details := opened_site_details(module, open_paths):
        click.echo(SITE_DETAILS_WARNING.format(paths=",".join(site_details)), err=True, nl=False)
    if include_private:
        from ocpispec.ocpi.private_form import outside_private_form

        if private := [path for path in outside_private_form(module, open_paths)
                       if path not in site_details]:
            click.echo(PRIVATE_FORM_WARNING.format(paths=",".join(private)), err=True, nl=False)


def judge(fetched: Any, stats: FetchStats, policy: Any, not_printed: str | None = None) -> None:
    """Exit 1 when objects were lost (invalid, or a crawl not proven complete) and the
    options do not accept it; the objects on stdout are what arrived, or `not_printed`
    says why none was."""
    from ocpispec.execute import policy as rules
    from ocpispec.execute.crawl_warnings import window_warning

    if (warning := window_warning(fetched)) is not None:
        click.echo(f"warning: {warning}", err=True)
    invalid = fetched.invalid_by_reason
    received = stats.objects + sum(invalid.values())
    doubts = fetched.incomplete()
    problem = None
    if doubts and not policy.accept_incomplete:
        problem = rules.incomplete_crawl(fetched.module, doubts, None, recorded="").diagnostic
    elif not policy.accepted_invalid(sum(invalid.values()), received):
        problem = rules.invalid_records(fetched.module, fetched.module, invalid, received, policy,
                                        None).diagnostic
    if problem is not None:
        show_diagnostic(dataclasses.replace(problem, notes=(*problem.notes[:-1],
                                                            not_printed or GET_NOTE)))
        sys.exit(1)


def summary(module: str, version: str, stats: FetchStats, release: Release,
            warnings_shown: int) -> str:
    """`warnings_shown`: the warnings stderr showed (`ConsoleEvents.warnings_shown`), of
    both connections where the locations are read beside the module (`cli.get_sites`),
    each message once; the module's connection's list alone missed the locations'."""
    unknown = release.unknown_tally(stats.unknown_fields.get(module))
    lines = [f"{module}: {stats.objects} objects (OCPI {version}, {count(stats.pages, 'page')}, "
             f"{count(stats.requests, 'request')}, {count(stats.retries, 'retry', 'retries')})",
             f"  duplicates dropped: {stats.duplicates}",
             f"  invalid objects left out: {_counts(stats.invalid_by_reason) or 'none'}",
             f"  unknown fields (withheld): {_unknown(unknown) or 'none'}"]
    if nulled := _read_as_null(module, stats, release):
        lines.append(f"  values ocpispec read as null: {_counts(nulled)}")
    if stats.deviations:
        lines.append(f"  deviations read tolerantly: {_counts(stats.deviations)}")
    if release.left_out:
        lines.append(f"  left out whole, as a run leaves them out ({release.scope.why()}; "
                     f"--include-private keeps them): {release.left_out}")
    if release.private_kept and module == "tariffs":
        withheld_here = private_form_withheld(version, module, PRIVATE_TARIFF, release.open_paths)
        lines.append(f"  tariffs no published location names ({withheld_here}): {release.private_kept}")
    if release.private_kept and module in ("sessions", "cdrs"):
        withheld_here = charge_withheld(version, module, release.open_paths)
        lines.append(f"  charges at private sites, in their private form ({withheld_here}): "
                     f"{release.private_kept}")
    if release.private_sites:
        withheld_here = private_form_withheld(version, module, PRIVATE_SITE, release.open_paths)
        lines.append(f"  private sites ({withheld_here}): {release.private_sites}")
    if release.embedded_locations:
        withheld_here = embedded_withheld(module, release.open_paths, release.keep_private)
        lines.append(f"  embedded locations ({withheld_here}): {release.embedded_locations}")
    withheld = {p: n for p, n in release.withheld.items() if p not in unknown}
    lines.append(f"  withheld as not public: {_paths(withheld) or 'none'}")
    released, public = released_by_pass(version, module, release.open_paths, release.keep_private)
    if released:
        lines.append(f"  released by --privacy-pass: {', '.join(released)}")
    if public:
        lines.append(f"  opened by --privacy-pass, public without it: {', '.join(public)}")
    if release.site_details_released:
        lines.append(f"  objects with site details released (personal at private sites): "
                     f"{release.site_details_released}")
    if warnings_shown:
        lines.append(f"  warnings: {warnings_shown} (shown above)")
    return "\n".join(lines)


def _read_as_null(module: str, stats: FetchStats, release: Release) -> dict[str, int]:
    """The values the crawl read as null, and the texts the release read as null for
    holding the record's card (`ocpi.release_cards`), by path and reason."""
    nulled = dict(stats.invalid_fields)
    for path, n in release.carded.items():
        key = f"{module}.{path} ({OWN_ID_IN_TEXT})"
        nulled[key] = nulled.get(key, 0) + n
    return nulled


def _unknown(tally: dict[str, int]) -> str:
    named, unusual = split_unusual(tally)
    text = _paths(named)
    if unusual:
        # occurrences, not names: the names are not kept, so how many differ is unknown
        text += ("; " if text else "") + \
            f"{count(unusual, 'occurrence')} of names OCPI does not define (not shown)"
    return text


def _paths(tally: dict[str, int]) -> str:
    names = sorted(tally)
    if len(names) > 12:
        return f"{count(len(names), 'field')}: {', '.join(names[:12])}, ..."
    return f"{count(len(names), 'field')}: {', '.join(names)}" if names else ""


def _counts(by_reason: dict[str, int]) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in sorted(by_reason.items()))
