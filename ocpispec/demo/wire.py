"""Facts -> OCPI wire objects for locations, tariffs and tokens, per version.

Shapes follow the official examples of each version (`shared/ocpi-examples`):
2.1.1 has no `country_code`/`party_id`, `type` instead of `parking_type`,
`voltage`/`amperage`/`tariff_id` on connectors; 2.3.0 adds `tax_included`,
`PriceLimit` and `help_phone`.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from ocpispec.demo.tariffs import Tariff
from ocpispec.demo.world import ConnectorFacts, Driver, EvseFacts, Site

CPO_COUNTRY, CPO_PARTY, CPO_NAME = "NL", "DMO", "Demo Charging B.V."
WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
Obj = dict[str, Any]

_LOCATION_TYPE_211 = {"ALONG_MOTORWAY": "OTHER", "ON_DRIVEWAY": "OTHER"}


def iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def party(version: str) -> Obj:
    return {} if version == "2.1.1" else {"country_code": CPO_COUNTRY, "party_id": CPO_PARTY}


def price(version: str, excl_vat: float, vat_percent: float) -> Any:
    if version == "2.1.1":
        return excl_vat
    if version == "2.2.1":
        return {"excl_vat": excl_vat, "incl_vat": round(excl_vat * (1 + vat_percent / 100), 2)}
    return {"before_taxes": excl_vat,
            "taxes": [{"name": "VAT", "percentage": vat_percent, "amount": round(excl_vat * vat_percent / 100, 2)}]}


# -- locations ---------------------------------------------------------------------

def location(version: str, site: Site, evses: tuple[EvseFacts, ...] | None = None, *,
             owner_driver: Driver | None = None) -> Obj:
    """A Location; `evses` narrows it to the used EVSE (2.1.1 sessions and CDRs embed it)."""
    obj: Obj = {**party(version), "id": site.id}
    if version == "2.1.1":
        obj["type"] = _LOCATION_TYPE_211.get(site.parking_type, site.parking_type)
    else:
        obj["publish"] = not site.private
        if site.private and owner_driver is not None:
            obj["publish_allowed_to"] = [{"visual_number": owner_driver.visual_number,
                                          "issuer": owner_driver.issuer}]
    if site.name is not None:
        obj["name"] = site.name
    obj.update(address=site.address, city=site.city.name, postal_code=site.postal_code,
               country=site.city.country,
               coordinates={"latitude": f"{site.latitude:.6f}", "longitude": f"{site.longitude:.6f}"})
    if version != "2.1.1":
        obj["parking_type"] = site.parking_type
    obj["evses"] = [evse(version, site, e) for e in (site.evses if evses is None else evses)]
    obj["operator"] = {"name": CPO_NAME, "website": "https://demo-cpo.example"}
    if site.owner is not None:
        obj["owner"] = {"name": site.owner}
    if site.parking_type in ("PARKING_GARAGE", "UNDERGROUND_GARAGE"):
        obj["facilities"] = ["PARKING_LOT"] if version != "2.1.1" else ["SUPERMARKET"]
    obj["time_zone"] = site.city.time_zone
    obj["opening_times"] = {"twentyfourseven": True}
    if version == "2.3.0" and not site.private:
        obj["help_phone"] = "+31307400000"
    obj["last_updated"] = iso(site.last_updated)
    return obj


def evse(version: str, site: Site, facts: EvseFacts) -> Obj:
    capabilities = ["RFID_READER", "REMOTE_START_STOP_CAPABLE"]
    if site.dc:
        capabilities.append("CREDIT_CARD_PAYABLE" if version == "2.1.1" else "CONTACTLESS_CARD_SUPPORT")
    obj: Obj = {"uid": facts.uid, "evse_id": facts.evse_id, "status": facts.status,
                "capabilities": capabilities,
                "connectors": [connector(version, site, c) for c in facts.connectors],
                "physical_reference": facts.physical_reference}
    if site.parking_type in ("PARKING_GARAGE", "UNDERGROUND_GARAGE"):
        obj["floor_level"] = "-1"
    obj["last_updated"] = iso(site.last_updated)
    return obj


def connector(version: str, site: Site, facts: ConnectorFacts) -> Obj:
    obj: Obj = {"id": facts.id, "standard": facts.standard, "format": facts.format,
                "power_type": facts.power_type}
    tariff_ids = listed_tariffs(site, facts)
    if version == "2.1.1":
        obj.update(voltage=facts.voltage, amperage=facts.amperage)
        if tariff_ids:
            obj["tariff_id"] = tariff_ids[0]
    else:
        obj.update(max_voltage=facts.voltage, max_amperage=facts.amperage,
                   max_electric_power=facts.power_w)
        if tariff_ids:
            obj["tariff_ids"] = tariff_ids
    obj["last_updated"] = iso(site.last_updated)
    return obj


def listed_tariffs(site: Site, facts: ConnectorFacts) -> list[str]:
    """The tariffs a public connector's listing names, as platforms list them: the second
    connector of every tenth site (from the seventh) names none (its price is on the
    pillar), the first of every tenth (from the ninth) also one the tariffs module does
    not list yet (`EVENT-2026`). Charges are billed as the facts say."""
    if site.private:
        return list(facts.tariff_ids)
    if site.index % 10 == 6 and facts.id == "2":
        return []
    if site.index % 10 == 8 and facts.id == "1":
        return [*facts.tariff_ids, "EVENT-2026"]
    return list(facts.tariff_ids)


# -- tariffs -----------------------------------------------------------------------

def tariff(version: str, facts: Tariff) -> Obj:
    obj: Obj = {**party(version), "id": facts.id, "currency": "EUR"}
    if version != "2.1.1" and facts.type is not None:
        obj["type"] = facts.type
    obj["tariff_alt_text"] = [{"language": "en", "text": facts.description}]
    if version != "2.1.1" and facts.type == "AD_HOC_PAYMENT":
        obj["min_price"] = (price(version, 1.0, 21.0) if version == "2.2.1"
                            else {"before_taxes": 1.0, "after_taxes": 1.21})
    obj["elements"] = _elements(version, facts)
    if version == "2.3.0":
        obj["tax_included"] = "NO"
    obj["last_updated"] = iso(facts.last_updated)
    return obj


def _elements(version: str, facts: Tariff) -> list[Obj]:
    def component(kind: str, amount: float, step: int) -> Obj:
        out: Obj = {"type": kind, "price": amount}
        if version != "2.1.1":
            out["vat"] = 21.0
        out["step_size"] = step
        return out

    elements: list[Obj] = []
    if facts.night_energy is not None:
        elements.append({"price_components": [component("ENERGY", facts.night_energy, 1)],
                         "restrictions": {"start_time": "22:00", "end_time": "07:00"}})
    if facts.flat:
        elements.append({"price_components": [component("FLAT", facts.flat, 1)]})
    day = [component("ENERGY", facts.energy, 1)]
    if facts.time:
        day.append(component("TIME", facts.time, 60))
    elements.append({"price_components": day})
    if facts.parking:
        elements.append({"price_components": [component("PARKING_TIME", facts.parking, 300)],
                         "restrictions": {"start_time": "09:00", "end_time": "18:00", "day_of_week": WEEKDAYS}})
    return elements


# -- tokens ------------------------------------------------------------------------

def token(version: str, driver: Driver, app: int = 0) -> Obj:
    """The driver's token; `app` > 0: its app token number `app`, another `uid` under
    the same contract (the fault `tokens_per_contract`)."""
    if app:
        driver = dataclasses.replace(driver, uid=f"{driver.uid}A{app}", token_type="APP_USER")
    if version == "2.1.1":
        return {"uid": driver.uid, "type": "RFID" if driver.token_type == "RFID" else "OTHER",
                "auth_id": driver.contract_id, "visual_number": driver.visual_number,
                "issuer": driver.issuer, "valid": driver.valid, "whitelist": "ALLOWED",
                "language": driver.language, "last_updated": iso(driver.last_updated)}
    obj: Obj = {"country_code": driver.country_code, "party_id": driver.party_id, "uid": driver.uid,
                "type": driver.token_type, "contract_id": driver.contract_id,
                "visual_number": driver.visual_number, "issuer": driver.issuer}
    if driver.group_id is not None:
        obj["group_id"] = driver.group_id
    obj.update(valid=driver.valid, whitelist="ALLOWED", language=driver.language)
    if driver.energy_supplier is not None:
        obj["energy_contract"] = {"supplier_name": driver.energy_supplier,
                                  "contract_id": driver.energy_contract_id}
    obj["last_updated"] = iso(driver.last_updated)
    return obj
