"""Who an aggregate's minimum group size and a k rule count: drivers, by the id of their
contract or token, read from the records of each module that has drivers."""

from __future__ import annotations

import re

# who a group's size counts in aggregates: JMESPath and the paths it reads. The contract
# is the driver, its tokens (a card, an app, a second card) are not: ten tokens of one
# contract are one driver, on the tokens list as on sessions and CDRs. A one-time token
# (OCPI's `AD_HOC_USER`: a new uid per charge) names no driver: null, so its records add
# none, as records without an id do (one person paying ad hoc ten times is no ten).
ONE_TIME_TOKENS = ("AD_HOC_USER", "ad_hoc_user")


def driver_expression(token: str) -> str:
    """The driver of a record whose token's fields are read under `token` (a prefix)."""
    one_time = ", ".join(f"'{kind}'" for kind in ONE_TIME_TOKENS)
    return (f"!contains([{one_time}], {token}type) && ({token}contract_id || {token}uid)"
            " || `null`")


def uid_first(entity: str) -> str | None:
    """`entity` reading the card's uid before the contract id, or None where it reads
    no such pair. A platform writes the uid where the contract id belongs (or nothing)
    on the charges it authorised itself, the contract on the eMSP's: read contract
    first, one card is two drivers; uid first, one contract's two cards are. A group's
    drivers are the fewer of the two counts."""
    found = _CONTRACT_OR_UID.search(entity)
    if found is None:
        return None
    token = found.group(1)
    return f"{entity[:found.start()]}({token}uid || {token}contract_id){entity[found.end():]}"


_CONTRACT_OR_UID = re.compile(r"\(([\w.]*)contract_id \|\| \1uid\)")
DRIVERS = {"sessions": driver_expression("cdr_token."), "cdrs": driver_expression("cdr_token."),
           "tokens": driver_expression("")}
# what DRIVERS reads, as the plan tells it
DRIVER_WORDS = {"sessions": "cdr_token.contract_id || cdr_token.uid",
                "cdrs": "cdr_token.contract_id || cdr_token.uid", "tokens": "contract_id || uid"}
DRIVER_PATHS = {"sessions": (("cdr_token", "contract_id"), ("cdr_token", "uid"),
                             ("cdr_token", "type")),
                "cdrs": (("cdr_token", "contract_id"), ("cdr_token", "uid"),
                         ("cdr_token", "type")),
                "tokens": (("contract_id",), ("uid",), ("type",))}
ONE_TIME_WORDS = "one-time tokens (`AD_HOC_USER`) adding none"
