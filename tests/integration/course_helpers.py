"""Builders for the course tests: patients, stock, and stand-ins for booking and giving.

Booking and recording a dose belong to other services; these helpers write the same
rows those services write (a booked row on a slot with its count, a fulfilled row
with its completed administration), so the course tests depend only on the schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import (
    AdministrationStatus,
    AppointmentStatus,
    Authority,
    Phase,
    Route,
    Side,
    Site,
    SlotStatus,
)
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    AuditEvent,
    ClinicSession,
    Lot,
    Product,
    Slot,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.courses import start_course
from clinic_app.services.commands.patients import create_patient
from clinic_app.services.queries.courses import CourseSummary
from tests.integration.helpers import details

MONDAY = dt.date(2026, 3, 2)


@dataclass(frozen=True)
class AppointmentRow:
    id: int
    phase: Phase
    number: int | None
    status: AppointmentStatus
    planned: dt.date
    earliest: dt.date
    latest: dt.date
    tests: str
    slot_id: int | None
    version: int
    reason: str


def add_patient(uow: UnitOfWork, actor: Actor, seed: int = 1, **flags: Any) -> int:
    return create_patient(uow, actor, details(seed, **flags), today=MONDAY).id


def start(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    protocol_id: str = "hydroxo-standard",
    start_date: dt.date = MONDAY,
    *,
    today: dt.date = MONDAY,
    acknowledged: frozenset[str] = frozenset(),
) -> CourseSummary:
    return start_course(
        uow,
        actor,
        patient_id,
        protocol_id,
        start_date,
        prescriber_name="Dr Helen Morgan",
        acknowledged=acknowledged,
        today=today,
    )


def rows(uow: UnitOfWork, course_id: int) -> list[AppointmentRow]:
    with uow.read() as session:
        found = session.execute(
            select(
                Appointment.id,
                Appointment.phase,
                Appointment.dose_number,
                Appointment.status,
                Appointment.planned_date,
                Appointment.window_earliest,
                Appointment.window_latest,
                Appointment.tests_due,
                Appointment.slot_id,
                Appointment.version,
                Appointment.cancelation_reason,
            )
            .where(Appointment.course_id == course_id)
            .order_by(Appointment.planned_date, Appointment.id)
        ).all()
    return [AppointmentRow(*row) for row in found]


def live(uow: UnitOfWork, course_id: int, *phases: Phase) -> list[AppointmentRow]:
    wanted = set(phases) or set(Phase)
    return [
        row
        for row in rows(uow, course_id)
        if row.status
        in (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
        and row.phase in wanted
    ]


def row_for(uow: UnitOfWork, course_id: int, phase: Phase, number: int) -> AppointmentRow:
    found = [r for r in live(uow, course_id, phase) if r.number == number]
    assert len(found) == 1, f"expected one live {phase} {number}, found {found}"
    return found[0]


def stock(uow: UnitOfWork) -> int:
    """A hydroxocobalamin product with one lot in date; returns the lot id."""
    with uow.write() as session:
        product = Product(
            drug="hydroxocobalamin",
            brand="Cobalin-H",
            form="ampoule",
            strength_micrograms_per_ml=1000,
        )
        session.add(product)
        session.flush()
        lot = Lot(
            product_id=product.id,
            lot_number="CH26B310",
            expiry_date=dt.date(2028, 1, 31),
            quantity_received=100,
            quantity_remaining=100,
            received_on=dt.date(2026, 1, 5),
        )
        session.add(lot)
        session.flush()
        return lot.id


def give(uow: UnitOfWork, actor: Actor, appointment_id: int, when: dt.date, lot_id: int) -> None:
    """What recording a dose leaves behind: a fulfilled row and a completed record."""
    with uow.write() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        appointment.status = AppointmentStatus.FULFILLED
        session.add(
            Administration(
                appointment_id=appointment.id,
                patient_id=appointment.patient_id,
                course_id=appointment.course_id,
                status=AdministrationStatus.COMPLETED,
                occurred_at=dt.datetime.combine(when, dt.time(10, 30), tzinfo=dt.UTC),
                lot_id=lot_id,
                lot_number="CH26B310",
                lot_expiry=dt.date(2028, 1, 31),
                dose_micrograms=1000,
                volume_ml=1.0,
                route=Route.IM,
                site=Site.DELTOID,
                side=Side.LEFT,
                performer_id=actor.user_id,
                authority=Authority.PSD,
                consent=True,
            )
        )


def book(uow: UnitOfWork, appointment_id: int, when: dt.datetime, nurse_id: int) -> int:
    """What booking leaves behind: a slot with its count taken, the row booked on it."""
    with uow.write() as session:
        clinic_session = ClinicSession(
            session_date=when.date(),
            start_time=when.time(),
            end_time=(when + dt.timedelta(hours=2)).time(),
            slot_minutes=10,
            capacity=1,
            nurse_id=nurse_id,
        )
        session.add(clinic_session)
        session.flush()
        slot = Slot(
            session_id=clinic_session.id,
            start=when,
            end=when + dt.timedelta(minutes=10),
            capacity=1,
            booked_count=1,
            status=SlotStatus.BUSY,
        )
        session.add(slot)
        session.flush()
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        appointment.status = AppointmentStatus.BOOKED
        appointment.slot_id = slot.id
        return slot.id


def mark(uow: UnitOfWork, appointment_id: int, status: AppointmentStatus, reason: str) -> None:
    with uow.write() as session:
        session.execute(
            update(Appointment)
            .where(Appointment.id == appointment_id)
            .values(status=status, cancelation_reason=reason, version=Appointment.version + 1)
        )


def slot_count(uow: UnitOfWork, slot_id: int) -> tuple[int, SlotStatus]:
    with uow.read() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        return slot.booked_count, slot.status


def audit_actions(uow: UnitOfWork, course_id: int) -> list[str]:
    with uow.read() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "course", AuditEvent.entity_id == course_id)
                .order_by(AuditEvent.id)
            )
        )
