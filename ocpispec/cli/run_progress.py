"""What `ocpispec run` shows on a terminal while it works: what it connects to, each
dataset as it starts (where it writes, which window), and per module a bar with the
total the platform announces (`X-Total-Count`), the share done, the rate and the time
left. Lookups (locations, tariffs, ...) get bars of their own. The bars are transient:
warnings, diagnostics and the summary print on clean lines. With stderr piped nothing of
this is shown."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import Progress, TaskID

from ocpispec.ocpi.console import ModuleTally, progress_columns


class RunProgress:
    """The OCPI client's event sink (`page`, `warn`) and the executor's `on_dataset`
    (`started`); pages carry the counts, so no per-record callback is needed."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._bars = Progress(*progress_columns(), console=self.console, transient=True)
        self._tasks: dict[str, TaskID] = {}
        self._tally = ModuleTally()
        self._waiting: TaskID | None = None

    def __enter__(self) -> RunProgress:
        self._bars.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._bars.stop()

    # -- the run -------------------------------------------------------------------------

    def connecting(self, where: str) -> None:
        self._waiting = self._bars.add_task(f"connecting to {where} (versions, endpoints)",
                                            total=None, waiting=True)

    def connected(self) -> None:
        if self._waiting is not None:
            self._bars.remove_task(self._waiting)
            self._waiting = None

    def started(self, dataset: str, target: str, window: str) -> None:
        self.connected()
        self.console.print(f"{dataset} -> {target}  ({window})", markup=False, highlight=False,
                           soft_wrap=True)

    # -- the OCPI client -----------------------------------------------------------------

    def page(self, module: str, objects: int, total: int | None) -> None:
        self.connected()
        objects, total = self._tally.add(module, objects, total)
        key = f"fetch:{module}"
        if key not in self._tasks:
            self._tasks[key] = self._bars.add_task(f"fetching {module}", total=total)
        self._bars.update(self._tasks[key], completed=objects, total=total)

    def warn(self, message: str) -> None:
        self.console.print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)
