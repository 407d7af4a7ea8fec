"""Enum values as drivers, charger vendors and energy agencies name them.

`where location.connector.standard = "CCS"` is OCX205 (OCPI writes the IEC name,
`IEC_62196_T2_COMBO`), and a spelling guess led astray: `CCS` is two letters from
`MCS`, the megawatt charger. `power_type = "AC"` names four OCPI values at once. These
are the names meant, for OCX205's help.
"""

from __future__ import annotations

import re

# ConnectorType by its everyday names (upper case, without spaces, `-` or `_`)
_CONNECTORS = {
    **dict.fromkeys(("CCS", "CCS2", "COMBO", "COMBO2", "CCSCOMBO2", "CCSTYPE2", "TYPE2COMBO",
                     "T2COMBO", "CCSCOMBO"), "IEC_62196_T2_COMBO"),
    **dict.fromkeys(("CCS1", "COMBO1", "CCSCOMBO1", "CCSTYPE1", "TYPE1COMBO", "T1COMBO"),
                    "IEC_62196_T1_COMBO"),
    **dict.fromkeys(("TYPE2", "T2", "MENNEKES", "IEC62196T2", "IEC621962"), "IEC_62196_T2"),
    **dict.fromkeys(("TYPE1", "T1", "J1772", "SAEJ1772", "YAZAKI"), "IEC_62196_T1"),
    **dict.fromkeys(("TYPE3", "TYPE3A", "SCAME"), "IEC_62196_T3A"),
    "TYPE3C": "IEC_62196_T3C",
    **dict.fromkeys(("SCHUKO", "CEE77", "DOMESTIC"), "DOMESTIC_F"),
    **dict.fromkeys(("NACS", "J3400", "TESLANACS"), "SAE_J3400"),
    **dict.fromkeys(("GBT", "GB/T", "GBTDC"), "GBT_DC"),
    "GBTAC": "GBT_AC",
}
_NOTES = {"IEC_62196_T2_COMBO": "CCS in Europe (CCS2); North America's CCS1 is "
                                "`IEC_62196_T1_COMBO`"}

# a value standing for several: `"AC"` is every AC power type
_FAMILIES = {("PowerType", "AC"): "AC*"}


def enum_meant(enum: str, written: str, values: tuple[str, ...]) -> tuple[str, str] | None:
    """(the value meant, a note on it) for an everyday name of an OCPI value."""
    if enum != "ConnectorType":
        return None
    meant = _CONNECTORS.get(re.sub(r"[\s_\-.]+", "", written.upper()))
    if meant is None or meant not in values:
        return None
    return meant, _NOTES.get(meant, f"`{written}` is `{meant}` in OCPI")


def enum_family(enum: str, written: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """The values a family name stands for (`"AC"`: `AC_1_PHASE`, `AC_3_PHASE`, ...)."""
    pattern = _FAMILIES.get((enum, written.strip().upper()))
    if pattern is None:
        return ()
    prefix = pattern.removesuffix("*")
    return tuple(value for value in values if value.startswith(prefix))



# how a charge was started is told by two fields of a session or CDR, each of its own
# enum: `auth_method` (AuthMethod) and the token's `cdr_token.type` (TokenType); a
# token's own `type` (the tokens module) has no `auth_method` beside it
_SIBLINGS = {("auth_method",): ("TokenType", ("cdr_token", "type"),
                                "the type of the driver's token"),
             ("cdr_token", "type"): ("AuthMethod", ("auth_method",),
                                     "how the charge was authorised")}


def enum_sibling(path: tuple[str, ...], written: str, values_of) -> tuple[str, str] | None:
    """(the help, a note) for a value of the other field that says how a charge started:
    `auth_method = "RFID"` (a token type) or `cdr_token.type = "WHITELIST"`. `path` is
    the field compared, `values_of` gives an enum's values in the spec's version."""
    tail = next((tail for tail in _SIBLINGS if path[-len(tail):] == tail), None)
    if tail is None:
        return None
    other, field, meaning = _SIBLINGS[tail]
    word = re.sub(r"[\s\-]+", "_", written.strip().upper())
    value = next((v for v in values_of(other) if v == word or v.startswith(word + "_")), None)
    if value is None:
        return None
    written_path = ".".join((*path[:-len(tail)], *field))  # through a join's alias too
    return (f'compare `{written_path}` with it: `{written_path} = "{value}"`',
            f"`{value}` is {meaning} (`{written_path}`, of type `{other}`)")
