"""A pseudonym key read from a variable whose value others know.

`pseudonym key env OCPI_TOKEN` keys every pseudonym with the platform's token (the
platform that issued it knows it), `env OCPI_VERSIONS_URL` with a URL, `env PATH` with
what every account on the machine reads. The run refuses such a key by its value
(`execute/keys.py`, OCX551); a reference the spec itself shows is refused at check
time, so a privacy officer never reviews (and the review never calls "a key the CPO
keeps") a key that is no secret.
"""

from __future__ import annotations

PUBLIC_VARIABLES = frozenset({
    "PATH", "HOME", "PWD", "OLDPWD", "USER", "USERNAME", "LOGNAME", "SHELL", "TERM",
    "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP", "HOSTNAME", "HOST", "MAIL",
    "EDITOR", "VISUAL", "PAGER", "DISPLAY", "MANPATH", "INFOPATH", "PYTHONPATH",
    "VIRTUAL_ENV", "LD_LIBRARY_PATH", "SHLVL", "_", "COLORTERM", "TERM_PROGRAM",
    "OCPISPEC_TEMPLATES_ROOT"})
PUBLIC_PREFIXES = ("LC_", "XDG_", "SSH_")


def known_kind(name: str, source: tuple[str, ...]) -> str | None:
    """What makes variable `name` known beyond the key's keeper (`source`: the variables
    the spec's source reads), or None."""
    if name in source:
        return "a variable the source reads"
    if name in PUBLIC_VARIABLES or name.startswith(PUBLIC_PREFIXES):
        return "a variable the system sets for everyone"
    return None
