"""Keep each course's appointment rows in step with what the scheduling engine plans.

The engine is a pure function of a course's history, so the rows are derived data:
``sync_course_plan`` re-plans a course and makes its rows match, and every service
that changes a course's history (a dose given or missed, a frequency changed, a
course ended) calls it inside its own transaction. ``refresh_all_plans`` is the
nightly rolling-horizon run: it re-plans the active courses a night can change
(``nightly_candidates``), or every one after a calendar or settings change.

Rows are matched to the plan by ``(phase, dose_number)``, the key the database keeps
unique among live rows. What the sync may touch, and what it may not:

- fulfilled, noshow and cancelled rows are history: never changed. A missed dose's
  noshow row stays, and the re-planned dose gets a new row with the same key.
- proposed rows follow the plan: moved, created, or deleted when no longer planned.
- booked and arrived rows keep their slot while it still lies inside the new window;
  their planned date and window follow the plan.
- a booked row whose slot, still to come, falls outside its dose's new window (a
  frequency change, a dose given late) is unbooked exactly as a cancelled session
  unbooks it: back to proposed with the new date and window, its place given back,
  and an ``appointment.unbooked`` audit row, so it shows under "Needs rebooking" and
  the course's doses are booked again in order. Keeping the old slot would leave the
  dose booked after the doses that now follow it.
- an arrived row (the patient is in the building) and a booking whose day has passed
  (awaiting its dose record or did-not-attend) are never unbooked; the course
  timeline flags them when they no longer fit.
- a booking is never dropped silently: only an ended course cancels its bookings
  (reason "course ended") and gives the places back to their slots.

Doses recorded before the clinic kept its records in the app are not stored, but the
first stored dose's number says how many came before it (the demo clinic keeps 200
days of history). The engine needs only their count and the last real date, so they
are passed to it as placeholder days right after the start; their dates are never
shown or stored.

Every write is conditional on the row's status and version as read, so a booking
made on another workstation between the read and the write is never overwritten:
the sync raises Conflict and the whole action is rolled back to be tried again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    CursorResult,
    String,
    Table,
    bindparam,
    case,
    delete,
    insert,
    literal,
    null,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from clinic_app.domain.appointment_text import describe_start
from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, Phase, SlotStatus
from clinic_app.domain.date_text import format_date
from clinic_app.domain.errors import Conflict, NotFound
from clinic_app.domain.protocol import MonitoringPlan, Protocol
from clinic_app.domain.protocol_snapshot import SnapshotError, protocol_from_json
from clinic_app.domain.schedule import CoursePlan, CourseState, plan_courses
from clinic_app.domain.schedule_dates import add_interval
from clinic_app.domain.schedule_monitoring import MONITORING_LEEWAY_DAYS
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    Course,
    RecallContact,
    Slot,
)
from clinic_app.persistence.store import audit_log as audit
from clinic_app.persistence.store.audit_log import UNBOOKED
from clinic_app.persistence.store.settings_store import clinic_calendar, read_settings
from clinic_app.persistence.store.slot_capacity import release_slot

log = logging.getLogger(__name__)


COURSE_ENDED_REASON = "course ended"


#: A proposed row that something else refers to (a recall call, a "not given"
#: record) cannot be deleted; it is cancelled with this reason instead.
DROPPED_REASON = "no longer in the plan"


#: Courses re-planned per transaction by the nightly refresh: big enough to keep the
#: statements few, small enough that another workstation never waits long for a write.


#: Part of the calendar fingerprint: change it when the planning rules change, so the
#: first refresh after an upgrade re-plans every course.
_PLAN_FORMAT = 2  # 2: closures move doses earlier; overdue reviews stay


#: Safety margins of the nightly selection (see ``nightly_candidates``).


_CHUNK = 900  # ids per IN list, well inside every database's parameter limit


_A = cast(Table, Appointment.__table__)


_ADM = cast(Table, Administration.__table__)


_SLOT = cast(Table, Slot.__table__)


_RECALL = cast(Table, RecallContact.__table__)


_DOSE_PHASES = frozenset({Phase.LOADING.value, Phase.MAINTENANCE.value})


_PROPOSED = AppointmentStatus.PROPOSED.value


_REVIEW = Phase.REVIEW.value


_BOOKED = AppointmentStatus.BOOKED.value


_FULFILLED = AppointmentStatus.FULFILLED.value


_LIVE = (_PROPOSED, _BOOKED, AppointmentStatus.ARRIVED.value)


#: A course's rows are reached through the partial unique index on (course, phase,
#: dose number): the only index that leads with the course. A database uses a partial
#: index only when the query repeats its condition, written out exactly (a bound
#: parameter will not do), so every query by course adds this and filters further in
#: Python. Noshow and cancelled rows are reached by patient instead.
LIVE_OR_GIVEN = text("appointments.status IN ('proposed', 'booked', 'arrived', 'fulfilled')")


_COMPLETED = text("administrations.status = 'completed'")


class _Row(NamedTuple):
    id: int
    course_id: int
    phase: str
    number: int | None
    status: str
    planned: dt.date
    earliest: dt.date
    latest: dt.date
    tests: str
    slot_id: int | None
    slot_start: dt.datetime | None
    version: int
    occurred_at: dt.datetime | None


class _Course(NamedTuple):
    id: int
    patient_id: int
    snapshot: str
    start: dt.date
    factor: float
    loading_ended: dt.date | None
    status: str
    version: int


@dataclass(frozen=True)
class CourseHistory:
    """What the engine is told about a course's past, from its stored rows."""

    #: Real dates of the stored given doses, in order, one a day.
    given: tuple[dt.date, ...]
    #: Doses given before the app's records began (known only by count).
    earlier: int
    #: Added to the engine's dose numbers so no planned row reuses a number that a
    #: given row already has (numbers recorded out of step with the plan).
    number_offset: int
    #: The start the engine uses: the course start, or an earlier first dose.
    start: dt.date
    #: The number of the last clinician review held (its row fulfilled); 0 for none.
    reviews_held: int = 0


