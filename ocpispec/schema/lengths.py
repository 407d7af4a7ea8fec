"""The maximum length of OCPI's string fields, per version (`-`: the field has no
such string in that version). Data only; `wire_tables` parses it.

Columns are 2.1.1, 2.2.1 and 2.3.0. For 2.3.0 the lengths of edition 2 are used where
it widened a field (address 255, state 45, plain_data 5000): edition 1 data fits them.
A string field that is not listed here may hold up to `DEFAULT_LENGTH` characters.
"""

from __future__ import annotations

DEFAULT_LENGTH = 255
URL_LENGTH = 255
DATETIME_LENGTH = 35     # string(25) in OCPI; fractional seconds and offsets are read too

LENGTHS = """
Session
  country_code                     -     2     2
  party_id                         -     3     3
  id                              36    36    36
  auth_id                         36     -     -
  authorization_reference          -    36    36
  location_id                      -    36    36
  evse_uid                         -    36    36
  connector_id                     -    36    36
  meter_id                       255   255   255
  currency                         3     3     3
CdrToken
  country_code                     -     2     2
  party_id                         -     3     3
  uid                              -    36    36
  contract_id                      -    36    36
ChargingPeriod
  tariff_id                        -    36    36
CDR
  country_code                     -     2     2
  party_id                         -     3     3
  id                              36    39    39
  auth_id                         36     -     -
  session_id                       -    36    36
  authorization_reference          -    36    36
  meter_id                       255   255   255
  currency                         3     3     3
  remark                         255   255   255
  invoice_reference_id             -    39    39
  credit_reference_id              -    39    39
CdrLocation
  id                               -    36    36
  name                             -   255   255
  address                          -    45   255
  city                             -    45    45
  postal_code                      -    10    10
  state                            -    20    45
  country                          -     3     3
  evse_uid                         -    36    36
  evse_id                          -    48    48
  connector_id                     -    36    36
SignedData
  encoding_method                  -    36    36
  public_key                       -   512   512
  url                              -   512   512
SignedValue
  nature                           -    32    32
  plain_data                       -   512  5000
  signed_data                      -  5000  5000
Location
  country_code                     -     2     2
  party_id                         -     3     3
  id                              39    36    36
  name                           255   255   255
  address                         45    45   255
  city                            45    45    45
  postal_code                     10    10    10
  state                            -    20    45
  country                          3     3     3
  time_zone                      255   255   255
  help_phone                       -     -    25
EVSE
  uid                             39    36    36
  evse_id                         48    48    48
  floor_level                      4     4     4
  physical_reference              16    16    16
  accepted_service_providers       -     -    50
Connector
  id                              36    36    36
  tariff_id                       36     -     -
  tariff_ids                       -    36    36
Parking
  id                               -     -    36
  physical_reference               -     -    12
  standards                        -     -    36
EVSEParking
  parking_id                       -     -    36
GeoLocation
  latitude                        10    10    10
  longitude                       11    11    11
AdditionalGeoLocation
  latitude                        10    10    10
  longitude                       11    11    11
BusinessDetails
  name                           100   100   100
Image
  type                             4     4     4
RegularHours
  period_begin                     5     5     5
  period_end                       5     5     5
EnergyMix
  supplier_name                   64    64    64
  energy_product_name             64    64    64
PublishTokenType
  uid                              -    36    36
  visual_number                    -    64    64
  issuer                           -    64    64
  group_id                         -    36    36
DisplayText
  language                         2     2     2
  text                           512   512   512
Tariff
  country_code                     -     2     2
  party_id                         -     3     3
  id                              36    36    36
  currency                         3     3     3
TariffRestrictions
  start_time                       5     5     5
  end_time                         5     5     5
  start_date                      10    10    10
  end_date                        10    10    10
Token
  country_code                     -     2     2
  party_id                         -     3     3
  uid                             36    36    36
  auth_id                         36     -     -
  contract_id                      -    36    36
  visual_number                   64    64    64
  issuer                          64    64    64
  group_id                         -    36    36
  language                         2     2     2
EnergyContract
  supplier_name                    -    64    64
  contract_id                      -    64    64
"""
