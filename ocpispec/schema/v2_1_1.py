"""OCPI 2.1.1 on the wire: objects of sessions, cdrs, locations, tariffs and tokens,
their nested types, and the enums they use. Data only; `table.py` parses it.
Cardinality: `1` required, `?` optional, `*` list, `+` non-empty list.

Sessions and CDRs embed a whole Location (with only the EVSE and connector used);
`DERIVED` marks its place fields as describing the driver there."""

from __future__ import annotations

from ocpispec.schema.charge_sites import CONNECTOR_PLACING, EVSE_PLACING, PLACING
from ocpispec.schema.table import Derived

VERSION = "2.1.1"

ROOTS = {"sessions": "Session", "cdrs": "CDR", "locations": "Location",
         "tariffs": "Tariff", "tokens": "Token"}

OBJECTS = """
Session
  id                       string               1
  start_datetime           datetime             1
  end_datetime             datetime             ?
  kwh                      number               1
  auth_id                  string               1
  auth_method              AuthMethod           1
  location                 EmbeddedLocation     1
  meter_id                 string               ?
  currency                 string               1
  charging_periods         ChargingPeriod       *
  total_cost               number               ?
  status                   SessionStatus        1
  last_updated             datetime             1

ChargingPeriod
  start_date_time          datetime             1
  dimensions               CdrDimension         +

CdrDimension
  type                     CdrDimensionType     1
  volume                   number               1

CDR
  id                       string               1
  start_date_time          datetime             1
  stop_date_time           datetime             1
  auth_id                  string               1
  auth_method              AuthMethod           1
  location                 EmbeddedLocation     1
  meter_id                 string               ?
  currency                 string               1
  tariffs                  Tariff               *
  charging_periods         ChargingPeriod       +
  total_cost               number               1
  total_energy             number               1
  total_time               number               1
  total_parking_time       number               ?
  remark                   string               ?
  last_updated             datetime             1

Location
  id                       string               1
  type                     LocationType         1
  name                     string               ?
  address                  string               1
  city                     string               1
  postal_code              string               1
  country                  string               1
  coordinates              GeoLocation          1
  related_locations        AdditionalGeoLocation *
  evses                    EVSE                 *
  directions               DisplayText          *
  operator                 BusinessDetails      ?
  suboperator              BusinessDetails      ?
  owner                    BusinessDetails      ?
  facilities               Facility             *
  time_zone                string               ?
  opening_times            Hours                ?
  charging_when_closed     boolean              ?
  images                   Image                *
  energy_mix               EnergyMix            ?
  last_updated             datetime             1

EVSE
  uid                      string               1
  evse_id                  string               ?
  status                   Status               1
  status_schedule          StatusSchedule       *
  capabilities             Capability           *
  connectors               Connector            +
  floor_level              string               ?
  coordinates              GeoLocation          ?
  physical_reference       string               ?
  directions               DisplayText          *
  parking_restrictions     ParkingRestriction   *
  images                   Image                *
  last_updated             datetime             1

Connector
  id                       string               1
  standard                 ConnectorType        1
  format                   ConnectorFormat      1
  power_type               PowerType            1
  voltage                  integer              1
  amperage                 integer              1
  tariff_id                string               ?
  terms_and_conditions     url                  ?
  last_updated             datetime             1

GeoLocation
  latitude                 string               1
  longitude                string               1

AdditionalGeoLocation
  latitude                 string               1
  longitude                string               1
  name                     DisplayText          ?

BusinessDetails
  name                     string               1
  website                  url                  ?
  logo                     Image                ?

Image
  url                      url                  1
  thumbnail                url                  ?
  category                 ImageCategory        1
  type                     string               1
  width                    integer              ?
  height                   integer              ?

Hours
  twentyfourseven          boolean              1
  regular_hours            RegularHours         *
  exceptional_openings     ExceptionalPeriod    *
  exceptional_closings     ExceptionalPeriod    *

RegularHours
  weekday                  integer              1
  period_begin             string               1
  period_end               string               1

ExceptionalPeriod
  period_begin             datetime             1
  period_end               datetime             1

StatusSchedule
  period_begin             datetime             1
  period_end               datetime             ?
  status                   Status               1

EnergyMix
  is_green_energy          boolean              1
  energy_sources           EnergySource         *
  environ_impact           EnvironmentalImpact  *
  supplier_name            string               ?
  energy_product_name      string               ?

EnergySource
  source                   EnergySourceCategory 1
  percentage               number               1

EnvironmentalImpact
  source                   EnvironmentalImpactCategory 1
  amount                   number               1

DisplayText
  language                 string               1
  text                     string               1

Tariff
  id                       string               1
  currency                 string               1
  tariff_alt_text          DisplayText          *
  tariff_alt_url           url                  ?
  elements                 TariffElement        +
  energy_mix               EnergyMix            ?
  last_updated             datetime             1

TariffElement
  price_components         PriceComponent       +
  restrictions             TariffRestrictions   ?

PriceComponent
  type                     TariffDimensionType  1
  price                    number               1
  step_size                integer              1

TariffRestrictions
  start_time               string               ?
  end_time                 string               ?
  start_date               string               ?
  end_date                 string               ?
  min_kwh                  number               ?
  max_kwh                  number               ?
  min_power                number               ?
  max_power                number               ?
  min_duration             integer              ?
  max_duration             integer              ?
  day_of_week              DayOfWeek            *

Token
  uid                      string               1
  type                     TokenType            1
  auth_id                  string               1
  visual_number            string               ?
  issuer                   string               1
  valid                    boolean              1
  whitelist                WhitelistType        1
  language                 string               ?
  last_updated             datetime             1

Version
  version                  VersionNumber        1
  url                      url                  1

VersionDetails
  version                  VersionNumber        1
  endpoints                Endpoint             +

Endpoint
  identifier               ModuleID             1
  url                      url                  1

Credentials
  token                    string               1
  url                      url                  1
  business_details         BusinessDetails      1
  party_id                 string               1
  country_code             string               1

"""