#: (planned date, window earliest, window latest, tests due): a plain tuple, so it
#: compares directly with the same four fields sliced out of a ``_Row``.
_Wanted = tuple[dt.date, dt.date, dt.date, str]


class _Unbook(NamedTuple):
    """A booking the new plan moved away from: the row's update and its audit detail."""

    params: dict[str, Any]
    slot_id: int
    old_start: dt.datetime
    reason: str


@dataclass
class _Changes:
    """The statements one sync run will issue, gathered so they run in bulk."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    drops: list[int] = field(default_factory=list)
    cancels: list[dict[str, Any]] = field(default_factory=list)
    freed_slots: list[int] = field(default_factory=list)
    unbooks: list[_Unbook] = field(default_factory=list)
    changed: set[int] = field(default_factory=set)


# -- public -------------------------------------------------------------------------


def sync_course_plan(
    session: Session,
    course_id: int,
    *,
    today: dt.date,
    settings: ClinicSettings | None = None,
    calendar: ClinicCalendar | None = None,
) -> None:
    """Make one course's appointment rows match its plan, in the caller's transaction."""
    settings = settings or read_settings(session)
    calendar = calendar or clinic_calendar(session, settings)
    courses = _read_courses(session, [course_id])
    if not courses:
        raise NotFound(f"No course with id {course_id}: it may have been removed.")
    _sync(session, courses, today, settings.plan_horizon_months, calendar)


def cancel_bookings(session: Session, course_id: int, phases: Iterable[Phase], reason: str) -> int:
    """Cancel the course's booked and arrived rows in ``phases``; their places go back.

    For a decision that makes those doses wrong to give (loading ended), taken
    explicitly by a person: the sync itself never cancels a booking of an active course.
    """
    wanted = {Phase(phase).value for phase in phases}
    query = select(_A.c.id, _A.c.version, _A.c.status, _A.c.slot_id, _A.c.phase).where(
        _A.c.course_id == course_id, LIVE_OR_GIVEN
    )
    rows = [
        row
        for row in session.execute(query).all()
        if row.phase in wanted
        and row.status in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
    ]
    if not rows:
        return 0
    now = utcnow()
    params = [
        {"b_id": r.id, "b_version": r.version, "b_status": r.status, "b_now": now} for r in rows
    ]
    _expect(_rowcount(session.execute(_conditional_update(reason), params)), len(rows))
    _free_slots(session, [r.slot_id for r in rows if r.slot_id is not None])
    return len(rows)


def current_plan(
    session: Session,
    course_id: int,
    *,
    today: dt.date,
    settings: ClinicSettings | None = None,
    calendar: ClinicCalendar | None = None,
) -> tuple[CoursePlan, CourseHistory]:
    """The engine's plan for a course as of ``today`` (read-only), and the history fed to it."""
    settings = settings or read_settings(session)
    calendar = calendar or clinic_calendar(session, settings)
    courses = _read_courses(session, [course_id])
    if not courses:
        raise NotFound(f"No course with id {course_id}: it may have been removed.")
    course = courses[0]
    rows = _read_rows(session, [course_id])[course_id]
    protocol = protocol_from_json(course.snapshot)
    history = _course_history(course.start, rows)
    state = _state(course, protocol, history, today)
    return plan_courses([state], calendar, settings.plan_horizon_months)[0], history


