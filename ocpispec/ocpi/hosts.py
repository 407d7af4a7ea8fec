"""Where the token may go: the origin of the URL the user logged in with, and the hosts
allowed at login (`--allow-host HOST` for any port of HOST, `HOST:PORT` for one port).

A place is a host and a port, the default port of the scheme (80, 443) counting as no
port: `http://cpo.example.com` and `https://cpo.example.com` are one place (the
scheme's own rule, no plain http after an https login, is the transport's), while
`cpo.example.com:8443` is another service on the same machine, which may not be the
platform's, and gets the token only when allowed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ocpispec.ocpi.errors import without_secrets

_DEFAULT_PORTS = {"http": 80, "https": 443}


def place(url: str) -> tuple[str, int | None]:
    """(host, port) of `url`: the host in lower case, the port None when it is the
    scheme's default; ("", None) for a URL that cannot be read."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "", None
    scheme = parts.scheme.lower()
    return (parts.hostname or "").lower(), None if port == _DEFAULT_PORTS.get(scheme) else port


def shown(host: str, port: int | None) -> str:
    """`host`, `host:port`, `[::1]:port`: how a place is written in messages and for --allow-host."""
    named = f"[{host}]" if ":" in host else host
    return named if port is None else f"{named}:{port}"


def allowance(text: str) -> str | None:
    """An `--allow-host` value in its stored form (`host` or `host:port`, lower case), or
    None when it is not a host name with an optional port."""
    value = text.strip().lower()
    if value.count(":") > 1 and not value.startswith("[") and _ip(value):
        return f"[{value}]"                     # a bare IPv6 address: no port
    if not value or any(c in value for c in "/@ ?#\\"):
        return None
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if not host or (":" in host and not value.startswith("[")):
        return None
    return shown(host, port)


def _ip(value: str) -> bool:
    import ipaddress
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def allowed(url: str, allowances: tuple[str, ...]) -> str | None:
    """The allowance that lets the token go to `url`, or None."""
    host, port = place(url)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    actual = port if port is not None else _DEFAULT_PORTS.get(scheme)
    for entry in allowances:
        entry_host, entry_port = place(f"//{entry}")
        if entry_host == host and entry_port in (None, actual):
            return entry
    return None


def refused(url: str, login_url: str, allowances: tuple[str, ...]) -> str | None:
    """None when the token may go to `url`; else the `--allow-host` value that would let it,
    as messages show it: `host:port` for another port of the login host, `host` for another
    host; a token in the host's name (a tenant's subdomain) shows as `(redacted)`."""
    host, port = place(url)
    home_host, home_port = place(login_url)
    if (host, port) == (home_host, home_port) or allowed(url, allowances) is not None:
        return None
    return without_secrets(shown(host, port if host == home_host else None))
