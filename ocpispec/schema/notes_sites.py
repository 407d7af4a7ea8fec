"""The privacy class and description of the fields of one area's OCPI objects
(`notes.NOTES` joins the areas). Where drivers charge: locations, EVSEs, connectors,
parking, opening hours, energy mix and the texts and images that describe them."""

from __future__ import annotations

SITE_NOTES = """Location
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

"""
