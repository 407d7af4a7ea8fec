"""Disclosure control for row exports: measured risk and enforced k-anonymity.

    RiskMeter             count classes and unicity while rows stream (meter.py)
    RiskFigures           the figures, from a finished meter's spill (spill_figures.py)
    Drivers, measured     what a row becomes in the meter's spill (risk_records.py)
    KEnforcer             recode then suppress until every class holds k (enforce.py)
    quasi_columns         the default quasi-identifiers of a dataset (quasi.py)
    levels_for, recoder   the generalisation hierarchies (hierarchy.py)
    risk_lines            the figures in words (words.py)
"""

from ocpispec.disclosure.enforce import Enforced, KEnforcer, LimitExceeded
from ocpispec.disclosure.hierarchy import describe, kind_of, levels_for, recoder
from ocpispec.disclosure.meter import RiskMeter
from ocpispec.disclosure.spill_figures import BUCKETS, RiskFigures, bucket
from ocpispec.disclosure.quasi import point_columns, quasi_columns
from ocpispec.disclosure.risk_records import Drivers, measured, row_measure

__all__ = ["BUCKETS", "Drivers", "Enforced", "KEnforcer", "LimitExceeded", "RiskFigures",
           "RiskMeter", "bucket", "describe", "kind_of", "levels_for", "measured",
           "point_columns", "quasi_columns", "recoder", "row_measure"]
