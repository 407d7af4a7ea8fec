"""Known deviations from the OCPI schema that are read tolerantly, never silently.

Platforms send a field under another name (the name of another OCPI version, or a
spelling of their own) or leave out a field that has a safe default. A record read
through a deviation is valid; every deviation is counted (`ocpispec.schema.wire_check`)
and reported once per run. Data only; `wire_tables` parses it.

`RENAMES` lines are `Object  wire-name  ->  spec-name  versions  why`: in the listed
versions, an object field the version does not define but named `wire-name` is read
as `spec-name`. Besides the table, a key that differs from a field of its object only
in casing (`kWh`, `startDateTime`, `Last_Updated`) is read as that field: the
letters are the field's own, so it cannot say anything the field does not.

`BARE_IDS` lines are `Object  field  versions  why`: a list of these objects sent as
a list of texts (`"parking": ["1", "2"]`) is read as objects holding each text in
`field`, which the walk then checks like any other. Only objects that are a reference
by one id belong here.

`DEFAULTS` lines are `Object  field  value  versions  why`: a missing field is read
as that value. Only fields whose default cannot widen what is released belong here.

A rename may never make a value more private than the field it came in under (a
personal value must not arrive in a public column): `tests/test_deviations.py`
checks every line against the catalogue.
"""

from __future__ import annotations

RENAMES = """
CDR              end_date_time          ->  stop_date_time         2.1.1        OCPI 2.2 name
CDR              stop_date_time         ->  end_date_time          2.2.1,2.3.0  OCPI 2.1.1 name
Session          start_date_time        ->  start_datetime         2.1.1        OCPI 2.2 name
Session          end_date_time          ->  end_datetime           2.1.1        OCPI 2.2 name
Session          start_datetime         ->  start_date_time        2.2.1,2.3.0  OCPI 2.1.1 name
Session          end_datetime           ->  end_date_time          2.2.1,2.3.0  OCPI 2.1.1 name
Location         parking_type           ->  type                   2.1.1        OCPI 2.2 name
Location         type                   ->  parking_type           2.2.1,2.3.0  OCPI 2.1.1 name
Connector        max_voltage            ->  voltage                2.1.1        OCPI 2.2 name
Connector        max_amperage           ->  amperage               2.1.1        OCPI 2.2 name
Connector        voltage                ->  max_voltage            2.2.1,2.3.0  OCPI 2.1.1 name
Connector        amperage               ->  max_amperage           2.2.1,2.3.0  OCPI 2.1.1 name
Connector        tariff_id              ->  tariff_ids             2.2.1,2.3.0  OCPI 2.1.1 name, one id
EnvironmentalImpact  category           ->  source                 2.1.1        OCPI 2.2 name
EnvironmentalImpact  source             ->  category               2.2.1,2.3.0  OCPI 2.1.1 name
Token            contract_id            ->  auth_id                2.1.1        OCPI 2.2 name
Token            auth_id                ->  contract_id            2.2.1,2.3.0  OCPI 2.1.1 name
CdrToken         auth_id                ->  contract_id            2.2.1,2.3.0  OCPI 2.1.1 name
"""

DEFAULTS = """
Tariff           tax_included           NO                         2.3.0        OCPI 2.2.1 prices exclude VAT
"""

BARE_IDS = """
EVSEParking      parking_id             2.3.0        the official OCPI 2.3.0 example lists the ids alone
"""
