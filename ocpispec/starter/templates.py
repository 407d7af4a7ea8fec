"""The starting specs `ocpispec init` writes, one per `--for`. `$`-placeholders are
filled by `ocpispec.starter.starting_spec`; everything else is a spec that checks clean
as written, safe by default (pseudonyms, coarse times and places, minimum group sizes)."""

from __future__ import annotations

HEADER = '''\
# Starting spec written by `ocpispec init --for $kind`.
#
# Fill in every line marked FILL IN (the header says who gets what, why, on
# which legal basis and for how long: your privacy officer reviews exactly that).
# Then:
#   ocpispec check $file         # the checker explains every change you make
#   ocpispec plan $file          # what would leave, column by column
#   ocpispec run $file --demo    # try it against the built-in demo CPO
#   ocpispec review $file        # the page your privacy officer reviews
#
# Only the columns under `select` or `compute` leave; every other field is withheld.
'''

SOURCE = '''
# Where the data comes from. After `ocpispec login` you can write
# `source profile NAME` instead.
source
  ocpi env OCPI_VERSIONS_URL
  token env OCPI_TOKEN
  version auto
'''

APPROVAL = '''\
  # Uncomment to refuse every run until the privacy officer approved this spec
  # (`ocpispec approve`):
  # requires approval
'''

PSEUDONYMS = '''\
  # Pseudonyms are keyed with a secret only you hold (64 random hex characters):
  #   export $key_variable=$$(openssl rand -hex 32)
  pseudonym key env $key_variable
'''


def header_block(legal_basis: str, retention: str, pseudonyms: bool) -> str:
    return ('''
export $export
  consumer "$consumer"    # FILL IN: who receives the data
  purpose "$purpose"    # FILL IN: what they use it for, specifically
  legal basis ''' + legal_basis + '''    # FILL IN: the GDPR basis and your agreement
  retention ''' + retention + '''    # FILL IN: how long the consumer keeps it
''' + (PSEUDONYMS if pseudonyms else "") + APPROVAL)


BODIES = {
    "municipality": ('''
# One row per completed session at a public charger: the driver as a keyed
# pseudonym, the start cut to the hour, the place cut to the 4-digit postal area.
# Sessions at private or home chargers are left out (the default).
from sessions
  since last run
  where status = "COMPLETED"
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started_hour
  round(minutes(start_date_time, end_date_time)) as duration_min
  round(kwh, 1) as energy_kwh
  prefix(location.postal_code, 4) as postal_area
  location.connector.power_type as power_type
output csv to "exports/$export-{run.date}.csv"

schedule weekly on monday at 06:00
''', 'public task "FILL IN: e.g. Art. 6(1)(e) GDPR; data sharing agreement DSA-..."',
        "24 months", True),
    "research": ('''
# Charge detail records for research: drivers and CDRs as keyed pseudonyms, energy
# in bands, costs in whole euros, times to the hour, places as cells of ~5 x 5 km.
from cdrs
  previous day
  join locations on cdr_location.id
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(id) as cdr
  truncate(start_date_time, hour) as started_hour
  truncate(end_date_time, hour) as ended_hour
  bucket(total_energy, [0, 5, 10, 20, 50]) as energy_band_kwh
  round(total_cost.excl_vat, 0) as cost_excl_vat_eur
  currency
  cdr_location.connector_power_type as power_type
  grid(location.coordinates, 0.05) as area_cell
output ndjson to "exports/$export-{run.date}.ndjson"

schedule daily at 02:30
''', 'legitimate interests "FILL IN: e.g. balancing test LIA-...; research agreement RA-..."',
        "3 years", True),
    "open-data": ('''
# Public infrastructure only: where the published chargers are and what they offer.
# No session data is involved. Locations that are not published (home and company
# chargers) are filtered out explicitly.
from locations
  # OCPI 2.1.1 has no `publish` flag; with `version auto` the newest version is used.
  where publish = true
select
  id as location_id
  name
  address
  city
  postal_code
  country
  coordinates
  parking_type
  operator.name as operator
  jmespath("length(evses)") as evse_count
output geojson to "exports/$export-{run.date}.geojson"

schedule daily at 03:00
''', 'legal obligation "FILL IN: e.g. AFIR, Regulation (EU) 2023/1804, Art. 20"',
        "12 months", False),
    "aggregate": ('''
# Totals per (postal district, week) only, and only for groups of at least ten
# drivers: no row describes a single driver, so no pseudonym key is needed.
from sessions
  previous week
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 2) as postal_district
  truncate(start_date_time, week) as week
compute
  count() as sessions
  sum(kwh) as energy_kwh
  avg(minutes(start_date_time, end_date_time)) as avg_duration_min
  minimum group size 10
output csv to "exports/$export-{run.date}.csv"

schedule weekly on monday at 05:00
''', 'public task "FILL IN: e.g. Art. 6(1)(e) GDPR; agreement ..."', "5 years", False),
    "load-profile": ('''
# A load profile: energy charged per hour of the day per postal area, over the previous
# calendar quarter, for groups of at least ten drivers. The area is the postal district
# (the first two digits): with 4-digit areas most groups are too small and withheld.
#
# NOTE: until the language can unnest a session's charging periods, this is an
# aggregate over whole sessions: a session's energy counts in the hour it started,
# not spread over the hours it charged. Read it as "when charging starts", and
# refine it once unnesting exists.
from sessions
  previous quarter
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 2) as postal_district
  hour_of_day(start_date_time) as hour_of_day
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "exports/$export-{run.date}.csv"

schedule cron "0 4 1 1,4,7,10 *"
''', 'legitimate interests "FILL IN: e.g. grid planning with the DSO; agreement ..."',
        "5 years", False),
}

MODULES = {"municipality": "sessions", "research": "cdrs", "open-data": "locations",
           "aggregate": "sessions", "load-profile": "sessions"}

PURPOSES = {
    "municipality": "FILL IN: e.g. plan the municipal charging network per postal area",
    "research": "FILL IN: e.g. research into charging behaviour of returning drivers",
    "open-data": "FILL IN: e.g. publish every public charger as AFIR Art. 20 asks",
    "aggregate": "FILL IN: e.g. weekly charging demand per district for grid planning",
    "load-profile": "FILL IN: e.g. hourly charging load per postal area for the DSO",
}
