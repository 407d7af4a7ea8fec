"""What every part of the IR shares."""

FORMAT_VERSION = 1
# A field added to the IR later, left out of the JSON (and so of the fingerprint) while it
# holds its default: plans that do not use it keep their fingerprint.
OMIT_DEFAULT = {"omit_default": True}
