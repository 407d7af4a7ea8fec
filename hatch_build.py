"""The wheel's build step (hatchling's custom hook): writes the schema catalogue into
the wheel (`ocpispec/schema/catalogue.pickle`, see ocpispec/schema/shipped_catalogue.py),
so that an install's first command does not build it. Editable installs get none."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogueHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self._folder = tempfile.mkdtemp(prefix="ocpispec-build-")
        path = os.path.join(self._folder, "catalogue.pickle")
        sys.path.insert(0, self.root)
        try:
            from ocpispec.schema import shipped_catalogue
            from ocpispec.schema.catalogue import _build

            shipped_catalogue.write(path, _build())
        finally:
            sys.path.remove(self.root)
        if not os.path.isfile(path):
            raise RuntimeError("could not write the schema catalogue for the wheel")
        build_data["force_include"][path] = "ocpispec/schema/catalogue.pickle"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        folder = getattr(self, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
