"""`ocpispec doctor`: a read-only conformance check of an OCPI platform.

    report = diagnose(credentials)          # GET requests only, bounded and rate-limited
    print(render_text(report)); report.exit_code

It negotiates like the client does, then probes every data module with a few small
requests: pagination headers and links, `limit`, `offset`, date filters, timestamp
forms, id casing and the record deviations of a sample page. Every finding says what
ocpispec does about it.
"""

from ocpispec.doctor.diagnose import DoctorOptions, diagnose
from ocpispec.doctor.model import Finding, Report, Status, Timing
from ocpispec.doctor.render import render_json, render_text

__all__ = ["DoctorOptions", "Finding", "Report", "Status", "Timing", "diagnose", "render_json", "render_text"]
