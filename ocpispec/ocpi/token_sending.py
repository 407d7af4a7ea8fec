"""How a transport sends its token: the form (raw or Base64) it is sent in and the one switch
between them, the headers that carry it (with tracing and OCPI routing), and the hosts it
may go to. Split from `transport.py`, whose `Transport` keeps the state these read (set in
its `__init__`).
"""

from __future__ import annotations

import base64
import threading
import uuid

from ocpispec.ocpi import errors, hosts
from ocpispec.ocpi.errors import fail, safe_url
from ocpispec.ocpi.options import split_party
from ocpispec.ocpi.stats import Warnings
from ocpispec.ocpi.token_places import foreign, scheme


class TokenSending:
    _token: str
    _login_url: str
    _allowances: tuple[str, ...]
    _warnings: Warnings
    _setting: str
    _encoding: str
    _switched: bool
    _data_switched: bool
    _confirmed: str | None
    _lock: threading.Lock
    _routing: dict[str, str]

    @property
    def encoding(self) -> str:
        return self._encoding

    @property
    def forms_differ(self) -> bool:
        """Whether a data request was answered only in the other token form than the one
        it was first sent in (after discovery chose that one)."""
        return self._data_switched and self._confirmed is not None

    def use_version(self, version: str) -> None:
        """Pick the token encoding `version` calls for, unless the platform has
        already shown (by a 401) that it wants the other one."""
        with self._lock:
            if self._setting == "auto" and not self._switched:
                self._encoding = "plain" if version == "2.1.1" else "base64"

    def start_in(self, encoding: str) -> None:
        """Send the token in `encoding`, the form discovery took (`auto`: a data request
        refused in it may still switch once)."""
        with self._lock:
            self._encoding, self._switched = encoding, True

    def forget_unconfirmed_switch(self) -> None:
        """Undo a switch of the token form that no answer confirmed (a first answer that was
        a server error tried the other form): discovery then asks with the form it would
        have used, not one the platform may refuse."""
        with self._lock:
            if self._switched and self._confirmed is None:
                self._switched = False
                self._encoding = "plain" if self._setting == "plain" else "base64"

    def route(self, version: str, party: str | None, to_party: str | None) -> None:
        """The `OCPI-from-*`/`OCPI-to-*` headers for data requests (2.2+ only)."""
        self._routing = {} if version == "2.1.1" else _routing_headers(party, to_party)

    def _check_host(self, url: str) -> None:
        """The token goes only to the host and port of the URL the user gave, or to hosts
        allowed at login, and never in clear text when the user gave an https:// URL."""
        at_home = hosts.place(url) == hosts.place(self._login_url)
        allowance = None if at_home else hosts.allowed(url, self._allowances)
        if not at_home and allowance is None:
            raise foreign(url, self._login_url)
        if scheme(self._login_url) == "https" and scheme(url) != "https":
            raise fail(errors.FOREIGN_HOST, "the platform points to a plain http:// URL, but you logged in "
                       "over https://; the token is not sent unencrypted",
                       notes=[f"URL you gave: {safe_url(self._login_url)}",
                              f"the platform's URL: {safe_url(url)}"],
                       help="ask the CPO to list https:// URLs; if the host speaks https, log in again with "
                            "`--endpoint-scheme-from-url` to use https:// for its endpoints")
        if allowance is not None:
            self._warnings.add(f"sending the token to `{allowance[:80]}` as allowed at login (--allow-host)",
                               kind=f"allowed-host-{allowance}")

    def _headers(self, encoding: str, routing: bool, correlation_id: str | None) -> dict[str, str]:
        token = self._token if encoding == "plain" else base64.b64encode(self._token.encode()).decode()
        headers = {"Authorization": f"Token {token}", "X-Request-ID": str(uuid.uuid4()),
                   "X-Correlation-ID": correlation_id or str(uuid.uuid4())}
        if routing:
            headers.update(self._routing)
        return headers

    def _switch_encoding(self, used: str, routing: bool = False) -> bool:
        """Whether to try the request again in the other token form (`auto` only): once,
        and once more on the first data request when discovery chose the form (a gateway in
        front of the versions URL may take the other form than the data endpoints)."""
        with self._lock:
            data = routing and self._confirmed is None and not self._data_switched
            if self._setting != "auto" or self._switched and self._encoding == used and not data:
                return False
            if self._encoding == used:
                self._encoding = "plain" if used == "base64" else "base64"
                self._switched = True
                self._data_switched |= routing
            return True


def _routing_headers(party: str | None, to_party: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if (ours := split_party(party)) is not None:
        headers.update({"OCPI-from-country-code": ours[0], "OCPI-from-party-id": ours[1]})
    if (theirs := split_party(to_party)) is not None:
        headers.update({"OCPI-to-country-code": theirs[0], "OCPI-to-party-id": theirs[1]})
    return headers


