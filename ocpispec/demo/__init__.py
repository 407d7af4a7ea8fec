"""The built-in demo CPO: a deterministic, synthetic OCPI platform on 127.0.0.1."""

from ocpispec.demo.faults import Faults
from ocpispec.demo.server import SUPPORTED_VERSIONS, DemoServer, RequestRecord

__all__ = ["SUPPORTED_VERSIONS", "DemoServer", "Faults", "RequestRecord"]
