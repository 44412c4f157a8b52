"""No double booking, ever: two OS processes race 500 bookings each over the same slots.

Both processes start together (a barrier) and book into the same slots in the same
order, so every slot is fought over at the same moment, on SQLite and on PostgreSQL.
Capacity is enforced by the database inside the booking transaction, so: no slot
over capacity, no success lost, and every refusal is the "slot just taken" message.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from clinic_app.domain.codes import AppointmentStatus, PatientStatus, Phase, Sex
from clinic_app.persistence.models import Appointment, Patient, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.sessions import SessionDetails, create_session
from tests.builders import TIMETABLE_TODAY as TODAY
from tests.builders import nurse, slot_counts
from tests.integration.booking_race import book_all

pytestmark = pytest.mark.slow

ATTEMPTS_PER_PROCESS = 500
SLOTS = 40
CAPACITY = 3
DAY = TODAY + dt.timedelta(days=1)


def patients_with_a_dose_to_book(uow: UnitOfWork, count: int) -> list[int]:
    """``count`` patients, each with one proposed dose whose window covers DAY."""
    with uow.write() as session:
        session.execute(
            insert(Patient),
            [
                {
                    "nhs_number": f"{9_100_000_000 + n}",
                    "given_name": f"Racer{n}",
                    "family_name": "Patient",
                    "given_key": f"racer{n}",
                    "family_key": "patient",
                    "date_of_birth": dt.date(1960, 1, 1),
                    "sex": Sex.UNKNOWN,
                    "status": PatientStatus.ACTIVE,
                }
                for n in range(count)
            ],
        )
        patient_ids = list(session.scalars(select(Patient.id).order_by(Patient.id)))
        session.execute(
            insert(Appointment),
            [
                {
                    "patient_id": patient_id,
                    "dose_number": 1,
                    "phase": Phase.MAINTENANCE,
                    "planned_date": DAY,
                    "window_earliest": TODAY,
                    "window_latest": DAY + dt.timedelta(days=14),
                    "status": AppointmentStatus.PROPOSED,
                }
                for patient_id in patient_ids
            ],
        )
        return list(session.scalars(select(Appointment.id).order_by(Appointment.id)))


def test_two_processes_racing_never_overbook_nor_lose_a_booking(
    uow: UnitOfWork, database_url: str, tmp_path: Path
) -> None:
    amira = nurse(uow)
    details = SessionDetails(
        session_date=DAY,
        start_time=dt.time(9, 0),
        end_time=dt.time(15, 40),
        slot_minutes=10,
        capacity=CAPACITY,
        nurse_id=amira.user_id,
    )
    create_session(uow, amira, details, today=TODAY)
    with uow.read() as session:
        slot_ids = list(session.scalars(select(Slot.id).order_by(Slot.start)))
    assert len(slot_ids) == SLOTS
    appointment_ids = patients_with_a_dose_to_book(uow, 2 * ATTEMPTS_PER_PROCESS)

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = []
    for side in range(2):
        mine = appointment_ids[side * ATTEMPTS_PER_PROCESS : (side + 1) * ATTEMPTS_PER_PROCESS]
        attempts = [(a, slot_ids[n % SLOTS]) for n, a in enumerate(mine)]
        result_file = str(tmp_path / f"side{side}.json")
        worker = context.Process(
            target=book_all,
            args=(database_url, amira.user_id, attempts, TODAY, barrier, result_file),
        )
        worker.start()
        workers.append((worker, result_file))
    for worker, _file in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0, "a booking process failed or hung"
    reports = [json.loads(Path(path).read_text()) for _w, path in workers]
    outcomes = [o for report in reports for o in report["outcomes"]]
    # The two really booked at the same time.
    first, second = reports
    assert first["started"] < second["finished"] and second["started"] < first["finished"]

    assert len(outcomes) == 2 * ATTEMPTS_PER_PROCESS
    assert [o for o in outcomes if "error" in o] == []
    booked = {(o["appointment"], o["slot"]) for o in outcomes if o.get("booked")}
    refused = [o["refused"] for o in outcomes if "refused" in o]
    # Demand (25 attempts per slot) far exceeds capacity: every place is taken, once.
    assert len(booked) == SLOTS * CAPACITY
    assert len(booked) + len(refused) == 2 * ATTEMPTS_PER_PROCESS
    assert all(message.startswith("That slot was just taken") for message in refused)
    assert all("choose another" in message for message in refused)

    with uow.read() as session:
        in_database = set(
            session.execute(
                select(Appointment.id, Appointment.slot_id).where(
                    Appointment.status == AppointmentStatus.BOOKED
                )
            ).all()
        )
    assert in_database == booked  # every success saved, nothing saved for a refusal
    counts = slot_counts(uow)
    assert all(count == held == CAPACITY for count, held in counts.values())
