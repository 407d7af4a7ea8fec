"""Checks of the spec's frame: header (who, why, legal basis, retention, key), source
and schedule."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from ocpispec.language import pseudonym_scope, syntax
from ocpispec.approval import requirement as approval_requirement
from ocpispec.check import time_units
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.diagnostics import Label, Severity, Diagnostic, error, warning
from ocpispec.language.schedule import WEEKDAYS
from ocpispec.diagnostics.source import Span
from ocpispec.secret_refs import is_name

LEGAL_BASES = ("consent", "contract", "legal obligation", "vital interests", "public task",
               "legitimate interests")
RETENTION_UNITS = ("days", "weeks", "months", "years")
SCHEDULE_UNITS = ("minutes", "hours")
_MAX_INTERVAL_MINUTES = 7 * 24 * 60
_DAY_MINUTES = 24 * 60
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def check_header(header: syntax.Header, ctx: Context) -> None:
    _check_required(header.consumers, "consumer", "OCX312", header, ctx,
                    'consumer "Gemeente Utrecht, team Mobiliteit"')
    _check_required(header.purposes, "purpose", "OCX313", header, ctx,
                    'purpose "weekly charging statistics for the municipal charger plan"')
    _check_legal_basis(header, ctx)
    _check_retention(header, ctx)
    for key in header.pseudonym_keys:
        check_secret(key, "pseudonym key", ctx)
    for scope in header.pseudonym_scopes[:1]:
        _check_pseudonym_scope(scope, ctx)
    for requirement in header.approval_requirements[:1]:
        _check_approval_requirement(requirement, ctx)
    for items, what in ((header.consumers, "consumer"), (header.purposes, "purpose"),
                        (header.legal_bases, "legal basis"), (header.retentions, "retention"),
                        (header.pseudonym_keys, "pseudonym key"),
                        (header.pseudonym_scopes, "pseudonym scope"),
                        (header.licences, "licence"),
                        (header.approval_requirements, "approval requirement")):
        _check_single(items, what, ctx)


def _check_required(items: Sequence[syntax.Text], what: str, code: str,
                    header: syntax.Header, ctx: Context, example: str) -> None:
    if not items:
        ctx.emit(error(code, f"the spec names no {what}", header.name.span,
                       f"export `{header.name.name}` has no `{what}`",
                       notes=[f"a reviewer must see the {what} to approve the export"],
                       help=f"add `{example}` to the header"))
    elif not items[0].value.strip():
        ctx.emit(error(code, f"the {what} is empty", items[0].span, f"empty `{what}`",
                       help=f"write the {what} out, e.g. `{example}`"))


def _check_single(items: Sequence, what: str, ctx: Context) -> None:
    if len(items) < 2:
        return
    ctx.emit(Diagnostic("OCX318", Severity.ERROR, f"`{what}` is given more than once",
                        (Label(items[1].span, f"second `{what}`"),
                         Label(items[0].span, "first given here", primary=False)),
                        help=f"keep one `{what}` in the header"))


def _check_legal_basis(header: syntax.Header, ctx: Context) -> None:
    basis = header.legal_basis
    if basis is None:
        ctx.emit(warning("OCX314", "the spec states no legal basis", header.name.span,
                         f"export `{header.name.name}` has no `legal basis`",
                         notes=["GDPR Art. 6(1) requires a legal basis for disclosing personal "
                                "data; the reviewer records it"],
                         help='add e.g. `legal basis public task "Art. 6(1)(e) GDPR"`'))
        return
    phrase = basis.phrase.lower()
    if phrase in LEGAL_BASES:
        return
    guess = did_you_mean(phrase, LEGAL_BASES)
    span = basis.words[0].span.to(basis.words[-1].span)
    ctx.emit(error("OCX316", f"`{basis.phrase}` is not a GDPR Art. 6(1) legal basis", span,
                   "unknown legal basis", notes=[f"the bases are {backticked(LEGAL_BASES)}"],
                   help=f"write `legal basis {guess}`" if guess else
                   "write one of the six bases, optionally followed by a quoted reference"))


def _check_retention(header: syntax.Header, ctx: Context) -> None:
    retention = header.retention
    if retention is None:
        ctx.emit(warning("OCX315", "the spec states no retention period", header.name.span,
                         f"export `{header.name.name}` has no `retention`",
                         notes=["the consumer must know when to delete the data (GDPR Art. "
                                "5(1)(e))"], help="add e.g. `retention 12 months` to the header"))
        return
    unit = _plural_unit(retention.unit.name, retention.amount, RETENTION_UNITS)
    number = time_units.wrong_number(retention.amount, retention.unit.name, RETENTION_UNITS)
    if unit is None and number is not None:
        ctx.emit(error("OCX317", number[0], retention.unit.span,
                       f"the unit after {retention.amount}",
                       help=f"write `retention {retention.amount} {number[1]}`"))
    elif unit is None:
        ctx.emit(error("OCX317", f"`{retention.unit.name}` is not a retention unit",
                       retention.unit.span, "unknown unit",
                       notes=[f"units are {backticked(RETENTION_UNITS)}"],
                       help=_retention_help(retention.amount, retention.unit.name)))
    elif retention.amount < 1:
        ctx.emit(error("OCX317", "the retention period is zero", retention.span,
                       "no time to use the data", help="give a period of at least one day"))


def _check_pseudonym_scope(scope: syntax.PseudonymScope, ctx: Context) -> None:
    if pseudonym_scope.normalise(scope.phrase) is not None:
        return
    guess = did_you_mean(scope.phrase, pseudonym_scope.SCOPES)
    ctx.emit(error("OCX335", f"`{scope.phrase}` is not a pseudonym scope", scope.span,
                   "unknown scope", notes=[f"scopes are {backticked(pseudonym_scope.SCOPES)}"],
                   help=f"write `pseudonym scope {guess}`" if guess else
                   "write `pseudonym scope per quarter` (or another period), `per run`, or "
                   "`export`"))


def _check_approval_requirement(requirement: syntax.ApprovalRequirement, ctx: Context) -> None:
    if approval_requirement.normalise(requirement.phrase) is not None:
        return
    guess = did_you_mean(requirement.phrase, approval_requirement.REQUIREMENTS)
    ctx.emit(error("OCX440", f"`requires {requirement.phrase}` is not an approval requirement",
                   requirement.span, "unknown requirement",
                   notes=["a spec can demand `requires approval` or `requires signed approval`"],
                   help=f"write `requires {guess}`" if guess else
                   "write `requires approval` (or `requires signed approval`)"))


def _retention_help(amount: int, word: str) -> str:
    if (same := time_units.same_length(amount, word, RETENTION_UNITS)) is not None:
        return f"write `retention {same[0]} {same[1]}`, the same period"
    guess = time_units.spelling_guess(word, RETENTION_UNITS)
    return f"write `retention {amount} {guess}`" if guess is not None else \
        "write the period in one of these units"


def _plural_unit(word: str, amount: int, units: Sequence[str]) -> str | None:
    """`months`, or `month` after 1; None when not a unit."""
    word = word.lower()
    if word in units:
        return word
    if amount == 1 and word + "s" in units:
        return word + "s"
    return None


def check_secret(ref: syntax.SecretRef, what: str, ctx: Context) -> None:
    name = "OCPI_TOKEN" if what == "token" else "OCX_PSEUDONYM_KEY"
    if ref.kind == "env" and not is_name(ref.value):
        _secret_as_name(ref, what, name, ctx)
    if ref.kind != "literal":
        return
    found = error("OCX305", f"the {what} is written into the spec", ref.span,
                  "a secret in plain text",
                  notes=["specs are kept in version control and shown to reviewers; "
                         "secrets never belong in them; it is masked here"],
                  help=f"reference it instead: `{what} env {name}` or `{what} profile NAME`")
    ctx.emit(dataclasses.replace(found, secrets=(_inside_quotes(ref.span, ctx),)))


def _secret_as_name(ref: syntax.SecretRef, what: str, name: str, ctx: Context) -> None:
    """`token env 4f9e...`: the secret itself where its variable's name belongs. Plans,
    reviews, approvals and run errors show the variable's name, so it would go wherever
    they go; it is masked here as a quoted secret is."""
    start = ctx.source.text.rfind(ref.value, ref.span.start, ref.span.end)
    where = Span(start, start + len(ref.value)) if start >= 0 else ref.span
    found = error("OCX305", f"the {what} is written into the spec, as the name of its variable",
                  where, "no variable's name: the secret itself?",
                  notes=["specs are kept in version control and shown to reviewers; "
                         "secrets never belong in them; it is masked here",
                         "a variable's name is written in one case, with few digits "
                         "(`OCPI_TOKEN`, `research_key_2`)"],
                  help=f"keep the {what} in an environment variable and name that: "
                       f"`{what} env {name}`")
    ctx.emit(dataclasses.replace(found, secrets=(where,)))


def _inside_quotes(span, ctx: Context):
    """The text of a quoted literal without its quotes (what is secret)."""
    written = ctx.source.text[span.start:span.end]
    first, last = written.find('"'), written.rfind('"')
    if 0 <= first < last:
        return Span(span.start + first + 1, span.start + last)
    return span


# ---- source ---------------------------------------------------------------------------


def check_source(source: syntax.Source, versions: Sequence[str], ctx: Context) -> None:
    if source.token is not None:
        check_secret(source.token, "token", ctx)
    if source.versions_url is not None and source.versions_url.kind == "literal":
        _check_literal_url(source.versions_url, ctx)
    if source.token is not None and source.token.kind == "profile":
        _check_profile_token(source.token, source.versions_url, ctx)
    if source.profile is None and (source.versions_url is None or source.token is None):
        missing = [word for word, item in (("ocpi", source.versions_url),
                                           ("token", source.token)) if item is None]
        ctx.emit(error("OCX220", f"the source has no {' and no '.join(f'`{m}`' for m in missing)}",
                       source.span, "incomplete source",
                       notes=["without a stored profile the source needs the versions URL "
                              "and the token"],
                       help="add `ocpi env OCPI_VERSIONS_URL` and `token env OCPI_TOKEN`, or "
                            "use `source profile NAME` after `ocpispec login`"))
    if source.version is not None and source.version.name not in (*versions, "auto"):
        from ocpispec.language.parse_guessed_forms import meant_version  # loads lark: errors only

        ctx.emit(error("OCX103", f"unsupported OCPI version `{source.version.name}`",
                       source.version.span, "unsupported version",
                       notes=[f"supported versions are {backticked(versions)}"],
                       help=f"write `{meant}`" if (meant := meant_version(source.version.name))
                       else "write one of them, or `auto` to use the newest version the "
                            "platform offers"))


def _check_profile_token(token: syntax.SecretRef, url: syntax.SecretRef | None, ctx: Context) -> None:
    """A stored profile's token belongs to the platform that profile logged in to: with
    a versions URL from elsewhere (`ocpi "https://other.example/..."`, `ocpi env VAR`,
    another profile) every request's host check compares with that URL, and the run
    sent the token there. A spec from someone else could collect a stored token so."""
    if url is not None and url.kind == "profile" and url.value == token.value:
        return
    ctx.emit(error("OCX256", f"the token of profile `{token.value}` is paired with a versions "
                   "URL from elsewhere", token.span, "token taken from this profile",
                   notes=["a profile's token goes only to the platform the profile logged in to; "
                          "with another versions URL the run would send it there"],
                   help=f"write `source profile {token.value}` to read that profile's platform, or "
                        "give this platform's own token (`token env OCPI_TOKEN`)"))


def _check_literal_url(ref: syntax.SecretRef, ctx: Context) -> None:
    """A versions URL may be written into the spec, but not with a login in it
    (`https://user:password@...`): plans, reviews and errors show the URL."""
    inside = _inside_quotes(ref.span, ctx)
    written = ctx.source.text[inside.start:inside.end]
    scheme_end = written.find("://")
    host_start = scheme_end + 3 if scheme_end >= 0 else 0
    host_end = min((at for at in (written.find(c, host_start) for c in "/?#") if at >= 0),
                   default=len(written))
    login_end = written.rfind("@", host_start, host_end)
    if login_end < 0:
        return
    found = error("OCX305", "the versions URL holds credentials", ref.span,
                  "a user name or password in the URL",
                  notes=["specs are kept in version control and shown to reviewers; "
                         "secrets never belong in them; it is masked here"],
                  help="remove `user:password@`: the platform's token authenticates "
                       "(`token env OCPI_TOKEN`), or keep the URL in `ocpi env VAR` or a "
                       "profile")
    ctx.emit(dataclasses.replace(found, secrets=(
        Span(inside.start + host_start, inside.start + login_end),)))


# ---- schedule -------------------------------------------------------------------------


def check_schedule(schedule: syntax.Schedule | None, ctx: Context) -> None:
    match schedule:
        case syntax.Every(amount=amount, unit=unit, span=span):
            _check_every(amount, unit, span, ctx)
        case syntax.Daily(at=at):
            _check_time(at, ctx)
        case syntax.Weekly(day=day, at=at):
            if day.name.lower() not in WEEKDAYS:
                guess = did_you_mean(day.name, WEEKDAYS)
                ctx.emit(error("OCX409", f"`{day.name}` is not a day of the week", day.span,
                               "unknown weekday", help=f"write `{guess or 'monday'}`"))
            _check_time(at, ctx)
        case syntax.Monthly(at=at):
            from ocpispec.check.calendar import check_schedule as check_calendar_schedule

            check_calendar_schedule(schedule, ctx)
            _check_time(at, ctx)
        case syntax.Cron():
            from ocpispec.check.calendar import check_schedule as check_calendar_schedule

            check_calendar_schedule(schedule, ctx)


def _check_every(amount: int, unit: syntax.Ident, span, ctx: Context) -> None:
    plural = _plural_unit(unit.name, amount, SCHEDULE_UNITS)
    number = time_units.wrong_number(amount, unit.name, SCHEDULE_UNITS)
    if plural is None and number is not None:
        ctx.emit(error("OCX409", number[0], unit.span, f"the unit after {amount}",
                       help=f"write `every {amount} {number[1]}`"))
    elif plural is None:
        every = _every_instead(amount, unit.name)
        ctx.emit(error("OCX409", f"`{unit.name}` is not a schedule unit", unit.span,
                       "expected `minutes` or `hours`",
                       help=(f"write `{every}`, or use " if every else "use ") +
                       "`daily at HH:MM` / `weekly on DAY at HH:MM`"))
    elif amount < 1:
        ctx.emit(error("OCX409", "the schedule interval is zero", span, "never runs",
                       help=f"write `every 1 {plural[:-1]}` or more"))
    elif amount * (60 if plural == "hours" else 1) > _MAX_INTERVAL_MINUTES:
        ctx.emit(error("OCX409", "the schedule interval is longer than a week", span,
                       "too long for an interval",
                       help="use `daily at HH:MM` or `weekly on DAY at HH:MM`"))
    elif _DAY_MINUTES % (minutes := amount * (60 if plural == "hours" else 1)):
        ctx.emit(error("OCX409", f"runs every {amount} {plural} cannot be evenly spaced",
                       span, "does not divide a day",
                       notes=[_uneven_note(minutes)],
                       help=_even_intervals(minutes)))
    elif plural == "minutes" and amount < 5:
        ctx.emit(warning("OCX410", f"running every {amount} minute{'s' * (amount > 1)} "
                         "strains the OCPI platform", span, "very frequent",
                         notes=["each run pages through the OCPI interface of a production "
                                "platform"], help="schedule at most every 5 minutes, e.g. "
                         "`every 15 minutes`"))


def _every_instead(amount: int, word: str) -> str | None:
    """The same interval in minutes or hours when it is one a schedule takes (it divides
    a day), or the unit `word` misspells."""
    if (same := time_units.same_length(amount, word, SCHEDULE_UNITS)) is not None:
        minutes = same[0] * (60 if same[1].startswith("hour") else 1)
        return f"every {same[0]} {same[1]}" if _DAY_MINUTES % minutes == 0 else None
    guess = time_units.spelling_guess(word, SCHEDULE_UNITS)
    return f"every {amount} {guess}" if guess is not None else None


def _uneven_note(minutes: int) -> str:
    if minutes > _DAY_MINUTES:
        return ("intervals start again at midnight UTC each day, as cron's `*/N` does, so an "
                "interval longer than a day would run daily")
    last = _DAY_MINUTES // minutes * minutes
    return (f"intervals start at midnight UTC each day, as cron's `*/N` does: the day's last "
            f"run at {last // 60:02d}:{last % 60:02d} would come {_DAY_MINUTES - last} minutes "
            "before the next day's first at 00:00")


def _even_intervals(minutes: int) -> str:
    """Help naming the nearest intervals that divide a day, or the daily and weekly forms."""
    if minutes > _DAY_MINUTES:
        return "write `daily at HH:MM` or `weekly on DAY at HH:MM`"
    divisors = [d for d in range(1, _DAY_MINUTES + 1) if _DAY_MINUTES % d == 0]
    below = max(d for d in divisors if d < minutes)
    above = min(d for d in divisors if d > minutes)
    return f"write `every {_interval_words(below)}` or `every {_interval_words(above)}`"


def _interval_words(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' * (minutes > 60)}"
    return f"{minutes} minute{'s' * (minutes > 1)}"


def _check_time(at: syntax.Text, ctx: Context) -> None:
    if not _TIME.match(at.value):
        ctx.emit(error("OCX409", f"`{at.value}` is not a time of day", at.span,
                       "expected HH:MM between 00:00 and 23:59",
                       help="write a 24-hour time such as `06:00`"))
