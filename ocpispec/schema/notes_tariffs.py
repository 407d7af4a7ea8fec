"""The privacy class and description of the fields of one area's OCPI objects
(`notes.NOTES` joins the areas). What charging costs: tariffs, their elements, price
components and restrictions."""

from __future__ import annotations

TARIFF_NOTES = """Tariff
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

"""
