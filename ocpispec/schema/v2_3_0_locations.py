"""OCPI 2.3.0's locations module on the wire: Location, its nested types (EVSEs,
connectors, parking places, opening hours, images, energy mix...) and the enums they use.
Data only; `v2_3_0.OBJECTS` and `v2_3_0.ENUMS` hold them after those of sessions and
cdrs. Other objects name some of these types: a CDR location's `GeoLocation`, a tariff's
`DisplayText` and `EnergyMix`, a credentials role's `BusinessDetails`."""

from __future__ import annotations

LOCATION_OBJECTS = """\
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

"""

LOCATION_ENUMS: dict[str, tuple[str, ...]] = {
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
}
