"""Dutch and German places for the demo CPO: cities, streets, postal codes.

Data only. Coordinates are city centres; sites are scattered a few kilometres
around them. Postal code ranges are the real ranges of each city.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocpispec.demo.rng import Rng


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str        # ISO 3166-1 alpha-3, as Location.country wants
    country_code: str   # alpha-2
    latitude: float
    longitude: float
    postal_low: int
    postal_high: int
    time_zone: str
    streets: tuple[str, ...]


_NL_TZ = "Europe/Amsterdam"
_DE_TZ = "Europe/Berlin"

CITIES: tuple[City, ...] = (
    City("Utrecht", "NLD", "NL", 52.0907, 5.1214, 3511, 3585, _NL_TZ,
         ("Vredenburg", "Maliebaan", "Oudegracht", "Kanaalstraat", "Biltstraat", "Amsterdamsestraatweg")),
    City("Amsterdam", "NLD", "NL", 52.3676, 4.9041, 1011, 1109, _NL_TZ,
         ("Prinsengracht", "Overtoom", "Javastraat", "Ferdinand Bolstraat", "Van Woustraat", "IJburglaan")),
    City("Rotterdam", "NLD", "NL", 51.9244, 4.4777, 3011, 3089, _NL_TZ,
         ("Coolsingel", "Witte de Withstraat", "Kralingse Plaslaan", "Zuidplein", "Blaak")),
    City("Den Haag", "NLD", "NL", 52.0705, 4.3007, 2491, 2599, _NL_TZ,
         ("Laan van Meerdervoort", "Frederik Hendriklaan", "Prinsegracht", "Spui", "Weimarstraat")),
    City("Eindhoven", "NLD", "NL", 51.4416, 5.4697, 5611, 5658, _NL_TZ,
         ("Stratumseind", "Kruisstraat", "Boschdijk", "Fellenoord", "Vestdijk")),
    City("Groningen", "NLD", "NL", 53.2194, 6.5665, 9711, 9747, _NL_TZ,
         ("Herestraat", "Oosterstraat", "Paterswoldseweg", "Damsterdiep", "Zonnelaan")),
    City("Zwolle", "NLD", "NL", 52.5168, 6.0830, 8011, 8043, _NL_TZ,
         ("Diezerstraat", "Assendorperstraat", "Burgemeester Roelenweg", "Middelweg")),
    City("Berlin", "DEU", "DE", 52.5200, 13.4050, 10115, 14199, _DE_TZ,
         ("Kastanienallee", "Sonnenallee", "Karl-Marx-Allee", "Kurfürstendamm", "Bergmannstraße", "Schönhauser Allee")),
    City("Köln", "DEU", "DE", 50.9375, 6.9603, 50667, 51149, _DE_TZ,
         ("Venloer Straße", "Aachener Straße", "Severinstraße", "Deutzer Freiheit", "Neusser Straße")),
    City("München", "DEU", "DE", 48.1351, 11.5820, 80331, 81929, _DE_TZ,
         ("Leopoldstraße", "Sendlinger Straße", "Rosenheimer Straße", "Landsberger Straße", "Dachauer Straße")),
    City("Hamburg", "DEU", "DE", 53.5511, 9.9937, 20095, 22769, _DE_TZ,
         ("Mönckebergstraße", "Osterstraße", "Schanzenstraße", "Wandsbeker Chaussee", "Elbchaussee")),
    City("Aachen", "DEU", "DE", 50.7753, 6.0839, 52062, 52080, _DE_TZ,
         ("Pontstraße", "Jülicher Straße", "Trierer Straße", "Krefelder Straße")),
)

_NL_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
_NL_FORBIDDEN = {"SA", "SD", "SS"}

PUBLIC_SITE_NAMES = {
    "NL": ("Parkeergarage {street}", "Laadplein {street}", "P+R {city}", "{street} {number}",
           "Supermarkt {street}", "Station {city}"),
    "DE": ("Parkhaus {street}", "Ladepark {street}", "P+R {city}", "{street} {number}",
           "Supermarkt {street}", "Hauptbahnhof {city}"),
}
OWNER_NAMES = ("J. de Vries", "M. Jansen", "S. Bakker", "A. Visser", "K. Müller", "L. Schmidt",
               "T. Schneider", "P. Fischer", "E. Meijer", "R. Weber")


def postal_code(city: City, rng: Rng) -> str:
    """`3511 AB` in the Netherlands, `50667` in Germany."""
    number = city.postal_low + rng.below(city.postal_high - city.postal_low + 1)
    if city.country_code != "NL":
        return f"{number:05d}"
    while True:
        letters = rng.choice(_NL_LETTERS) + rng.choice(_NL_LETTERS)
        if letters not in _NL_FORBIDDEN:
            return f"{number} {letters}"


def coordinate(value: float) -> str:
    """GeoLocation strings carry 6 decimals (valid in every version)."""
    return f"{value:.6f}"
