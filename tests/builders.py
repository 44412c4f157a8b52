"""The one place tests make clinic data: users, patients, courses, sessions, stock.

Wherever a service exists the builders go through it (``create_patient``,
``start_course``, ``create_template``, ``create_session``, ``book_appointment``,
``record_lab_result``), so a test starts from the rows the app itself
would make. Rows are written directly only where no service can make the state a test
needs; each such builder says why.

Three small clinics live here, each on its own date so that no test depends on the day
it runs: a timetable clinic (``TIMETABLE_TODAY``, weekly sessions and booking), a
course clinic (``MONDAY``, plans that change as doses are booked and given) and a
recording clinic (``RECORDING_TODAY``, products, lots and doses recorded).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select, update

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import (
    AdministrationStatus,
    AppointmentStatus,
    Authority,
    LabTest,
    LotStatus,
    Phase,
    Profession,
    Role,
    Route,
    Side,
    Site,
    SlotStatus,
    StockMovementKind,
)
from clinic_app.domain.nhs_number import check_digit
from clinic_app.domain.patient_details import PatientDetails
from clinic_app.domain.prescriber_details import PrescriberDetails
from clinic_app.domain.protocol import Protocol
from clinic_app.domain.protocol_snapshot import protocol_to_json
from clinic_app.domain.recording_rules import AdministrationInput
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    AuditEvent,
    ClinicSession,
    Course,
    Lot,
    Product,
    Slot,
    StockMovement,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands import courses as course_commands
from clinic_app.services.commands import prescribers as prescriber_commands
from clinic_app.services.commands.booking import book_appointment
from clinic_app.services.commands.lab_results import record_lab_result
from clinic_app.services.commands.patients import create_patient
from clinic_app.services.commands.sessions import SessionDetails, create_session, create_template
from clinic_app.services.commands.users import create_first_user, create_user
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.planning.course_plans import sync_course_plan
from clinic_app.services.queries.courses import CourseSummary
from clinic_app.services.queries.prescribers import PrescriberSummary, list_prescribers
from clinic_app.services.queries.session_templates import TemplateDetails
from clinic_app.services.queries.users import UserSummary, list_active_users

#: The timetable clinic's today: a Monday with no bank holiday near it (Easter 2027 is
#: 28 March).
TIMETABLE_TODAY = dt.date(2027, 2, 1)
TUESDAY, THURSDAY, FRIDAY = 1, 3, 4
FIRST_TUESDAY = dt.date(2027, 2, 2)
FIRST_THURSDAY = dt.date(2027, 2, 4)
#: The course clinic's today.
MONDAY = dt.date(2026, 3, 2)
#: The recording clinic's today: a Tuesday, clear of bank holidays.
RECORDING_TODAY = dt.date(2026, 11, 24)
PRESCRIBER = "Dr Helen Morgan"

# -- people -------------------------------------------------------------------------------


def make_actor(uow: UnitOfWork, name: str = "Amira Patel", role: Role = Role.NURSE) -> Actor:
    return add_user(uow, name, role).as_actor()


def add_user(uow: UnitOfWork, name: str, role: Role) -> UserSummary:
    """A user added as the app would: the first by the set-up, later ones by the first."""
    existing = list_active_users(uow)
    if not existing:
        return create_first_user(uow, name, role)
    return create_user(uow, existing[0].as_actor(), name, role)


def nurse(uow: UnitOfWork, name: str = "Amira Patel (RN)") -> Actor:
    return make_actor(uow, name, Role.NURSE)


def first_user(uow: UnitOfWork) -> Actor:
    """Who acts for builders that take no actor: the user the set-up made."""
    return list_active_users(uow)[0].as_actor()


def manager(uow: UnitOfWork, name: str = "Priya Shah (manager)") -> Actor:
    """The practice manager (added on first use): who keeps the list of prescribers."""
    for user in list_active_users(uow):
        if user.display_name == name and user.role is Role.MANAGER:
            return user.as_actor()
    return make_actor(uow, name, Role.MANAGER)


def add_prescriber(
    uow: UnitOfWork,
    name: str = PRESCRIBER,
    profession: Profession = Profession.DOCTOR,
    number: str = "4512345",
    *,
    user_id: int | None = None,
) -> PrescriberSummary:
    """A prescriber on the clinic's list, added by a manager through the service."""
    return prescriber_commands.add_prescriber(
        uow, manager(uow), PrescriberDetails(name, profession.value, number, user_id)
    )