ENUMS: dict[str, tuple[str, ...]] = {
    "SessionStatus": ("ACTIVE", "COMPLETED", "INVALID", "PENDING"),
    "AuthMethod": ("AUTH_REQUEST", "WHITELIST"),
    "TokenType": ("OTHER", "RFID"),
    "WhitelistType": ("ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"),
    "Allowed": ("ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"),
    "CdrDimensionType": ("ENERGY", "FLAT", "MAX_CURRENT", "MIN_CURRENT", "PARKING_TIME", "TIME"),
    "TariffDimensionType": ("ENERGY", "FLAT", "PARKING_TIME", "TIME"),
    "DayOfWeek": ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"),
    "Status": ("AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED",
               "REMOVED", "RESERVED", "UNKNOWN"),
    "ConnectorType": (
        "CHADEMO", "DOMESTIC_A", "DOMESTIC_B", "DOMESTIC_C", "DOMESTIC_D", "DOMESTIC_E",
        "DOMESTIC_F", "DOMESTIC_G", "DOMESTIC_H", "DOMESTIC_I", "DOMESTIC_J", "DOMESTIC_K",
        "DOMESTIC_L", "IEC_60309_2_single_16", "IEC_60309_2_three_16", "IEC_60309_2_three_32",
        "IEC_60309_2_three_64", "IEC_62196_T1", "IEC_62196_T1_COMBO", "IEC_62196_T2",
        "IEC_62196_T2_COMBO", "IEC_62196_T3A", "IEC_62196_T3C", "TESLA_R", "TESLA_S"),
    "ConnectorFormat": ("SOCKET", "CABLE"),
    "PowerType": ("AC_1_PHASE", "AC_3_PHASE", "DC"),
    "Capability": ("CHARGING_PROFILE_CAPABLE", "CREDIT_CARD_PAYABLE",
                   "REMOTE_START_STOP_CAPABLE", "RESERVABLE", "RFID_READER", "UNLOCK_CAPABLE"),
    "LocationType": ("ON_STREET", "PARKING_GARAGE", "UNDERGROUND_GARAGE", "PARKING_LOT",
                     "OTHER", "UNKNOWN"),
    "ParkingRestriction": ("EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES"),
    "Facility": ("HOTEL", "RESTAURANT", "CAFE", "MALL", "SUPERMARKET", "SPORT",
                 "RECREATION_AREA", "NATURE", "MUSEUM", "BUS_STOP", "TAXI_STAND",
                 "TRAIN_STATION", "AIRPORT", "CARPOOL_PARKING", "FUEL_STATION", "WIFI"),
    "ImageCategory": ("CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"),
    "EnergySourceCategory": ("NUCLEAR", "GENERAL_FOSSIL", "COAL", "GAS", "GENERAL_GREEN",
                             "SOLAR", "WIND", "WATER"),
    "EnvironmentalImpactCategory": ("NUCLEAR_WASTE", "CARBON_DIOXIDE"),
    "VersionNumber": ("2.0", "2.1", "2.1.1"),
    "ModuleID": ("cdrs", "commands", "credentials", "locations", "sessions", "tariffs",
                 "tokens"),
}

# The Location embedded in a 2.1.1 session or CDR says where a driver charged: the fields
# that place a site joined to a charge (`charge_sites.py`: its place, the ids that name
# the site or charger, and the times the site, an EVSE or a connector was last updated,
# the start or end of the last charge there) are quasi-identifiers here too, unlike in
# the locations module. One list for both, so the two cannot drift apart.
DERIVED = {
    "EmbeddedLocation": Derived("Location", {**dict.fromkeys(PLACING, "quasi"),
                                             "evses": "EmbeddedEVSE"}),
    "EmbeddedEVSE": Derived("EVSE", {**dict.fromkeys(EVSE_PLACING, "quasi"),
                                     "connectors": "EmbeddedConnector"}),
    # a 2.1.1 charge names its tariff only here (2.2 has `charging_periods.tariff_id`,
    # quasi): at a home charger, the home's own tariff
    "EmbeddedConnector": Derived("Connector", {**dict.fromkeys(CONNECTOR_PLACING, "quasi"),
                                               "tariff_id": "quasi"}),
}