def _course_history(start: dt.date, rows: Sequence[_Row]) -> CourseHistory:
    given_rows = [r for r in rows if r.status == _FULFILLED and r.phase in _DOSE_PHASES]
    days = sorted({_given_day(r) for r in given_rows})
    numbers = [r.number for r in given_rows if r.number is not None]
    if days and days[0] < start:
        start = days[0]
    earlier = max(0, min(numbers) - 1) if numbers else 0
    if days:  # placeholders must fit, one a day, before the first real dose
        earlier = min(earlier, (days[0] - start).days)
    total = earlier + len(days)
    offset = max(0, max(numbers, default=0) - total)
    held = max(
        (r.number or 0 for r in rows if r.status == _FULFILLED and r.phase == _REVIEW),
        default=0,
    )
    return CourseHistory(tuple(days), earlier, offset, start, held)


# -- reading --------------------------------------------------------------------------

_COURSE_COLUMNS = (
    Course.id,
    Course.patient_id,
    Course.protocol_snapshot,
    Course.start_date,
    Course.interval_factor,
    Course.loading_ended_on,
    Course.status,
    Course.version,
)


# Read as plain strings: converting 200,000 values to enum members costs more than
# the query, and the codes compare equal to their StrEnum members anyway.
_ROW_COLUMNS = (
    _A.c.id,
    _A.c.course_id,
    type_coerce(_A.c.phase, String),
    _A.c.dose_number,
    type_coerce(_A.c.status, String),
    _A.c.planned_date,
    _A.c.window_earliest,
    _A.c.window_latest,
    _A.c.tests_due,
    _A.c.slot_id,
)


def _read_courses(session: Session, ids: Sequence[int]) -> list[_Course]:
    found: list[_Course] = []
    for chunk in _chunks(ids):
        query = select(*_COURSE_COLUMNS).where(Course.id.in_(chunk))
        found += [_Course._make(row) for row in session.execute(query).all()]
    return found


def _read_active_courses(session: Session) -> list[_Course]:
    query = select(*_COURSE_COLUMNS).where(Course.status == CourseStatus.ACTIVE).order_by(Course.id)
    return [_Course._make(row) for row in session.execute(query).all()]


def _read_rows(session: Session, course_ids: Sequence[int]) -> dict[int, list[_Row]]:
    """Every live or given row of a few courses, with the slot time and the dose record."""
    rows: dict[int, list[_Row]] = {course_id: [] for course_id in course_ids}
    joined = _A.outerjoin(_SLOT, _SLOT.c.id == _A.c.slot_id).outerjoin(
        _ADM, (_ADM.c.appointment_id == _A.c.id) & _COMPLETED
    )
    make = _Row._make
    for chunk in _chunks(course_ids):
        query = (
            select(*_ROW_COLUMNS, _SLOT.c.start, _A.c.version, _ADM.c.occurred_at)
            .select_from(joined)
            .where(_A.c.course_id.in_(chunk), LIVE_OR_GIVEN)
        )
        for row in session.execute(query).all():
            rows[row[1]].append(make(row))
    return rows


