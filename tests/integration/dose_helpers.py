"""Builders for the injection-recording tests: stock, courses, slots, results, a form.

Courses are written as rows (template snapshot and all) and planned with the real
``sync_course_plan``, so the appointments the tests record against are the ones the
app itself would create.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import (
    AppointmentStatus,
    LabTest,
    LotStatus,
    Phase,
    Role,
    SlotStatus,
    StockMovementKind,
)
from clinic_app.domain.protocol_snapshot import protocol_to_json
from clinic_app.domain.recording_rules import AdministrationInput
from clinic_app.persistence.models import (
    Appointment,
    ClinicSession,
    Course,
    LabResult,
    Lot,
    Product,
    Slot,
    StockMovement,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.patients import create_patient
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.planning.course_plans import sync_course_plan
from tests.integration.helpers import details, make_actor

#: A Tuesday, clear of bank holidays.
TODAY = dt.date(2026, 11, 24)


@dataclass(frozen=True)
class Stock:
    cobalin: int  # hydroxocobalamin 1000 micrograms/mL, 1 mL ampoule, IM
    cyano: int  # cyanocobalamin 1000 micrograms/mL, 10 mL vial, IM or SC
    lot: int  # CH26B310: in date, 40 left
    expired: int  # CH24A117: expired yesterday, 5 left
    soon: int  # CH25C052: expires in 20 days, 12 left
    cyano_lot: int  # CY25F221: in date


@dataclass(frozen=True)
class Clinic:
    uow: UnitOfWork
    nurse: Actor
    receptionist: Actor
    stock: Stock


def build_clinic(uow: UnitOfWork) -> Clinic:
    nurse = make_actor(uow, "Amira Patel (RN)", Role.NURSE)
    receptionist = make_actor(uow, "Jo Bennett", Role.RECEPTIONIST)
    cobalin = add_product(uow, "hydroxocobalamin", "Cobalin-H", "ampoule", 1.0, "IM")
    cyano = add_product(uow, "cyanocobalamin", "Cyanocobalamin", "vial", 10.0, "IM,SC")
    stock = Stock(
        cobalin=cobalin,
        cyano=cyano,
        lot=add_lot(uow, cobalin, "CH26B310", TODAY + dt.timedelta(days=600), 40),
        expired=add_lot(uow, cobalin, "CH24A117", TODAY - dt.timedelta(days=1), 5),
        soon=add_lot(uow, cobalin, "CH25C052", TODAY + dt.timedelta(days=20), 12),
        cyano_lot=add_lot(uow, cyano, "CY25F221", TODAY + dt.timedelta(days=330), 30),
    )
    return Clinic(uow, nurse, receptionist, stock)


def add_product(
    uow: UnitOfWork,
    drug: str,
    brand: str,
    form: str,
    container_ml: float,
    routes: str,
    strength: int = 1000,
) -> int:
    with uow.write() as session:
        product = Product(
            drug=drug,
            brand=brand,
            form=form,
            strength_micrograms_per_ml=strength,
            container_volume_ml=container_ml,
            multi_dose=container_ml > 1,
            licensed_routes=routes,
            active=True,
        )
        session.add(product)
        session.flush()
        return product.id


def add_lot(
    uow: UnitOfWork,
    product_id: int,
    number: str,
    expiry: dt.date,
    quantity: int,
    status: LotStatus = LotStatus.AVAILABLE,
) -> int:
    with uow.write() as session:
        lot = Lot(
            product_id=product_id,
            lot_number=number,
            expiry_date=expiry,
            quantity_received=quantity,
            quantity_remaining=quantity,
            supplier="Alliance Healthcare",
            received_on=TODAY - dt.timedelta(days=30),
            status=status,
        )
        session.add(lot)
        session.flush()
        session.add(
            StockMovement(lot_id=lot.id, kind=StockMovementKind.RECEIVED, quantity=quantity)
        )
        return lot.id


def add_patient(clinic: Clinic, seed: int = 1, **changes: object) -> int:
    return create_patient(clinic.uow, clinic.nurse, details(seed, **changes), today=TODAY).id


def start_course(
    uow: UnitOfWork,
    patient_id: int,
    protocol_id: str = "post-bariatric",
    start: dt.date = TODAY,
    *,
    product_id: int | None = None,
) -> int:
    protocol = load_protocol_library().get(protocol_id)
    assert protocol is not None
    with uow.write() as session:
        course = Course(
            patient_id=patient_id,
            protocol_id=protocol.id,
            protocol_version=protocol.version,
            protocol_snapshot=protocol_to_json(protocol),
            product_id=product_id,
            start_date=start,
            prescriber_name="Dr Helen Morgan",
        )
        session.add(course)
        session.flush()
        sync_course_plan(session, course.id, today=start)
        return course.id


def open_doses(uow: UnitOfWork, course_id: int) -> list[tuple[int, int, dt.date, str]]:
    """(appointment id, dose number, planned date, status) of the live dose rows, in order."""
    with uow.read() as session:
        rows = session.execute(
            select(
                Appointment.id,
                Appointment.dose_number,
                Appointment.planned_date,
                Appointment.status,
            )
            .where(
                Appointment.course_id == course_id,
                Appointment.phase.in_([Phase.LOADING, Phase.MAINTENANCE]),
                Appointment.status.in_(
                    [
                        AppointmentStatus.PROPOSED,
                        AppointmentStatus.BOOKED,
                        AppointmentStatus.ARRIVED,
                    ]
                ),
            )
            .order_by(Appointment.dose_number)
        ).all()
        return [(r[0], r[1] or 0, r[2], str(r[3])) for r in rows]


def due_appointment(uow: UnitOfWork, course_id: int) -> int:
    return open_doses(uow, course_id)[0][0]


def add_session(uow: UnitOfWork, day: dt.date, *, slots: int = 12) -> list[int]:
    """A morning session on ``day`` with 10-minute slots; returns the slot ids."""
    with uow.write() as session:
        clinic_session = ClinicSession(
            session_date=day,
            start_time=dt.time(9, 0),
            end_time=(dt.datetime(2000, 1, 1, 9) + dt.timedelta(minutes=10 * slots)).time(),
            slot_minutes=10,
            capacity=1,
            room="Room 3",
            location="Main surgery",
        )
        session.add(clinic_session)
        session.flush()
        ids = []
        for n in range(slots):
            start = dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=10 * n)
            slot = Slot(
                session_id=clinic_session.id,
                start=start,
                end=start + dt.timedelta(minutes=10),
                capacity=1,
                booked_count=0,
                status=SlotStatus.FREE,
            )
            session.add(slot)
            session.flush()
            ids.append(slot.id)
        return ids


def book_into(uow: UnitOfWork, appointment_id: int, slot_id: int) -> None:
    with uow.write() as session:
        appointment = session.get(Appointment, appointment_id)
        slot = session.get(Slot, slot_id)
        assert appointment is not None and slot is not None
        slot.booked_count += 1
        slot.status = SlotStatus.BUSY
        appointment.slot_id = slot_id
        appointment.status = AppointmentStatus.BOOKED


def add_lab(
    uow: UnitOfWork, patient_id: int, test: LabTest, value: float, taken_on: dt.date
) -> None:
    with uow.write() as session:
        unit = {LabTest.PLATELETS: "10^9/L", LabTest.INR: ""}.get(test, "")
        session.add(
            LabResult(patient_id=patient_id, test=test, value=value, unit=unit, taken_on=taken_on)
        )


def given_input(
    patient_id: int, appointment_id: int | None, lot_id: int, **changes: object
) -> AdministrationInput:
    form = AdministrationInput(
        patient_id=patient_id,
        appointment_id=appointment_id,
        lot_id=lot_id,
        route="IM",
        site="deltoid",
        side="left",
        needle_gauge=23,
        pressure_minutes=None,
        authority="psd",
        consent=True,
    )
    return replace(form, **changes)  # type: ignore[arg-type]


def lot_remaining(uow: UnitOfWork, lot_id: int) -> int:
    with uow.read() as session:
        value = session.scalar(select(Lot.quantity_remaining).where(Lot.id == lot_id))
        assert value is not None
        return value
