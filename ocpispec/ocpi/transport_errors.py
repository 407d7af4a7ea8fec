"""What an httpx transport error was, as the transport reads it: a TLS failure anywhere
in its chain of causes (`tls_failure`: not retried, a certificate that failed stays
failed), or another one, described for the retry's reason and log line without secrets
(`describe`). Apart from `transport.py`, whose attempts only ask these two questions.
"""

from __future__ import annotations

import ssl

import httpx

from ocpispec.ocpi import errors


def tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def describe(exc: httpx.TransportError) -> str:
    """The library's text goes into the retry's log line too: without the token."""
    text = errors.without_secrets(str(exc))
    match exc:
        case httpx.ConnectError():
            return f"cannot connect ({text})" if text else "cannot connect"
        case httpx.RemoteProtocolError():
            return "the server closed the connection without a complete answer"
        case _:
            return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

