"""Facts -> OCPI Session and CDR wire objects, per version.

A CDR carries the same facts as its session (times, energy, place, driver), so a
spec run on sessions and on CDRs, or on each version, sees the same values where
the version carries them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

from ocpispec.demo.wire import Obj, iso, location, party, price, tariff
from ocpispec.demo.world import Charge, EvseFacts

_REMARKS = {"NL": "Sessie gestopt via de app", "DE": "Ladevorgang per App beendet"}


def session(version: str, charge: Charge) -> Obj:
    obj: Obj = {**party(version), "id": charge.id}
    if version == "2.1.1":
        obj["start_datetime"] = iso(charge.start)
        if charge.end is not None:
            obj["end_datetime"] = iso(charge.end)
        obj.update(kwh=charge.kwh, auth_id=charge.driver.contract_id,
                   auth_method=_auth_method(version, charge),
                   location=location(version, charge.site, (_used_evse(charge),)))
    else:
        obj["start_date_time"] = iso(charge.start)
        if charge.end is not None:
            obj["end_date_time"] = iso(charge.end)
        obj.update(kwh=charge.kwh, cdr_token=cdr_token(charge), auth_method=charge.auth_method)
        if charge.authorization_reference is not None:
            obj["authorization_reference"] = charge.authorization_reference
        obj.update(location_id=charge.site.id, evse_uid=charge.evse.uid, connector_id=charge.connector.id)
    if charge.meter_id is not None:
        obj["meter_id"] = charge.meter_id
    obj["currency"] = "EUR"
    obj["charging_periods"] = charging_periods(version, charge) if charge.kwh else []
    if charge.status in ("COMPLETED", "ACTIVE"):
        obj["total_cost"] = price(version, charge.cost_excl_vat, charge.vat_percent)
    obj["status"] = charge.status
    obj["last_updated"] = iso(charge.last_updated)
    return obj


def cdr(version: str, charge: Charge, last_updated: int, *, credit: bool = False) -> Obj:
    sign = -1 if credit else 1
    obj: Obj = {**party(version), "id": f"CDR{charge.index:09d}" + ("-C" if credit else ""),
                "start_date_time": iso(charge.start)}
    end = iso(charge.end if charge.end is not None else charge.last_updated)
    if version == "2.1.1":
        obj.update(stop_date_time=end, auth_id=charge.driver.contract_id,
                   auth_method=_auth_method(version, charge),
                   location=location(version, charge.site, (_used_evse(charge),)))
    else:
        obj.update(end_date_time=end, session_id=charge.id, cdr_token=cdr_token(charge),
                   auth_method=charge.auth_method)
        if charge.authorization_reference is not None:
            obj["authorization_reference"] = charge.authorization_reference
        obj["cdr_location"] = cdr_location(charge)
    if charge.meter_id is not None:
        obj["meter_id"] = charge.meter_id
    obj.update(currency="EUR", tariffs=[tariff(version, charge.tariff)],
               charging_periods=charging_periods(version, charge))
    if version != "2.1.1" and charge.site.city.country_code == "DE" and charge.index % 3 == 0:
        obj["signed_data"] = signed_data(charge)
    obj["total_cost"] = price(version, sign * charge.cost_excl_vat, charge.vat_percent)
    obj.update(total_energy=charge.kwh, total_time=round(charge.charging_hours + charge.parking_hours, 3))
    if charge.parking_hours:
        obj["total_parking_time"] = charge.parking_hours
    _cdr_extras(version, charge, obj, credit)
    obj["last_updated"] = iso(last_updated)
    return obj


def _cdr_extras(version: str, charge: Charge, obj: Obj, credit: bool) -> None:
    if credit:
        obj["remark"] = f"credit for CDR{charge.index:09d}"
    elif charge.index % 11 == 0:
        obj["remark"] = _REMARKS[charge.site.city.country_code]
    if version == "2.1.1":
        return
    if charge.tariff.type == "AD_HOC_PAYMENT" or charge.index % 13 == 0:
        obj["invoice_reference_id"] = f"INV-{charge.index:08d}"
    if credit:
        obj.update(credit=True, credit_reference_id=f"CDR{charge.index:09d}")
    if charge.site.private:
        obj["home_charging_compensation"] = True


def cdr_token(charge: Charge) -> Obj:
    driver = charge.driver
    return {"country_code": driver.country_code, "party_id": driver.party_id, "uid": driver.uid,
            "type": driver.token_type, "contract_id": driver.contract_id}


def cdr_location(charge: Charge) -> Obj:
    site = charge.site
    obj: Obj = {"id": site.id}
    if site.name is not None:
        obj["name"] = site.name
    obj.update(address=site.address, city=site.city.name, postal_code=site.postal_code,
               country=site.city.country,
               coordinates={"latitude": f"{site.latitude:.6f}", "longitude": f"{site.longitude:.6f}"},
               evse_uid=charge.evse.uid, evse_id=charge.evse.evse_id, connector_id=charge.connector.id,
               connector_standard=charge.connector.standard, connector_format=charge.connector.format,
               connector_power_type=charge.connector.power_type)
    return obj


def charging_periods(version: str, charge: Charge) -> list[Obj]:
    energy: Obj = {"start_date_time": iso(charge.start),
                   "dimensions": [{"type": "ENERGY", "volume": charge.kwh},
                                  {"type": "TIME", "volume": charge.charging_hours}]}
    periods = [energy]
    if charge.parking_hours:
        periods.append({"start_date_time": iso(charge.start + int(charge.charging_hours * 3600)),
                        "dimensions": [{"type": "PARKING_TIME", "volume": charge.parking_hours}]})
    if version != "2.1.1":
        for period in periods:
            period["tariff_id"] = charge.tariff.id
    return periods


def signed_data(charge: Charge) -> Obj:
    """An OCMF-style Eichrecht record; like real ones, it embeds the token uid."""
    plain = (f'OCMF|{{"ID":"{charge.driver.uid}","MS":"{charge.meter_id or charge.evse.uid}",'
             f'"RD":[{{"TM":"{iso(charge.start)}","RV":0.0}},{{"TM":"{iso(charge.end or charge.start)}",'
             f'"RV":{charge.kwh}}}]}}')
    digest = hashlib.sha256(plain.encode()).digest()
    return {"encoding_method": "OCMF", "encoding_method_version": 1,
            "public_key": "3059301306072A8648CE3D020106082A8648CE3D03010703420004" + digest.hex()[:32],
            "signed_values": [{"nature": "End", "plain_data": plain,
                               "signed_data": base64.b64encode(digest * 2).decode()}],
            "url": f"https://verify.demo-cpo.example/cdr/{charge.index:09d}"}


def _used_evse(charge: Charge) -> EvseFacts:
    """The EVSE with only the connector the charge used (2.1.1 embeds this)."""
    return replace(charge.evse, connectors=(charge.connector,))


def _auth_method(version: str, charge: Charge) -> str:
    if version == "2.1.1" and charge.auth_method == "COMMAND":
        return "AUTH_REQUEST"
    return charge.auth_method
