"""A patient's booked appointments as an iCalendar (.ics) file for their own calendar.

Made with the ``icalendar`` package. What goes in is what a patient needs and nothing
a stranger reading their phone should learn: "Vitamin B12 injection", where, when.

Times are "floating" (no time zone): slots are stored as the clinic's wall-clock time
and the patient attends in person, so 09:10 must stay 09:10 whatever zone the phone
is set to. Each event's UID is fixed per appointment and its SEQUENCE is the row's
version, so importing the file again after a move updates the event instead of
adding a second one.
"""

from __future__ import annotations

import datetime as dt
import re

from icalendar import Calendar, Event
from sqlalchemy import select

from clinic_app import __version__
from clinic_app.domain.codes import AppointmentStatus, Phase
from clinic_app.domain.errors import NotFound
from clinic_app.persistence.models import Appointment, ClinicSession, Patient, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork

PRODUCT_ID = f"-//clinic-app//B12 injection clinic {__version__}//EN"


UID_DOMAIN = "b12-clinic.invalid"


_SUMMARY = {
    Phase.LOADING: "Vitamin B12 injection",
    Phase.MAINTENANCE: "Vitamin B12 injection",
    Phase.REVIEW: "Vitamin B12 clinic review",
}


_DESCRIPTION = (
    "Please arrive a few minutes early. If you cannot come, contact the practice "
    "as soon as you can so we can rebook you."
)


def appointment_uid(appointment_id: int) -> str:
    return f"appointment-{appointment_id}@{UID_DOMAIN}"


def patient_calendar(uow: UnitOfWork, patient_id: int) -> bytes:
    """Every booked (or arrived) injection appointment of the patient, as .ics bytes."""
    with uow.read() as session:
        if session.get(Patient, patient_id) is None:
            raise NotFound(f"No patient with id {patient_id}: they may have been removed.")
        rows = session.execute(
            select(
                Appointment.id,
                Appointment.phase,
                Appointment.version,
                Appointment.updated_at,
                Slot.start,
                Slot.end,
                ClinicSession.location,
                ClinicSession.room,
            )
            .join(Slot, Slot.id == Appointment.slot_id)
            .join(ClinicSession, ClinicSession.id == Slot.session_id)
            .where(
                Appointment.patient_id == patient_id,
                Appointment.status.in_((AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)),
                Appointment.phase.in_(tuple(_SUMMARY)),
            )
            .order_by(Slot.start, Appointment.id)
        ).all()
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Vitamin B12 injections")
    for appointment_id, phase, version, updated_at, start, end, location, room in rows:
        event = Event()
        event.add("uid", appointment_uid(appointment_id))
        event.add("sequence", max(0, version - 1))
        event.add("dtstamp", _utc(updated_at))
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", _SUMMARY[phase])
        where = ", ".join(part for part in (location, room) if part)
        if where:
            event.add("location", where)
        event.add("description", _DESCRIPTION)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


_UNSAFE = re.compile(r"[^\w]+")


def calendar_file_name(family_name: str, given_name: str) -> str:
    """``smith-margaret-appointments.ics``: safe on every file system, sorts by family."""
    parts = (_UNSAFE.sub("-", name).strip("-_").lower() for name in (family_name, given_name))
    return "-".join([*(part for part in parts if part), "appointments"]) + ".ics"
