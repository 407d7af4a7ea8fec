"""The demo CPO's tariffs: a fixed, small catalogue (data plus a price formula)."""

from __future__ import annotations

from dataclasses import dataclass

TARIFFS_START = 1705276800           # 2024-01-15T00:00:00Z


@dataclass(frozen=True, slots=True)
class Tariff:
    index: int
    id: str
    type: str | None                  # TariffType (2.2+); None = valid for all sessions
    description: str
    energy: float                     # EUR per kWh, excl. VAT
    time: float = 0.0                 # EUR per charging hour
    parking: float = 0.0              # EUR per parking hour (weekdays 09:00-18:00)
    flat: float = 0.0                 # EUR per session
    night_energy: float | None = None  # EUR per kWh between 22:00 and 07:00

    @property
    def last_updated(self) -> int:
        return TARIFFS_START + self.index * 86400

    def cost(self, kwh: float, charging_hours: float, parking_hours: float) -> float:
        """The session price excl. VAT (day rates; good enough for synthetic data)."""
        total = self.flat + kwh * self.energy + charging_hours * self.time + parking_hours * self.parking
        return round(total, 2)


TARIFF_LIST: tuple[Tariff, ...] = (
    Tariff(0, "AC-STD", "REGULAR", "0.39 EUR/kWh, parking 2.00 EUR/h on weekdays", 0.39, parking=2.0),
    Tariff(1, "AC-TIME", "REGULAR", "0.35 EUR/kWh plus 1.20 EUR/h", 0.35, time=1.2),
    Tariff(2, "DC-FAST", "REGULAR", "0.69 EUR/kWh plus 0.50 EUR per session", 0.69, flat=0.5),
    Tariff(3, "ADHOC", "AD_HOC_PAYMENT", "ad hoc payment: 0.79 EUR/kWh", 0.79),
    Tariff(4, "NIGHT", "PROFILE_CHEAP", "0.45 EUR/kWh, 0.29 EUR/kWh at night", 0.45, night_energy=0.29),
    Tariff(5, "HOME", None, "home charging compensation: 0.25 EUR/kWh", 0.25),
)
TARIFFS: dict[str, Tariff] = {t.id: t for t in TARIFF_LIST}
