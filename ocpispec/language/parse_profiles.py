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


def demo_source(token, said) -> Diagnostic | None:
    """`source demo`: the built-in demo CPO is chosen on the command line (`--demo`), not
    in a spec, which names the platform it exports from."""
    if not said or str(said[-1]) != "source" \
            or str(token).lower().replace("-", "_") not in ("demo", "demo_cpo", "demo_server") \
            or token.start_pos is None or token.end_pos is None:
        return None
    return error("OCX001", f"`{token}` is not a source: the demo CPO is chosen on the command line",
                 Span(token.start_pos, token.end_pos), "not a source",
                 notes=["a spec names the platform it exports from; `ocpispec run SPEC --demo` "
                        "runs it against the built-in demo CPO whatever its source says"],
                 help="write the platform's source (`source ocpi env OCPI_VERSIONS_URL token env "
                      "OCPI_TOKEN`, or `source profile NAME`) and run with `--demo`")
