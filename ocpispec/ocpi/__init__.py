"""The OCPI client: discovery, credential profiles and streaming module lists."""

from ocpispec.ocpi.client import DATA_MODULES, OcpiClient
from ocpispec.ocpi.errors import OcpiError, safe_url
from ocpispec.ocpi.options import Credentials, FetchOptions, run_deadline
from ocpispec.ocpi.stats import EventSink, FetchStats
from ocpispec.timestamps import format_timestamp, normalise_timestamp, parse_timestamp

__all__ = ["DATA_MODULES", "Credentials", "EventSink", "FetchOptions", "FetchStats", "OcpiClient",
           "OcpiError", "format_timestamp", "normalise_timestamp", "parse_timestamp", "run_deadline",
           "safe_url"]
