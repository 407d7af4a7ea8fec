"""Which OCPI platform a run pulls from, resolved before any request.

In order: `--demo` (the built-in demo CPO, started in-process), `--profile NAME` (a
stored login), the spec's `source profile NAME`, or the spec's env references
`source ocpi env URL_VAR token env TOKEN_VAR party XX-YYY version V`. A variable that
is not set is an OCX552 diagnostic; a missing profile is the OCPI client's OCX508.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from ocpispec.frozen import frozen
from ocpispec.plan import ir
from ocpispec.execute.client import RunError
from ocpispec.ocpi import Credentials

DEMO_PARTY = "NL-OCX"


@frozen
class SourceChoice:
    credentials: Credentials
    description: str  # for notes on stderr; never contains the token
    profile: object = None  # the stored login it came from (ocpi.profiles.Profile), if any


def spec_source(source: ir.SourceSpec, env: Mapping[str, str],
                profile: str | None = None, reuse_discovery_for: float | None = None) -> SourceChoice:
    """With `reuse_discovery_for` (seconds), a profile's stored discovery of at most that
    age rides along on the credentials, so the run skips discovery."""
    from ocpispec.ocpi.profiles import load_profile

    name = profile or source.profile
    if name is not None:
        stored = load_profile(name) if profile else _spec_profile(name, source)
        return SourceChoice(stored.credentials(reuse_discovery_for=reuse_discovery_for),
                            f"profile `{name}`", stored)
    url = _secret(source.versions_url, "versions URL", source, env)
    token = _secret(source.token, "token", source, env)
    version = source.version if source.version and source.version != "auto" else "auto"
    credentials = Credentials(url, token, party=source.party, version=version)
    _usable(credentials, source)
    return SourceChoice(credentials, "the spec's source")


def _spec_profile(name: str, source: ir.SourceSpec):
    """The stored login the spec's `source profile NAME` names; one that cannot be
    loaded is named with the spec's line, as an unset variable of its source is."""
    from ocpispec.ocpi import OcpiError
    from ocpispec.ocpi.profiles import load_profile

    try:
        return load_profile(name)
    except OcpiError as problem:
        said = problem.diagnostic
        raise RunError.of(said.code, said.message, source.origin, "profile named here",
                          notes=(*said.notes, "nothing was fetched"),
                          help=said.help) from None


def _usable(credentials: Credentials, source: ir.SourceSpec) -> None:
    """A variable whose value no request can carry (a token of two lines or with a space,
    a URL without its scheme) is named, with the source's line: the client's own
    diagnostic named neither and told to pass `--token`, which `run` has not."""
    from ocpispec.ocpi import OcpiError
    from ocpispec.ocpi.client import validate_credentials

    try:
        validate_credentials(credentials)
    except OcpiError as problem:
        said = problem.diagnostic
        variable = {"OCX510": source.versions_url, "OCX511": source.token}.get(said.code)
        if variable is None or variable.kind != "env":
            raise
        what, example = ("versions URL", ", e.g. `https://cpo.example.com/ocpi/versions`") \
            if said.code == "OCX510" else ("token", " (its value is not shown)")
        raise RunError.of(said.code, said.message, source.origin, "source declared here",
                          notes=(*said.notes, f"the {what} comes from environment variable "
                                 f"`{variable.name}`", "nothing was fetched"),
                          help=f"set `{variable.name}` to the {what} alone, on one line and "
                               f"without spaces{example}") from None


def _secret(reference: ir.SecretReference | None, what: str, source: ir.SourceSpec,
            env: Mapping[str, str]) -> str:
    if reference is None:
        raise RunError.of("OCX552", f"the spec's source names no {what}", source.origin,
                          "source declared here",
                          help="write `source profile NAME`, or `ocpi env VAR token env VAR`; "
                               "or run with `--profile NAME` or `--demo`")
    match reference.kind:
        case "env":
            value = env.get(reference.name, "").strip()
            if value:
                return value
            raise RunError.of("OCX552", f"environment variable `{reference.name}` with the "
                              f"{what} is not set", source.origin, "source declared here",
                              notes=("nothing was fetched",),
                              help=f"set `{reference.name}`, or run with `--profile NAME` "
                                   "or `--demo`")
        case "profile":
            from ocpispec.ocpi.profiles import load_profile

            stored = load_profile(reference.name)
            return stored.versions_url if what == "versions URL" else stored.token
        case "literal" if what == "versions URL":
            return reference.name  # not a secret: the checker refused one with credentials
    raise RunError.of("OCX552", f"the {what} is written into the spec", source.origin,
                      "source declared here",
                      help="secrets never live in specs: use `env VAR` or a stored profile")


def profile_pseudonym_key(name: str, env: Mapping[str, str]) -> str | None:
    """`pseudonym key profile NAME`: the profile's key field when profiles store one,
    else the environment variable `OCPISPEC_PSEUDONYM_KEY_<NAME>` (upper case,
    `-` and `.` as `_`)."""
    from ocpispec.ocpi import OcpiError
    from ocpispec.ocpi.profiles import load_profile

    try:
        stored = getattr(load_profile(name), "pseudonym_key", None)
    except OcpiError:  # no such profile: the variable may still hold the key
        stored = None
    if stored:
        return str(stored)
    from ocpispec.execute.keys import profile_key_variable

    return env.get(profile_key_variable(name)) or None


@contextlib.contextmanager
def version_pinned_by(source: ir.SourceSpec | None) -> Iterator[None]:
    """Discovery under the version the spec's own source pins (`version 2.3.0`, with
    its URL and token from the environment): a platform that does not offer it is told
    at that line, with a version it offers, not as a login's `--version` (OCX506)."""
    from ocpispec.ocpi.errors import NoCommonVersion
    from ocpispec.schema import VERSIONS

    try:
        yield
    except NoCommonVersion as problem:
        said = problem.diagnostic
        if source is None or source.profile is not None or source.version in (None, "auto"):
            raise
        offers = next((note for note in said.notes if note.startswith("the platform offers")),
                      "the platform offers: none")
        usable = [v for v in problem.offered if v in VERSIONS]
        raise RunError.of(
            "OCX506", said.message, source.origin, "version pinned here",
            notes=(*(note for note in said.notes if note.startswith("request:")), offers,
                   "nothing was fetched"),
            help=f"pin a version the platform offers (`version {max(usable)}`), or write "
                 "`version auto`" if usable else
                 "ask the CPO for a 2.1.1, 2.2.1 or 2.3.0 interface") from None
