"""OCPI 2.3.0 on the wire: objects of sessions, cdrs, locations, tariffs and tokens,
their nested types, and the enums they use. Data only; `table.py` parses it.
Cardinality: `1` required, `?` optional, `*` list, `+` non-empty list.

The locations module's objects and enums are in `v2_3_0_locations.py`; `OBJECTS` and
`ENUMS` hold them after those of sessions and cdrs, before those of tariffs."""

from __future__ import annotations

from ocpispec.schema.v2_3_0_locations import LOCATION_ENUMS, LOCATION_OBJECTS

VERSION = "2.3.0"

ROOTS = {"sessions": "Session", "cdrs": "CDR", "locations": "Location",
         "tariffs": "Tariff", "tokens": "Token"}

_SESSIONS_AND_CDRS = """
Session
  country_code             string               1
  party_id                 string               1
  id                       string               1
  start_date_time          datetime             1
  end_date_time            datetime             ?
  kwh                      number               1
  cdr_token                CdrToken             1
  auth_method              AuthMethod           1
  authorization_reference  string               ?
  location_id              string               1
  evse_uid                 string               1
  connector_id             string               1
  meter_id                 string               ?
  currency                 string               1
  charging_periods         ChargingPeriod       *
  total_cost               Price                ?
  status                   SessionStatus        1
  last_updated             datetime             1

CdrToken
  country_code             string               1
  party_id                 string               1
  uid                      string               1
  type                     TokenType            1
  contract_id              string               1

ChargingPeriod
  start_date_time          datetime             1
  dimensions               CdrDimension         +
  tariff_id                string               ?

CdrDimension
  type                     CdrDimensionType     1
  volume                   number               1

Price
  before_taxes             number               1
  taxes                    TaxAmount            *

TaxAmount
  name                     string               1
  account_number           string               ?
  percentage               number               ?
  amount                   number               1

CDR
  country_code             string               1
  party_id                 string               1
  id                       string               1
  start_date_time          datetime             1
  end_date_time            datetime             1
  session_id               string               ?
  cdr_token                CdrToken             1
  auth_method              AuthMethod           1
  authorization_reference  string               ?
  cdr_location             CdrLocation          1
  meter_id                 string               ?
  currency                 string               1
  tariffs                  Tariff               *
  charging_periods         ChargingPeriod       +
  signed_data              SignedData           ?
  total_cost               Price                1
  total_fixed_cost         Price                ?
  total_energy             number               1
  total_energy_cost        Price                ?
  total_time               number               1
  total_time_cost          Price                ?
  total_parking_time       number               ?
  total_parking_cost       Price                ?
  total_reservation_cost   Price                ?
  remark                   string               ?
  invoice_reference_id     string               ?
  credit                   boolean              ?
  credit_reference_id      string               ?
  home_charging_compensation boolean            ?
  last_updated             datetime             1

CdrLocation
  id                       string               1
  name                     string               ?
  address                  string               1
  city                     string               1
  postal_code              string               ?
  state                    string               ?
  country                  string               1
  coordinates              GeoLocation          1
  evse_uid                 string               1
  evse_id                  string               1
  connector_id             string               1
  connector_standard       ConnectorType        1
  connector_format         ConnectorFormat      1
  connector_power_type     PowerType            1

SignedData
  encoding_method          string               1
  encoding_method_version  integer              ?
  public_key               string               ?
  signed_values            SignedValue          +
  url                      string               ?

SignedValue
  nature                   string               1
  plain_data               string               1
  signed_data              string               1

"""

