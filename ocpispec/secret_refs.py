"""How a reference to a secret is shown: the name of the variable that holds a token or
a password, the path of the file that holds a private key.

A reference in the wrong place is often the secret itself: `--token-env "$OCPI_TOKEN"`
(the value where the name belongs), `password_env = "<the password>"` in a destination
profile, a CI secret holding the private key set as `OCPISPEC_SFTP_KEY_FILE` or
`OCPISPEC_SIGNING_KEY`, where its path belongs. Messages quoted such a "name" or
"path" whole, into the terminal, the cron mail and CI logs; a key too long for a file
name ended `approve` as an internal error (and `str(OSError)` quotes its file name).
So a reference is quoted only when it has the form of a variable's name or of a path;
otherwise it is described by its length, never shown.

    variable(name)        "environment variable `OCPI_TOKEN`", or a description
    key_file(path, what)  "the key file `~/.ssh/id`", or a description
    short_value(text)     "`NL-ABC`", or a description of what is too long to be one
    user(text)            "`drop`", or a description of what reads as a password
    is_file(path)         whether a file is there, False for what no file can be named
"""

from __future__ import annotations

import os
import re

from ocpispec.lazy_pattern import lazy

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_USER = lazy(r"[A-Za-z0-9._@-]{1,64}")
# a run of Base64 or hex long enough to be key material (a key's body on one line)
_BLOB = lazy(r"[A-Za-z0-9+/=_-]{40,}")
_KEY_MARKS = ("-----", "PRIVATE KEY", "LS0TLS1")  # PEM armour; `LS0tLS1` is Base64 of `-----`


def is_name(text: str) -> bool:
    """Whether `text` reads as an environment variable's name (`OCPI_TOKEN`,
    `research_sftp_password`, `KEY_20260101`), not as a token or password set where the
    name belongs: not mixed case with digits, and no part between underscores random-looking
    (digits strewn through a long word, `a1b2c3d4e5f6a7b8`, or more than eight). Mixed
    case with digits counts only from 16 characters, a token's length: `check` refuses
    a spec naming what is no name, so `S3Key` or `OcpiToken2` must stay names."""
    if _NAME.fullmatch(text) is None:
        return False
    return not (len(text) >= 16 and _mixed_with_digits(text)) \
        and not any(map(_random, text.split("_")))


def _mixed_with_digits(text: str) -> bool:
    """Upper and lower case with digits, as a random token is (`Xk9TqL2m`); `OcpiToken`
    is a name."""
    return any(c.isupper() for c in text) and any(c.islower() for c in text) \
        and any(c.isdigit() for c in text)


def _random(part: str) -> bool:
    """A part of a name made of digits strewn through a long word, or of many digits."""
    digits = sum(char.isdigit() for char in part)
    return digits > 8 or (len(part) >= 12 and digits >= 3)


def user(text: str) -> str:
    """A login's user name in backticks (`drop`, `ocpispec-upload`, `svc.drop@corp`); one
    that reads as a password (the two variables swapped) is described."""
    if _USER.fullmatch(text) and not _mixed_with_digits(text) \
            and not any(map(_random, re.split(r"[._@-]", text))):
        return f"`{text}`"
    return f"a value of {_characters(text)} (not shown: it may be the password, given as the user)"


def variable(name: str) -> str:
    """`environment variable `NAME``, or, for what is no variable's name, a description."""
    if is_name(name):
        return f"environment variable `{name}`"
    return (f"the environment variable named by a value of {_characters(name)} that is no "
            "variable's name (not shown: it may be the secret itself)")


def is_path(text: str) -> bool:
    """Whether `text` reads as a file's path, not as a key's text set where its path
    belongs: one printable line, no PEM armour, parts a file system can hold, no part
    that is a long run of Base64 of mixed case with digits."""
    if not text.isprintable() or len(text) > 4096 or any(mark in text.upper() for mark in _KEY_MARKS):
        return False
    for part in text.split("/"):
        if len(part.encode("utf-8", "surrogateescape")) > 255:
            return False
        if any(map(_mixed_with_digits, _BLOB.findall(part))):
            return False
    return True


def key_file(path: str | os.PathLike[str], what: str = "the key file") -> str:
    """`what `PATH``, or, for what is no file's path, `what` with a description."""
    text = os.fspath(path)
    if is_path(text):
        return f"{what} `{text}`"
    return (f"{what} (a value of {_characters(text)} that is no file's path; not shown: it "
            "may be the key itself)")


def short_value(text: str, most: int = 12) -> str:
    """A value that is short by nature (a party id, `NL-ABC`) in backticks; a longer one
    is described: the token given in the wrong option (`--party "$OCPI_TOKEN"`)."""
    if len(text) <= most and text.isprintable():
        return f"`{text}`"
    return f"a value of {_characters(text)} (not shown: it may be a secret given in the wrong place)"


def is_file(path: str | os.PathLike[str]) -> bool:
    """`Path.is_file`, False where it raised: a name longer than the file system takes,
    a NUL byte (a key's text given as its path)."""
    import stat  # not pathlib: `check` reads the configuration without loading it

    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _characters(text: str) -> str:
    lines = text.count("\n") + 1 if text.strip("\n") else 1
    return f"{len(text)} characters" + (f" on {lines} lines" if lines > 1 else "")