def the_prescriber(uow: UnitOfWork) -> int:
    """The clinic's usual prescriber (Dr Helen Morgan, GMC 4512345), added on first use."""
    for found in list_prescribers(uow, include_inactive=False):
        if found.name == PRESCRIBER:
            return found.id
    return add_prescriber(uow).id


def valid_nhs_number(seed: int) -> str:
    stem = 999_000_000 + seed
    while True:
        digit = check_digit(f"{stem:09d}")
        if digit is not None:
            return f"{stem:09d}{digit}"
        stem += 1


def details(seed: int = 1, **changes: object) -> PatientDetails:
    base = PatientDetails(
        nhs_number=valid_nhs_number(seed * 7),
        given_name="Margaret",
        family_name="Smith",
        date_of_birth=dt.date(1950, 4, 3),
        phone="07700 900123",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def add_patient(
    uow: UnitOfWork, actor: Actor, seed: int = 1, *, today: dt.date = MONDAY, **changes: Any
) -> int:
    return create_patient(uow, actor, details(seed, **changes), today=today).id


def patient(uow: UnitOfWork, actor: Actor, seed: int, **changes: object) -> int:
    """A timetable-clinic patient, named after its seed so that lists tell them apart."""
    changes.setdefault("given_name", f"Pat{seed}")
    changes.setdefault("family_name", "Jones")
    return add_patient(uow, actor, seed, today=TIMETABLE_TODAY, **changes)


# -- courses ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def protocol(protocol_id: str = "hydroxo-standard") -> Protocol:
    found = load_protocol_library().get(protocol_id)
    assert found is not None, protocol_id
    return found


def prescribe(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    protocol_id: str = "hydroxo-standard",
    start_date: dt.date = MONDAY,
    *,
    today: dt.date = MONDAY,
    acknowledged: frozenset[str] = frozenset(),
    product_id: int | None = None,
) -> CourseSummary:
    """A course prescribed through the service, planned by the real engine."""
    return course_commands.start_course(
        uow,
        actor,
        patient_id,
        protocol_id,
        start_date,
        prescriber_id=the_prescriber(uow),
        product_id=product_id,
        acknowledged=acknowledged,
        today=today,
    )


#: The course tests' name for it.
start = prescribe


def start_course(
    uow: UnitOfWork,
    patient_id: int,
    *,
    start: dt.date = TIMETABLE_TODAY,
    protocol_id: str = "hydroxo-standard",
    today: dt.date = TIMETABLE_TODAY,
) -> int:
    """A timetable-clinic course prescribed today (its rows 'proposed')."""
    return prescribe(uow, first_user(uow), patient_id, protocol_id, start, today=today).id


def start_dose_course(
    uow: UnitOfWork,
    patient_id: int,
    protocol_id: str = "post-bariatric",
    start: dt.date = RECORDING_TODAY,
    *,
    product_id: int | None = None,
) -> int:
    """A recording-clinic course that starts the day it is prescribed.

    Written as a row and planned with the real ``sync_course_plan``: the recording tests
    need courses whose start-time warnings (renal impairment, folic acid) are still
    unacknowledged when the dose is recorded, which ``start_course`` rightly refuses.
    """
    chosen = protocol(protocol_id)
    prescriber_id = the_prescriber(uow)
    with uow.write() as session:
        course = Course(
            patient_id=patient_id,
            protocol_id=chosen.id,
            protocol_version=chosen.version,
            protocol_snapshot=protocol_to_json(chosen),
            product_id=product_id,
            start_date=start,
            prescriber_id=prescriber_id,
            prescriber_name=PRESCRIBER,
        )
        session.add(course)
        session.flush()
        sync_course_plan(session, course.id, today=start)
        return course.id


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


LIVE = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


def live(uow: UnitOfWork, course_id: int, *phases: Phase) -> list[AppointmentRow]:
    wanted = set(phases) or set(Phase)
    return [row for row in rows(uow, course_id) if row.status in LIVE and row.phase in wanted]


def row_for(uow: UnitOfWork, course_id: int, phase: Phase, number: int) -> AppointmentRow:
    found = [r for r in live(uow, course_id, phase) if r.number == number]
    assert len(found) == 1, f"expected one live {phase} {number}, found {found}"
    return found[0]


def appointments(uow: UnitOfWork, course_id: int) -> list[Appointment]:
    with uow.read() as session:
        return list(
            session.scalars(
                select(Appointment)
                .where(Appointment.course_id == course_id, Appointment.phase != Phase.MONITORING)
                .order_by(Appointment.planned_date, Appointment.id)
            )
        )


def proposed(uow: UnitOfWork, course_id: int, phase: Phase | None = None) -> list[Appointment]:
    return [
        a
        for a in appointments(uow, course_id)
        if a.status is AppointmentStatus.PROPOSED and (phase is None or a.phase is phase)
    ]


def open_doses(uow: UnitOfWork, course_id: int) -> list[tuple[int, int, dt.date, str]]:
    """(appointment id, dose number, planned date, status) of the live dose rows, in order."""
    doses = [r for r in live(uow, course_id, Phase.LOADING, Phase.MAINTENANCE)]
    doses.sort(key=lambda r: r.number or 0)
    return [(r.id, r.number or 0, r.planned, str(r.status)) for r in doses]


def due_appointment(uow: UnitOfWork, course_id: int) -> int:
    return open_doses(uow, course_id)[0][0]


def mark(uow: UnitOfWork, appointment_id: int, status: AppointmentStatus, reason: str) -> None:
    """A row closed with a reason; written directly so that a course test can put a row in
    any state without the service that would normally close it."""
    with uow.write() as session:
        session.execute(
            update(Appointment)
            .where(Appointment.id == appointment_id)
            .values(status=status, cancelation_reason=reason, version=Appointment.version + 1)
        )


def audit_actions(uow: UnitOfWork, course_id: int) -> list[str]:
    with uow.read() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "course", AuditEvent.entity_id == course_id)
                .order_by(AuditEvent.id)
            )
        )


