"""Booking a whole course, and the day-to-day changes, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
from sqlalchemy import select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import AppointmentStatus, Phase
from clinic_app.domain.errors import Conflict, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import Appointment, AuditEvent
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import (
    book_appointment,
    book_next_dose,
    cancel_appointment,
    confirm_booking,
    keep_maintenance_booked,
    mark_arrived,
    mark_did_not_attend,
    move_appointment,
)
from clinic_app.services.commands.sessions import create_template, generate_sessions
from clinic_app.services.queries.booking_options import propose_course_booking, slot_options
from clinic_app.services.queries.calendar import patient_timeline, slot_occupancy
from tests.builders import (
    FRIDAY,
    THURSDAY,
    TUESDAY,
    appointments,
    assert_counts_consistent,
    clinic_week,
    patient,
    proposed,
    slot_counts,
    slot_start,
    slots_on,
    start_course,
    weekly,
)
from tests.builders import TIMETABLE_TODAY as TODAY

MONDAY, WEDNESDAY = 0, 2


def weekday_clinics(
    uow: UnitOfWork,
    actor: Actor,
    weekdays: tuple[int, ...],
    *,
    capacity: int = 1,
    start: dt.time = dt.time(9, 0),
    end: dt.time = dt.time(10, 0),
) -> None:
    for weekday in weekdays:
        details = weekly(
            weekday, actor.user_id, start=start, end=end, capacity=capacity, name=f"{weekday}"
        )
        create_template(uow, actor, details, today=TODAY)


def booked_days(uow: UnitOfWork, course_id: int) -> list[dt.date]:
    return [
        slot_start(uow, a.slot_id).date()
        for a in appointments(uow, course_id)
        if a.status is AppointmentStatus.BOOKED
    ]


def row(uow: UnitOfWork, appointment_id: int) -> Appointment:
    with uow.read() as session:
        found = session.get(Appointment, appointment_id)
        assert found is not None
        return found


# -- a whole course ---------------------------------------------------------------------


def test_a_loading_course_is_proposed_on_its_planned_days_and_booked_in_one_step(
    uow: UnitOfWork, amira: Actor
) -> None:
    weekday_clinics(uow, amira, (MONDAY, WEDNESDAY, FRIDAY))
    course = start_course(uow, patient(uow, amira, 1))
    proposal = propose_course_booking(uow, course, today=TODAY)
    loading = [d for d in proposal.doses if d.phase is Phase.LOADING]
    assert [d.dose_number for d in loading] == [1, 2, 3, 4, 5, 6]
    assert all(d.slot is not None and d.slot.start.date() == d.planned_date for d in loading)
    assert all(not d.outside_preferences for d in loading)
    assert loading[0].slot is not None and "Amira Patel (RN)" in loading[0].slot.describe()
    # The first maintenance dose is beyond the 12-week horizon's sessions: listed with why.
    (maintenance,) = proposal.unplaced
    assert maintenance.phase is Phase.MAINTENANCE
    assert maintenance.problem.startswith("No clinic session from")

    result = confirm_booking(uow, amira, proposal.choices(), today=TODAY)
    assert len(result.booked) == 6
    assert booked_days(uow, course) == [d.planned_date for d in loading]
    assert_counts_consistent(uow)


def test_the_first_maintenance_dose_is_booked_with_the_loading_course_when_sessions_exist(
    uow: UnitOfWork, amira: Actor
) -> None:
    weekday_clinics(uow, amira, (MONDAY, WEDNESDAY, FRIDAY))
    generate_sessions(uow, amira, today=TODAY, until=dt.date(2027, 6, 30))
    course = start_course(uow, patient(uow, amira, 1))
    proposal = propose_course_booking(uow, course, today=TODAY)
    assert proposal.unplaced == ()
    maintenance = proposal.doses[-1]
    assert maintenance.phase is Phase.MAINTENANCE and maintenance.slot is not None
    # Nearest the target date, not a week early: a lifelong schedule must not drift.
    assert maintenance.slot.start.date() == maintenance.planned_date
    confirm_booking(uow, amira, proposal.choices(), today=TODAY)
    assert len(booked_days(uow, course)) == 7


def test_a_full_week_of_sessions_keeps_loading_doses_apart(uow: UnitOfWork, amira: Actor) -> None:
    """Every weekday has a session, yet doses stay two days apart and three a week."""
    weekday_clinics(uow, amira, (MONDAY, 1, WEDNESDAY, THURSDAY, FRIDAY))
    course = start_course(uow, patient(uow, amira, 1))
    days = [
        d.slot.start.date()
        for d in propose_course_booking(uow, course, today=TODAY).placed
        if d.phase is Phase.LOADING and d.slot
    ]
    assert len(days) == 6
    assert all((later - earlier).days >= 2 for earlier, later in pairwise(days))
    assert all(
        sum(1 for d in days if first <= d < first + dt.timedelta(days=7)) <= 3 for first in days
    )


def test_preferred_days_and_times_are_honoured_or_the_fallback_is_flagged(
    uow: UnitOfWork, amira: Actor
) -> None:
    weekday_clinics(uow, amira, (TUESDAY, THURSDAY))
    weekday_clinics(uow, amira, (THURSDAY,), start=dt.time(14, 0), end=dt.time(15, 0))
    thursday_pm = patient(uow, amira, 1, preferred_days="thu", preferred_time="pm")
    saturday = patient(uow, amira, 2, preferred_days="sat")
    first = propose_course_booking(
        uow, start_course(uow, thursday_pm, protocol_id="post-bariatric"), today=TODAY
    ).doses[0]
    assert first.slot is not None
    assert first.slot.start == dt.datetime(2027, 2, 4, 14, 0)
    assert not first.outside_preferences
    other = propose_course_booking(
        uow, start_course(uow, saturday, protocol_id="post-bariatric"), today=TODAY
    ).doses[0]
    assert other.slot is not None and other.outside_preferences
    assert other.slot.start == dt.datetime(2027, 2, 2, 9, 0)


def test_doses_that_cannot_be_placed_say_whether_sessions_are_missing_or_full(
    uow: UnitOfWork, amira: Actor
) -> None:
    create_template(uow, amira, weekly(FRIDAY, amira.user_id, end=dt.time(9, 10)), today=TODAY)
    fridays = [slots_on(uow, dt.date(2027, 2, 5))[0], slots_on(uow, dt.date(2027, 2, 12))[0]]
    for seed, slot_id in enumerate(fridays, start=10):
        other = start_course(uow, patient(uow, amira, seed), protocol_id="post-bariatric")
        book_appointment(uow, amira, proposed(uow, other)[0].id, slot_id, today=TODAY)
    course = start_course(uow, patient(uow, amira, 1), protocol_id="post-bariatric")
    first = propose_course_booking(uow, course, today=TODAY).doses[0]
    assert first.slot is None
    assert first.problem == "Every slot from 01/02/2027 to 15/02/2027 is full."


def test_confirming_is_all_or_nothing_when_a_slot_is_taken_meanwhile(
    uow: UnitOfWork, amira: Actor
) -> None:
    weekday_clinics(uow, amira, (MONDAY, WEDNESDAY, FRIDAY))
    course = start_course(uow, patient(uow, amira, 1))
    proposal = propose_course_booking(uow, course, today=TODAY)
    rival = start_course(uow, patient(uow, amira, 2), protocol_id="post-bariatric")
    taken = proposal.placed[3].slot
    assert taken is not None
    book_appointment(uow, amira, proposed(uow, rival)[0].id, taken.slot_id, today=TODAY)
    before = slot_counts(uow)
    with pytest.raises(Conflict, match=r"That slot was just taken .*choose another"):
        confirm_booking(uow, amira, proposal.choices(), today=TODAY)
    assert slot_counts(uow) == before
    assert booked_days(uow, course) == []


def test_booking_refuses_a_slot_outside_the_window_in_the_past_or_too_close(
    uow: UnitOfWork, amira: Actor
) -> None:
    weekday_clinics(uow, amira, (MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY))
    course = start_course(uow, patient(uow, amira, 1))
    first, second, *_ = proposed(uow, course)
    with pytest.raises(ValidationFailed, match="outside Loading dose 1's window"):
        book_appointment(uow, amira, first.id, slots_on(uow, dt.date(2027, 2, 8))[0], today=TODAY)
    with pytest.raises(ValidationFailed, match="in the past"):
        book_appointment(
            uow, amira, first.id, slots_on(uow, dt.date(2027, 2, 2))[0], today=dt.date(2027, 2, 3)
        )
    book_appointment(uow, amira, first.id, slots_on(uow, dt.date(2027, 2, 2))[0], today=TODAY)
    with pytest.raises(ValidationFailed, match="at least 2 days apart"):
        book_appointment(uow, amira, second.id, slots_on(uow, dt.date(2027, 2, 3))[0], today=TODAY)
    cancel_appointment(uow, amira, first.id, "Rearranged", today=TODAY)
    first = next(a for a in proposed(uow, course) if a.dose_number == 1)
    wednesday = slots_on(uow, dt.date(2027, 2, 3))
    book_appointment(uow, amira, first.id, wednesday[0], today=TODAY)
    with pytest.raises(ValidationFailed, match="already has a dose that day"):
        book_appointment(uow, amira, second.id, wednesday[1], today=TODAY)
    assert_counts_consistent(uow)


def test_a_dose_cannot_be_booked_twice(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    course = start_course(uow, patient(uow, amira, 1), protocol_id="post-bariatric")
    dose = proposed(uow, course)[0]
    first, second = slots_on(uow, dt.date(2027, 2, 2))[:2]
    book_appointment(uow, amira, dose.id, first, today=TODAY)
    with pytest.raises(Conflict, match="already booked"):
        book_appointment(uow, amira, dose.id, second, today=TODAY)
    assert_counts_consistent(uow)


# -- day-to-day changes -------------------------------------------------------------------


def test_moving_frees_the_old_place_and_refuses_a_full_slot(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    ann = proposed(uow, start_course(uow, patient(uow, amira, 1), protocol_id="post-bariatric"))[0]
    bob = proposed(uow, start_course(uow, patient(uow, amira, 2), protocol_id="post-bariatric"))[0]
    tuesday = slots_on(uow, dt.date(2027, 2, 2))
    thursday = slots_on(uow, dt.date(2027, 2, 4))
    book_appointment(uow, amira, ann.id, tuesday[0], today=TODAY)
    book_appointment(uow, amira, bob.id, thursday[0], today=TODAY)
    moved = move_appointment(uow, amira, ann.id, thursday[1], today=TODAY)
    assert moved.start == dt.datetime(2027, 2, 4, 9, 10)
    assert slot_counts(uow)[tuesday[0]] == (0, 0)
    assert slot_counts(uow)[thursday[1]] == (1, 1)
    with pytest.raises(Conflict, match="just taken"):
        move_appointment(uow, amira, ann.id, thursday[0], today=TODAY)
    assert row(uow, ann.id).slot_id == thursday[1]
    assert_counts_consistent(uow)


def test_cancelling_needs_a_reason_and_the_dose_comes_back_to_book(
    uow: UnitOfWork, amira: Actor
) -> None:
    clinic_week(uow, amira)
    course = start_course(uow, patient(uow, amira, 1), protocol_id="post-bariatric")
    dose = proposed(uow, course)[0]
    book_appointment(uow, amira, dose.id, slots_on(uow, dt.date(2027, 2, 2))[0], today=TODAY)
    with pytest.raises(ValidationFailed) as raised:
        cancel_appointment(uow, amira, dose.id, "   ", today=TODAY)
    assert "reason" in raised.value.errors
    cancel_appointment(uow, amira, dose.id, "Patient on holiday", today=TODAY)
    cancelled = row(uow, dose.id)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.cancelation_reason == "Patient on holiday"
    again = [a for a in proposed(uow, course) if a.dose_number == dose.dose_number]
    assert len(again) == 1 and again[0].id != dose.id
    assert_counts_consistent(uow)


def test_a_patient_is_marked_arrived_only_on_the_day(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    dose = proposed(uow, start_course(uow, patient(uow, amira, 1), protocol_id="post-bariatric"))[0]
    book_appointment(uow, amira, dose.id, slots_on(uow, dt.date(2027, 2, 2))[0], today=TODAY)
    with pytest.raises(UserError, match="only on the day"):
        mark_arrived(uow, amira, dose.id, today=TODAY)
    mark_arrived(uow, amira, dose.id, today=dt.date(2027, 2, 2))
    assert row(uow, dose.id).status is AppointmentStatus.ARRIVED
    with pytest.raises(Conflict):
        move_appointment(
            uow, amira, dose.id, slots_on(uow, dt.date(2027, 2, 2))[1], today=dt.date(2027, 2, 2)
        )


def test_did_not_attend_frees_the_slot_and_replans_the_dose(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    course = start_course(uow, patient(uow, amira, 1))
    first = proposed(uow, course)[0]
    slot_id = slots_on(uow, dt.date(2027, 2, 2))[0]
    book_appointment(uow, amira, first.id, slot_id, today=TODAY)
    with pytest.raises(UserError, match="still to come"):
        mark_did_not_attend(uow, amira, first.id, today=TODAY)
    day = dt.date(2027, 2, 2)
    mark_did_not_attend(uow, amira, first.id, today=day, reason="No answer on the phone")
    missed = row(uow, first.id)
    assert missed.status is AppointmentStatus.NOSHOW
    assert missed.cancelation_reason == "No answer on the phone"
    assert slot_counts(uow)[slot_id] == (0, 0)
    replanned = [a for a in proposed(uow, course) if a.dose_number == 1]
    assert len(replanned) == 1 and replanned[0].planned_date >= day
    with uow.read() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == first.id)
        ).all()
    assert "appointment.noshow" in actions


def test_book_next_dose_books_inside_the_callers_transaction(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    course = start_course(uow, patient(uow, amira, 1))
    with uow.write() as session:
        booked = book_next_dose(session, amira, course, today=TODAY)
    assert booked is not None
    dose = row(uow, booked)
    assert dose.dose_number == 1 and dose.status is AppointmentStatus.BOOKED
    assert slot_start(uow, dose.slot_id) == dt.datetime(2027, 2, 2, 9, 0)
    assert_counts_consistent(uow)


def test_book_next_dose_returns_none_when_no_slot_fits(uow: UnitOfWork, amira: Actor) -> None:
    course = start_course(uow, patient(uow, amira, 1))
    with uow.write() as session:
        assert book_next_dose(session, amira, course, today=TODAY) is None
    assert all(a.status is AppointmentStatus.PROPOSED for a in appointments(uow, course))


def test_maintenance_doses_in_the_horizon_are_kept_booked(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira, capacity=2)
    courses = [
        start_course(uow, patient(uow, amira, seed), protocol_id="post-bariatric")
        for seed in range(1, 6)
    ]
    assert keep_maintenance_booked(uow, amira, today=TODAY) == 5
    for course in courses:
        first = appointments(uow, course)[0]
        assert first.status is AppointmentStatus.BOOKED
        day = slot_start(uow, first.slot_id).date()
        assert first.window_earliest <= day <= first.window_latest
    assert keep_maintenance_booked(uow, amira, today=TODAY) == 0
    assert_counts_consistent(uow)


# -- views --------------------------------------------------------------------------------


def test_slot_occupancy_shows_the_nurse_and_who_is_booked(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira, capacity=3)
    ann = patient(uow, amira, 1, given_name="Ann", family_name="Archer")
    dose = proposed(uow, start_course(uow, ann, protocol_id="post-bariatric"))[0]
    slot_id = slots_on(uow, dt.date(2027, 2, 4))[2]
    book_appointment(uow, amira, dose.id, slot_id, today=TODAY)
    week = slot_occupancy(uow, TODAY, TODAY + dt.timedelta(days=6))
    assert [d.session_date.weekday() for d in week] == [TUESDAY, THURSDAY, FRIDAY]
    assert {d.nurse_name for d in week} == {"Amira Patel (RN)"}
    thursday = week[1]
    slot = next(s for s in thursday.slots if s.slot_id == slot_id)
    assert [p.name for p in slot.patients] == ["Ann Archer"]
    assert slot.patients[0].label == "Maintenance dose 1"
    assert slot.free == 2 and slot.capacity == 3


def test_slot_options_offer_only_days_the_rules_allow(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    course = start_course(uow, patient(uow, amira, 1))
    first, second, *_ = proposed(uow, course)
    book_appointment(uow, amira, first.id, slots_on(uow, dt.date(2027, 2, 2))[0], today=TODAY)
    options = slot_options(uow, second.id, today=TODAY)
    days = {o.start.date() for o in options}
    # Window 3-7 February; Thursday the 4th is two days after the first dose.
    assert days == {dt.date(2027, 2, 4), dt.date(2027, 2, 5)}
    assert all(o.free == 1 for o in options)


def test_the_patient_timeline_lists_doses_to_book_and_booked(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    person = patient(uow, amira, 1, given_name="Ann", family_name="Archer")
    course = start_course(uow, person)
    first = proposed(uow, course)[0]
    book_appointment(uow, amira, first.id, slots_on(uow, dt.date(2027, 2, 2))[0], today=TODAY)
    timeline = patient_timeline(uow, person, today=TODAY)
    assert timeline.name == "Ann Archer" and timeline.course_ids == (course,)
    assert timeline.entries[0].status is AppointmentStatus.BOOKED
    assert timeline.entries[0].slot_start == dt.datetime(2027, 2, 2, 9, 0)
    assert [e.label for e in timeline.entries[1:6]] == [f"Loading dose {n}" for n in range(2, 7)]
    assert all(e.bookable for e in timeline.entries[1:6])