def _scan_rows(
    session: Session, course_ids: set[int], *, whole: bool = True
) -> dict[int, list[_Row]]:
    """``_read_rows`` for many courses: table scans, joined here.

    ``whole`` scans the whole clinic once; otherwise the appointments table is scanned
    once per chunk of ids, the slot times and dose dates fetched by id. Neither asks
    for the live statuses in SQL: SQLite (no statistics) would then read every live
    row through the (status, planned date) index, many times slower than a scan.
    """
    wanted = {"proposed", "booked", "arrived", "fulfilled"}
    rows: dict[int, list[_Row]] = {course_id: [] for course_id in course_ids}
    # (course's rows, position) of the few rows that need a slot time or a dose date.
    booked: list[tuple[list[_Row], int]] = []
    given: list[tuple[list[_Row], int]] = []
    make = tuple.__new__  # _Row's own constructor, without its Python-level wrapper
    # The columns come in _Row's order, so each row is made in a single step.
    query = select(*_ROW_COLUMNS, null(), _A.c.version, null())
    queries = (
        [query]
        if whole
        else [query.where(_A.c.course_id.in_(chunk)) for chunk in _chunks(sorted(course_ids))]
    )
    for each in queries:
        for row in session.execute(each).all():
            found = rows.get(row[1])
            if found is None or row[4] not in wanted:
                continue
            found.append(make(_Row, row))
            if row[9] is not None:
                booked.append((found, len(found) - 1))
            elif row[4] == _FULFILLED:
                given.append((found, len(found) - 1))
    given_at: dict[int, dt.datetime] = {}
    if whole:
        completed = select(_ADM.c.appointment_id, _ADM.c.occurred_at).where(_COMPLETED)
        given_at.update(session.execute(completed).all())
    else:
        ids = sorted(found[position].id for found, position in booked + given)
        for chunk in _chunks(ids):
            completed = select(_ADM.c.appointment_id, _ADM.c.occurred_at).where(
                _ADM.c.appointment_id.in_(chunk), _COMPLETED
            )
            given_at.update(session.execute(completed).all())
    starts: dict[int, dt.datetime] = {}
    slot_ids = sorted({found[position].slot_id or 0 for found, position in booked})
    for chunk in _chunks(slot_ids):
        query = select(_SLOT.c.id, _SLOT.c.start).where(_SLOT.c.id.in_(chunk))
        starts.update(session.execute(query).all())
    for found, position in booked:
        entry = found[position]
        found[position] = entry._replace(
            slot_start=starts.get(entry.slot_id or 0), occurred_at=given_at.get(entry.id)
        )
    for found, position in given:
        entry = found[position]
        found[position] = entry._replace(occurred_at=given_at.get(entry.id))
    return rows


def _stale(session: Session, courses: Sequence[_Course]) -> bool:
    """Whether any of ``courses`` was changed (ended, re-timed...) since it was read."""
    read = {course.id: (course.version, course.status) for course in courses}
    for chunk in _chunks(list(read)):
        query = select(Course.id, Course.version, Course.status).where(Course.id.in_(chunk))
        for course_id, version, status in session.execute(query):
            if read.pop(course_id) != (version, status):
                return True
    return bool(read)


def _given_day(row: _Row) -> dt.date:
    """The day the dose was given, as the clinic's wall clock saw it."""
    if row.occurred_at is not None:
        return row.occurred_at.astimezone().date()
    return row.planned


# -- planning ---------------------------------------------------------------------------


def _state(
    course: _Course, protocol: Protocol, history: CourseHistory, today: dt.date
) -> CourseState:
    start = history.start
    placeholders = tuple(start + dt.timedelta(days=n) for n in range(history.earlier))
    return CourseState(
        protocol=protocol,
        start=start,
        given=placeholders + history.given,
        as_of=today,
        interval_factor=course.factor,
        loading_ended=course.loading_ended,
        reviews_held=history.reviews_held,
    )


def _sync(
    session: Session,
    courses: Sequence[_Course],
    today: dt.date,
    horizon_months: int,
    calendar: ClinicCalendar,
) -> tuple[_Changes, list[int]]:
    rows = _read_rows(session, [course.id for course in courses])
    changes, broken = _plan_changes(courses, rows, today, horizon_months, calendar)
    _apply(session, changes)
    return changes, broken


