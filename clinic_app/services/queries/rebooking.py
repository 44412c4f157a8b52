"""The rebooking list: appointments unbooked by a cancelled or shortened session, a
closure or a re-plan, that nobody has booked again yet.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from clinic_app.domain.appointment_text import dose_label
from clinic_app.domain.codes import AppointmentStatus, Phase
from clinic_app.persistence.models import (
    Appointment,
    AuditEvent,
    Patient,
)
from clinic_app.persistence.store.audit_log import UNBOOKED
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AffectedAppointment:
    """A booked appointment that lost its slot: everything needed to ring and rebook."""

    appointment_id: int
    patient_id: int
    patient_name: str
    nhs_number: str
    phone: str
    course_id: int | None
    phase: Phase
    dose_number: int | None
    #: When the appointment was, before it lost its slot.
    old_start: dt.datetime
    reason: str
    window_earliest: dt.date
    window_latest: dt.date

    @property
    def dose(self) -> str:
        return dose_label(self.phase, self.dose_number)


def _affected(
    appointment: Appointment, patient: Patient, start: dt.datetime, reason: str
) -> AffectedAppointment:
    return AffectedAppointment(
        appointment_id=appointment.id,
        patient_id=patient.id,
        patient_name=f"{patient.given_name} {patient.family_name}",
        nhs_number=patient.nhs_number,
        phone=patient.phone,
        course_id=appointment.course_id,
        phase=appointment.phase,
        dose_number=appointment.dose_number,
        old_start=start,
        reason=reason,
        window_earliest=appointment.window_earliest,
        window_latest=appointment.window_latest,
    )


def rebooking_list(uow: UnitOfWork, *, today: dt.date | None = None) -> list[AffectedAppointment]:
    """Doses that lost their slot (session cancelled or shortened) and are not booked
    again yet, due within the booking horizon (or overdue), earliest first."""
    today = today or dt.date.today()
    with uow.read() as session:
        settings = read_settings(session)
        horizon_end = today + dt.timedelta(weeks=settings.booking_horizon_weeks)
        unbooked = and_(
            AuditEvent.entity == "appointment",
            AuditEvent.entity_id == Appointment.id,
            AuditEvent.action == UNBOOKED,
        )
        rows = session.execute(
            select(Appointment, Patient)
            .join(Patient, Patient.id == Appointment.patient_id)
            .where(
                Appointment.status == AppointmentStatus.PROPOSED,
                Appointment.planned_date <= horizon_end,
                exists().where(unbooked),
            )
            .order_by(Appointment.planned_date, Patient.family_key, Appointment.id)
        ).all()
        if not rows:
            return []
        details = _latest_unbooking(session, [a.id for a, _p in rows])
        result = []
        for appointment, patient in rows:
            start, reason = details[appointment.id]
            result.append(_affected(appointment, patient, start, reason))
        return result


def _latest_unbooking(
    session: Session, appointment_ids: Sequence[int]
) -> dict[int, tuple[dt.datetime, str]]:
    found: dict[int, tuple[dt.datetime, str]] = {}
    for chunk_start in range(0, len(appointment_ids), 500):
        chunk = appointment_ids[chunk_start : chunk_start + 500]
        events = session.execute(
            select(AuditEvent.entity_id, AuditEvent.detail)
            .where(
                AuditEvent.entity == "appointment",
                AuditEvent.entity_id.in_(chunk),
                AuditEvent.action == UNBOOKED,
            )
            .order_by(AuditEvent.id)
        ).all()
        for entity_id, detail in events:
            data = json.loads(detail)
            assert entity_id is not None
            found[entity_id] = (dt.datetime.fromisoformat(data["old_start"]), data["reason"])
    return found
