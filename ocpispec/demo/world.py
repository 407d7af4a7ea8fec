"""The demo CPO's world as version-neutral facts: sites, drivers, tariffs, charges.

Everything is a pure function of (seed, size, index), so any object can be built
alone and nothing is held in memory. Timestamps are epoch seconds; `last_updated`
grows with the index in every module, which makes date filtering index arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ocpispec.demo.places import CITIES, OWNER_NAMES, PUBLIC_SITE_NAMES, City, postal_code
from ocpispec.demo.rng import Rng
from ocpispec.demo.tariffs import TARIFFS, Tariff

SESSIONS_START = 1735689600          # 2025-01-01T00:00:00Z
SESSIONS_SPAN = 365 * 86400


def data_end():
    """The demo CPO's "now": the end of its synthetic year of sessions (a UTC datetime)."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(SESSIONS_START + SESSIONS_SPAN, UTC)
SITES_START = 1709251200             # 2024-03-01T00:00:00Z
DRIVERS_START = 1706745600           # 2024-02-01T00:00:00Z
BLOCK = 20                           # sessions per status block: 17 completed, 3 not
COMPLETED_PER_BLOCK = 17
SUPERBLOCK = 4 * BLOCK               # one credit CDR per 80 sessions
CDR_DELAY = 300                      # a CDR is issued 5 minutes after its session's last update


@dataclass(frozen=True, slots=True)
class ConnectorFacts:
    id: str
    standard: str
    format: str
    power_type: str
    voltage: int
    amperage: int
    power_w: int
    tariff_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvseFacts:
    uid: str
    evse_id: str
    status: str
    physical_reference: str
    connectors: tuple[ConnectorFacts, ...]


@dataclass(frozen=True, slots=True)
class Site:
    index: int
    id: str
    name: str | None
    city: City
    address: str
    postal_code: str
    latitude: float
    longitude: float
    private: bool
    parking_type: str
    dc: bool
    evses: tuple[EvseFacts, ...]
    owner: str | None
    owner_driver: int | None
    last_updated: int


@dataclass(frozen=True, slots=True)
class Driver:
    index: int
    uid: str
    token_type: str           # RFID | APP_USER
    contract_id: str
    visual_number: str
    issuer: str
    country_code: str         # the eMSP owning the token
    party_id: str
    group_id: str | None
    language: str
    valid: bool
    energy_supplier: str | None
    energy_contract_id: str | None
    last_updated: int


@dataclass(frozen=True, slots=True)
class Charge:
    """One charging session; its CDR (if completed) carries the same facts."""

    index: int
    id: str
    site: Site
    evse: EvseFacts
    connector: ConnectorFacts
    driver: Driver
    status: str               # COMPLETED | ACTIVE | PENDING | INVALID
    auth_method: str          # WHITELIST | AUTH_REQUEST | COMMAND
    authorization_reference: str | None
    meter_id: str | None
    start: int
    end: int | None
    kwh: float
    charging_hours: float
    parking_hours: float
    tariff: Tariff
    cost_excl_vat: float
    vat_percent: float
    last_updated: int


