"""Run slow work (a big query, a PDF, a backup, the demo clinic) off the GUI thread.

The result comes back through a queued signal, so the callback runs on the GUI thread
and may touch widgets; the worker itself never does.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

log = logging.getLogger(__name__)


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as error:  # delivered to the GUI thread, not lost
            self._relay.failed.emit(error, traceback.format_exc())
        else:
            self._relay.succeeded.emit(result)


class TaskRunner(QObject):
    """Starts jobs on a thread pool; counts those in flight for a busy indicator."""

    busy_changed = Signal(bool)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._running: set[_Relay] = set()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException, str], None],
    ) -> None:
        relay = _Relay()
        self._running.add(relay)
        if len(self._running) == 1:
            self.busy_changed.emit(True)

        def finish() -> None:
            self._running.discard(relay)
            relay.deleteLater()
            if not self._running:
                self.busy_changed.emit(False)

        def done(result: Any) -> None:
            if not isValid(self):
                return  # the screen that asked was closed meanwhile: nobody to tell
            finish()
            on_done(result)

        def failed(error: BaseException, trace: str) -> None:
            if not isValid(self):
                return
            finish()
            # Not logged here: a person's mistake is not an error to log (and its message
            # may name a patient); a bug is logged by the crash hook it is handed to.
            on_error(error, trace)

        relay.succeeded.connect(done)
        relay.failed.connect(failed)
        self._pool.start(_Job(work, relay))

    def wait_for_idle(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)
