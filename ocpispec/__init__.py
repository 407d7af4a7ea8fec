"""ocpispec: privacy-first export specs for OCPI charging data."""

__version__ = "0.1.0"