class World:
    """The facts for one (seed, size)."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = size
        self.site_count = min(400, max(24, size // 10))
        self.driver_count = min(500, max(16, size // 6))
        self.session_step = max(1, SESSIONS_SPAN // max(size, 1))
        self.site = lru_cache(maxsize=None)(self._site)
        self.driver = lru_cache(maxsize=None)(self._driver)

    # -- time axis ---------------------------------------------------------------

    def session_last_updated(self, index: int) -> int:
        return SESSIONS_START + index * self.session_step + self.session_step // 2

    # -- sites -------------------------------------------------------------------

    def _site(self, index: int) -> Site:
        rng = Rng(self.seed, "site", index)
        city = CITIES[(index + rng.below(3)) % len(CITIES)]
        private = index % 10 == 3
        parking = "ON_DRIVEWAY" if private else rng.choice(
            ("ON_STREET", "ON_STREET", "PARKING_GARAGE", "PARKING_LOT", "UNDERGROUND_GARAGE", "ALONG_MOTORWAY"))
        dc = not private and (parking == "ALONG_MOTORWAY" or rng.random() < 0.1)
        street = rng.choice(city.streets)
        number = 1 + rng.below(240)
        site_id = f"LOC{index:05d}"
        owner_driver = (index * 7919) % self.driver_count if private else None
        return Site(
            index=index, id=site_id,
            name=None if private else _site_name(city, street, number, rng),
            city=city, address=f"{street} {number}", postal_code=postal_code(city, rng),
            latitude=city.latitude + rng.uniform(-0.04, 0.04),
            longitude=city.longitude + rng.uniform(-0.06, 0.06),
            private=private, parking_type=parking, dc=dc,
            evses=_evses(site_id, index, city, private, dc, rng),
            owner=rng.choice(OWNER_NAMES) if private else None, owner_driver=owner_driver,
            last_updated=SITES_START + index * 6 * 3600)

    def private_sites(self) -> range:
        return range(3, self.site_count, 10)

    # -- drivers -----------------------------------------------------------------

    def _driver(self, index: int) -> Driver:
        rng = Rng(self.seed, "driver", index)
        dutch = rng.random() < 0.7
        country, party, issuer = ("NL", "EMS", "Demo Mobility") if dutch else ("DE", "EMP", "Elektro Mobil GmbH")
        energy = rng.random() < 0.3
        return Driver(
            index=index, uid=f"{rng.bits() & 0xFFFFFFFFFFFFFF:014X}",
            token_type="APP_USER" if rng.random() < 0.2 else "RFID",
            contract_id=f"{country}-{party}-C{rng.below(10 ** 8):08d}-{rng.choice('0123456789ABCDEFX')}",
            visual_number=f"{party}-{index:06d}-{rng.below(10)}", issuer=issuer,
            country_code=country, party_id=party,
            group_id=f"FLEET-{index // 7:03d}" if index % 7 == 0 else None,
            language=rng.choice(("nl", "nl", "en", "de")) if dutch else rng.choice(("de", "de", "en")),
            valid=rng.random() < 0.97,
            energy_supplier=rng.choice(("Groene Stroom B.V.", "Stadtwerke Demo")) if energy else None,
            energy_contract_id=f"EC{rng.below(10 ** 9):09d}" if energy else None,
            last_updated=DRIVERS_START + index * 4 * 3600)

    # -- charges -----------------------------------------------------------------

    def status(self, index: int) -> str:
        return _block_statuses(self.seed, index // BLOCK)[index % BLOCK]

    def charge(self, index: int) -> Charge:
        rng = Rng(self.seed, "charge", index)
        site = self._pick_site(rng)
        evse = rng.choice(site.evses)
        connector = rng.choice(evse.connectors)
        driver = self.driver(site.owner_driver if site.owner_driver is not None
                             else int(self.driver_count * rng.random() ** 2))
        status = self.status(index)
        last_updated = self.session_last_updated(index)
        auth = rng.choice(("WHITELIST", "WHITELIST", "WHITELIST", "AUTH_REQUEST", "AUTH_REQUEST", "COMMAND"))
        timing = _timing(rng, status, site.dc, connector.power_w, last_updated)
        start, end, kwh, charging_hours, parking_hours = timing
        tariff = TARIFFS[connector.tariff_ids[0]]
        return Charge(
            index=index, id=f"SES{index:09d}", site=site, evse=evse, connector=connector,
            driver=driver, status=status, auth_method=auth,
            authorization_reference=f"AR{rng.bits() & 0xFFFFFFFFFF:010X}" if auth != "WHITELIST" else None,
            meter_id=f"MTR-{evse.uid}" if site.private or rng.random() < 0.3 else None,
            start=start, end=end, kwh=kwh, charging_hours=charging_hours, parking_hours=parking_hours,
            tariff=tariff, cost_excl_vat=tariff.cost(kwh, charging_hours, parking_hours),
            vat_percent=21.0 if site.city.country_code == "NL" else 19.0,
            last_updated=last_updated)

    def _pick_site(self, rng: Rng) -> Site:
        private = self.private_sites()
        if rng.random() < 0.08 and len(private):
            return self.site(rng.choice(private))
        index = rng.below(self.site_count)
        return self.site(index + 1 if index % 10 == 3 and index + 1 < self.site_count else index)

    # -- CDRs: regular ones follow completed sessions, one credit CDR per 80 sessions --

    def completed_before(self, index: int) -> int:
        block, rest = divmod(index, BLOCK)
        statuses = _block_statuses(self.seed, block)
        return block * COMPLETED_PER_BLOCK + sum(1 for s in statuses[:rest] if s == "COMPLETED")

    def cdr_count(self) -> int:
        return self.completed_before(self.size) + self.size // SUPERBLOCK

    def cdr_ref(self, index: int) -> tuple[int, bool]:
        """(session index, is credit) of the CDR at `index` in the CDR list."""
        per_super = 4 * COMPLETED_PER_BLOCK + 1
        full = self.size // SUPERBLOCK
        superblock, rest = divmod(index, per_super)
        if superblock >= full:
            return self._completed_session(full * (per_super - 1) + index - full * per_super), False
        if rest == per_super - 1:
            return self._completed_session(superblock * (per_super - 1)), True
        return self._completed_session(superblock * (per_super - 1) + rest), False

    def cdr_last_updated(self, index: int) -> int:
        session, credit = self.cdr_ref(index)
        if not credit:
            return self.session_last_updated(session) + CDR_DELAY
        last_regular, _ = self.cdr_ref(index - 1)
        return self.session_last_updated(last_regular) + CDR_DELAY + 1

    def _completed_session(self, rank: int) -> int:
        block, within = divmod(rank, COMPLETED_PER_BLOCK)
        positions = [p for p, s in enumerate(_block_statuses(self.seed, block)) if s == "COMPLETED"]
        return block * BLOCK + positions[within]


@lru_cache(maxsize=4096)
def _block_statuses(seed: int, block: int) -> tuple[str, ...]:
    first = Rng(seed, "block", block).below(BLOCK)
    special = {first: "ACTIVE", (first + 7) % BLOCK: "INVALID", (first + 13) % BLOCK: "PENDING"}
    return tuple(special.get(p, "COMPLETED") for p in range(BLOCK))


def _site_name(city: City, street: str, number: int, rng: Rng) -> str:
    pattern = rng.choice(PUBLIC_SITE_NAMES[city.country_code])
    return pattern.format(street=street, city=city.name, number=number)


def _evses(site_id: str, index: int, city: City, private: bool, dc: bool, rng: Rng) -> tuple[EvseFacts, ...]:
    count = 1 if private else 1 + rng.below(4)
    if private:
        tariffs: tuple[str, ...] = ("HOME",)
    elif dc:
        tariffs = ("DC-FAST", "ADHOC")
    else:
        tariffs = (rng.choice(("AC-STD", "AC-STD", "AC-TIME", "NIGHT")), "ADHOC")
    return tuple(
        EvseFacts(uid=f"{site_id}-E{k + 1}", evse_id=f"{city.country_code}*DMO*E{index:05d}{k + 1}",
                  status=rng.choice(("AVAILABLE", "AVAILABLE", "AVAILABLE", "CHARGING", "OUTOFORDER")),
                  physical_reference=str(k + 1),
                  connectors=_connectors(private, dc, tariffs, rng))
        for k in range(count))


def _connectors(private: bool, dc: bool, tariffs: tuple[str, ...], rng: Rng) -> tuple[ConnectorFacts, ...]:
    if dc:
        amperage = rng.choice((200, 300, 500))
        return (ConnectorFacts("1", "IEC_62196_T2_COMBO", "CABLE", "DC", 920, amperage, 920 * amperage // 2, tariffs),
                ConnectorFacts("2", "CHADEMO", "CABLE", "DC", 500, 125, 50000, tariffs))
    amperage = 16 if private else rng.choice((16, 32))
    ac = ConnectorFacts("1", "IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, amperage, 3 * 230 * amperage, tariffs)
    if private or rng.random() < 0.5:
        return (ac,)
    return (ac, ConnectorFacts("2", "IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, amperage, 3 * 230 * amperage, tariffs))


def _timing(rng: Rng, status: str, dc: bool, power_w: int, last_updated: int
            ) -> tuple[int, int | None, float, float, float]:
    """(start, end, kwh, charging hours, parking hours) of a charge."""
    power_kw = min(power_w / 1000, 11.0 if not dc else 150.0) * rng.uniform(0.55, 0.95)
    charging = rng.uniform(0.25, 1.0) if dc else rng.uniform(0.5, 6.0)
    parking = 0.0 if dc or rng.random() < 0.6 else round(rng.uniform(0.1, 3.0), 3)
    if status == "COMPLETED":
        end = last_updated - 30 - rng.below(600)
        start = end - int((charging + parking) * 3600)
        return start, end, round(min(power_kw * charging, 95.0), 3), round(charging, 3), parking
    if status == "ACTIVE":
        start = last_updated - int(charging * 1800)
        return start, None, round(min(power_kw * charging / 2, 95.0), 3), round(charging / 2, 3), 0.0
    return last_updated - 120, (last_updated - 30 if status == "INVALID" else None), 0.0, 0.0, 0.0
