"""`source profile cpo-prod`: a stored login's name with `-` or `.`, which `ocpispec login
--profile` takes, stopped the parser at the `-` with 'expected one of ...'. Such a name
is quoted in a spec (`profile "cpo-prod"`); the help writes it so."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

# the names `ocpispec login --profile` takes (ocpi/profiles.py)
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def punctuated_profile(token, said, source: SourceFile) -> Diagnostic | None:
    if len(said) < 2 or str(said[-2]) != "profile" or said[-1].type != "NAME":
        return None
    name_token = said[-1]
    if name_token.end_pos is None or token.start_pos != name_token.end_pos:
        return None  # not glued to the name: another mistake
    found = _PROFILE_NAME.match(source.text, name_token.start_pos)
    if found is None or found.end() <= name_token.end_pos:
        return None
    name = found.group()
    return error("OCX001", f"the profile name `{name}` is quoted in a spec",
                 Span(found.start(), found.end()), "a name with `-` or `.`",
                 notes=["a bare name in a spec holds letters, digits and `_`; a stored "
                        "login's name may also hold `-` and `.`"],
                 help=f"write `profile \"{name}\"`")
