"""`pseudonym scope`: how long the same identifier keeps the same pseudonym.

`export` (the default): for as long as the export, its consumer and the key stay the
same, so a consumer can follow one driver across deliveries. `per day|week|month|
quarter|year`: the period of each record's own time (a session's or CDR's
`start_date_time`, otherwise `last_updated`, in UTC, or in the time zone of the
dataset's calendar window) becomes part of the key
derivation, so the same driver has unrelated pseudonyms in two periods, whichever
runs delivered the records and however their windows fall. `per run`: every run draws
a fresh random value that enters the derivation and is never stored, so no two runs
link, and not even the CPO can recompute a run's pseudonyms afterwards.
"""

from __future__ import annotations

from datetime import datetime

EXPORT = "export"
PERIODS = ("day", "week", "month", "quarter", "year")
SCOPES = (EXPORT, *(f"per {period}" for period in PERIODS), "per run")


def normalise(phrase: str) -> str | None:
    """`per month` from `per Month`, `per months` or `monthly`; None when unknown."""
    words = phrase.lower().split()
    if words == [EXPORT]:
        return EXPORT
    if len(words) == 1 and words[0].endswith("ly"):
        words = ["per", {"dai": "day", "quarter": "quarter"}.get(words[0][:-2], words[0][:-2])]
    if len(words) == 2 and words[0] == "per":
        unit = words[1][:-1] if words[1].endswith("s") else words[1]
        if unit in (*PERIODS, "run"):
            return f"per {unit}"
    return None


def describe(scope: str) -> str:
    """The scope as the plan states it to a reviewer."""
    match scope:
        case "export":
            return "stable for this export and consumer (pseudonym scope export)"
        case "per run":
            return "new in every run (pseudonym scope per run): no two deliveries link"
    period = scope.removeprefix("per ")
    return (f"new every {period} of the records' time (pseudonym scope {scope}): records of "
            f"different {period}s never link")


def in_zone(scope: str, zone: str | None) -> str:
    """A calendar scope whose periods are those of `zone` (`per month in
    Europe/Amsterdam`), as the calendar window of the dataset is: the records of a local
    month's first hours belong to that month, not to the month before in UTC."""
    if zone is None or scope in (EXPORT, "per run"):
        return scope
    return f"{scope} in {zone}"


def period_of(scope: str, moment: datetime, run_salt: str = "") -> str:
    """The period label that enters the key derivation (`""` for `export`). A zoned scope
    (`per month in Europe/Amsterdam`) takes the period of the moment's local time."""
    scope, _, zone = scope.partition(" in ")
    if zone:
        from zoneinfo import ZoneInfo

        moment = moment.astimezone(ZoneInfo(zone))
    match scope:
        case "export":
            return ""
        case "per run":
            return f"run {run_salt}"
        case "per day":
            return moment.strftime("%Y-%m-%d")
        case "per week":
            year, week, _ = moment.isocalendar()
            return f"{year}-W{week:02d}"
        case "per month":
            return moment.strftime("%Y-%m")
        case "per quarter":
            return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
        case "per year":
            return f"{moment.year}"
    raise ValueError(f"unknown pseudonym scope `{scope}`")


_RECORD_TIME = {"sessions": "start_date_time", "cdrs": "start_date_time"}


def record_time(module: str, scope: str) -> str | None:
    """The neutral field whose period keys a record's pseudonyms (calendar scopes)."""
    if scope in (EXPORT, "per run"):
        return None
    return _RECORD_TIME.get(module, "last_updated")


def manifest_period(scope: str, module: str, zone: str | None = None) -> str | None:
    """What a manifest says about the period: never a run's random value."""
    if scope == "per run":
        return "this run only"
    field = record_time(module, scope)
    clock = f"{zone} time" if zone else "UTC"
    return f"the {scope.removeprefix('per ')} of each record's `{field}` ({clock})" \
        if field else None


def new_run_salt() -> str:
    import secrets  # only a run needs it: `check` stays light

    return secrets.token_hex(16)