# -- sessions and slots -------------------------------------------------------------------


def weekly(
    weekday: int,
    nurse_id: int | None,
    *,
    start: dt.time = dt.time(9, 0),
    end: dt.time = dt.time(10, 0),
    slot_minutes: int = 10,
    capacity: int = 1,
    name: str = "",
    room: str = "Room 3",
    location: str = "Main surgery",
    valid_from: dt.date = TIMETABLE_TODAY,
    valid_until: dt.date | None = None,
) -> TemplateDetails:
    return TemplateDetails(
        name=name or f"B12 clinic day {weekday} {start:%H%M}",
        weekday=weekday,
        start_time=start,
        end_time=end,
        slot_minutes=slot_minutes,
        capacity=capacity,
        nurse_id=nurse_id,
        valid_from=valid_from,
        room=room,
        location=location,
        valid_until=valid_until,
    )


def clinic_week(
    uow: UnitOfWork, actor: Actor, *, capacity: int = 1, today: dt.date = TIMETABLE_TODAY
) -> list[int]:
    """Tuesday and Thursday mornings, Friday afternoon: 6 ten-minute slots each."""
    ids = []
    for weekday, hour in ((TUESDAY, 9), (THURSDAY, 9), (FRIDAY, 14)):
        template = weekly(
            weekday,
            actor.user_id,
            start=dt.time(hour, 0),
            end=dt.time(hour + 1, 0),
            capacity=capacity,
        )
        ids.append(create_template(uow, actor, template, today=today).template.id)
    return ids


