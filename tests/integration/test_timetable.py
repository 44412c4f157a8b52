"""The timetable screen's reads: sessions with how full they are, closures, nurses."""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.codes import Role, SessionStatus
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import book_appointment
from clinic_app.services.commands.rebooking import add_closure, cancel_session
from clinic_app.services.queries import timetable
from tests.builders import TIMETABLE_TODAY as TODAY
from tests.builders import add_user, clinic_week, nurse, patient, proposed, slots_on, start_course

TUESDAY = dt.date(2027, 2, 2)


def test_sessions_come_with_booked_and_total_places(uow: UnitOfWork) -> None:
    amira = nurse(uow)
    clinic_week(uow, amira, capacity=2)
    course = start_course(uow, patient(uow, amira, 1))
    book_appointment(
        uow, amira, proposed(uow, course)[0].id, slots_on(uow, TUESDAY)[0], today=TODAY
    )
    found = timetable.upcoming_sessions(uow, TODAY, TODAY + dt.timedelta(days=6))
    assert [(s.session_date.isoformat(), s.booked, s.places) for s in found] == [
        ("2027-02-02", 1, 12),
        ("2027-02-04", 0, 12),
        ("2027-02-05", 0, 12),
    ]
    first = found[0]
    assert first.nurse_name == "Amira Patel (RN)" and first.room == "Room 3"
    assert first.start_time == dt.time(9, 0) and not first.cancelled and not first.one_off


def test_a_cancelled_session_is_listed_with_its_reason(uow: UnitOfWork) -> None:
    amira = nurse(uow)
    clinic_week(uow, amira)
    tuesday = timetable.upcoming_sessions(uow, TUESDAY, TUESDAY)[0]
    cancel_session(uow, amira, tuesday.session_id, "Nurse on a course")
    (after,) = timetable.upcoming_sessions(uow, TUESDAY, TUESDAY)
    assert after.status is SessionStatus.CANCELLED
    assert after.cancel_reason == "Nurse on a course" and after.booked == 0


def test_closures_still_to_come_are_listed_in_date_order(uow: UnitOfWork) -> None:
    amira = nurse(uow)
    for first, last, why in (
        (dt.date(2027, 3, 1), dt.date(2027, 3, 2), "Refurbishment"),
        (dt.date(2027, 1, 4), dt.date(2027, 1, 4), "Training"),
        (dt.date(2027, 2, 10), dt.date(2027, 2, 10), "Boiler"),
    ):
        add_closure(uow, amira, first_day=first, last_day=last, reason=why)
    found = timetable.list_closures(uow, ending_on_or_after=TODAY)
    assert [(c.first_day, c.reason) for c in found] == [
        (dt.date(2027, 2, 10), "Boiler"),
        (dt.date(2027, 3, 1), "Refurbishment"),
    ]


def test_only_active_nurses_can_run_a_session(uow: UnitOfWork) -> None:
    nurse(uow, "Zara Khan (RN)")
    nurse(uow, "Amira Patel (RN)")
    add_user(uow, "Rita Front Desk", Role.RECEPTIONIST)
    assert [n.display_name for n in timetable.active_nurses(uow)] == [
        "Amira Patel (RN)",
        "Zara Khan (RN)",
    ]
