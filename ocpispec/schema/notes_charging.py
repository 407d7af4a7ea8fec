"""The privacy class and description of the fields of one area's OCPI objects
(`notes.NOTES` joins the areas). What a charge leaves behind: sessions, CDRs, their
tokens, periods, prices and signed meter data, and the location a CDR names."""

from __future__ import annotations

CHARGING_NOTES = """
Session
  country_code             public    country code (ISO 3166-1 alpha-2) of the CPO that owns the session
  party_id                 public    party id of the CPO that owns the session
  id                       personal  the CPO's identifier of the charging session
  start_date_time          quasi     when the session started (reset when a pending session becomes active)
  start_datetime           quasi     2.1.1 name of the session start time
  end_date_time            quasi     when the session ended; empty while it is running
  end_datetime             quasi     2.1.1 name of the session end time
  kwh                      quasi     energy charged so far, in kWh
  cdr_token                public    the token that started the session, as the CPO saw it
  auth_id                  personal  2.1.1 contract id (eMA id) of the driver's token
  auth_method              quasi     how the session was authorised (whitelist, auth request, command)
  authorization_reference  personal  reference the eMSP gave when it authorised the session
  location                 public    2.1.1 copy of the location, with only the EVSE and connector used
  location_id              quasi     id of the location where the session takes place
  evse_uid                 quasi     uid of the EVSE used
  connector_id             public    id of the connector used
  meter_id                 personal  identifier of the kWh meter (a household device at home chargers)
  currency                 public    ISO 4217 currency of the costs
  charging_periods         quasi     time series of what happened during the session
  total_cost               quasi     cost of the session so far
  status                   public    state of the session (pending, active, completed...)
  last_updated             quasi     when the CPO last changed this record

CdrToken
  country_code             quasi     country code of the eMSP that issued the token
  party_id                 quasi     party id of the eMSP that issued the token; a small eMSP or fleet singles out
  uid                      personal  token uid: the RFID chip id or an app user id
  type                     quasi     kind of token (RFID, app user, ad hoc...)
  contract_id              personal  contract id (eMA id) the charging is billed to

ChargingPeriod
  start_date_time          quasi     start of the period; it lasts until the next period starts
  dimensions               quasi     measured values of the period
  tariff_id                quasi     id of the tariff that applied in the period

CdrDimension
  type                     quasi     what was measured (energy, time, current, state of charge...)
  volume                   quasi     measured amount, in the unit of the type

Price
  excl_vat                 public    amount excluding VAT
  incl_vat                 public    amount including VAT
  before_taxes             public    2.3.0 amount before taxes
  taxes                    public    2.3.0 taxes applied on top of the amount

TaxAmount
  name                     public    name of the tax (VAT, GST...)
  account_number           public    tax account number of the business that remits it
  percentage               public    tax rate in percent
  amount                   public    tax amount

PriceLimit
  before_taxes             public    limit before taxes
  after_taxes              public    limit after taxes

CDR
  country_code             public    country code of the CPO that issued the CDR
  party_id                 public    party id of the CPO that issued the CDR
  id                       personal  the CPO's identifier of the charge detail record
  start_date_time          quasi     when the charging (or reservation) started
  end_date_time            quasi     when the charging ended
  stop_date_time           quasi     2.1.1 name of the end time
  session_id               personal  id of the session this CDR bills
  cdr_token                public    the token used, as the CPO saw it at the start
  auth_id                  personal  2.1.1 contract id (eMA id) of the driver's token
  auth_method              quasi     how the charging was authorised
  authorization_reference  personal  reference the eMSP gave when it authorised the charging
  cdr_location             public    snapshot of the location, EVSE and connector used
  location                 public    2.1.1 copy of the location, with only the EVSE and connector used
  meter_id                 personal  identifier of the kWh meter (a household device at home chargers)
  currency                 public    ISO 4217 currency of the costs
  tariffs                  public    tariffs that were applied, as they were at the time
  charging_periods         quasi     time series of what happened during the charging
  signed_data              never     calibration-law signed meter data; embeds the card uid
  total_cost               quasi     total cost (negative in a credit CDR)
  total_fixed_cost         quasi     part of the cost that is a fixed fee
  total_energy             quasi     energy charged, in kWh
  total_energy_cost        quasi     part of the cost for energy
  total_time               quasi     duration of the whole session, charging or not, in hours
  total_time_cost          quasi     part of the cost for time
  total_parking_time       quasi     hours the vehicle was connected without charging; empty when the CDR has none (OCPI leaves it out when there was no idle time: 0 to the driver, missing to pandas or R)
  total_parking_cost       quasi     part of the cost for parking time
  total_reservation_cost   quasi     part of the cost for a reservation
  remark                   never     free text from the CPO; may contain anything
  invoice_reference_id     personal  reference to the invoice the CDR appears on
  credit                   public    true when this CDR credits an earlier one
  credit_reference_id      personal  id of the CDR this credit CDR cancels
  home_charging_compensation quasi   true when the charging was at the driver's home, to be compensated
  last_updated             quasi     when the CDR was created

CdrLocation
  id                       quasi     id of the location
  name                     quasi     display name of the location
  address                  quasi     street and house number
  city                     quasi     city or town
  postal_code              quasi     postal code
  state                    quasi     state or province
  country                  public    ISO 3166-1 alpha-3 country code
  coordinates              quasi     position of the location
  evse_uid                 quasi     uid of the EVSE used
  evse_id                  quasi     eMI3 id of the EVSE used, as printed on the charger
  connector_id             public    id of the connector used
  connector_standard       public    plug or socket standard of the connector
  connector_format         public    socket or cable
  connector_power_type     public    AC (1, 2 or 3 phases) or DC

SignedData
  encoding_method          never     name of the signed-data format (OCMF...)
  encoding_method_version  never     version of the signed-data format
  public_key               never     public key of the meter
  signed_values            never     the signed meter readings
  url                      never     link where a driver can verify the signed data

SignedValue
  nature                   never     which reading this is (start, end, intermediate)
  plain_data               never     the signed content in readable form
  signed_data              never     the signed content, base64 encoded

"""
