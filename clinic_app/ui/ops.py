"""The one gateway from the UI to the services, in the way of Anki's QueryOp/CollectionOp.

Every read and every write a screen makes goes through an ``Ops``: the call runs on the
worker pool, and its result, or its error, comes back on the GUI thread, so no widget
ever waits on the database and no database call ever runs on the GUI thread.

- ``read(query, done)``: ``query(uow)`` on the worker, then ``done(value)``.
- ``write(command.bind(...), done)``: the command through its envelope on the worker,
  then ``done(value)``, then ``changed`` is emitted with the command's ``Changes`` so
  every open screen can refresh what it shows, and only that.

An error a person can act on (bad input, a slot just taken, a locked or full database,
a lost connection) goes to ``failed`` as a ``UserError`` with the message to show; a bug
goes to the crash dialog, as an exception on the GUI thread would.

Panels receive one ``Ops`` (it carries the acting user and today's date) and never hold
the unit of work themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from clinic_app.domain.actor import Actor
from clinic_app.domain.changes import Changes
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.services.database_errors import explain
from clinic_app.services.envelope import Done
from clinic_app.ui.task_runner import TaskRunner

log = logging.getLogger(__name__)

T = TypeVar("T")

Failed = Callable[[UserError | ValidationFailed], None]
#: A command with its arguments (``some_command.bind(...)``), waiting for the unit of
#: work and the actor that ``Ops.write`` supplies on the worker.
Bound = Callable[[Any, Actor], Done[T]]


E = TypeVar("E")


def also(command: Bound[T], extra: E) -> Bound[tuple[T, E]]:
    """A bound command whose value comes back with ``extra`` (what the form sent)."""

    def run(uow: Any, actor: Actor) -> Done[tuple[T, E]]:
        done = command(uow, actor)
        return Done((done.value, extra), done.changes)

    return run


class DatabaseTrouble(UserError):
    """A database problem told in a person's words (see services.database_errors)."""


class Ops(QObject):
    #: Emitted on the GUI thread after every command that changed something.
    changed = Signal(object)
    #: True while any read or write is in flight (for a busy indicator).
    busy_changed = Signal(bool)

    def __init__(
        self,
        uow: Any,
        actor: Actor,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        runner: TaskRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._uow = uow
        self.actor = actor
        self.today = today
        self._runner = runner or TaskRunner(parent=self)
        self._runner.busy_changed.connect(self.busy_changed)

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def read(
        self, query: Callable[[Any], T], done: Callable[[T], None], *, failed: Failed | None = None
    ) -> None:
        """Run ``query(uow)`` on the worker; ``done(value)`` on the GUI thread."""
        uow = self._uow
        self._runner.run(lambda: query(uow), done, self._on_error(failed))

    def background(self, work: Callable[[], T], done: Callable[[T], None]) -> None:
        """Run file work that needs no database (writing an export) off the GUI thread."""
        self._runner.run(work, done, self._on_error(None))

    def write(
        self,
        command: Callable[[Any, Actor], Done[T]],
        done: Callable[[T], None],
        *,
        failed: Failed | None = None,
    ) -> None:
        """Run a bound command (``some_command.bind(...)``) on the worker through its
        envelope; ``done(value)`` on the GUI thread, then ``changed`` with its Changes."""
        uow, actor = self._uow, self.actor

        def finished(result: Done[T]) -> None:
            done(result.value)
            if result.changes:
                self.changed.emit(result.changes)

        self._runner.run(lambda: command(uow, actor), finished, self._on_error(failed))

    def announce(self, changes: Changes) -> None:
        """Tell every screen about changes made outside ``write`` (the start-up upkeep)."""
        if changes:
            self.changed.emit(changes)

    def wait_for_idle(self, msecs: int = 30_000) -> bool:
        return self._runner.wait_for_idle(msecs)

    def _on_error(self, failed: Failed | None) -> Callable[[BaseException, str], None]:
        def handle(error: BaseException, trace: str) -> None:
            if isinstance(error, UserError | ValidationFailed):
                problem: UserError | ValidationFailed = error
            else:
                message = explain(error)
                if message is None:
                    # A bug: the crash dialog, exactly as if it had happened here.
                    sys.excepthook(type(error), error, error.__traceback__)
                    return
                problem = DatabaseTrouble(message)
            if failed is None:
                log.warning("unhandled problem from a background call: %s", type(problem))
                return
            failed(problem)

        return handle
