"""The roster: search, filter and sort 100,000 patients a page at a time.

Pages are fetched by keyset (the last row's sort key), not OFFSET, so scrolling to the
end of a long list costs the same as the first page, and every search uses an index
on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true, tuple_
from sqlalchemy.orm import Session

from clinic_app.domain.codes import AppointmentStatus, CourseStatus, PatientStatus
from clinic_app.domain.roster_search import SearchCriteria, interpret
from clinic_app.persistence.models import Appointment, Course, Patient
from clinic_app.persistence.unit_of_work import UnitOfWork

#: Past every character a name key can hold: ``key < prefix + HIGH`` bounds a prefix.
_HIGH = "\U0010ffff"


#: Above this many matches a search is "dense": walking the sort order's index and
#: filtering finds a page sooner than collecting every match and sorting them.
DENSE_MATCHES = 2000


NO_COURSE = "__none__"


class RosterSort(StrEnum):
    NAME = "name"
    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    STATUS = "status"


_SORT_COLUMNS: dict[RosterSort, tuple[Any, ...]] = {
    RosterSort.NAME: (Patient.family_key, Patient.given_key, Patient.id),
    RosterSort.NHS_NUMBER: (Patient.nhs_number, Patient.id),
    RosterSort.DATE_OF_BIRTH: (Patient.date_of_birth, Patient.id),
    RosterSort.STATUS: (Patient.status, Patient.family_key, Patient.given_key, Patient.id),
}


@dataclass(frozen=True)
class RosterQuery:
    text: str = ""
    status: PatientStatus | None = None
    #: A protocol id, ``NO_COURSE`` for patients without an active course, or None.
    protocol_id: str | None = None
    sort: RosterSort = RosterSort.NAME
    descending: bool = False


@dataclass(frozen=True)
class RosterRow:
    id: int
    nhs_number: str
    family_name: str
    given_name: str
    date_of_birth: dt.date
    status: PatientStatus
    protocol_id: str | None
    next_due: dt.date | None
    #: The row's sort key: pass it back as ``after`` to get the next page.
    cursor: tuple[Any, ...]


def search_roster(
    uow: UnitOfWork,
    query: RosterQuery,
    *,
    after: tuple[Any, ...] | None = None,
    limit: int = 100,
    matches: int | None = None,
) -> list[RosterRow]:
    """One page of the roster in the query's order, starting after ``after``.

    The access path is chosen by how many rows match (``matches``, when the caller
    has just counted them, else one indexed count here): a few
    matches are fetched through the search index and sorted; many matches ("s", the
    first keystroke) are found by walking the sort order's index, with the search
    terms written so no database is tempted to use their index instead.
    """
    order = _SORT_COLUMNS[query.sort]
    regimen = (
        select(Course.protocol_id)
        .where(Course.patient_id == Patient.id, Course.status == CourseStatus.ACTIVE)
        .order_by(Course.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    next_due = (
        select(func.min(Appointment.planned_date))
        .where(
            Appointment.patient_id == Patient.id,
            Appointment.status.in_(
                (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
            ),
        )
        .scalar_subquery()
    )
    statement = select(
        Patient.id,
        Patient.nhs_number,
        Patient.family_name,
        Patient.given_name,
        Patient.date_of_birth,
        Patient.status,
        regimen.label("protocol_id"),
        next_due.label("next_due"),
        *order,
    )
    if after is not None:
        key = tuple_(*order)
        statement = statement.where(
            key < tuple_(*after) if query.descending else key > tuple_(*after)
        )
    statement = statement.order_by(*(c.desc() if query.descending else c for c in order))
    with uow.read() as session:
        if matches is None:
            matches = _count(session, query)
        statement = _filtered(statement, query, dense=matches > DENSE_MATCHES)
        rows = session.execute(statement.limit(limit)).all()
    width = len(order)
    return [
        RosterRow(
            id=row.id,
            nhs_number=row.nhs_number,
            family_name=row.family_name,
            given_name=row.given_name,
            date_of_birth=row.date_of_birth,
            status=row.status,
            protocol_id=row.protocol_id,
            next_due=row.next_due,
            cursor=tuple(row[-width:]),
        )
        for row in rows
    ]


def count_roster(uow: UnitOfWork, query: RosterQuery) -> int:
    with uow.read() as session:
        return _count(session, query)


def _count(session: Session, query: RosterQuery) -> int:
    return session.scalar(_filtered(select(func.count()).select_from(Patient), query)) or 0


def _filtered(statement: Select[Any], query: RosterQuery, *, dense: bool = False) -> Select[Any]:
    criteria = interpret(query.text)
    if not criteria.is_empty:
        statement = statement.where(_matches(criteria, dense=dense))
    if query.status is not None:
        statement = statement.where(Patient.status == query.status)
    if query.protocol_id is not None:
        active = select(Course.id).where(
            Course.patient_id == Patient.id, Course.status == CourseStatus.ACTIVE
        )
        if query.protocol_id == NO_COURSE:
            statement = statement.where(~active.exists())
        else:
            statement = statement.where(
                active.where(Course.protocol_id == query.protocol_id).exists()
            )
    return statement


def _matches(criteria: SearchCriteria, *, dense: bool) -> ColumnElement[bool]:
    if criteria.date_of_birth is not None:
        return Patient.date_of_birth == criteria.date_of_birth

    def column(attribute: Any) -> Any:
        # ``col || ''`` is the same value but no index applies to it, on any database.
        return attribute.concat("") if dense else attribute

    if criteria.nhs_prefix:
        return _prefix(column(Patient.nhs_number), criteria.nhs_prefix)
    alternatives = [
        and_(
            _prefix(column(Patient.family_key), family) if family else true(),
            _prefix(column(Patient.given_key), given) if given else true(),
        )
        for family, given in criteria.name_prefixes
    ]
    return or_(*alternatives)


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    # A range, not LIKE: it uses a plain index on SQLite and PostgreSQL alike.
    return and_(column >= prefix, column < prefix + _HIGH)
