"""The OCPI client: discovery, credential profiles and streaming module lists."""

from ocpispec.lean_import import import_without

# httpx loads its own command-line tool (click, pygments, rich: some 80 modules) whenever
# pygments is installed; ocpispec never runs it
import_without("httpx", "pygments")

from ocpispec.ocpi.client import DATA_MODULES, OcpiClient  # noqa: E402
from ocpispec.ocpi.errors import OcpiError, safe_url  # noqa: E402
from ocpispec.ocpi.options import Credentials, FetchOptions, run_deadline  # noqa: E402
from ocpispec.ocpi.stats import EventSink, FetchStats  # noqa: E402
from ocpispec.timestamps import format_timestamp, normalise_timestamp, parse_timestamp  # noqa: E402

__all__ = ["DATA_MODULES", "Credentials", "EventSink", "FetchOptions", "FetchStats", "OcpiClient",
           "OcpiError", "format_timestamp", "normalise_timestamp", "parse_timestamp", "run_deadline",
           "safe_url"]
