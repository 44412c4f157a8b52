"""The one envelope every write goes through: permission, unit of work, audit, Changes.

A command is written as a function of a ``Work`` (the open transaction, the acting
user, the audit rows and the changes so far) and decorated with the action it is::

    @command(Action.CREATE_PATIENT, Change.PATIENTS)
    def create_patient(work: Work, details: PatientDetails) -> PatientRecord: ...

and is called as ``create_patient(uow, actor, details)`` (the value) or
``create_patient.run(uow, actor, details)`` (the value and its ``Changes``, for the UI).
In that order, the envelope

1. refuses the actor unless the matrix in ``domain.permissions`` allows their role,
   before any database work;
2. opens a transaction that keeps nothing unless committed;
3. runs the function; if it raises, everything is rolled back;
4. writes the audit rows the function noted (or one row for the action) and commits,
   so a change and its audit row are kept together or not at all;
5. returns the value with the ``Changes``: the action's declared kinds plus any the
   function added, and the patients it named.

A ``job`` is the same for work that must not hold the write lock for long (the daily
upkeep, the booking pass): each ``with work.batch() as batch:`` is one short
transaction through the same steps 2-4.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from clinic_app.domain.actor import Actor
from clinic_app.domain.changes import Change, Changes
from clinic_app.domain.errors import UserError
from clinic_app.domain.permissions import Action, allowed, refusal
from clinic_app.persistence.store import audit_log
from clinic_app.persistence.unit_of_work import Transaction, UnitOfWork

P = ParamSpec("P")
T = TypeVar("T")


class NotPermitted(UserError):
    """The actor's role may not do this action (the matrix says who may)."""


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a command gives back: its value and what it changed."""

    value: T
    changes: Changes


@dataclass(frozen=True)
class _AuditNote:
    action: str
    entity: str
    entity_id: int | None
    detail: Mapping[str, Any]


class Work:
    """One command's open transaction, as the command function sees it."""

    def __init__(self, tx: Transaction, actor: Actor, action: Action, kinds: Iterable[Change]):
        self._tx = tx
        self.actor = actor
        self.action = action
        self._notes: list[_AuditNote] = []
        self._kinds = set(kinds)
        self._patients: set[int] = set()
        self._unchanged = False

    @property
    def session(self) -> Session:
        return self._tx.session

    def audit(
        self,
        entity: str,
        entity_id: int | None,
        detail: Mapping[str, Any] | None = None,
        *,
        before: Any = None,
        after: Any = None,
        action: str | None = None,
    ) -> None:
        """Note an audit row for this change; written in the same transaction."""
        full = dict(detail or {})
        if before is not None:
            full["before"] = before
        if after is not None:
            full["after"] = after
        self._notes.append(_AuditNote(action or self.action.value, entity, entity_id, full))

    def changed(self, *kinds: Change, patients: Iterable[int] = ()) -> None:
        """Add to what the screens are told changed (beyond the action's own kinds)."""
        self._kinds.update(kinds)
        self._patients.update(patients)

    def unchanged(self) -> None:
        """Nothing needed changing (an edit that changed no field): no audit row."""
        self._unchanged = True

    @property
    def changes(self) -> Changes:
        if self._unchanged and not self._notes:
            return Changes()
        return Changes(frozenset(self._kinds), frozenset(self._patients))

    def commit(self) -> None:
        """Write the noted audit rows and commit; the block may go on in a new transaction."""
        if not self._notes and not self._unchanged:
            entity = self.action.value.split(".", 1)[0]
            self._notes.append(_AuditNote(self.action.value, entity, None, {}))
        for note in self._notes:
            audit_log.record(
                self.session, self.actor, note.action, note.entity, note.entity_id, note.detail
            )
        self._notes = []
        self._tx.commit()
        self._unchanged = False


def check_permission(actor: Actor, action: Action) -> None:
    if not allowed(actor.role, action):
        raise NotPermitted(refusal(actor.role, action))


class _Enveloped(ABC, Generic[P, T]):
    """What a command and a job share: the action, the call forms, the permission."""

    def __init__(self, action: Action, kinds: tuple[Change, ...], function: Any) -> None:
        self.action = action
        self.kinds = kinds
        self._function = function
        functools.update_wrapper(self, function)

    def __call__(self, uow: UnitOfWork, actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.run(uow, actor, *args, **kwargs).value

    def bind(self, *args: P.args, **kwargs: P.kwargs) -> Callable[[UnitOfWork, Actor], Done[T]]:
        """The call with its arguments, waiting for a unit of work and an actor (for the
        UI's gateway, which supplies both on the worker thread)."""
        return lambda uow, actor: self.run(uow, actor, *args, **kwargs)

    def run(self, uow: UnitOfWork, actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> Done[T]:
        check_permission(actor, self.action)
        return self._execute(uow, actor, args, kwargs)

    @abstractmethod
    def _execute(self, uow: UnitOfWork, actor: Actor, args: Any, kwargs: Any) -> Done[T]:
        """Run the function in this kind's transactions (the role is already checked)."""


class Command(_Enveloped[P, T]):
    """A command function in the envelope: one transaction (see the module docstring)."""

    def _execute(self, uow: UnitOfWork, actor: Actor, args: Any, kwargs: Any) -> Done[T]:
        with uow.transaction() as tx:
            work = Work(tx, actor, self.action, self.kinds)
            value: T = self._function(work, *args, **kwargs)
            changes = work.changes
            work.commit()
        return Done(value, changes)


def command(
    action: Action, *kinds: Change
) -> Callable[[Callable[Concatenate[Work, P], T]], Command[P, T]]:
    """Wrap ``function(work, ...)`` as the command for ``action`` changing ``kinds``."""

    def wrap(function: Callable[Concatenate[Work, P], T]) -> Command[P, T]:
        return Command(action, kinds, function)

    return wrap


class JobWork:
    """A job's view: the unit of work, the actor, and one short transaction per batch."""

    def __init__(self, uow: UnitOfWork, actor: Actor, action: Action, kinds: Iterable[Change]):
        self.uow = uow
        self.actor = actor
        self.action = action
        self._kinds = tuple(kinds)
        self.changes = Changes()

    @contextmanager
    def batch(self) -> Iterator[Work]:
        """One transaction of the job: committed with its audit rows when the block ends."""
        with self.uow.transaction() as tx:
            work = Work(tx, self.actor, self.action, self._kinds)
            yield work
            changes = work.changes
            work.unchanged()  # a batch that noted nothing leaves no row of its own
            work.commit()
        self.changes = self.changes | changes

    def include(self, done: Done[Any]) -> Any:
        """Fold a command run by the job into the job's changes; returns its value."""
        self.changes = self.changes | done.changes
        return done.value


class Job(_Enveloped[P, T]):
    """A job function in the envelope: permission, then short batches of its own."""

    def _execute(self, uow: UnitOfWork, actor: Actor, args: Any, kwargs: Any) -> Done[T]:
        work = JobWork(uow, actor, self.action, self.kinds)
        value: T = self._function(work, *args, **kwargs)
        return Done(value, work.changes)


def job(
    action: Action, *kinds: Change
) -> Callable[[Callable[Concatenate[JobWork, P], T]], Job[P, T]]:
    """Wrap ``function(job_work, ...)`` as a job of short transactions for ``action``."""

    def wrap(function: Callable[Concatenate[JobWork, P], T]) -> Job[P, T]:
        return Job(action, kinds, function)

    return wrap