def _plan_changes(
    courses: Sequence[_Course],
    rows: dict[int, list[_Row]],
    today: dt.date,
    horizon_months: int,
    calendar: ClinicCalendar,
) -> tuple[_Changes, list[int]]:
    """Re-plan ``courses`` and gather the writes; also returns the unreadable course ids."""
    protocols: dict[str, Protocol] = {}
    planned: list[tuple[_Course, Protocol, CourseHistory]] = []
    states: list[CourseState] = []
    changes = _Changes()
    broken: list[int] = []
    for course in courses:
        if course.status != CourseStatus.ACTIVE.value:
            _match(course, rows[course.id], {}, changes, ended=True, today=today)
            continue
        try:
            protocol = protocols.get(course.snapshot)
            if protocol is None:
                protocol = protocols[course.snapshot] = protocol_from_json(course.snapshot)
            history = _course_history(course.start, rows[course.id])
            states.append(_state(course, protocol, history, today))
        except (SnapshotError, ValueError):
            if len(courses) == 1:
                raise  # one course asked for by name: a bug to see, not to skip
            log.exception("course %s cannot be planned; its rows are left as they are", course.id)
            broken.append(course.id)
            continue
        planned.append((course, protocol, history))
    plans = plan_courses(states, calendar, horizon_months)
    for (course, protocol, history), plan in zip(planned, plans, strict=True):
        wanted = _wanted(plan, protocol.monitoring, history, today, rows[course.id])
        _match(course, rows[course.id], wanted, changes, ended=False, today=today)
    return changes, broken


def _wanted(
    plan: CoursePlan,
    monitoring: MonitoringPlan,
    history: CourseHistory,
    today: dt.date,
    rows: list[_Row],
) -> dict[tuple[str, int], _Wanted]:
    """The rows the plan calls for, by (phase, number)."""
    given_keys = {(r.phase, r.number) for r in rows if r.status == _FULFILLED}
    wanted: dict[tuple[str, int], _Wanted] = {}
    offset = history.number_offset
    for dose in plan.doses:
        if dose.status != "planned":
            continue
        key: tuple[str, int] = (
            dose.phase,
            dose.number if dose.phase == "review" else dose.number + offset,
        )
        if key in given_keys:
            continue
        earliest = dose.earliest if dose.earliest < dose.date else dose.date
        latest = dose.latest if dose.latest > dose.date else dose.date
        wanted[key] = (dose.date, earliest, latest, "")
    if plan.monitoring:
        number = _monitoring_before(monitoring, history.start, today)
        leeway = dt.timedelta(days=MONITORING_LEEWAY_DAYS)
        for due in plan.monitoring:
            number += 1
            key = (Phase.MONITORING.value, number)
            if key not in given_keys:
                wanted[key] = (due.date, due.date - leeway, due.date + leeway, _tests(due.tests))
    return wanted


