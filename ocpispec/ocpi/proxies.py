"""The proxy the environment names for a request (`HTTPS_PROXY`, `HTTP_PROXY`,
`ALL_PROXY`, `NO_PROXY`, read as the HTTP client reads them), never for this machine's
own addresses: a proxy's loopback is another machine's, so the demo CPO and a platform
behind an SSH tunnel are asked directly. `run`, `get` and `login` (httpx's own reading
of the environment, with `LOOPBACK_DIRECT`), `doctor` (`EnvironmentTransport`) and the
diagnostics that name the proxy (`environment_proxy`) agree on it."""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

import httpx

LOOPBACK = ("127.0.0.1", "localhost", "::1")
LOOPBACK_DIRECT: dict[str, None] = {f"all://{host}": None for host in ("127.0.0.1", "localhost", "[::1]")}


def environment_proxy(url: str) -> tuple[str, str] | None:
    """(the variable, the proxy's URL) the environment sends `url` through, or None."""
    from urllib.request import getproxies_environment, proxy_bypass_environment

    parts = urlsplit(url)
    proxies = getproxies_environment()
    kind = next((kind for kind in (parts.scheme, "all") if proxies.get(kind)), None)
    host = parts.hostname or ""
    if kind is None or host in LOOPBACK or proxy_bypass_environment(host, proxies):
        return None
    proxy = proxies[kind]
    name = next((name for name in (f"{kind}_proxy", f"{kind.upper()}_PROXY")
                 if os.environ.get(name) == proxy), f"{kind.upper()}_PROXY")
    return name, proxy if "://" in proxy else f"http://{proxy}"


class EnvironmentTransport(httpx.BaseTransport):
    """Each request directly or through the proxy `environment_proxy` names for it."""

    def __init__(self, verify: object = True) -> None:
        require_usable_proxy()
        self._verify = verify
        self._lock = threading.Lock()
        self._transports: dict[str | None, httpx.HTTPTransport] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        found = environment_proxy(str(request.url))
        proxy = found[1] if found else None
        with self._lock:
            if proxy not in self._transports:
                self._transports[proxy] = httpx.HTTPTransport(verify=self._verify, proxy=proxy)  # type: ignore[arg-type]
            transport = self._transports[proxy]
        return transport.handle_request(request)

    def close(self) -> None:
        with self._lock:
            for transport in self._transports.values():
                transport.close()
            self._transports.clear()


def unusable_proxy() -> tuple[str, str] | None:
    """(the variable, the proxy's origin without user info) of a proxy variable the HTTP
    client cannot use: a scheme it does not speak (`ftp://`), or `socks5://` without the
    optional `socksio` package. Building the client raised for it: an internal error."""
    import importlib.util

    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        scheme = value.partition("://")[0].lower() if "://" in value else "http"
        speaks = scheme in ("http", "https") or (scheme in ("socks5", "socks5h")
                                                 and importlib.util.find_spec("socksio") is not None)
        if not speaks:
            from ocpispec.ocpi.errors import origin

            return name, origin(value)
    return None


def require_usable_proxy() -> None:
    """OCX500 before any request when `unusable_proxy` finds one."""
    from ocpispec.ocpi import errors

    if (unusable := unusable_proxy()) is not None:
        name, proxy = unusable
        raise errors.fail(errors.CONNECTION_FAILED, f"cannot use the proxy {proxy} that `{name}` names: "
                          "ocpispec speaks to http:// and https:// proxies only (socks5:// needs the "
                          "`socksio` package)", notes=["no request was sent", "its user and password are not shown"],
                          help=f"set `{name}` to the URL of an http:// proxy, or unset it to connect directly")
