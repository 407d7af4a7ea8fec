"""OCPI 2.3.0 on the wire: objects of sessions, cdrs, locations, tariffs and tokens,
their nested types, and the enums they use. Data only; `table.py` parses it.
Cardinality: `1` required, `?` optional, `*` list, `+` non-empty list."""

from __future__ import annotations

VERSION = "2.3.0"

ROOTS = {"sessions": "Session", "cdrs": "CDR", "locations": "Location",
         "tariffs": "Tariff", "tokens": "Token"}

OBJECTS = """
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

Location
  country_code             string               1
  party_id                 string               1
  id                       string               1
  publish                  boolean              1
  publish_allowed_to       PublishTokenType     *
  name                     string               ?
  address                  string               1
  city                     string               1
  postal_code              string               ?
  state                    string               ?
  country                  string               1
  coordinates              GeoLocation          1
  related_locations        AdditionalGeoLocation *
  parking_type             ParkingType          ?
  evses                    EVSE                 *
  parking_places           Parking              *
  directions               DisplayText          *
  operator                 BusinessDetails      ?
  suboperator              BusinessDetails      ?
  owner                    BusinessDetails      ?
  facilities               Facility             *
  time_zone                string               1
  opening_times            Hours                ?
  charging_when_closed     boolean              ?
  images                   Image                *
  energy_mix               EnergyMix            ?
  help_phone               string               ?
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
  parking                  EVSEParking          *
  images                   Image                *
  accepted_service_providers string             *
  last_updated             datetime             1

Connector
  id                       string               1
  standard                 ConnectorType        1
  format                   ConnectorFormat      1
  power_type               PowerType            1
  max_voltage              integer              1
  max_amperage             integer              1
  max_electric_power       integer              ?
  tariff_ids               string               *
  terms_and_conditions     url                  ?
  capabilities             ConnectorCapability  *
  last_updated             datetime             1

Parking
  id                       string               1
  physical_reference       string               ?
  vehicle_types            VehicleType          +
  max_vehicle_weight       number               ?
  max_vehicle_height       number               ?
  max_vehicle_length       number               ?
  max_vehicle_width        number               ?
  parking_space_length     number               ?
  parking_space_width      number               ?
  dangerous_goods_allowed  boolean              ?
  direction                ParkingDirection     ?
  drive_through            boolean              ?
  restricted_to_type       boolean              1
  reservation_required     boolean              1
  time_limit               number               ?
  roofed                   boolean              ?
  images                   Image                *
  lighting                 boolean              ?
  refrigeration_outlet     boolean              ?
  standards                string               *
  apds_reference           string               ?

EVSEParking
  parking_id               string               1
  evse_position            EVSEPosition         ?

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
  category                 EnvironmentalImpactCategory 1
  amount                   number               1

PublishTokenType
  uid                      string               ?
  type                     TokenType            ?
  visual_number            string               ?
  issuer                   string               ?
  group_id                 string               ?

DisplayText
  language                 string               1
  text                     string               1

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
    "Status": ("AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED",
               "REMOVED", "RESERVED", "UNKNOWN"),
    "ConnectorType": (
        "CHADEMO", "CHAOJI", "DOMESTIC_A", "DOMESTIC_B", "DOMESTIC_C", "DOMESTIC_D",
        "DOMESTIC_E", "DOMESTIC_F", "DOMESTIC_G", "DOMESTIC_H", "DOMESTIC_I", "DOMESTIC_J",
        "DOMESTIC_K", "DOMESTIC_L", "DOMESTIC_M", "DOMESTIC_N", "DOMESTIC_O", "GBT_AC", "GBT_DC",
        "IEC_60309_2_single_16", "IEC_60309_2_three_16", "IEC_60309_2_three_32",
        "IEC_60309_2_three_64", "IEC_62196_T1", "IEC_62196_T1_COMBO", "IEC_62196_T2",
        "IEC_62196_T2_COMBO", "IEC_62196_T3A", "IEC_62196_T3C", "MCS", "NEMA_5_20", "NEMA_6_30",
        "NEMA_6_50", "NEMA_10_30", "NEMA_10_50", "NEMA_14_30", "NEMA_14_50",
        "PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN", "SAE_J3400", "TESLA_R", "TESLA_S"),
    "ConnectorCapability": ("ISO_15118_2_PLUG_AND_CHARGE", "ISO_15118_20_PLUG_AND_CHARGE"),
    "ConnectorFormat": ("SOCKET", "CABLE"),
    "PowerType": ("AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"),
    "Capability": ("CHARGING_PROFILE_CAPABLE", "CHARGING_PREFERENCES_CAPABLE",
                   "CHIP_CARD_SUPPORT", "CONTACTLESS_CARD_SUPPORT", "CREDIT_CARD_PAYABLE",
                   "DEBIT_CARD_PAYABLE", "PED_TERMINAL", "REMOTE_START_STOP_CAPABLE",
                   "RESERVABLE", "RFID_READER", "START_SESSION_CONNECTOR_REQUIRED",
                   "TOKEN_GROUP_CAPABLE", "UNLOCK_CAPABLE"),
    "ParkingType": ("ALONG_MOTORWAY", "PARKING_GARAGE", "PARKING_LOT", "ON_DRIVEWAY",
                    "ON_STREET", "UNDERGROUND_GARAGE"),
    "ParkingRestriction": ("EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES",
                           "EMPLOYEES", "TAXIS", "TENANTS"),
    "Facility": ("HOTEL", "RESTAURANT", "CAFE", "MALL", "SUPERMARKET", "SPORT",
                 "RECREATION_AREA", "NATURE", "MUSEUM", "BIKE_SHARING", "BUS_STOP",
                 "TAXI_STAND", "TRAM_STOP", "METRO_STATION", "TRAIN_STATION", "AIRPORT",
                 "PARKING_LOT", "CARPOOL_PARKING", "FUEL_STATION", "WIFI"),
    "ImageCategory": ("CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"),
    "EnergySourceCategory": ("NUCLEAR", "GENERAL_FOSSIL", "COAL", "GAS", "GENERAL_GREEN",
                             "SOLAR", "WIND", "WATER"),
    "EnvironmentalImpactCategory": ("NUCLEAR_WASTE", "CARBON_DIOXIDE"),
    "VehicleType": ("MOTORCYCLE", "PERSONAL_VEHICLE", "PERSONAL_VEHICLE_WITH_TRAILER", "VAN",
                    "SEMI_TRACTOR", "RIGID", "TRUCK_WITH_TRAILER", "BUS", "DISABLED"),
    "EVSEPosition": ("LEFT", "RIGHT", "CENTER"),
    "ParkingDirection": ("PARALLEL", "PERPENDICULAR", "ANGLE"),
    "InterfaceRole": ("SENDER", "RECEIVER"),
    "Role": ("CPO", "EMSP", "NAP", "NSP", "OTHER", "SCSP"),
    "VersionNumber": ("2.0", "2.1", "2.1.1", "2.2", "2.2.1", "2.3.0"),
    "ModuleID": ("cdrs", "chargingprofiles", "commands", "credentials", "hubclientinfo",
                 "locations", "payments", "sessions", "tariffs", "tokens"),
}
