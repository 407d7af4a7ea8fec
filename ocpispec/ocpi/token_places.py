"""The transport's refusals of a place the token would go: a host neither the login URL's
nor allowed at login (`foreign`; `hosts.py` says which places are allowed), plain http
after an https login (`scheme`), a redirect off the request's origin
(`same_origin_redirect`). Apart from `transport.py`: the diagnostics, and what of the
platform's URLs they may show, are their own concern.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from ocpispec.ocpi import errors, hosts
from ocpispec.ocpi.errors import OcpiError, fail, safe_url


def foreign(url: str, login_url: str) -> OcpiError:
    target = (hosts.refused(url, login_url, ()) or "")[:80]
    same_host = hosts.place(url)[0] == hosts.place(login_url)[0]
    what = f"another port (`{target}`) of the host" if same_host else f"another host (`{target}`) than the URL"
    return fail(errors.FOREIGN_HOST, f"the platform points to {what} you gave; the token is not sent there",
                notes=[f"URL you gave: {safe_url(login_url)}", f"the platform's URL: {safe_url(url)}"],
                help=f"if `{target}` belongs to the platform, log in again with `--allow-host {target}`")


def scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def same_origin_redirect(url: str, location: str, login_url: str) -> str:
    """`location` joined to `url`, where it stays on `url`'s origin; else refused. Only a
    redirect of the versions URL itself can be mended by logging in with its target."""
    target = urljoin(url, location)
    if not errors.same_origin(target, url):
        # another host is the platform's text (a subdomain may hold a driver's address or a
        # token): only a place on the request's own host is named
        same_host = hosts.place(target)[0] == hosts.place(url)[0]
        where = "another scheme or port of the same host" if same_host else "another host"
        shown = errors.origin(target) if same_host else "another host (not shown: the platform chose its name)"
        raise fail(errors.HTTP_ERROR, f"the platform redirects to {where}; not following it with the token",
                   notes=[f"request: GET {safe_url(url)}", f"redirect to: {shown}"],
                   help="use the redirect target as the versions URL if you trust it (its `Location` "
                        "header: `curl -sI URL`), then log in again" if url == login_url else
                        "ask the CPO to list the redirect's target in place of this URL (in its versions list "
                        "or version details: the token goes only where they lead), then log in again")
    return target


def query_kept(url: str, target: str) -> str:
    """A same-origin redirect `target` of `url`, with `url`'s query where the target drops it
    on the way to another path (a web server adding a trailing slash by `$uri` alone): followed
    bare, a page lost its date filters, `offset` and `limit`, and every page was the first."""
    asked, sent = urlsplit(url), urlsplit(target)
    if sent.query or not asked.query or sent.path == asked.path:
        return target
    return urlunsplit(sent._replace(query=asked.query))
