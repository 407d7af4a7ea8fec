"""Whether a run needs an approval: the spec's `requires approval` header line, or the
configuration's `require_approval`: the `OCPISPEC_REQUIRE_APPROVAL` environment setting
(`1`/`yes` or `signed`) or `require_approval` in an ocpispec.toml. `run`, `approvals`,
`approve` and `review` all ask `demanded`, so the CI gate demands what the run demands.

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


def demanded(spec: str | None, configured: str | None, origin: str) -> tuple[str | None, str]:
    """The requirement a run of the spec is held to (the stricter of the spec's header
    and the configuration's `require_approval`, read from `OCPISPEC_REQUIRE_APPROVAL`
    or an ocpispec.toml: `origin` as the configuration gives it, `env NAME` or
    `FILE:LINE`), and why, in words that name where it comes from."""
    demand = stricter(spec, configured)
    if demand is None:
        return None, ""
    if spec == demand:
        return demand, f"the spec says `requires {demand}`"
    if origin.startswith("env "):
        return demand, f"{ENV_REQUIRE} demands {demand} of every spec"
    return demand, f"`require_approval` in {origin} demands {demand} of every spec"


def configured(config) -> tuple[str | None, str]:
    """`require_approval` of a loaded configuration (`ocpispec.config.Config`), with
    its origin: what `demanded` takes."""
    return config.get("require_approval"), config.origin("require_approval")
