"""The patient's .ics file: parsed back by icalendar, one event per booked appointment."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from clinic_app.domain.actor import Actor
from clinic_app.domain.errors import NotFound
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import (
    book_appointment,
    cancel_appointment,
    confirm_booking,
    move_appointment,
)
from clinic_app.services.exports.calendar import appointment_uid, patient_calendar
from clinic_app.services.queries.booking_options import propose_course_booking
from tests.builders import TIMETABLE_TODAY as TODAY
from tests.builders import clinic_week, patient, proposed, slots_on, start_course


def events(data: bytes) -> list[dict[str, object]]:
    calendar = Calendar.from_ical(data)
    return [
        {
            "uid": str(event["uid"]),
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "summary": str(event["summary"]),
            "location": str(event["location"]),
            "sequence": int(event["sequence"]),
            "text": event.to_ical().decode(),
        }
        for event in calendar.walk("VEVENT")
    ]


def test_booked_appointments_become_events_the_package_parses_back(
    uow: UnitOfWork, amira: Actor
) -> None:
    clinic_week(uow, amira)
    person = patient(uow, amira, 1, given_name="Ann", family_name="Archer")
    course = start_course(uow, person)
    proposal = propose_course_booking(uow, course, today=TODAY)
    result = confirm_booking(uow, amira, proposal.choices(), today=TODAY)
    found = events(patient_calendar(uow, person))
    assert [e["uid"] for e in found] == [appointment_uid(b.appointment_id) for b in result.booked]
    assert [(e["start"], e["end"]) for e in found] == [(b.start, b.end) for b in result.booked]
    assert {e["summary"] for e in found} == {"Vitamin B12 injection"}
    assert {e["location"] for e in found} == {"Main surgery, Room 3"}
    # Nothing a stranger reading the patient's phone should learn.
    for event in found:
        text = str(event["text"])
        for secret in ("Archer", "hydroxocobalamin", "Loading", "NHS"):
            assert secret not in text


def test_a_moved_appointment_keeps_its_uid_with_a_higher_sequence(
    uow: UnitOfWork, amira: Actor
) -> None:
    clinic_week(uow, amira)
    person = patient(uow, amira, 1)
    dose = proposed(uow, start_course(uow, person, protocol_id="post-bariatric"))[0]
    tuesday = slots_on(uow, dt.date(2027, 2, 2))
    book_appointment(uow, amira, dose.id, tuesday[0], today=TODAY)
    (before,) = events(patient_calendar(uow, person))
    move_appointment(uow, amira, dose.id, tuesday[3], today=TODAY)
    (after,) = events(patient_calendar(uow, person))
    assert after["uid"] == before["uid"] == appointment_uid(dose.id)
    assert int(str(after["sequence"])) > int(str(before["sequence"]))
    assert after["start"] == dt.datetime(2027, 2, 2, 9, 30)


def test_cancelled_and_unbooked_doses_are_left_out(uow: UnitOfWork, amira: Actor) -> None:
    clinic_week(uow, amira)
    person = patient(uow, amira, 1)
    dose = proposed(uow, start_course(uow, person, protocol_id="post-bariatric"))[0]
    book_appointment(uow, amira, dose.id, slots_on(uow, dt.date(2027, 2, 2))[0], today=TODAY)
    cancel_appointment(uow, amira, dose.id, "Patient request", today=TODAY)
    calendar = Calendar.from_ical(patient_calendar(uow, person))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["version"]) == "2.0"
    with pytest.raises(NotFound):
        patient_calendar(uow, 9999)