_TARIFFS_TOKENS_AND_PLATFORM = """\
Tariff
  country_code             string               1
  party_id                 string               1
  id                       string               1
  currency                 string               1
  type                     TariffType           ?
  tariff_alt_text          DisplayText          *
  tariff_alt_url           url                  ?
  min_price                PriceLimit           ?
  max_price                PriceLimit           ?
  preauthorize_amount      number               ?
  elements                 TariffElement        +
  tax_included             TaxIncluded          1
  start_date_time          datetime             ?
  end_date_time            datetime             ?
  energy_mix               EnergyMix            ?
  last_updated             datetime             1

PriceLimit
  before_taxes             number               1
  after_taxes              number               ?

TariffElement
  price_components         PriceComponent       +
  restrictions             TariffRestrictions   ?

PriceComponent
  type                     TariffDimensionType  1
  price                    number               1
  vat                      number               ?
  step_size                integer              1

TariffRestrictions
  start_time               string               ?
  end_time                 string               ?
  start_date               string               ?
  end_date                 string               ?
  min_kwh                  number               ?
  max_kwh                  number               ?
  min_current              number               ?
  max_current              number               ?
  min_power                number               ?
  max_power                number               ?
  min_duration             integer              ?
  max_duration             integer              ?
  day_of_week              DayOfWeek            *
  reservation              ReservationRestrictionType ?

Token
  country_code             string               1
  party_id                 string               1
  uid                      string               1
  type                     TokenType            1
  contract_id              string               1
  visual_number            string               ?
  issuer                   string               1
  group_id                 string               ?
  valid                    boolean              1
  whitelist                WhitelistType        1
  language                 string               ?
  default_profile_type     ProfileType          ?
  energy_contract          EnergyContract       ?
  last_updated             datetime             1

EnergyContract
  supplier_name            string               1
  contract_id              string               ?

Version
  version                  VersionNumber        1
  url                      url                  1

VersionDetails
  version                  VersionNumber        1
  endpoints                Endpoint             +

Endpoint
  identifier               ModuleID             1
  role                     InterfaceRole        1
  url                      url                  1

Credentials
  token                    string               1
  url                      url                  1
  hub_party_id             string               ?
  roles                    CredentialsRole      +

CredentialsRole
  role                     Role                 1
  business_details         BusinessDetails      1
  party_id                 string               1
  country_code             string               1
"""

OBJECTS = _SESSIONS_AND_CDRS + LOCATION_OBJECTS + _TARIFFS_TOKENS_AND_PLATFORM

ENUMS: dict[str, tuple[str, ...]] = {
    "SessionStatus": ("ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"),
    "AuthMethod": ("AUTH_REQUEST", "COMMAND", "WHITELIST"),
    "TokenType": ("AD_HOC_USER", "APP_USER", "EMAID", "OTHER", "RFID"),
    "WhitelistType": ("ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"),
    "AllowedType": ("ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"),
    "CdrDimensionType": ("CURRENT", "ENERGY", "ENERGY_EXPORT", "ENERGY_IMPORT", "MAX_CURRENT",
                         "MIN_CURRENT", "MAX_POWER", "MIN_POWER", "PARKING_TIME", "POWER",
                         "RESERVATION_TIME", "STATE_OF_CHARGE", "TIME"),
    "TariffDimensionType": ("ENERGY", "FLAT", "PARKING_TIME", "TIME"),
    "TariffType": ("AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"),
    "ReservationRestrictionType": ("RESERVATION", "RESERVATION_EXPIRES"),
    "DayOfWeek": ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"),
    "TaxIncluded": ("YES", "NO", "N/A"),
    "ProfileType": ("CHEAP", "FAST", "GREEN", "REGULAR"),
    **LOCATION_ENUMS,
    "InterfaceRole": ("SENDER", "RECEIVER"),
    "Role": ("CPO", "EMSP", "NAP", "NSP", "OTHER", "SCSP"),
    "VersionNumber": ("2.0", "2.1", "2.1.1", "2.2", "2.2.1", "2.3.0"),
    "ModuleID": ("cdrs", "chargingprofiles", "commands", "credentials", "hubclientinfo",
                 "locations", "payments", "sessions", "tariffs", "tokens"),
}
