"""Privacy class and a short description of every OCPI field, shared by all versions.

One object per unindented line, then `field  class  doc`. Classes: `public`,
`quasi` (quasi-identifier), `personal`, `never`. For an object field the class is a
floor for its contents: `CDR.cdr_location` is public, but `CdrLocation.address` is
quasi; `Session.total_cost` raises every `Price` field below it to quasi. A tariff is
quasi where a charge reaches it, but for the CPO's identity, its currency and type
(`contract_tariffs.py`), and so are a joined location's place fields
(`charge_sites.py`). Fields
that exist in one version only (`start_datetime`, `before_taxes`...) are listed too.
"""

from __future__ import annotations

NOTES = """
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
  total_parking_time       quasi     hours the vehicle was connected without charging
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

Location
  country_code             public    country code of the CPO that operates the location
  party_id                 public    party id of the CPO that operates the location
  id                       public    id of the location
  type                     public    2.1.1 kind of parking (renamed `parking_type` in 2.2)
  publish                  public    false when the location may not be shown publicly
  publish_allowed_to       personal  tokens allowed to see a location that is not published
  name                     public    display name of the location
  address                  public    street and house number
  city                     public    city or town
  postal_code              public    postal code
  state                    public    state or province
  country                  public    ISO 3166-1 alpha-3 country code
  coordinates              public    position of the location
  related_locations        public    related points such as entrances
  parking_type             public    kind of parking (street, garage, driveway...)
  evses                    public    the charge points (EVSEs) of the location
  parking_places           public    parking places of the location (AFIR data)
  directions               personal  free-text directions to the charge points; people write names in it
  operator                 public    company that operates the location
  suboperator              public    company that operates the location for the operator
  owner                    personal  owner of the location; may be a private person, named
  facilities               public    facilities nearby (hotel, restaurant, wifi...)
  time_zone                public    IANA time zone of the location
  opening_times            public    when the location is open for charging
  charging_when_closed     public    whether charging continues after closing time
  images                   personal  pictures; may show private property or people
  energy_mix               public    energy supplied at the location
  help_phone               public    phone number of the CPO's help desk
  last_updated             public    when the location or anything in it last changed

EVSE
  uid                      public    the CPO's unique id of the EVSE
  evse_id                  public    eMI3 id of the EVSE, as printed on the charger
  status                   public    current status (available, charging...)
  status_schedule          public    planned future status changes
  capabilities             public    what the EVSE supports (reservation, RFID reader...)
  connectors               public    the connectors of the EVSE
  floor_level              public    floor of a parking garage
  coordinates              public    position of the EVSE
  physical_reference       public    number shown on the charger
  directions               personal  free-text directions to the EVSE; people write names in it
  parking_restrictions     public    who may park at the EVSE
  parking                  public    parking places served by the EVSE
  images                   personal  pictures; may show private property or people
  accepted_service_providers public  eMSPs whose contracts are accepted
  last_updated             public    when the EVSE or one of its connectors last changed

Connector
  id                       public    id of the connector within its EVSE
  standard                 public    plug or socket standard
  format                   public    socket or cable
  power_type               public    AC (1, 2 or 3 phases) or DC
  voltage                  public    2.1.1 voltage in V (renamed `max_voltage` in 2.2)
  amperage                 public    2.1.1 current in A (renamed `max_amperage` in 2.2)
  tariff_id                public    2.1.1 id of the tariff (a list `tariff_ids` since 2.2)
  max_voltage              public    maximum voltage in V
  max_amperage             public    maximum current in A
  max_electric_power       public    maximum power in W
  tariff_ids               public    ids of the tariffs that apply
  terms_and_conditions     public    link to the terms and conditions
  capabilities             public    ISO 15118 plug-and-charge support
  last_updated             public    when the connector last changed

Parking
  id                       public    id of the parking place
  physical_reference       public    number shown at the parking place
  vehicle_types            public    vehicles the place is meant for
  max_vehicle_weight       public    maximum vehicle weight in kg
  max_vehicle_height       public    maximum vehicle height in cm
  max_vehicle_length       public    maximum vehicle length in cm
  max_vehicle_width        public    maximum vehicle width in cm
  parking_space_length     public    length of the space in cm
  parking_space_width      public    width of the space in cm
  dangerous_goods_allowed  public    whether vehicles with dangerous goods may park
  direction                public    parallel, perpendicular or angled parking
  drive_through            public    whether a vehicle can drive through
  restricted_to_type       public    whether only the listed vehicle types may park
  reservation_required     public    whether a reservation is needed
  time_limit               public    maximum parking time in hours
  roofed                   public    whether the place has a roof
  images                   personal  pictures; may show private property or people
  lighting                 public    whether the place is lit
  refrigeration_outlet     public    whether a refrigeration outlet is available
  standards                public    accessibility standards met
  apds_reference           public    reference in an access and parking data system

EVSEParking
  parking_id               public    id of the parking place in the location
  evse_position            public    side of the parking place where the EVSE is

GeoLocation
  latitude                 public    latitude in decimal degrees (a string)
  longitude                public    longitude in decimal degrees (a string)

AdditionalGeoLocation
  latitude                 public    latitude in decimal degrees (a string)
  longitude                public    longitude in decimal degrees (a string)
  name                     public    name of the point

BusinessDetails
  name                     public    name of the company
  website                  public    website of the company
  logo                     public    logo of the company

Image
  url                      public    link to the image
  thumbnail                public    link to a small version of the image
  category                 public    what the image shows
  type                     public    image file type (jpeg, png...)
  width                    public    width in pixels
  height                   public    height in pixels

Hours
  twentyfourseven          public    open all day, every day
  regular_hours            public    weekly opening hours
  exceptional_openings     public    extra opening periods
  exceptional_closings     public    extra closing periods

RegularHours
  weekday                  public    day of the week, 1 (Monday) to 7 (Sunday)
  period_begin             public    opening time, HH:MM local time
  period_end               public    closing time, HH:MM local time

ExceptionalPeriod
  period_begin             public    start of the period
  period_end               public    end of the period

StatusSchedule
  period_begin             public    start of the planned status
  period_end               public    end of the planned status
  status                   public    the planned status

EnergyMix
  is_green_energy          public    whether all energy is from renewable sources
  energy_sources           public    shares of the energy sources
  environ_impact           public    environmental impact per kWh
  supplier_name            public    name of the energy supplier
  energy_product_name      public    name of the energy product

EnergySource
  source                   public    kind of energy source
  percentage               public    share of this source in percent

EnvironmentalImpact
  category                 public    kind of impact (nuclear waste, CO2)
  source                   public    2.1.1 name of the impact kind (renamed `category` in 2.2)
  amount                   public    amount per kWh (g/kWh)

PublishTokenType
  uid                      personal  uid of a token allowed to see the location
  type                     personal  type of a token allowed to see the location
  visual_number            personal  printed number of a token allowed to see the location
  issuer                   personal  issuer of a token allowed to see the location
  group_id                 personal  group of tokens allowed to see the location

DisplayText
  language                 public    ISO 639-1 language code
  text                     public    the text

Tariff
  country_code             public    country code of the CPO that owns the tariff
  party_id                 public    party id of the CPO that owns the tariff
  id                       public    id of the tariff
  currency                 public    ISO 4217 currency of the prices
  type                     public    which sessions the tariff is for (ad hoc, profiles...)
  tariff_alt_text          public    human-readable description of the tariff
  tariff_alt_url           public    link to a description of the tariff
  min_price                public    minimum price of a session
  max_price                public    maximum price of a session
  preauthorize_amount      public    amount reserved on a payment card before charging
  elements                 public    the price components and when they apply
  tax_included             public    whether prices include taxes (YES, NO, N/A)
  start_date_time          public    when the tariff becomes valid
  end_date_time            public    when the tariff stops being valid
  energy_mix               public    energy supplied under this tariff
  last_updated             public    when the tariff last changed

TariffElement
  price_components         public    the prices of this element
  restrictions             public    when this element applies

PriceComponent
  type                     public    what is priced (energy, time, parking time, flat fee)
  price                    public    price per unit
  vat                      public    VAT percentage
  step_size                public    billing step, in Wh, seconds or 1

TariffRestrictions
  start_time               public    start of the daily period, HH:MM
  end_time                 public    end of the daily period, HH:MM
  start_date               public    first day, YYYY-MM-DD
  end_date                 public    day the restriction ends (exclusive)
  min_kwh                  public    minimum energy in kWh
  max_kwh                  public    maximum energy in kWh
  min_current              public    minimum current in A
  max_current              public    maximum current in A
  min_power                public    minimum power in kW
  max_power                public    maximum power in kW
  min_duration             public    minimum duration in seconds
  max_duration             public    maximum duration in seconds
  day_of_week              public    days of the week on which it applies
  reservation              public    whether it prices a reservation

Token
  country_code             quasi     country code of the eMSP that issued the token
  party_id                 quasi     party id of the eMSP that issued the token; a small eMSP or fleet singles out
  uid                      personal  token uid: the RFID chip id or an app user id
  type                     quasi     kind of token (RFID, app user, ad hoc...)
  auth_id                  personal  2.1.1 name of the contract id (eMA id)
  contract_id              personal  contract id (eMA id) the charging is billed to
  visual_number            personal  number printed on the card
  issuer                   quasi     company that issued the card; may name an employer
  group_id                 personal  groups the tokens of one driver or account
  valid                    quasi     whether the token may be used
  whitelist                quasi     how the token may be authorised offline
  language                 quasi     preferred language of the driver
  default_profile_type     quasi     the driver's preferred smart-charging profile
  energy_contract          public    the driver's energy supplier contract
  last_updated             quasi     when the eMSP last changed the token

EnergyContract
  supplier_name            quasi     name of the driver's energy supplier
  contract_id              personal  the driver's contract id with that supplier

Version
  version                  public    OCPI version number
  url                      public    URL of the version's details

VersionDetails
  version                  public    OCPI version number
  endpoints                public    the modules the platform offers

Endpoint
  identifier               public    module identifier
  role                     public    sender (data owner) or receiver interface
  url                      public    URL of the module

Credentials
  token                    never     credentials token for calling the other party
  url                      public    versions URL of the party
  business_details         public    company details of the party
  party_id                 public    party id of the party
  country_code             public    country code of the party
  hub_party_id             public    country code and party id of the hub
  roles                    public    roles the platform plays

CredentialsRole
  role                     public    role (CPO, eMSP...)
  business_details         public    company details for this role
  party_id                 public    party id for this role
  country_code             public    country code for this role
"""