def slot_counts(uow: UnitOfWork) -> dict[int, tuple[int, int]]:
    """slot id -> (booked_count, appointments holding a place): the two must agree."""
    with uow.read() as session:
        counts = dict(session.execute(select(Slot.id, Slot.booked_count)).all())
        held = dict(
            session.execute(
                select(Appointment.slot_id, func.count())
                .where(
                    Appointment.slot_id.is_not(None),
                    Appointment.status.in_(
                        (
                            AppointmentStatus.BOOKED,
                            AppointmentStatus.ARRIVED,
                            AppointmentStatus.FULFILLED,
                        )
                    ),
                )
                .group_by(Appointment.slot_id)
            ).all()
        )
    return {slot_id: (count, held.get(slot_id, 0)) for slot_id, count in counts.items()}


def assert_counts_consistent(uow: UnitOfWork) -> None:
    for slot_id, (count, held) in slot_counts(uow).items():
        assert count == held, f"slot {slot_id}: booked_count {count} but {held} appointments"


def slot_start(uow: UnitOfWork, slot_id: int | None) -> dt.datetime:
    assert slot_id is not None
    with uow.read() as session:
        start = session.scalar(select(Slot.start).where(Slot.id == slot_id))
    assert start is not None
    return start


def slots_on(uow: UnitOfWork, day: dt.date) -> list[int]:
    with uow.read() as session:
        return list(
            session.scalars(
                select(Slot.id)
                .where(
                    Slot.start >= dt.datetime.combine(day, dt.time.min),
                    Slot.start < dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min),
                )
                .order_by(Slot.start)
            )
        )


def slot_count(uow: UnitOfWork, slot_id: int) -> tuple[int, SlotStatus]:
    with uow.read() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        return slot.booked_count, slot.status


def add_session(uow: UnitOfWork, day: dt.date, *, slots: int = 12) -> list[int]:
    """A one-off morning session on ``day`` with 10-minute slots; returns the slot ids."""
    end = (dt.datetime(2000, 1, 1, 9) + dt.timedelta(minutes=10 * slots)).time()
    morning = SessionDetails(day, dt.time(9, 0), end, 10, 1, None, "Room 3", "Main surgery")
    create_session(uow, first_user(uow), morning, today=day)
    return slots_on(uow, day)


def book_into(uow: UnitOfWork, appointment_id: int, slot_id: int) -> None:
    book_appointment(uow, first_user(uow), appointment_id, slot_id, today=RECORDING_TODAY)


@dataclass(frozen=True)
class Timetable:
    """The timetable clinic: one nurse, three weekly sessions of two places each."""

    uow: UnitOfWork
    nurse: Actor
    template_ids: list[int]


def build_timetable(uow: UnitOfWork) -> Timetable:
    amira = nurse(uow)
    return Timetable(uow, amira, clinic_week(uow, amira, capacity=2))


def book_first_dose(clinic: Timetable, seed: int, day: dt.date, slot: int = 0) -> int:
    """Start a course for a new patient and book its first dose on ``day``."""
    course = start_course(clinic.uow, patient(clinic.uow, clinic.nurse, seed))
    first = proposed(clinic.uow, course)[0]
    slot_id = slots_on(clinic.uow, day)[slot]
    book_appointment(clinic.uow, clinic.nurse, first.id, slot_id, today=TIMETABLE_TODAY)
    return first.id


# -- stock --------------------------------------------------------------------------------


