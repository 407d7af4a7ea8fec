"""The verifying TLS context every client shares, reading its CA bundle at the first TLS
handshake instead of when a client is built.

Reading the bundle (certifi's, or the one `SSL_CERT_FILE`/`SSL_CERT_DIR` names, as
`httpx.create_ssl_context` chooses it) costs about 240 M instructions, some 50 ms of a
process: every `get`, `run` and `login` paid it, an http:// source too, which never
uses it. The context is the one `httpx.create_ssl_context()` builds (`PROTOCOL_TLS_CLIENT`:
certificates required, host names checked; `SSLKEYLOGFILE` honoured as
`ssl.create_default_context` does); only its trust store is filled later, before the first
socket or memory BIO it wraps, so no handshake ever runs without it.

A bundle that cannot be read fails the first https request with `UnreadableCaBundle`
(not an `OSError`: the HTTP client would take it for a connection failure and retry).
"""

from __future__ import annotations

import functools
import os
import re
import ssl
import sys
import threading
from typing import Any


class UnreadableCaBundle(Exception):
    """The CA certificates the environment (or certifi) names cannot be loaded."""

    def __init__(self, source: str, location: str, reason: str) -> None:
        super().__init__(f"{source} `{location}`: {reason}")
        self.source, self.location, self.reason = source, location, reason


class _TrustOnFirstHandshake(ssl.SSLContext):
    """A client context that loads its CA certificates before it wraps its first
    connection (once; every thread waits for the one load)."""

    def __init__(self, protocol: int, cert_file: str | None, cert_dir: str | None) -> None:
        self._cert_file, self._cert_dir = cert_file, cert_dir
        self._load_lock = threading.Lock()
        self._loaded = False

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load_trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load_trust()
        return super().wrap_bio(*args, **kwargs)

    def _load_trust(self) -> None:
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded:
                return
            if self._cert_file:
                source, cafile, capath = "SSL_CERT_FILE", self._cert_file, None
            elif self._cert_dir:
                source, cafile, capath = "SSL_CERT_DIR", None, self._cert_dir
            else:
                import certifi

                source, cafile, capath = "certifi's CA bundle", certifi.where(), None
            try:
                self.load_verify_locations(cafile=cafile, capath=capath)
            except (OSError, ValueError) as exc:     # ssl.SSLError is an OSError
                reason = re.sub(r" \(_ssl\.c:\d+\)$", "", getattr(exc, "strerror", None) or str(exc)) \
                    or type(exc).__name__
                raise UnreadableCaBundle(source, cafile or capath or "", reason) from None
            self._loaded = True


def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every client shares (one per process, keyed on the
    variables that choose the bundle, `SSL_CERT_FILE` and `SSL_CERT_DIR`): each client
    used to build its own, reading the bundle again."""
    return _tls_context_for(os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None)


@functools.cache
def _tls_context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    context = _TrustOnFirstHandshake(ssl.PROTOCOL_TLS_CLIENT, cert_file, cert_dir)
    if sys.version_info >= (3, 13):  # as ssl.create_default_context sets them there
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    # what ssl.create_default_context adds to PROTOCOL_TLS_CLIENT's defaults
    # (CERT_REQUIRED and check_hostname are those defaults)
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:
        context.keylog_filename = keylog
    return context
