"""Which appointment an injection given now belongs to.

A nurse presses "Record injection" with the patient in front of them: that is the
patient's appointment today (arrived first, then booked). With none, the dose is a
walk-in, which the recording service gives its own appointment record.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, select

from clinic_app.domain.codes import AppointmentStatus
from clinic_app.persistence.models import Appointment, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork


def appointment_to_record(uow: UnitOfWork, patient_id: int, *, today: dt.date) -> int | None:
    start = dt.datetime.combine(today, dt.time.min)
    end = start + dt.timedelta(days=1)
    arrived_first = case((Appointment.status == AppointmentStatus.ARRIVED, 0), else_=1)
    statement = (
        select(Appointment.id)
        .join(Slot, Slot.id == Appointment.slot_id)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.status.in_((AppointmentStatus.ARRIVED, AppointmentStatus.BOOKED)),
            Slot.start >= start,
            Slot.start < end,
        )
        .order_by(arrived_first, Slot.start)
        .limit(1)
    )
    with uow.read() as session:
        return session.scalar(statement)
