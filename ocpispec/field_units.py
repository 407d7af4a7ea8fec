"""The unit of each OCPI quantity, by the last segment of its field path, and of the
functions that make a duration: shared by the data package (`formats/units.py`) and
the check of column names (`check/unit_names.py`), with no imports of its own."""

# `energy_kwh` and `duration` are a charging period's derived fields
FIELD_UNITS = {"kwh": "kWh", "total_energy": "kWh", "energy_kwh": "kWh",
               "max_electric_power": "W", "max_voltage": "V", "max_amperage": "A",
               "total_time": "h", "total_parking_time": "h", "duration": "min"}
FUNCTION_UNITS = {"minutes": "min", "hours": "h"}
