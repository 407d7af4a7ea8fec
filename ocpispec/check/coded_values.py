"""Text fields OCPI writes in a code system, compared with a value in another one.

A location's `country` is ISO 3166-1 alpha-3 (`"NLD"`), the party's `country_code`
alpha-2 (`"NL"`), a `currency` ISO 4217 (`"EUR"`). `where location.country = "NL"` is
never true: the export is silently empty (the run only says no row was released).
Warning OCX240 names the code the field holds (`"NLD"`); a warning, as a platform that
deviates from OCPI may send another form.
"""

from __future__ import annotations

from ocpispec.diagnostics import Diagnostic, warning
from ocpispec.language import syntax
from ocpispec.schema.model import Field

# ISO 3166-1 alpha-2 -> alpha-3, for the countries OCPI platforms serve (and `UK`,
# which ISO calls `GB`)
ALPHA3 = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "CH": "CHE", "CY": "CYP", "CZ": "CZE",
    "DE": "DEU", "DK": "DNK", "EE": "EST", "ES": "ESP", "FI": "FIN", "FR": "FRA",
    "GB": "GBR", "UK": "GBR", "GR": "GRC", "HR": "HRV", "HU": "HUN", "IE": "IRL",
    "IS": "ISL", "IT": "ITA", "LI": "LIE", "LT": "LTU", "LU": "LUX", "LV": "LVA",
    "MT": "MLT", "NL": "NLD", "NO": "NOR", "PL": "POL", "PT": "PRT", "RO": "ROU",
    "SE": "SWE", "SI": "SVN", "SK": "SVK", "TR": "TUR", "UA": "UKR", "US": "USA",
    "CA": "CAN", "AU": "AUS", "NZ": "NZL", "JP": "JPN", "KR": "KOR", "CN": "CHN",
    "IN": "IND", "SG": "SGP", "AE": "ARE", "IL": "ISR", "ZA": "ZAF", "BR": "BRA",
    "MX": "MEX"}
_ALPHA2 = {three: two for two, three in ALPHA3.items() if two != "UK"}
_CURRENCIES = {"€": "EUR", "EURO": "EUR", "EUROS": "EUR", "£": "GBP", "POUND": "GBP",
               "POUNDS": "GBP", "$": "USD", "DOLLAR": "USD", "DOLLARS": "USD"}

# OCPI names these fields alike in every object and version
_SYSTEMS = {"country": ("alpha-3", "ISO 3166-1 alpha-3", 3, '"NLD"'),
            "country_code": ("alpha-2", "ISO 3166-1 alpha-2", 2, '"NL"'),
            "currency": ("ISO 4217", "ISO 4217", 3, '"EUR"')}


def coded_value(field: Field, literal: syntax.Literal) -> Diagnostic | None:
    """OCX240 for a text the field, by its code system, never holds."""
    if field.name not in _SYSTEMS or not isinstance(literal.value, str):
        return None
    system, name, length, example = _SYSTEMS[field.name]
    written = literal.value
    if len(written) == length and written.isascii() and written.isalpha() \
            and written.isupper() and not (system == "alpha-2" and written == "UK"):
        return None  # the United Kingdom is `GB` in ISO 3166-1
    meant = _meant(system, written.strip())
    return warning("OCX240", f"`{field.name}` never holds `\"{written}\"`", literal.span,
                 f"not {name}",
                 notes=[f"OCPI writes `{field.name}` as {name}: {length} capital letters, "
                        f"e.g. `{example}`", "the comparison is never true on a platform "
                        "that follows OCPI, so the export would be empty"],
                 help=f'write `"{meant}"`' if meant else
                 f"write the {name} code, e.g. `{example}`")


def _meant(system: str, written: str) -> str | None:
    upper = written.upper()
    match system:
        case "alpha-3":
            return ALPHA3.get(upper) or (upper if upper in _ALPHA2 else None)
        case "alpha-2":
            return _ALPHA2.get(upper) or (upper if upper in ALPHA3 and upper != "UK" else
                                          "GB" if upper == "UK" else None)
        case _:
            if upper in _CURRENCIES:
                return _CURRENCIES[upper]
            return upper if len(upper) == 3 and upper.isalpha() else None
