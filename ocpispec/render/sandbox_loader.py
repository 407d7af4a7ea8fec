"""The loader of the sandbox: templates load only under the rules of `confine`, and only
the files `check` pinned by their sha256."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError

from ocpispec.render import confine
from ocpispec.render.sandbox_vocabulary import TEMPLATE_PREFIX


class ConfinedLoader(jinja2.BaseLoader):
    """Loads template names relative to `base` (the main template's folder, relative
    to `root`, the spec's folder) under the rules of `confine`, and only files whose
    sha256 is the one in `digests` (None: not pinned, for tests and previews)."""

    def __init__(self, root: Path, base: str, digests: Mapping[str, str] | None) -> None:
        self.root, self.base, self.digests = root, base, digests

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool]]:
        try:
            file = confine.locate(self.root, self.base, template)
            loaded = confine.read(file)
        except confine.ConfinementError as exc:
            raise SecurityError(str(exc)) from None
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SecurityError(f"`{template}` cannot be read ({type(exc).__name__})") from None
        if self.digests is not None and self.digests.get(file.key) != loaded.sha256:
            raise SecurityError(f"`{file.key}` changed since the spec was checked, or was "
                                "not checked; check and run again")
        # the key as the file name: a run-time error can then name the template and
        # line it happened in (`render.failed_at`)
        return loaded.text, TEMPLATE_PREFIX + file.key, lambda: True
