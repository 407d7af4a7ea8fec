"""Whether a run needs an approval: the spec's `requires approval` header line, or the
`OCPISPEC_REQUIRE_APPROVAL` environment setting (`1`/`yes` or `signed`).

`approval`: an approval record for the spec's privacy fingerprint must exist. `signed
approval`: it must also carry an SSH signature that verifies against the CPO's
`allowed_signers` file. The stricter of the spec's and the setting's demand applies.
"""

from __future__ import annotations

from collections.abc import Mapping

APPROVAL = "approval"
SIGNED = "signed approval"
REQUIREMENTS = (APPROVAL, SIGNED)
ENV_REQUIRE = "OCPISPEC_REQUIRE_APPROVAL"
_SETTINGS = {"1": APPROVAL, "yes": APPROVAL, "true": APPROVAL, "approval": APPROVAL,
             "signed": SIGNED, "0": None, "no": None, "false": None, "": None}


def normalise(phrase: str) -> str | None:
    """The requirement a header phrase names, or None when it names none."""
    phrase = " ".join(phrase.lower().split())
    return phrase if phrase in REQUIREMENTS else None


def from_setting(env: Mapping[str, str]) -> str | None:
    """The requirement `OCPISPEC_REQUIRE_APPROVAL` sets (an unknown value means `signed`:
    a mistyped setting must not switch the gate off)."""
    value = env.get(ENV_REQUIRE, "").strip().lower()
    return _SETTINGS.get(value, SIGNED)


def stricter(first: str | None, second: str | None) -> str | None:
    rank = {None: 0, APPROVAL: 1, SIGNED: 2}
    return first if rank.get(first, 2) >= rank.get(second, 2) else second
