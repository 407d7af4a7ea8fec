"""Credentials and options no request can carry, refused before any request: OCX510,
OCX511 or OCX512 for credentials, a `ValueError` for options a caller got wrong.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ocpispec import secret_refs
from ocpispec.ocpi import errors
from ocpispec.ocpi.errors import fail
from ocpispec.ocpi.options import TOKEN_ENCODINGS, VERSIONS, Credentials, FetchOptions, split_party


def validate_credentials(credentials: Credentials) -> None:
    """OCX510, OCX511 or OCX512 for credentials no request can carry (before any request;
    `execute.sources` asks it of a spec's variables, to name them)."""
    # before any message shows the versions URL: a platform may put the token in its path
    # (`/ocpi/{token}/versions`), and a token pasted with a line break or its header's
    # word is hidden by its parts
    for part in {credentials.token, *credentials.token.split()}:
        errors.keep_secret(part)
    errors.note_given_url(credentials.versions_url)
    if not all(char.isprintable() and not char.isspace() for char in credentials.versions_url):
        # a pasted second line or a CRLF `.env` file: the HTTP client would refuse it as a bug
        raise fail(errors.INVALID_URL, "the versions URL holds a space, a line break or "
                   "another character a URL cannot hold",
                   notes=[f"got: {errors.shown_if_url(credentials.versions_url)}"],
                   help="set the versions URL alone, on one line and without spaces")
    parts = urlsplit(credentials.versions_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail(errors.INVALID_URL, "the versions URL is not an http(s) URL",
                   notes=[f"got: {errors.shown_if_url(credentials.versions_url)}"],
                   help="pass the full URL, e.g. `https://cpo.example.com/ocpi/versions`")
    if "@" in parts.netloc:
        # the HTTP client would send `user:password` as Basic authentication in place of
        # the token (the platform then "rejects the token"), and a profile would keep it
        raise fail(errors.INVALID_URL, "the versions URL holds a user name or password "
                   "(`user:password@host`)",
                   notes=[f"got: {errors.shown_if_url(credentials.versions_url)}"],
                   help="remove `user:password@` from the URL: OCPI authenticates with the "
                        "credentials token alone (`--token`)")
    if not credentials.token or not all("!" <= c <= "~" for c in credentials.token):
        # an HTTP header holds ASCII only: the client would fail on it as on a bug
        raise fail(errors.MISSING_TOKEN, "the token is empty or contains whitespace or a "
                   "character other than printable ASCII",
                   help="pass the credentials token the CPO gave you with `--token` or `--token-env`")
    if credentials.token_encoding not in TOKEN_ENCODINGS:
        raise ValueError(f"token_encoding must be one of {TOKEN_ENCODINGS}")
    if credentials.version != "auto" and credentials.version not in VERSIONS:
        raise ValueError(f"version must be auto or one of {VERSIONS}")
    if credentials.party is not None and split_party(credentials.party) is None:
        raise fail(errors.INVALID_PARTY, f"{secret_refs.short_value(credentials.party)} is not a party id",
                   help="write your party as country code and party id, e.g. `NL-ABC`")


def _validate_options(options: FetchOptions) -> None:
    if options.concurrency < 1 or (options.page_size is not None and options.page_size < 1):
        raise ValueError("concurrency and page_size must be at least 1")