def _monitoring_before(plan: MonitoringPlan, start: dt.date, as_of: dt.date) -> int:
    """How many of the template's blood-test dates fell before ``as_of``.

    The engine lists only tests from ``as_of`` on; counting the earlier ones gives
    each test a number that stays the same from one night to the next.
    """
    first, limit = start.toordinal(), as_of.toordinal()
    count, last = 0, first
    for step in plan.steps:
        last = add_interval(first, step.after)
        count += last < limit
    repeat = plan.repeat
    if repeat is None or last >= limit:
        return count
    if repeat.every.unit != "months":
        days = repeat.every.amount * (7 if repeat.every.unit == "weeks" else 1)
        return count + (limit - last - 1) // days
    # Calendar months: estimate the number of repeats from the month difference, then
    # correct it for the day of the month (one or two steps, not one per repeat).
    then, now = dt.date.fromordinal(last), as_of
    times = max(0, ((now.year - then.year) * 12 + now.month - then.month) // repeat.every.amount)
    while times > 0 and add_interval(last, repeat.every, times) >= limit:
        times -= 1
    while add_interval(last, repeat.every, times + 1) < limit:
        times += 1
    return count + times


def _tests(tests: tuple[str, ...]) -> str:
    """The comma list for ``tests_due`` (120 characters): whole test names only."""
    joined = ",".join(tests)
    while len(joined) > 120:
        joined = joined.rsplit(",", 1)[0]
    return joined


def _match(
    course: _Course,
    rows: list[_Row],
    wanted: dict[tuple[str, int], _Wanted],
    changes: _Changes,
    *,
    ended: bool,
    today: dt.date,
) -> None:
    now = utcnow()
    seen: set[tuple[str, int]] = set()
    for row in rows:
        if row.status == _FULFILLED:
            continue
        key = (row.phase, row.number if row.number is not None else -1)
        target = wanted.get(key)
        if target is None and not ended and _blood_test_due(row, today):
            continue  # overdue blood tests stay listed until a result completes them
        if target is None or key in seen:
            if row.status == _PROPOSED:
                changes.drops.append(row.id)
                changes.changed.add(course.id)
            elif ended:
                changes.cancels.append(
                    {"b_id": row.id, "b_version": row.version, "b_status": row.status, "b_now": now}
                )
                if row.slot_id is not None:
                    changes.freed_slots.append(row.slot_id)
                changes.changed.add(course.id)
            continue
        seen.add(key)
        if row[5:9] == target:
            continue
        if row.status != _PROPOSED:
            day = row.slot_start.date() if row.slot_start is not None else None
            if day is None or not target[1] <= day <= target[2]:
                if row.status == _BOOKED and day is not None and day >= today:
                    changes.unbooks.append(_unbook(row, target, now))
                    changes.changed.add(course.id)
                continue
        changes.updates.append(
            {
                "b_id": row.id,
                "b_version": row.version,
                "b_status": row.status,
                "b_planned": target[0],
                "b_earliest": target[1],
                "b_latest": target[2],
                "b_tests": target[3],
                "b_now": now,
            }
        )
        changes.changed.add(course.id)
    for key, target in wanted.items():
        if key in seen:
            continue
        changes.inserts.append(
            {
                "patient_id": course.patient_id,
                "course_id": course.id,
                "dose_number": key[1],
                "phase": Phase(key[0]),
                "planned_date": target[0],
                "window_earliest": target[1],
                "window_latest": target[2],
                "tests_due": target[3],
                "slot_id": None,
                "status": AppointmentStatus.PROPOSED,
                "cancelation_reason": "",
                "walk_in": False,
                "booked_by": None,
                "booked_at": None,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
        changes.changed.add(course.id)


def _blood_test_due(row: _Row, today: dt.date) -> bool:
    """A monitoring appointment whose window has opened: the plan no longer lists it (the
    engine plans blood tests from today on), but a test due before today was not done
    because the day passed. It stays, overdue, until a result completes it (the lab
    results service marks it given) or the course ends."""
    return row.phase == Phase.MONITORING.value and row.earliest <= today


def _unbook(row: _Row, target: _Wanted, now: dt.datetime) -> _Unbook:
    assert row.slot_id is not None and row.slot_start is not None
    why = (
        "the course's plan changed: this dose is now due "
        f"{format_date(target[1])} to {format_date(target[2])}"
    )
    # Worded like rebooking's own unbooking, so the list reads the same either way.
    reason = f"Needs rebooking: {why} (was {describe_start(row.slot_start)})"
    params = {
        "b_id": row.id,
        "b_version": row.version,
        "b_status": row.status,
        "b_planned": target[0],
        "b_earliest": target[1],
        "b_latest": target[2],
        "b_tests": target[3],
        "b_reason": reason,
        "b_now": now,
    }
    return _Unbook(params, row.slot_id, row.slot_start, reason)


# -- writing ----------------------------------------------------------------------------


def _apply(session: Session, changes: _Changes) -> None:
    """Deletes first, so a re-planned dose can take over its key in the same run."""
    if changes.drops:
        _drop(session, changes.drops)
    if changes.cancels:
        _expect(
            _rowcount(session.execute(_conditional_update(COURSE_ENDED_REASON), changes.cancels)),
            len(changes.cancels),
        )
        _free_slots(session, changes.freed_slots)
    if changes.updates:
        statement = (
            update(_A)
            .where(
                _A.c.id == bindparam("b_id"),
                _A.c.version == bindparam("b_version"),
                _A.c.status == bindparam("b_status"),
            )
            .values(
                planned_date=bindparam("b_planned"),
                window_earliest=bindparam("b_earliest"),
                window_latest=bindparam("b_latest"),
                tests_due=bindparam("b_tests"),
                updated_at=bindparam("b_now"),
                version=_A.c.version + 1,
            )
        )
        _expect(_rowcount(session.execute(statement, changes.updates)), len(changes.updates))
    if changes.unbooks:
        _apply_unbooks(session, changes.unbooks)
    if changes.inserts:
        session.execute(insert(_A), changes.inserts)


def _apply_unbooks(session: Session, unbooks: list[_Unbook]) -> None:
    """Back to proposed on the new plan, place given back, marked for the rebooking list."""
    statement = (
        update(_A)
        .where(
            _A.c.id == bindparam("b_id"),
            _A.c.version == bindparam("b_version"),
            _A.c.status == bindparam("b_status"),
        )
        .values(
            status=AppointmentStatus.PROPOSED,
            slot_id=None,
            booked_by=None,
            booked_at=None,
            cancelation_reason=bindparam("b_reason"),
            planned_date=bindparam("b_planned"),
            window_earliest=bindparam("b_earliest"),
            window_latest=bindparam("b_latest"),
            tests_due=bindparam("b_tests"),
            updated_at=bindparam("b_now"),
            version=_A.c.version + 1,
        )
    )
    params = [u.params for u in unbooks]
    _expect(_rowcount(session.execute(statement, params)), len(params))
    for slot_id in sorted(u.slot_id for u in unbooks):  # id order, like every booking
        release_slot(session, slot_id)
    for u in unbooks:
        # No actor: the action that changed the course writes its own audit row.
        detail = {"old_start": u.old_start, "reason": u.reason}
        audit.record(session, None, UNBOOKED, "appointment", u.params["b_id"], detail)


def _conditional_update(reason: str) -> Any:
    return (
        update(_A)
        .where(
            _A.c.id == bindparam("b_id"),
            _A.c.version == bindparam("b_version"),
            _A.c.status == bindparam("b_status"),
        )
        .values(
            status=AppointmentStatus.CANCELLED,
            cancelation_reason=reason,
            updated_at=bindparam("b_now"),
            version=_A.c.version + 1,
        )
    )


def _drop(session: Session, ids: list[int]) -> None:
    """Delete proposed rows; cancel instead any that another record points at."""
    referenced: set[int] = set()
    for chunk in _chunks(ids):
        referenced.update(
            session.scalars(
                select(_RECALL.c.appointment_id)
                .where(_RECALL.c.appointment_id.in_(chunk))
                .union(select(_ADM.c.appointment_id).where(_ADM.c.appointment_id.in_(chunk)))
            )
        )
    removed = 0
    now = utcnow()
    keep = sorted(referenced)
    for chunk in _chunks(keep):
        removed += _rowcount(
            session.execute(
                update(_A)
                .where(_A.c.id.in_(chunk), _A.c.status == _PROPOSED)
                .values(
                    status=AppointmentStatus.CANCELLED,
                    cancelation_reason=DROPPED_REASON,
                    updated_at=now,
                    version=_A.c.version + 1,
                )
            )
        )
    for chunk in _chunks([i for i in ids if i not in referenced]):
        removed += _rowcount(
            session.execute(delete(_A).where(_A.c.id.in_(chunk), _A.c.status == _PROPOSED))
        )
    _expect(removed, len(ids))


def _free_slots(session: Session, slot_ids: list[int]) -> None:
    """Give each cancelled booking's place back; never below zero (a CHECK, and here)."""
    if not slot_ids:
        return
    session.execute(
        update(_SLOT)
        .where(_SLOT.c.id == bindparam("b_slot"), _SLOT.c.booked_count > 0)
        .values(
            booked_count=_SLOT.c.booked_count - 1,
            status=case(
                (_SLOT.c.status == SlotStatus.BUSY.value, literal(SlotStatus.FREE.value)),
                else_=_SLOT.c.status,
            ),
        ),
        [{"b_slot": slot_id} for slot_id in slot_ids],
    )


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def _expect(done: int, wanted: int) -> None:
    if done != wanted:
        raise Conflict(
            "This patient's appointments were changed on another workstation at the same "
            "moment. Nothing was saved: please try again."
        )


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for first in range(0, len(ids), _CHUNK):
        yield ids[first : first + _CHUNK]
