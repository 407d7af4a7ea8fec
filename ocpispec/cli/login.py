"""`ocpispec login URL --token T --party XX-YYY`: discover a platform, save a profile."""

from __future__ import annotations

import sys

import click

from ocpispec import secret_refs

from ocpispec.cli.client_options import (answer_pause, max_body_bytes, request_timeout_option, retry_backoff,
                                         token_from_options)
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError, hosts, safe_url
from ocpispec.ocpi.client import RECEIVER_ONLY_HELP
from ocpispec.ocpi.console import ConsoleEvents, show_diagnostic
from ocpispec.ocpi.listed_endpoints import emsp_side
from ocpispec.ocpi.errors import shown_modules
from ocpispec.ocpi.options import TOKEN_ENCODINGS, VERSIONS, split_party
from ocpispec.ocpi.profiles import (
    Profile,
    check_profiles_folder,
    profile_from_client,
    save_profile,
)


def _party(ctx: click.Context, param: click.Parameter, value: str) -> str:
    parts = split_party(value)
    if parts is None:
        raise click.BadParameter(f"{secret_refs.short_value(value)} is not a party; write country code "
                                 "and party id, e.g. `NL-ABC`")
    return f"{parts[0]}-{parts[1]}"


def _cpo_party(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return None if value is None else _party(ctx, param, value)


def _hosts(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    allowed = []
    for value in values:
        entry = hosts.allowance(value)
        if entry is None:
            raise click.BadParameter(f"`{value}` is not a host name; write it like `api.cpo.example.com` "
                                     "(any port) or `api.cpo.example.com:8443` (that port)")
        allowed.append(entry)
    return tuple(dict.fromkeys(allowed))


@click.command("login")
@click.argument("url")
@click.option("--token", "token", metavar="TOKEN", help="The credentials token the CPO gave you. "
              "Prefer --token-env: a token on the command line ends up in your shell history.")
@click.option("--token-env", metavar="VAR", help="Read the token from environment variable VAR.")
@click.option("--party", required=True, callback=_party, metavar="XX-YYY",
              help="Your own party (country code and party id), sent as OCPI-from-* on 2.2+.")
@click.option("--cpo-party", callback=_cpo_party, metavar="XX-YYY",
              help="The CPO party whose locations, sessions, CDRs and tariffs the platform serves, where it "
                   "serves that one CPO's and leaves their `country_code`/`party_id` out without a "
                   "credentials endpoint to name it (2.2+): objects naming no party are read as its, said "
                   "as a deviation. Sent as OCPI-to-*; saved in the profile.")
@click.option("--profile", "name", default="default", metavar="NAME",
              help="Name to save the credentials under  [default: the configured `profile`, "
                   "else `default`]")
@click.option("--token-encoding", type=click.Choice(TOKEN_ENCODINGS), default="auto", show_default=True,
              help="How the token goes in the Authorization header; auto: Base64 on 2.2+, raw on "
                   "2.1.1, and the other form after a 401.")
@click.option("--version", "version", type=click.Choice(("auto", *VERSIONS)), default="auto",
              show_default=True, help="OCPI version to use; auto: the highest both sides speak.")
@click.option("--endpoint-scheme-from-url", "scheme_from_url", is_flag=True,
              help="Use the scheme of URL (e.g. http://) for endpoints on its host that the platform lists "
                   "with another (e.g. https:// on a server that speaks only http). Saved in the profile.")
@click.option("--allow-host", "allowed_hosts", multiple=True, callback=_hosts, metavar="HOST",
              help="Let discovery send the token to HOST too (any port; HOST:PORT for one port), when the "
                   "platform's versions or endpoints point there (repeatable). Saved in the profile.")
@request_timeout_option
def login(url: str, token: str | None, token_env: str | None, party: str, cpo_party: str | None, name: str,
          token_encoding: str, version: str, scheme_from_url: bool, allowed_hosts: tuple[str, ...],
          request_timeout: float) -> None:
    """Log in to an OCPI platform and store a credential profile.

    URL is the platform's versions URL (or a version-details URL). ocpispec
    negotiates the highest common OCPI version, reads the endpoints the platform
    serves as SENDER and saves everything as profile NAME in your config
    directory (file mode 0600). The token is never printed.

    \b
    Examples:
      ocpispec login https://cpo.example.com/ocpi/versions --token-env CPO_TOKEN --party NL-ABC
      ocpispec login http://127.0.0.1:8765/ocpi/cpo/versions --token 0f3c... --party NL-ABC
    """
    name = _configured_name(name)
    try:
        check_profiles_folder(name)  # the name, and a folder the profile can be saved in
        secret = token_from_options(token, token_env, prompt=True)
        # a CPO party stated is taken as the only one (`schema.own_party`); discovery then asks no credentials
        credentials = Credentials(url, secret, party=party, token_encoding=token_encoding, version=version,
                                  to_party=cpo_party, sole_party=True if cpo_party else False,
                                  endpoint_scheme_from_url=scheme_from_url, allowed_hosts=allowed_hosts)
        options = FetchOptions(request_timeout=request_timeout, timeout=answer_pause(request_timeout),
                               backoff_base=retry_backoff(),
                               max_body_bytes=max_body_bytes())
        with ConsoleEvents() as events, OcpiClient.connect(credentials, options=options, events=events) as client:
            client.try_the_token_on_data()
            profile = profile_from_client(name, client)
            offered = ", ".join(sorted(client.offered_versions))
            used = client.token_encoding
            receivers = client.receiver_only
        earlier = _earlier(name)
        path = save_profile(name, profile)
    except OcpiError as problem:
        show_diagnostic(problem.diagnostic)
        sys.exit(1)
    _report(profile, offered, used, str(path), earlier, receivers)


def _earlier(name: str) -> Profile | None:
    """The profile a login under `name` replaces (None: none, or unreadable)."""
    from ocpispec.ocpi.profiles import load_profile

    try:
        return load_profile(name)
    except OcpiError:
        return None


def _replaced(earlier: Profile, profile: Profile) -> str:
    """A second login under one name replaces the first without asking (a new token is
    the usual reason): said, and loudly when it now points at another platform or party,
    since every spec and cron job using the name follows it."""
    if (earlier.versions_url, earlier.party) == (profile.versions_url, profile.party):
        return (f"  replaced:      the profile of {earlier.created_at or 'an earlier login'}, "
                "for the same platform and party")
    return (f"warning: this replaced profile `{profile.name}` for "
            f"{safe_url(earlier.versions_url)} as {earlier.party}: every spec and command "
            f"using `{profile.name}` now reaches {safe_url(profile.versions_url)} as "
            f"{profile.party}; to use both, log in to each under a name of its own "
            "(--profile NAME)")



def _configured_name(name: str) -> str:
    """`--profile`, else the configured `profile` (`ocpispec.toml`), else `default`."""
    from ocpispec.cli.configured import command_config, effective

    return effective(command_config(), "profile", name, "name") or name  # type: ignore[return-value]


def _deviations(profile: Profile) -> list[str]:
    lines = []
    if profile.endpoint_scheme_from_url:
        scheme = profile.versions_url.partition(":")[0]
        lines.append(f"  endpoints:     on this host always {scheme}:// (--endpoint-scheme-from-url)")
    if profile.allowed_hosts:
        lines.append(f"  token also to: {', '.join(profile.allowed_hosts)} (--allow-host)")
    for module, target in _elsewhere(profile).items():
        lines.append(f"  note:          `{module}` is listed on `{target}`, where the token is not sent; "
                     f"if it belongs to the platform, log in again with `--allow-host {target}`")
    tokens = profile.endpoints.get("tokens")
    if profile.version == "2.1.1" and tokens is not None and not emsp_side(tokens):
        lines.append("  note:          a 2.1.1 CPO's `tokens` endpoint usually only receives tokens; "
                     "pulling `tokens` may fail")
    return lines


def _receivers(modules: tuple[str, ...]) -> list[str]:
    """Data modules listed only with role RECEIVER: not pulled from, and why."""
    if not modules:
        return []
    return [f"  note:          {shown_modules(modules)} listed only with role RECEIVER (interfaces that take "
            f"pushes), not pulled from: {RECEIVER_ONLY_HELP}"]


def _elsewhere(profile: Profile) -> dict[str, str]:
    """The modules listed where the token may not go (another host or port): pulling them fails."""
    found = {shown_modules([module]): hosts.refused(url, profile.versions_url, profile.allowed_hosts)
             for module, url in sorted(profile.endpoints.items()) if module != "credentials"}
    return {module: target[:80] for module, target in found.items() if target is not None}


def _report(profile: Profile, offered: str, used: str, path: str,
            earlier: Profile | None, receivers: tuple[str, ...] = ()) -> None:
    modules = shown_modules(m for m in sorted(profile.endpoints) if m != "credentials") or "none"
    encoding = "sent Base64-encoded" if used == "base64" else "sent raw"
    lines = [f"Logged in to {safe_url(profile.versions_url)} as {profile.party}.",
             f"  OCPI version:  {profile.version} (offered: {offered})",
             f"  CPO party:     {profile.to_party or 'unknown'}",
             f"  modules:       {modules}",
             f"  token:         {encoding}",
             *_deviations(profile),
             *_receivers(receivers),
             f"Saved profile `{profile.name}` to {path} (mode 0600).",
             *([] if earlier is None else [_replaced(earlier, profile)]),
             "Next: ocpispec get sessions" + ("" if profile.name == "default" else f" --profile {profile.name}")]
    click.echo("\n".join(lines))
