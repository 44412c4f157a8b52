"""Weekly sessions, the slots made from them, and taking slots away without losing anyone."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import AppointmentStatus, SessionStatus
from clinic_app.domain.errors import Conflict
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import Appointment, ClinicSession, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import book_appointment
from clinic_app.services.commands.rebooking import add_closure, cancel_session, shorten_session
from clinic_app.services.commands.sessions import (
    SessionDetails,
    create_session,
    create_template,
    deactivate_template,
    generate_sessions,
    update_template,
)
from clinic_app.services.queries.calendar import slot_occupancy
from clinic_app.services.queries.rebooking import rebooking_list
from tests.builders import (
    FRIDAY,
    THURSDAY,
    TUESDAY,
    assert_counts_consistent,
    clinic_week,
    nurse,
    patient,
    proposed,
    slots_on,
    start_course,
    weekly,
)
from tests.builders import TIMETABLE_TODAY as TODAY

GOOD_FRIDAY = dt.date(2027, 3, 26)


def session_dates(uow: UnitOfWork, template_id: int | None = None) -> list[dt.date]:
    with uow.read() as session:
        query = select(ClinicSession.session_date).order_by(ClinicSession.session_date)
        if template_id is not None:
            query = query.where(ClinicSession.template_id == template_id)
        return list(session.scalars(query))


def counts(uow: UnitOfWork) -> tuple[int, int]:
    with uow.read() as session:
        return (
            session.scalar(select(func.count()).select_from(ClinicSession)) or 0,
            session.scalar(select(func.count()).select_from(Slot)) or 0,
        )


def book_first_dose(uow: UnitOfWork, actor: Actor, seed: int, slot_id: int) -> int:
    course = start_course(uow, patient(uow, actor, seed, given_name=f"Ann{seed}"))
    first = proposed(uow, course)[0]
    book_appointment(uow, actor, first.id, slot_id, today=TODAY)
    return first.id


# -- templates and generation ---------------------------------------------------------


def test_a_weekly_template_fills_the_booking_horizon_with_sessions_and_slots(
    uow: UnitOfWork, amira: Actor
) -> None:
    change = create_template(
        uow, amira, weekly(TUESDAY, amira.user_id, end=dt.time(12, 0)), today=TODAY
    )
    dates = session_dates(uow)
    assert change.sessions_created == 12  # 12 weeks of Tuesdays, none a holiday
    assert dates[0] == dt.date(2027, 2, 2) and dates[-1] == dt.date(2027, 4, 20)
    assert all(day.weekday() == TUESDAY for day in dates)
    assert len(slots_on(uow, dates[0])) == 18  # 09:00-12:00 in 10-minute slots
    assert change.template.nurse_name == "Amira Patel (RN)"


def test_generating_again_never_duplicates_and_extends_to_a_later_date(
    uow: UnitOfWork, amira: Actor
) -> None:
    create_template(uow, amira, weekly(TUESDAY, amira.user_id), today=TODAY)
    before = counts(uow)
    assert generate_sessions(uow, amira, today=TODAY) == 0
    assert counts(uow) == before
    more = generate_sessions(uow, amira, today=TODAY, until=dt.date(2027, 5, 4))
    assert more == 2  # 27 April and 4 May
    assert counts(uow) == (before[0] + 2, before[1] + 12)


def test_closed_days_get_no_session(uow: UnitOfWork, amira: Actor) -> None:
    add_closure(
        uow,
        amira,
        first_day=dt.date(2027, 3, 4),
        last_day=dt.date(2027, 3, 4),
        reason="Practice training afternoon",
    )
    create_template(uow, amira, weekly(FRIDAY, amira.user_id), today=TODAY)
    create_template(uow, amira, weekly(THURSDAY, amira.user_id), today=TODAY)
    dates = session_dates(uow)
    assert GOOD_FRIDAY not in dates  # bank holiday
    assert dt.date(2027, 3, 4) not in dates  # closure
    assert dt.date(2027, 3, 5) in dates


def test_a_closure_of_one_location_leaves_the_other_open(uow: UnitOfWork, amira: Actor) -> None:
    tom = nurse(uow, "Tom Reilly (RN)")
    add_closure(
        uow,
        amira,
        first_day=dt.date(2027, 2, 9),
        last_day=dt.date(2027, 2, 9),
        reason="Refurbishment",
        location="Riverside branch",
    )
    main = create_template(uow, amira, weekly(TUESDAY, amira.user_id), today=TODAY)
    branch = create_template(
        uow, tom, weekly(TUESDAY, tom.user_id, location="Riverside branch"), today=TODAY
    )
    assert dt.date(2027, 2, 9) in session_dates(uow, main.template.id)
    assert dt.date(2027, 2, 9) not in session_dates(uow, branch.template.id)


def test_template_problems_name_the_field(uow: UnitOfWork, amira: Actor) -> None:
    bad = weekly(
        5,  # Saturday: the clinic is open Monday to Friday
        999,
        start=dt.time(9, 0),
        end=dt.time(8, 0),
        capacity=0,
        slot_minutes=2,
        name=" ",
    )
    with pytest.raises(ValidationFailed) as raised:
        create_template(uow, amira, bad, today=TODAY)
    errors = raised.value.errors
    assert set(errors) == {"name", "weekday", "end_time", "capacity", "slot_minutes", "nurse_id"}
    assert "Saturday" in errors["weekday"]
    assert counts(uow) == (0, 0)


def test_one_nurse_cannot_run_two_overlapping_weekly_sessions(
    uow: UnitOfWork, amira: Actor
) -> None:
    create_template(uow, amira, weekly(TUESDAY, amira.user_id), today=TODAY)
    with pytest.raises(ValidationFailed) as raised:
        create_template(
            uow, amira, weekly(TUESDAY, amira.user_id, start=dt.time(9, 30)), today=TODAY
        )
    assert "already runs" in raised.value.errors["nurse_id"]


def test_changing_the_nurse_updates_future_sessions(uow: UnitOfWork, amira: Actor) -> None:
    tom = nurse(uow, "Tom Reilly (RN)")
    change = create_template(uow, amira, weekly(TUESDAY, amira.user_id), today=TODAY)
    details = weekly(TUESDAY, tom.user_id)
    updated = update_template(uow, amira, change.template.id, details, today=dt.date(2027, 3, 1))
    assert updated.kept_sessions == ()
    days = slot_occupancy(uow, TODAY, dt.date(2027, 4, 30))
    nurses = {day.session_date: day.nurse_name for day in days}
    assert nurses[dt.date(2027, 2, 23)] == "Amira Patel (RN)"  # before the change: history
    assert nurses[dt.date(2027, 3, 2)] == "Tom Reilly (RN)"


def test_new_times_remake_empty_sessions_and_keep_booked_ones(
    uow: UnitOfWork, amira: Actor
) -> None:
    change = create_template(uow, amira, weekly(TUESDAY, amira.user_id), today=TODAY)
    booked_slot = slots_on(uow, dt.date(2027, 2, 2))[0]
    book_first_dose(uow, amira, 1, booked_slot)
    later = weekly(TUESDAY, amira.user_id, start=dt.time(14, 0), end=dt.time(15, 0))
    updated = update_template(uow, amira, change.template.id, later, today=TODAY)
    assert [k.session_date for k in updated.kept_sessions] == [dt.date(2027, 2, 2)]
    days = {d.session_date: d for d in slot_occupancy(uow, TODAY, dt.date(2027, 4, 30))}
    assert days[dt.date(2027, 2, 2)].start_time == dt.time(9, 0)  # kept for its patient
    assert days[dt.date(2027, 2, 9)].start_time == dt.time(14, 0)
    assert len(days) == 12


def test_stopping_a_template_removes_empty_future_sessions_only(
    uow: UnitOfWork, amira: Actor
) -> None:
    change = create_template(uow, amira, weekly(TUESDAY, amira.user_id), today=TODAY)
    book_first_dose(uow, amira, 1, slots_on(uow, dt.date(2027, 2, 2))[0])
    stopped = deactivate_template(uow, amira, change.template.id, today=TODAY)
    assert [k.booked for k in stopped.kept_sessions] == [1]
    assert session_dates(uow) == [dt.date(2027, 2, 2)]
    assert generate_sessions(uow, amira, today=TODAY) == 0
    with pytest.raises(Conflict):
        deactivate_template(uow, amira, change.template.id, today=TODAY)


def test_a_one_off_session_gets_slots_but_not_on_a_closure(uow: UnitOfWork, amira: Actor) -> None:
    saturday = dt.date(2027, 2, 6)
    details = SessionDetails(
        session_date=saturday,
        start_time=dt.time(9, 0),
        end_time=dt.time(10, 30),
        slot_minutes=15,
        capacity=2,
        nurse_id=amira.user_id,
        room="Room 1",
        location="Main surgery",
    )
    session_id = create_session(uow, amira, details, today=TODAY)
    (day,) = slot_occupancy(uow, saturday, saturday)
    assert day.session_id == session_id and day.template_id is None
    assert [s.start.time() for s in day.slots][-1] == dt.time(10, 15)
    assert all(s.capacity == 2 for s in day.slots)
    add_closure(
        uow, amira, first_day=dt.date(2027, 2, 13), last_day=dt.date(2027, 2, 14), reason="Snow"
    )
    with pytest.raises(ValidationFailed) as raised:
        create_session(
            uow,
            amira,
            replace(details, session_date=dt.date(2027, 2, 13)),
            today=TODAY,
        )
    assert "closed" in raised.value.errors["session_date"]
    with pytest.raises(ValidationFailed) as clash:
        create_session(uow, amira, details, today=TODAY)
    assert "already runs" in clash.value.errors["nurse_id"]


# -- taking slots away -----------------------------------------------------------------


def test_cancelling_a_session_lists_every_booked_patient_to_rebook(
    uow: UnitOfWork, amira: Actor
) -> None:
    clinic_week(uow, amira, capacity=2)
    first, second = slots_on(uow, dt.date(2027, 2, 2))[:2]
    ann = book_first_dose(uow, amira, 1, first)
    bob = book_first_dose(uow, amira, 2, second)
    (tuesday,) = [d for d in slot_occupancy(uow, TODAY, TODAY + dt.timedelta(days=1))]
    affected = cancel_session(uow, amira, tuesday.session_id, "Nurse off sick")
    assert {a.appointment_id for a in affected} == {ann, bob}
    one = next(a for a in affected if a.appointment_id == ann)
    assert one.patient_name == "Ann1 Jones" and one.phone == "07700 900123"
    assert one.nhs_number and one.dose == "Loading dose 1"
    assert one.old_start == dt.datetime(2027, 2, 2, 9, 0)
    with uow.read() as session:
        rows = session.scalars(select(Appointment).where(Appointment.id.in_([ann, bob]))).all()
        assert {(r.status, r.slot_id) for r in rows} == {(AppointmentStatus.PROPOSED, None)}
    assert_counts_consistent(uow)
    (cancelled,) = slot_occupancy(uow, TODAY, TODAY + dt.timedelta(days=1))
    assert (
        cancelled.status is SessionStatus.CANCELLED and cancelled.cancel_reason == "Nurse off sick"
    )
    assert all(s.free == 0 for s in cancelled.slots)
    assert [a.appointment_id for a in rebooking_list(uow, today=TODAY)] == [ann, bob]


def test_a_rebooked_dose_leaves_the_rebooking_list(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    ann = book_first_dose(uow, amira, 1, slots_on(uow, dt.date(2027, 2, 2))[0])
    tuesday = slot_occupancy(uow, TODAY, TODAY + dt.timedelta(days=1))[0]
    cancel_session(uow, amira, tuesday.session_id, "Nurse off sick")
    (waiting,) = rebooking_list(uow, today=TODAY)
    assert "Nurse off sick" in waiting.reason
    book_appointment(uow, amira, ann, slots_on(uow, dt.date(2027, 2, 4))[0], today=TODAY)
    assert rebooking_list(uow, today=TODAY) == []


def test_a_session_is_cancelled_once_and_only_with_a_reason(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    tuesday = slot_occupancy(uow, TODAY, TODAY + dt.timedelta(days=1))[0]
    with pytest.raises(ValidationFailed) as raised:
        cancel_session(uow, amira, tuesday.session_id, "  ")
    assert "reason" in raised.value.errors
    cancel_session(uow, amira, tuesday.session_id, "Nurse off sick")
    with pytest.raises(Conflict):
        cancel_session(uow, amira, tuesday.session_id, "again")


def test_shortening_a_session_returns_only_the_patients_after_the_new_end(
    uow: UnitOfWork, amira: Actor
) -> None:
    clinic_week(uow, amira)
    slots = slots_on(uow, dt.date(2027, 2, 2))  # 09:00 ... 09:50
    early = book_first_dose(uow, amira, 1, slots[0])
    late = book_first_dose(uow, amira, 2, slots[4])  # 09:40
    tuesday = slot_occupancy(uow, TODAY, TODAY + dt.timedelta(days=1))[0]
    affected = shorten_session(uow, amira, tuesday.session_id, dt.time(9, 30))
    assert [a.appointment_id for a in affected] == [late]
    assert affected[0].old_start == dt.datetime(2027, 2, 2, 9, 40)
    (short,) = slot_occupancy(uow, TODAY, TODAY + dt.timedelta(days=1))
    assert short.end_time == dt.time(9, 30)
    assert [s.start.time() for s in short.slots] == [dt.time(9, 0), dt.time(9, 10), dt.time(9, 20)]
    assert short.slots[0].patients[0].appointment_id == early
    assert_counts_consistent(uow)
    assert [a.appointment_id for a in rebooking_list(uow, today=TODAY)] == [late]


def test_shortening_checks_the_new_end(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    tuesday = slot_occupancy(uow, TODAY, TODAY + dt.timedelta(days=1))[0]
    for new_end in (dt.time(10, 0), dt.time(11, 0), dt.time(9, 5)):
        with pytest.raises(ValidationFailed) as raised:
            shorten_session(uow, amira, tuesday.session_id, new_end)
        assert "new_end" in raised.value.errors


def test_a_closure_cancels_its_sessions_and_returns_their_patients(
    uow: UnitOfWork, amira: Actor
) -> None:
    clinic_week(uow, amira)
    ann = book_first_dose(uow, amira, 1, slots_on(uow, dt.date(2027, 2, 4))[0])
    result = add_closure(
        uow,
        amira,
        first_day=dt.date(2027, 2, 4),
        last_day=dt.date(2027, 2, 5),
        reason="Boiler failure",
    )
    assert result.sessions_cancelled == 2
    assert [a.appointment_id for a in result.affected] == [ann]
    assert "Boiler failure" in result.affected[0].reason
    assert_counts_consistent(uow)
    with pytest.raises(ValidationFailed) as raised:
        add_closure(
            uow, amira, first_day=dt.date(2027, 2, 5), last_day=dt.date(2027, 2, 4), reason=""
        )
    assert set(raised.value.errors) == {"last_day", "reason"}