def add_product(
    uow: UnitOfWork,
    drug: str = "hydroxocobalamin",
    brand: str = "Cobalin-H",
    form: str = "ampoule",
    container_ml: float = 1.0,
    routes: str = "IM",
    strength: int = 1000,
    in_use_days: int | None = None,
) -> int:
    """Written as a row: the clinic's product list is set up outside the app."""
    with uow.write() as session:
        product = Product(
            drug=drug,
            brand=brand,
            form=form,
            strength_micrograms_per_ml=strength,
            container_volume_ml=container_ml,
            multi_dose=container_ml > 1,
            licensed_routes=routes,
            in_use_days=in_use_days,
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
    *,
    received_on: dt.date = RECORDING_TODAY - dt.timedelta(days=30),
    supplier: str = "Alliance Healthcare",
) -> int:
    """A delivery with its one 'received' ledger row.

    Written as rows: the stock tests read a lot's audit trail and ledger from the first
    change after delivery (``receive_lot`` adds its own audit row and note), and the
    recording tests need a lot that is already expired, which ``receive_lot`` refuses.
    """
    with uow.write() as session:
        lot = Lot(
            product_id=product_id,
            lot_number=number,
            expiry_date=expiry,
            quantity_received=quantity,
            quantity_remaining=quantity,
            supplier=supplier,
            received_on=received_on,
            status=LotStatus.AVAILABLE,
        )
        session.add(lot)
        session.flush()
        session.add(
            StockMovement(lot_id=lot.id, kind=StockMovementKind.RECEIVED, quantity=quantity)
        )
        return lot.id


def lot_remaining(uow: UnitOfWork, lot_id: int) -> int:
    with uow.read() as session:
        value = session.scalar(select(Lot.quantity_remaining).where(Lot.id == lot_id))
        assert value is not None
        return value


def stock(uow: UnitOfWork) -> int:
    """A hydroxocobalamin product with one lot in date; returns the lot id."""
    return add_lot(
        uow,
        add_product(uow),
        "CH26B310",
        dt.date(2028, 1, 31),
        100,
        received_on=dt.date(2026, 1, 5),
    )


# -- stand-ins for booking and giving in the course tests ---------------------------------
# The course tests put rows in the states booking and recording leave behind, on any day
# and outside any window, which the real services (rightly) refuse; so these two write
# the same rows those services write: a booked row on a slot with its count, a fulfilled
# row with its completed administration.


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


# -- the recording clinic -----------------------------------------------------------------


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
    #: Dr Helen Morgan (GMC 4512345) on the clinic's list of prescribers.
    prescriber: int = 0


def build_clinic(uow: UnitOfWork) -> Clinic:
    nurse = make_actor(uow, "Amira Patel (RN)", Role.NURSE)
    receptionist = make_actor(uow, "Jo Bennett", Role.RECEPTIONIST)
    cobalin = add_product(uow, "hydroxocobalamin", "Cobalin-H", "ampoule", 1.0, "IM")
    cyano = add_product(uow, "cyanocobalamin", "Cyanocobalamin", "vial", 10.0, "IM,SC")
    day = RECORDING_TODAY
    stock = Stock(
        cobalin=cobalin,
        cyano=cyano,
        lot=add_lot(uow, cobalin, "CH26B310", day + dt.timedelta(days=600), 40),
        expired=add_lot(uow, cobalin, "CH24A117", day - dt.timedelta(days=1), 5),
        soon=add_lot(uow, cobalin, "CH25C052", day + dt.timedelta(days=20), 12),
        cyano_lot=add_lot(uow, cyano, "CY25F221", day + dt.timedelta(days=330), 30),
    )
    return Clinic(uow, nurse, receptionist, stock, the_prescriber(uow))


def clinic_patient(clinic: Clinic, seed: int = 1, **changes: object) -> int:
    return add_patient(clinic.uow, clinic.nurse, seed, today=RECORDING_TODAY, **changes)


def add_lab(
    uow: UnitOfWork, patient_id: int, test: LabTest, value: float, taken_on: dt.date
) -> None:
    """A result recorded the day it was taken."""
    unit = {LabTest.PLATELETS: "10^9/L"}.get(test, "")
    record_lab_result(uow, first_user(uow), patient_id, test, value, unit, taken_on, today=taken_on)


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
