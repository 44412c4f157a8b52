"""Clinic sessions: weekly templates, the sessions and slots generated from them, and
one-off sessions. Listing templates is ``queries.session_templates``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic_app.domain.changes import Change
from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES, ClinicCalendar
from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.domain.codes import SessionStatus, SlotStatus
from clinic_app.domain.errors import Conflict, NotFound
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.persistence.models import (
    Appointment,
    ClinicSession,
    Closure,
    SessionTemplate,
    Slot,
    User,
)
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.store.slot_capacity import HOLDS_SLOT, recount_slots
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.session_templates import (
    _TEMPLATE_FIELDS,
    WEEKDAY_LABELS,
    SessionTemplateRecord,
    TemplateDetails,
    _template_details,
    _template_record,
)

MAX_CAPACITY = 500


SLOT_MINUTES_RANGE = (5, 120)


@dataclass(frozen=True)
class KeptSession:
    """A future session left as it was because patients are booked into it."""

    session_id: int
    session_date: dt.date
    booked: int


@dataclass(frozen=True)
class TemplateChange:
    template: SessionTemplateRecord
    #: Sessions with bookings that no longer match the template: adjust them by hand
    #: (shorten or cancel them, which lists the patients to rebook).
    kept_sessions: tuple[KeptSession, ...]
    sessions_created: int


@command(Action.CREATE_SESSION_TEMPLATE, Change.SESSIONS)
def create_template(work: Work, details: TemplateDetails, *, today: dt.date) -> TemplateChange:
    """Add a weekly session and generate its sessions for the booking horizon."""
    details = details.normalised()
    session = work.session
    settings = read_settings(session)
    _raise_problems(_template_problems(session, details, settings, None))
    template = SessionTemplate(**{name: getattr(details, name) for name in _TEMPLATE_FIELDS})
    template.active = True
    session.add(template)
    session.flush()
    created = _generate(session, today=today, until=None, template_ids=[template.id])
    work.audit("session_template", template.id, {"details": details, "sessions_created": created})
    return TemplateChange(
        _template_record(template, _user_name(session, details.nurse_id)), (), created
    )


@command(Action.UPDATE_SESSION_TEMPLATE, Change.SESSIONS, Change.BOOKINGS)
def update_template(
    work: Work,
    template_id: int,
    details: TemplateDetails,
    *,
    today: dt.date,
) -> TemplateChange:
    """Change a weekly session from today on; sessions already held are history.

    Future sessions with nobody booked are remade to the new pattern. Those with
    bookings take a new nurse, room or location (and a capacity change the bookings
    fit in) but keep their times; they are returned so someone decides what to do.
    """
    details = details.normalised()
    session = work.session
    template = _load_template(session, template_id)
    settings = read_settings(session)
    _raise_problems(_template_problems(session, details, settings, template_id))
    before = _template_details(template)
    for name in _TEMPLATE_FIELDS:
        setattr(template, name, getattr(details, name))
    session.flush()
    kept = _refresh_future_sessions(session, template, today)
    created = _generate(session, today=today, until=None, template_ids=[template.id])
    work.audit(
        "session_template",
        template.id,
        {
            "changes": {
                name: (getattr(before, name), getattr(details, name))
                for name in _TEMPLATE_FIELDS
                if getattr(before, name) != getattr(details, name)
            },
            "kept_sessions": [k.session_id for k in kept],
        },
    )
    record = _template_record(template, _user_name(session, template.nurse_id))
    return TemplateChange(record, tuple(kept), created)


@command(Action.DEACTIVATE_SESSION_TEMPLATE, Change.SESSIONS, Change.BOOKINGS)
def deactivate_template(work: Work, template_id: int, *, today: dt.date) -> TemplateChange:
    """Stop a weekly session: future sessions nobody is booked into are removed."""
    session = work.session
    template = _load_template(session, template_id)
    if not template.active:
        raise Conflict("This weekly session was already stopped.")
    template.active = False
    session.flush()
    kept = _refresh_future_sessions(session, template, today)
    work.audit("session_template", template.id, {"kept_sessions": [k.session_id for k in kept]})
    record = _template_record(template, _user_name(session, template.nurse_id))
    return TemplateChange(record, tuple(kept), 0)


def _template_problems(
    session: Session,
    details: TemplateDetails,
    settings: ClinicSettings,
    template_id: int | None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not details.name:
        problems["name"] = "is required (e.g. Tuesday morning B12)"
    elif len(details.name) > 80:
        problems["name"] = "must be 80 characters or fewer"
    if not 0 <= details.weekday <= 6:
        problems["weekday"] = "must be 0 (Monday) to 6 (Sunday)"
    elif WEEKDAY_NAMES[details.weekday] not in settings.open_days:
        problems["weekday"] = (
            f"the clinic is not open on {WEEKDAY_LABELS[details.weekday]}s "
            f"(open days: {', '.join(settings.open_days)})"
        )
    problems.update(
        _shape_problems(
            details.start_time,
            details.end_time,
            details.slot_minutes,
            details.capacity,
            details.room,
            details.location,
        )
    )
    problems.update(_nurse_problems(session, details.nurse_id))
    if details.valid_until is not None and details.valid_until < details.valid_from:
        problems["valid_until"] = "must be on or after the first day it applies"
    if not problems and details.nurse_id is not None:
        clash = _template_clash(session, details, template_id)
        if clash:
            problems["nurse_id"] = clash
    return problems


def _shape_problems(
    start: dt.time, end: dt.time, slot_minutes: int, capacity: int, room: str, location: str
) -> dict[str, str]:
    problems: dict[str, str] = {}
    low, high = SLOT_MINUTES_RANGE
    if not low <= slot_minutes <= high:
        problems["slot_minutes"] = f"must be between {low} and {high} minutes"
    if end <= start:
        problems["end_time"] = f"must be after the start time ({start:%H:%M})"
    elif "slot_minutes" not in problems and _minutes(start, end) < slot_minutes:
        problems["end_time"] = f"leaves less than one {slot_minutes}-minute slot"
    if not 1 <= capacity <= MAX_CAPACITY:
        problems["capacity"] = f"must be between 1 and {MAX_CAPACITY} patients per slot"
    if len(room) > 40:
        problems["room"] = "must be 40 characters or fewer"
    if len(location) > 80:
        problems["location"] = "must be 80 characters or fewer"
    return problems


def _nurse_problems(session: Session, nurse_id: int | None) -> dict[str, str]:
    if nurse_id is None:
        return {}
    active = session.scalar(select(User.active).where(User.id == nurse_id))
    if active is None:
        return {"nurse_id": "is not a member of staff"}
    if not active:
        return {"nurse_id": "no longer works in the clinic (inactive)"}
    return {}


def _template_clash(
    session: Session, details: TemplateDetails, template_id: int | None
) -> str | None:
    """The same nurse cannot run two weekly sessions that overlap."""
    others = session.scalars(
        select(SessionTemplate).where(
            SessionTemplate.active.is_(True),
            SessionTemplate.nurse_id == details.nurse_id,
            SessionTemplate.weekday == details.weekday,
            SessionTemplate.start_time < details.end_time,
            SessionTemplate.end_time > details.start_time,
            SessionTemplate.id != (template_id or 0),
        )
    ).all()
    for other in others:
        other_until = other.valid_until or dt.date.max
        mine_until = details.valid_until or dt.date.max
        if other.valid_from <= mine_until and details.valid_from <= other_until:
            return (
                f"already runs {other.name!r} ({other.start_time:%H:%M}-{other.end_time:%H:%M}) "
                "at that time"
            )
    return None


def _refresh_future_sessions(
    session: Session, template: SessionTemplate, today: dt.date
) -> list[KeptSession]:
    kept: list[KeptSession] = []
    future = session.scalars(
        select(ClinicSession).where(
            ClinicSession.template_id == template.id,
            ClinicSession.session_date >= today,
            ClinicSession.status == SessionStatus.ACTIVE,
        )
    ).all()
    for row in future:
        booked = _booked_in_session(session, row.id)
        wanted = template.active and _template_applies(template, row.session_date)
        same_shape = (row.start_time, row.end_time, row.slot_minutes) == (
            template.start_time,
            template.end_time,
            template.slot_minutes,
        )
        if wanted and same_shape and _fits_capacity(session, row.id, template.capacity):
            row.nurse_id = template.nurse_id
            row.room = template.room
            row.location = template.location
            if row.capacity != template.capacity:
                row.capacity = template.capacity
                session.execute(
                    update(Slot).where(Slot.session_id == row.id).values(capacity=template.capacity)
                )
                recount_slots(session, [row.id])
            continue
        if booked:
            if wanted:
                row.nurse_id = template.nurse_id
                row.room = template.room
                row.location = template.location
            kept.append(KeptSession(row.id, row.session_date, booked))
            continue
        _delete_sessions(session, [row.id])
    session.flush()
    return kept


def _template_applies(template: SessionTemplate, day: dt.date) -> bool:
    return (
        day.weekday() == template.weekday
        and template.valid_from <= day
        and (template.valid_until is None or day <= template.valid_until)
    )


def _fits_capacity(session: Session, session_id: int, capacity: int) -> bool:
    fullest = session.scalar(
        select(func.max(Slot.booked_count)).where(Slot.session_id == session_id)
    )
    return (fullest or 0) <= capacity


def _booked_in_session(session: Session, session_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Appointment)
            .join(Slot, Slot.id == Appointment.slot_id)
            .where(Slot.session_id == session_id, Appointment.status.in_(HOLDS_SLOT))
        )
        or 0
    )


def _delete_sessions(session: Session, session_ids: Sequence[int]) -> None:
    """Remove sessions nobody is booked into; missed or cancelled rows forget the slot."""
    slot_ids = select(Slot.id).where(Slot.session_id.in_(session_ids)).scalar_subquery()
    session.execute(
        update(Appointment)
        .where(Appointment.slot_id.in_(slot_ids))
        .values(slot_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(Slot).where(Slot.session_id.in_(session_ids)))
    session.execute(delete(ClinicSession).where(ClinicSession.id.in_(session_ids)))


# -- generating sessions ---------------------------------------------------------------


@command(Action.GENERATE_SESSIONS, Change.SESSIONS)
def generate_sessions(work: Work, *, today: dt.date, until: dt.date | None = None) -> int:
    """Sessions and slots for every active template from today to ``until`` (default:
    the booking horizon). Returns how many sessions were created; rerunning creates none.
    """
    session = work.session
    created = _generate(session, today=today, until=until, template_ids=None)
    if created:
        work.audit("clinic_session", None, {"created": created, "from": today, "until": until})
    return created


def _generate(
    session: Session,
    *,
    today: dt.date,
    until: dt.date | None,
    template_ids: Sequence[int] | None,
) -> int:
    settings = read_settings(session)
    until = until or today + dt.timedelta(weeks=settings.booking_horizon_weeks)
    query = select(SessionTemplate).where(
        SessionTemplate.active.is_(True),
        SessionTemplate.valid_from <= until,
        or_(SessionTemplate.valid_until.is_(None), SessionTemplate.valid_until >= today),
    )
    if template_ids is not None:
        query = query.where(SessionTemplate.id.in_(template_ids))
    templates = session.scalars(query).all()
    if not templates:
        return 0
    calendar, local_closures = _session_calendar(session, settings)
    existing = set(
        session.execute(
            select(ClinicSession.template_id, ClinicSession.session_date).where(
                ClinicSession.template_id.in_([t.id for t in templates]),
                ClinicSession.session_date.between(today, until),
            )
        ).all()
    )
    rows: list[dict[str, object]] = []
    for template in templates:
        day = max(today, template.valid_from)
        day += dt.timedelta(days=(template.weekday - day.weekday()) % 7)
        last = min(until, template.valid_until or until)
        while day <= last:
            if (template.id, day) not in existing and _open_for(
                calendar, local_closures, day, template.location
            ):
                rows.append(
                    {
                        "template_id": template.id,
                        "session_date": day,
                        "start_time": template.start_time,
                        "end_time": template.end_time,
                        "slot_minutes": template.slot_minutes,
                        "capacity": template.capacity,
                        "nurse_id": template.nurse_id,
                        "room": template.room,
                        "location": template.location,
                        "status": SessionStatus.ACTIVE,
                        "cancel_reason": "",
                    }
                )
            day += dt.timedelta(days=7)
    _insert_sessions(session, rows)
    return len(rows)


def _insert_sessions(session: Session, rows: list[dict[str, object]]) -> list[int]:
    if not rows:
        return []
    try:
        ids = list(
            session.scalars(
                insert(ClinicSession).returning(ClinicSession.id, sort_by_parameter_order=True),
                rows,
            )
        )
        slots: list[dict[str, object]] = []
        for session_id, row in zip(ids, rows, strict=True):
            slots.extend(_slot_rows(session_id, row))
        if slots:
            session.execute(insert(Slot), slots)
    except IntegrityError as error:
        raise Conflict(
            "Sessions were being created on another workstation at the same moment. "
            "Try again: nothing was saved."
        ) from error
    return ids


def _slot_rows(session_id: int, row: dict[str, object]) -> Iterable[dict[str, object]]:
    day = row["session_date"]
    start_time, end_time = row["start_time"], row["end_time"]
    minutes, capacity = row["slot_minutes"], row["capacity"]
    assert isinstance(day, dt.date) and isinstance(start_time, dt.time)
    assert isinstance(end_time, dt.time) and isinstance(minutes, int)
    start = dt.datetime.combine(day, start_time)
    end = dt.datetime.combine(day, end_time)
    step = dt.timedelta(minutes=minutes)
    while start + step <= end:
        yield {
            "session_id": session_id,
            "start": start,
            "end": start + step,
            "capacity": capacity,
            "booked_count": 0,
            "status": SlotStatus.FREE,
        }
        start += step


def _session_calendar(
    session: Session, settings: ClinicSettings
) -> tuple[ClinicCalendar, list[tuple[dt.date, dt.date, str]]]:
    """The clinic-wide calendar, and closures that shut only one location."""
    closures = session.execute(select(Closure.first_day, Closure.last_day, Closure.location)).all()
    everywhere = [(c.first_day, c.last_day) for c in closures if not c.location]
    local = [(c.first_day, c.last_day, c.location) for c in closures if c.location]
    calendar = ClinicCalendar.build(
        open_weekdays=[WEEKDAY_NAMES.index(day) for day in settings.open_days],
        closures=everywhere,
        country=settings.country or None,
        subdivision=settings.subdivision or None,
    )
    return calendar, local


def _open_for(
    calendar: ClinicCalendar,
    local: list[tuple[dt.date, dt.date, str]],
    day: dt.date,
    location: str,
) -> bool:
    if not calendar.is_open(day):
        return False
    return not any(first <= day <= last and place == location for first, last, place in local)


# -- one-off sessions ------------------------------------------------------------------


@dataclass(frozen=True)
class SessionDetails:
    """A one-off session (a catch-up Saturday, an extra afternoon before Christmas)."""

    session_date: dt.date
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    capacity: int
    nurse_id: int | None
    room: str = ""
    location: str = ""


@command(Action.CREATE_SESSION, Change.SESSIONS)
def create_session(work: Work, details: SessionDetails, *, today: dt.date) -> int:
    """Add a one-off session with its slots; returns the new session's id.

    Weekends and public holidays are allowed (that is what catch-up clinics are for);
    a recorded closure is not.
    """
    details = replace(
        details, room=details.room.strip(), location=" ".join(details.location.split())
    )
    session = work.session
    problems = _shape_problems(
        details.start_time,
        details.end_time,
        details.slot_minutes,
        details.capacity,
        details.room,
        details.location,
    )
    problems.update(_nurse_problems(session, details.nurse_id))
    if details.session_date < today:
        problems["session_date"] = "is in the past"
    else:
        closure = _closure_on(session, details.session_date, details.location)
        if closure:
            problems["session_date"] = f"the clinic is closed that day ({closure})"
    if not problems and details.nurse_id is not None:
        clash = _session_clash(session, details)
        if clash:
            problems["nurse_id"] = clash
    _raise_problems(problems)
    row: dict[str, object] = {
        "template_id": None,
        "session_date": details.session_date,
        "start_time": details.start_time,
        "end_time": details.end_time,
        "slot_minutes": details.slot_minutes,
        "capacity": details.capacity,
        "nurse_id": details.nurse_id,
        "room": details.room,
        "location": details.location,
        "status": SessionStatus.ACTIVE,
        "cancel_reason": "",
    }
    (session_id,) = _insert_sessions(session, [row])
    work.audit("clinic_session", session_id, {"details": details})
    return session_id


def _closure_on(session: Session, day: dt.date, location: str) -> str | None:
    reason = session.scalar(
        select(Closure.reason).where(
            Closure.first_day <= day,
            Closure.last_day >= day,
            or_(Closure.location == "", Closure.location == location),
        )
    )
    return None if reason is None else (reason or "closure")


def _session_clash(session: Session, details: SessionDetails) -> str | None:
    other = session.execute(
        select(ClinicSession.start_time, ClinicSession.end_time).where(
            ClinicSession.session_date == details.session_date,
            ClinicSession.nurse_id == details.nurse_id,
            ClinicSession.status == SessionStatus.ACTIVE,
            ClinicSession.start_time < details.end_time,
            ClinicSession.end_time > details.start_time,
        )
    ).first()
    if other is None:
        return None
    return f"already runs a session {other.start_time:%H:%M}-{other.end_time:%H:%M} that day"


# -- helpers ---------------------------------------------------------------------------


def _minutes(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _raise_problems(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationFailed(problems)


def _load_template(session: Session, template_id: int) -> SessionTemplate:
    template = session.get(SessionTemplate, template_id)
    if template is None:
        raise NotFound(f"No weekly session with id {template_id}: it may have been removed.")
    return template


def _user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    return session.scalar(select(User.display_name).where(User.id == user_id)) or ""
