"""A realistic demo clinic, for exploring the app and for measuring it at scale.

It writes through Core bulk inserts in one transaction (all or nothing), planning
every course with the real scheduling engine so the demo's dates obey the same rules
as a real clinic's. 100,000 patients take well under two minutes.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from clinic_app.demo import people as demo_people
from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.codes import (
    AdministrationStatus,
    AnticoagulantClass,
    AppointmentStatus,
    Authority,
    ContactPreference,
    CourseEndReason,
    CourseStatus,
    LabTest,
    LotStatus,
    PatientStatus,
    Phase,
    Profession,
    Role,
    Route,
    Sex,
    Side,
    Site,
    SlotStatus,
    StockMovementKind,
)
from clinic_app.domain.errors import UserError
from clinic_app.domain.name_keys import name_key
from clinic_app.domain.protocol import Protocol
from clinic_app.domain.protocol_snapshot import protocol_to_json
from clinic_app.domain.schedule import CourseState, plan_course
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    ClinicSession,
    Closure,
    Course,
    LabResult,
    Lot,
    Patient,
    Prescriber,
    Product,
    SessionTemplate,
    Slot,
    StockMovement,
    User,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.library.protocols import ProtocolLibrary, load_protocol_library

#: How the demo's courses spread over the regimens (weights).
REGIMEN_MIX = (
    ("hydroxo-standard", 52),
    ("hydroxo-standard-daily", 8),
    ("hydroxo-neuro", 12),
    ("post-bariatric", 8),
    ("ileal-resection", 5),
    ("hydroxo-smpc", 5),
    ("cyano-us-label", 5),
    ("cyano-us-1000", 5),
)


SESSION_WEEKS = 12


#: Given doses older than this are "before the clinic used the app" and not stored.
HISTORY_DAYS = 200


PLAN_HORIZON_MONTHS = 12


@dataclass(frozen=True)
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"{name}: {count:,}" for name, count in self.counts.items()]


def create_demo_clinic(
    uow: UnitOfWork,
    *,
    patients: int = 300,
    seed: int = 12,
    today: dt.date | None = None,
    library: ProtocolLibrary | None = None,
) -> DemoSummary:
    today = today or dt.date.today()
    library = library or load_protocol_library()
    with uow.write() as session:
        if session.scalar(select(func.count()).select_from(Patient)):
            raise UserError(
                "This database already has patients; the demo clinic goes into an empty one. "
                "Use --database with a new file name."
            )
        # Hundreds of thousands of row dicts make the cyclic collector walk the heap
        # again and again; none of them form cycles, so pause it for the build.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return _Builder(session, random.Random(seed), today, library, patients).build()
        finally:
            if was_enabled:
                gc.enable()


class _Builder:
    def __init__(
        self,
        session: Session,
        rng: random.Random,
        today: dt.date,
        library: ProtocolLibrary,
        patients: int,
    ) -> None:
        self.s = session
        self.rng = rng
        self.today = today
        self.library = library
        self.patient_count = patients
        self.calendar = ClinicCalendar.build(open_weekdays=range(5))
        self.counts: dict[str, int] = {}
        self.tables_written: set[str] = set()
        self.snapshots: dict[str, str] = {}

    def build(self) -> DemoSummary:
        self._users()
        self._stock()
        self._sessions()
        self._patients_and_courses()
        self._finish_stock()
        self._reset_sequences()
        return DemoSummary(self.counts)

    # -- people -----------------------------------------------------------------
    def _users(self) -> None:
        staff = [
            ("amira.patel", "Amira Patel (RN)", Role.NURSE, "NMC 98A1234E"),
            ("tom.reilly", "Tom Reilly (RN)", Role.NURSE, "NMC 01B5678F"),
            ("grace.okafor", "Grace Okafor (RN)", Role.NURSE, "NMC 15C4321G"),
            ("jo.bennett", "Jo Bennett", Role.RECEPTIONIST, ""),
            ("priya.shah", "Priya Shah", Role.MANAGER, ""),
            ("helen.morgan", "Dr Helen Morgan", Role.PRESCRIBER, "GMC 7012345"),
        ]
        rows = [
            {
                "username": u,
                "display_name": n,
                "role": r,
                "registration": reg or None,
                "active": True,
            }
            for u, n, r, reg in staff
        ]
        ids = self._insert(User, rows)
        self.nurses = ids[:3]
        self.prescriber = ids[5]
        self.counts["users"] = len(ids)
        self._prescribers(manager=ids[4])

    def _prescribers(self, manager: int) -> None:
        """The clinic's list: the GP who signs in, a nurse and a pharmacist prescriber who
        do not, and a locum who has left (inactive, kept for the decisions they made)."""
        listed = [
            ("Dr Helen Morgan", Profession.DOCTOR, "7012345", self.prescriber, True),
            ("Sam Okafor", Profession.NURSE, "09D2468F", None, True),
            ("Ravi Kumar", Profession.PHARMACIST, "2071234", None, True),
            ("Dr Peter Lowe", Profession.DOCTOR, "6123456", None, False),
        ]
        rows = [
            {
                "name": name,
                "profession": profession,
                "registration_number": number,
                "user_id": user_id,
                "active": active,
                "created_by": manager,
                "created_at": utcnow(),
                "version": 1,
            }
            for name, profession, number, user_id, active in listed
        ]
        ids = self._insert(Prescriber, rows)
        self.gp_prescriber = ids[0]
        self.counts["prescribers"] = len(ids)

    # -- stock ------------------------------------------------------------------
    def _stock(self) -> None:
        products = [
            {
                "drug": "hydroxocobalamin",
                "brand": "Cobalin-H",
                "form": "ampoule",
                "strength_micrograms_per_ml": 1000,
                "container_volume_ml": 1.0,
                "multi_dose": False,
                "licensed_routes": "IM",
                "in_use_days": None,
                "active": True,
            },
            {
                "drug": "hydroxocobalamin",
                "brand": "Neo-Cytamen",
                "form": "ampoule",
                "strength_micrograms_per_ml": 1000,
                "container_volume_ml": 1.0,
                "multi_dose": False,
                "licensed_routes": "IM",
                "in_use_days": None,
                "active": True,
            },
            {
                "drug": "cyanocobalamin",
                "brand": "Cyanocobalamin injection",
                "form": "vial",
                "strength_micrograms_per_ml": 1000,
                "container_volume_ml": 10.0,
                "multi_dose": True,
                "licensed_routes": "IM,SC",
                # USP <797>: an opened multi-dose vial is used for at most 28 days unless
                # its label says otherwise (the clinic enters its own product's figure).
                "in_use_days": 28,
                "active": True,
            },
        ]
        cobalin, neo, cyano = self._insert(Product, products)
        self.product_for_drug = {"hydroxocobalamin": cobalin, "cyanocobalamin": cyano}
        self.strength = {cobalin: 1000, neo: 1000, cyano: 1000}
        t = self.today
        day = dt.timedelta
        lots = [
            # (product, lot, expiry, received): an expired lot, one expiring within weeks.
            (cobalin, "CH24A117", t - day(10), t - day(420)),
            (cobalin, "CH25C052", t + day(21), t - day(150)),
            (cobalin, "CH26B310", t + day(600), t - day(20)),
            (neo, "NC25K884", t + day(430), t - day(60)),
            (cyano, "CY25F221", t + day(330), t - day(400)),
        ]
        self.lots: list[dict[str, Any]] = [
            {
                "product_id": p,
                "lot_number": n,
                "expiry_date": e,
                "received_on": r,
                "supplier": "Alliance Healthcare",
                "status": LotStatus.AVAILABLE,
                "quantity_received": 1,
                "quantity_remaining": 1,
                "received_by": self.nurses[0],
            }
            for p, n, e, r in lots
        ]
        # Quantities are set once the history has used them (_finish_stock).
        for lot, lot_id in zip(self.lots, self._insert(Lot, self.lots), strict=True):
            lot["id"] = lot_id
        self.lot_used: dict[str, int] = defaultdict(int)

    def _lot_for(self, product_id: int, when: dt.date) -> dict[str, Any]:
        """The lot a nurse would have picked: in date, received, earliest expiry first."""
        usable = [
            lot
            for lot in self.lots
            if lot["product_id"] == product_id and lot["received_on"] <= when <= lot["expiry_date"]
        ]
        if not usable:
            usable = [lot for lot in self.lots if lot["product_id"] == product_id]
        return min(usable, key=lambda lot: lot["expiry_date"])

    def _finish_stock(self) -> None:
        for lot in self.lots:
            quantities = self._quantities(lot)
            self.s.execute(update(Lot).where(Lot.id == lot["id"]).values(**quantities))
            lot.update(quantities)
        movements = [
            {
                "lot_id": lot["id"],
                "kind": StockMovementKind.RECEIVED,
                "quantity": lot["quantity_received"],
                "moved_by": self.nurses[0],
                "note": "delivery",
                "moved_at": _at(lot["received_on"], 9),
            }
            for lot in self.lots
        ]
        self._insert(StockMovement, movements, returning=False)
        given = self.s.execute(
            select(
                Administration.id,
                Administration.lot_id,
                Administration.occurred_at,
                Administration.performer_id,
            ).where(Administration.status == AdministrationStatus.COMPLETED)
        ).all()
        self._insert(
            StockMovement,
            [
                {
                    "lot_id": row.lot_id,
                    "kind": StockMovementKind.ADMINISTERED,
                    "quantity": -1,
                    "administration_id": row.id,
                    "moved_at": row.occurred_at,
                    "moved_by": row.performer_id,
                    "note": "",
                }
                for row in given
            ],
            returning=False,
        )
        self.counts["stock lots"] = len(self.lots)

    def _quantities(self, lot: dict[str, Any]) -> dict[str, int]:
        used = self.lot_used[lot["lot_number"]]
        remaining = (
            self.rng.randrange(1, 12)
            if lot["expiry_date"] < self.today
            else 40 + self.rng.randrange(160)
        )
        return {"quantity_received": used + remaining, "quantity_remaining": remaining}

    # -- sessions -----------------------------------------------------------------
    def _sessions(self) -> None:
        monday = self.today - dt.timedelta(days=self.today.weekday())
        templates = [
            (
                "Tuesday morning B12",
                1,
                dt.time(9, 0),
                dt.time(12, 0),
                self.nurses[0],
                "Room 3",
                "Main surgery",
            ),
            (
                "Thursday afternoon B12",
                3,
                dt.time(13, 30),
                dt.time(16, 30),
                self.nurses[1],
                "Room 2",
                "Main surgery",
            ),
            (
                "Friday morning B12",
                4,
                dt.time(9, 0),
                dt.time(11, 0),
                self.nurses[2],
                "Treatment room",
                "Riverside branch",
            ),
        ]
        capacity = max(1, self.patient_count // 1500)
        template_rows: list[dict[str, Any]] = [
            {
                "name": n,
                "weekday": w,
                "start_time": s,
                "end_time": e,
                "slot_minutes": 10,
                "capacity": capacity,
                "nurse_id": nurse,
                "room": room,
                "location": loc,
                "valid_from": monday,
                "active": True,
            }
            for n, w, s, e, nurse, room, loc in templates
        ]
        template_ids = self._insert(SessionTemplate, template_rows)
        # A Thursday about six weeks ahead that is not already a bank holiday.
        training_day = monday + dt.timedelta(weeks=5, days=3)
        while not self.calendar.is_open(training_day):
            training_day += dt.timedelta(weeks=1)
        self._insert(
            Closure,
            [
                {
                    "first_day": training_day,
                    "last_day": training_day,
                    "reason": "Practice training afternoon",
                    "location": "",
                }
            ],
            returning=False,
        )
        self.calendar = ClinicCalendar.build(open_weekdays=range(5), closures=[training_day])
        sessions: list[dict[str, Any]] = []
        for week in range(SESSION_WEEKS):
            for template_id, row in zip(template_ids, template_rows, strict=True):
                day = monday + dt.timedelta(weeks=week, days=row["weekday"])
                if not self.calendar.is_open(day):
                    continue
                sessions.append(
                    {
                        "template_id": template_id,
                        "session_date": day,
                        "start_time": row["start_time"],
                        "end_time": row["end_time"],
                        "slot_minutes": 10,
                        "capacity": capacity,
                        "nurse_id": row["nurse_id"],
                        "room": row["room"],
                        "location": row["location"],
                    }
                )
        session_ids = self._insert(ClinicSession, sessions)
        slots: list[dict[str, Any]] = []
        for session_id, row in zip(session_ids, sessions, strict=True):
            start = dt.datetime.combine(row["session_date"], row["start_time"])
            end = dt.datetime.combine(row["session_date"], row["end_time"])
            while start + dt.timedelta(minutes=10) <= end:
                slots.append(
                    {
                        "session_id": session_id,
                        "start": start,
                        "end": start + dt.timedelta(minutes=10),
                        "capacity": capacity,
                        "booked_count": 0,
                        "status": SlotStatus.FREE,
                    }
                )
                start += dt.timedelta(minutes=10)
        slot_ids = self._insert(Slot, slots)
        #: day -> [slot id, start, remaining capacity], in time order
        self.free_slots: dict[dt.date, list[list[Any]]] = defaultdict(list)
        self.slot_rows = dict(zip(slot_ids, slots, strict=True))
        for slot_id, slot in self.slot_rows.items():
            self.free_slots[slot["start"].date()].append([slot_id, slot["start"], capacity])
        # Leave about a quarter of each session free, as a real clinic does, so there
        # is room to book, move and walk in; doses that do not fit stay to be booked.
        for day, day_slots in self.free_slots.items():
            keep = sorted(
                self.rng.sample(day_slots, k=max(1, (len(day_slots) * 3) // 4)),
                key=lambda slot: slot[1],
            )
            self.free_slots[day] = keep
        self.counts["clinic sessions"] = len(session_ids)
        self.counts["slots"] = len(slot_ids)

    def _book(
        self, earliest: dt.date, latest: dt.date, target: dt.date
    ) -> tuple[int, dt.datetime] | None:
        open_days = [day for day in self.free_slots if earliest <= day <= latest]
        if not open_days:
            return None
        day = min(open_days, key=lambda d: abs((d - target).days))
        slots = self.free_slots[day]
        slot = slots[0]
        slot[2] -= 1
        if slot[2] == 0:
            slots.pop(0)
            if not slots:
                del self.free_slots[day]
        return slot[0], slot[1]

    # -- patients, courses, history ------------------------------------------------
    def _patients_and_courses(self) -> None:
        rng = self.rng
        numbers = demo_people.nhs_numbers(rng, self.patient_count)
        patient_rows: list[dict[str, Any]] = []
        plans: list[tuple[str, PatientStatus]] = []
        regimens = [r for r, _ in REGIMEN_MIX if self.library.get(r) is not None]
        weights = [w for r, w in REGIMEN_MIX if self.library.get(r) is not None]
        if not regimens:
            raise UserError("No protocol templates are available to build the demo clinic.")
        for number in numbers:
            protocol_id = rng.choices(regimens, weights)[0]
            status = rng.choices(list(PatientStatus), (92, 3, 3, 2))[0]
            patient_rows.append(self._patient_row(number, protocol_id, status))
            plans.append((protocol_id, status))
        patient_ids = self._insert(Patient, patient_rows)
        self.counts["patients"] = len(patient_ids)

        course_rows = []
        for patient_id, (protocol_id, status) in zip(patient_ids, plans, strict=True):
            course_rows.append(self._course_row(patient_id, protocol_id, status))
        course_ids = self._insert(Course, [row for row, _extra in course_rows])
        self.counts["courses"] = len(course_ids)

        appointment_count = 0
        administration_count = 0
        booked: dict[int, int] = defaultdict(int)
        chunk = 5000
        for first in range(0, len(course_ids), chunk):
            appointments: list[dict[str, Any]] = []
            given_details: list[dict[str, Any] | None] = []
            for course_id, (row, extra) in zip(
                course_ids[first : first + chunk], course_rows[first : first + chunk], strict=True
            ):
                self._history_and_plan(course_id, row, extra, appointments, given_details)
            appointment_ids = self._insert(Appointment, appointments)
            administrations = [
                {**detail, "appointment_id": appointment_id}
                for appointment_id, detail in zip(appointment_ids, given_details, strict=True)
                if detail is not None
            ]
            self._insert(Administration, administrations, returning=False)
            appointment_count += len(appointment_ids)
            administration_count += len(administrations)
            for appointment in appointments:
                if appointment["status"] == AppointmentStatus.BOOKED:
                    booked[appointment["slot_id"]] += 1
        self.counts["appointments"] = appointment_count
        self.counts["injections recorded"] = administration_count
        self._lab_results(patient_ids, patient_rows)
        for slot_id, count in booked.items():
            full = count >= self.slot_rows[slot_id]["capacity"]
            self.s.execute(
                update(Slot)
                .where(Slot.id == slot_id)
                .values(booked_count=count, status=SlotStatus.BUSY if full else SlotStatus.FREE)
            )
        self.counts["appointments booked"] = sum(booked.values())

    def _patient_row(self, number: str, protocol_id: str, status: PatientStatus) -> dict[str, Any]:
        rng = self.rng
        sex = rng.choices((Sex.FEMALE, Sex.MALE), (62, 38))[0]
        given = rng.choice(
            demo_people.GIVEN_FEMALE if sex is Sex.FEMALE else demo_people.GIVEN_MALE
        )
        family = rng.choice(demo_people.FAMILY)
        street, town, postcode = demo_people.address(rng)
        anticoagulant = rng.random() < 0.07
        preference = rng.choices(
            (
                ContactPreference.SMS,
                ContactPreference.PHONE,
                ContactPreference.EMAIL,
                ContactPreference.LETTER,
            ),
            (50, 30, 12, 8),
        )[0]
        email = (
            f"{name_key(given)}.{name_key(family).replace(' ', '')}{rng.randrange(100)}@example.org"
        )
        return {
            "nhs_number": number,
            "given_name": given,
            "family_name": family,
            "given_key": name_key(given),
            "family_key": name_key(family),
            "date_of_birth": dt.date(
                rng.randrange(1932, 2001), rng.randrange(1, 13), rng.randrange(1, 29)
            ),
            "sex": sex,
            "address_line1": street,
            "address_line2": "",
            "town": town,
            "postcode": postcode,
            "phone": demo_people.phone(rng),
            "email": email if preference is ContactPreference.EMAIL or rng.random() < 0.4 else "",
            "contact_preference": preference,
            "preferred_days": rng.choice(("", "", "", "tue,thu", "fri", "tue")),
            "preferred_time": rng.choice(("", "", "am", "pm")),
            "neuro_involvement": protocol_id == "hydroxo-neuro",
            "renal_impairment": rng.random() < 0.08,
            "anticoagulant": anticoagulant,
            "anticoagulant_name": (drug := rng.choice(("warfarin", "apixaban", "rivaroxaban")))
            if anticoagulant
            else "",
            "anticoagulant_class": (
                AnticoagulantClass.VKA if drug == "warfarin" else AnticoagulantClass.DOAC
            )
            if anticoagulant
            else None,
            "on_folic_acid": rng.random() < 0.1,
            "bariatric_surgery": protocol_id == "post-bariatric",
            "ileal_resection": protocol_id == "ileal-resection",
            "status": status,
            "notes": "",
            "version": 1,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }

    def _course_row(
        self, patient_id: int, protocol_id: str, status: PatientStatus
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        rng = self.rng
        protocol = self.library.get(protocol_id)
        assert protocol is not None
        roll = rng.random()
        if roll < 0.015:  # starting soon: loading still to book
            start = self.today + dt.timedelta(days=rng.randrange(1, 10))
        elif roll < 0.04:  # loading under way
            start = self.today - dt.timedelta(days=rng.randrange(1, 12))
        else:
            start = self.today - dt.timedelta(days=rng.randrange(60, 6 * 365))
        factor = 1.5 if rng.random() < 0.04 else 1.0
        ended = status in (PatientStatus.TRANSFERRED, PatientStatus.DECEASED)
        end_reason = {
            PatientStatus.TRANSFERRED: CourseEndReason.MOVED_AWAY,
            PatientStatus.DECEASED: CourseEndReason.DIED,
        }.get(status)
        loading_ended = None
        if protocol.loading.open_ended:
            candidate = start + dt.timedelta(weeks=rng.randrange(4, 11))
            loading_ended = candidate if candidate < self.today else None
        row = {
            "patient_id": patient_id,
            "protocol_id": protocol.id,
            "protocol_version": protocol.version,
            "protocol_snapshot": self._snapshot(protocol),
            "product_id": self.product_for_drug[protocol.drug],
            "start_date": start,
            "prescriber_id": self.gp_prescriber,
            "prescriber_name": "Dr Helen Morgan",
            "interval_factor": factor,
            "interval_factor_reason": "symptoms returned before the next dose"
            if factor != 1
            else "",
            "interval_factor_set_by": self.prescriber if factor != 1 else None,
            "interval_factor_set_at": utcnow() if factor != 1 else None,
            "loading_ended_on": loading_ended,
            "loading_ended_by": self.prescriber if loading_ended else None,
            "status": CourseStatus.ENDED if ended else CourseStatus.ACTIVE,
            "ended_on": self.today - dt.timedelta(days=rng.randrange(5, 90)) if ended else None,
            "end_reason": end_reason,
            "end_note": "",
            "created_by": self.prescriber,
            "created_at": utcnow(),
            "version": 1,
        }
        return row, {"protocol": protocol, "paused": status is PatientStatus.PAUSED}

    def _snapshot(self, protocol: Protocol) -> str:
        """The template as prescribed, serialised once per template, not per course."""
        if protocol.id not in self.snapshots:
            self.snapshots[protocol.id] = protocol_to_json(protocol)
        return self.snapshots[protocol.id]

    def _history_and_plan(
        self,
        course_id: int,
        row: dict[str, Any],
        extra: dict[str, Any],
        appointments: list[dict[str, Any]],
        given_details: list[dict[str, Any] | None],
    ) -> None:
        """Invent a plausible past for a course, then plan its future with the engine."""
        protocol: Protocol = extra["protocol"]
        start: dt.date = row["start_date"]
        factor: float = row["interval_factor"]
        loading_ended: dt.date | None = row["loading_ended_on"]
        history_from = self.today - dt.timedelta(days=HISTORY_DAYS)
        given, missed = invent_history(
            self.rng,
            self.calendar,
            self.today,
            protocol,
            start,
            row["ended_on"] or self.today,
            factor,
            loading_ended,
        )
        patient_id = row["patient_id"]
        final = _plan(
            self.calendar,
            protocol,
            start,
            tuple(given),
            max(self.today, start),
            factor,
            loading_ended,
        )
        numbered = [d for d in final.doses if d.status == "given"]
        for count, (when, dose) in enumerate(zip(given, numbered, strict=False), start=1):
            if when < history_from:
                continue
            appointments.append(
                self._appointment(
                    patient_id,
                    course_id,
                    dose.number,
                    Phase(dose.phase),
                    when,
                    AppointmentStatus.FULFILLED,
                    None,
                )
            )
            given_details.append(self._administration(patient_id, course_id, protocol, when, count))
        next_number = len(given) + 1
        for when in missed:
            appointments.append(
                self._appointment(
                    patient_id,
                    course_id,
                    next_number,
                    Phase.MAINTENANCE,
                    when,
                    AppointmentStatus.NOSHOW,
                    None,
                    reason="Did not attend",
                )
            )
            given_details.append(None)
        if row["status"] is CourseStatus.ENDED or extra["paused"]:
            return
        horizon = self.today + dt.timedelta(weeks=SESSION_WEEKS)
        # Each booked dose on a later day than the one before it (never two doses of a
        # patient on one day); once a dose cannot be placed the rest wait to be booked.
        last_booked_day = self.today - dt.timedelta(days=1)
        booking = True
        for dose in final.doses:
            if dose.status != "planned" or dose.phase == "review":
                continue
            slot = None
            if booking and dose.date <= horizon:
                earliest = max(dose.earliest, last_booked_day + dt.timedelta(days=1))
                slot = self._book(earliest, dose.latest, dose.date)
                booking = slot is not None
                if slot is not None:
                    last_booked_day = slot[1].date()
            appointments.append(
                self._appointment(
                    patient_id,
                    course_id,
                    dose.number,
                    Phase(dose.phase),
                    dose.date,
                    AppointmentStatus.BOOKED if slot else AppointmentStatus.PROPOSED,
                    slot[0] if slot else None,
                    earliest=dose.earliest,
                    latest=dose.latest,
                )
            )
            given_details.append(None)
            if dose.date > horizon:
                break  # beyond the booking horizon one planned dose is enough

    def _appointment(
        self,
        patient_id: int,
        course_id: int,
        number: int,
        phase: Phase,
        when: dt.date,
        status: AppointmentStatus,
        slot_id: int | None,
        *,
        earliest: dt.date | None = None,
        latest: dt.date | None = None,
        reason: str = "",
    ) -> dict[str, Any]:
        return {
            "patient_id": patient_id,
            "course_id": course_id,
            "dose_number": number,
            "phase": phase,
            "planned_date": when,
            "window_earliest": min(earliest or when, when),
            "window_latest": max(latest or when, when),
            "tests_due": "",
            "slot_id": slot_id,
            "status": status,
            "cancelation_reason": reason,
            "walk_in": False,
            "booked_by": self.nurses[0] if slot_id else None,
            "booked_at": utcnow() if slot_id else None,
            "created_at": utcnow(),
            "updated_at": utcnow(),
            "version": 1,
        }

    def _administration(
        self, patient_id: int, course_id: int, protocol: Protocol, when: dt.date, number: int
    ) -> dict[str, Any]:
        product_id = self.product_for_drug[protocol.drug]
        lot = self._lot_for(product_id, when)
        self.lot_used[lot["lot_number"]] += 1
        dose = protocol.dose
        micrograms = int(dose.amount * (1000 if dose.unit == "mg" else 1))
        return {
            "patient_id": patient_id,
            "course_id": course_id,
            "status": AdministrationStatus.COMPLETED,
            "status_reason": None,
            "occurred_at": _at(when, self.rng.randrange(9, 16)),
            "product_id": product_id,
            "lot_id": lot["id"],
            "lot_number": lot["lot_number"],
            "lot_expiry": lot["expiry_date"],
            "dose_micrograms": micrograms,
            "volume_ml": round(micrograms / self.strength[product_id], 2),
            "route": Route.IM,
            "site": Site.DELTOID if number % 5 else Site.VASTUS_LATERALIS,
            "side": Side.LEFT if number % 2 else Side.RIGHT,
            "site_reason": "",
            "needle_gauge": 23,
            "pressure_minutes": None,
            "performer_id": self.rng.choice(self.nurses),
            "authority": Authority.PSD,
            "consent": True,
            "reaction": "",
            "notes": "",
            "next_due_date": None,
            "recorded_at": _at(when, 17),
        }

    def _lab_results(self, patient_ids: list[int], patient_rows: list[dict[str, Any]]) -> None:
        rng = self.rng
        rows: list[dict[str, Any]] = []
        low = 0
        for patient_id, patient in zip(patient_ids, patient_rows, strict=True):
            taken = self.today - dt.timedelta(days=rng.randrange(7, 330))
            roll = rng.random()
            if roll < 0.005:
                platelets = rng.uniform(5, 9.5)
            elif roll < 0.015:
                platelets = rng.uniform(11, 24)
            elif roll < 0.045:
                platelets = rng.uniform(26, 49)
            else:
                platelets = rng.uniform(150, 400)
            low += platelets <= 50
            rows.append(
                {
                    "patient_id": patient_id,
                    "test": LabTest.PLATELETS,
                    "value": round(platelets),
                    "unit": "x10^9/L",  # as lab_tests.toml stores it
                    "taken_on": taken,
                    "note": "",
                    "recorded_at": utcnow(),
                }
            )
            rows.append(
                {
                    "patient_id": patient_id,
                    "test": LabTest.B12,
                    "value": round(rng.uniform(90, 600)),
                    "unit": "ng/L",
                    "taken_on": taken,
                    "note": "",
                    "recorded_at": utcnow(),
                }
            )
            rows.append(
                {
                    "patient_id": patient_id,
                    "test": LabTest.HB,
                    "value": round(rng.uniform(95, 150)),
                    "unit": "g/L",
                    "taken_on": taken,
                    "note": "",
                    "recorded_at": utcnow(),
                }
            )
            if patient["anticoagulant"] and patient["anticoagulant_name"] == "warfarin":
                rows.append(
                    {
                        "patient_id": patient_id,
                        "test": LabTest.INR,
                        "value": round(rng.uniform(1.8, 3.6), 1),
                        "unit": "",
                        "taken_on": self.today - dt.timedelta(days=_inr_age(rng.randrange(1, 40))),
                        "note": "",
                        "recorded_at": utcnow(),
                    }
                )
        self._insert(LabResult, rows, returning=False)
        self.counts["lab results"] = len(rows)
        self.counts["patients with platelets <= 50"] = low

    # -- bulk insert ------------------------------------------------------------------
    def _insert(
        self, model: Any, rows: list[dict[str, Any]], *, returning: bool = True
    ) -> list[int]:
        """Insert with ids assigned here, through Core executemany.

        The demo owns the database for the length of its transaction, so numbering rows
        itself is safe, and it is many times faster than ORM bulk insert with RETURNING.
        """
        if not rows:
            return []
        table = model.__table__
        first = (self.s.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
        for row_id, row in zip(ids, rows, strict=True):
            row["id"] = row_id
        self.s.connection().execute(insert(table), rows)
        self.tables_written.add(table.name)
        return ids if returning else []

    def _reset_sequences(self) -> None:
        """PostgreSQL's serial counters must continue after the ids the demo chose."""
        if self.s.get_bind().dialect.name != "postgresql":
            return
        for name in sorted(self.tables_written):
            self.s.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
            )


def invent_history(
    rng: random.Random,
    calendar: ClinicCalendar,
    today: dt.date,
    protocol: Protocol,
    start: dt.date,
    stop: dt.date,
    factor: float,
    loading_ended: dt.date | None,
) -> tuple[list[dt.date], list[dt.date]]:
    """A plausible past for a course: the days doses were given, and the days missed.

    Loading dates come from the engine; maintenance is walked forward by the
    interval from each dose given (a few days late now and then, a few missed
    and given a week later), which is exactly the rule the engine applies. The days
    given are in date order, one a day (what the engine requires of ``given``).
    """
    history_from = today - dt.timedelta(days=HISTORY_DAYS)
    first = _plan(calendar, protocol, start, (), start, factor, None)
    given: list[dt.date] = []
    for dose in first.doses:
        if dose.phase != "loading" or dose.status != "planned":
            continue
        if dose.date >= stop or (loading_ended is not None and dose.date >= loading_ended):
            break
        given.append(dose.date)
    missed: list[dt.date] = []
    still_loading = protocol.loading.open_ended and loading_ended is None
    if not still_loading and (given or not protocol.loading.steps):
        interval = protocol.maintenance.every.divided_by(factor)
        when = interval.add_to(given[-1]) if given else start
        # Doses long before the stored history only need counting, not dating
        # exactly: jump to the last interval before the history window.
        skip_to = history_from - dt.timedelta(days=400)
        if when < skip_to - dt.timedelta(days=60):
            given.append(_next_open(calendar, when))
            # Rolling that dose to an open day (over a weekend or bank holidays) can
            # carry it into the 60 days the restart is drawn from: restart after it.
            when = max(
                skip_to - dt.timedelta(days=rng.randrange(0, 60)),
                given[-1] + dt.timedelta(days=1),
            )
        # From here every candidate day is after the last dose given, and rolling to
        # an open day only moves it later: doses stay one a day, in date order.
        while True:
            if rng.random() < 0.15:
                when += dt.timedelta(days=rng.randrange(1, 6))
            when = _next_open(calendar, when)
            if when >= stop:
                break
            if when >= history_from and rng.random() < 0.04:
                missed.append(when)
                when = _next_open(calendar, when + dt.timedelta(days=7))
                if when >= stop:
                    break
            given.append(when)
            when = interval.add_to(when)
    return given, missed


def _plan(
    calendar: ClinicCalendar,
    protocol: Protocol,
    start: dt.date,
    given: tuple[dt.date, ...],
    as_of: dt.date,
    factor: float,
    loading_ended: dt.date | None,
) -> Any:
    state = CourseState(
        protocol=protocol,
        start=start,
        given=given,
        as_of=as_of,
        interval_factor=factor,
        loading_ended=loading_ended,
    )
    return plan_course(state, calendar, horizon_months=PLAN_HORIZON_MONTHS)


def _next_open(calendar: ClinicCalendar, day: dt.date) -> dt.date:
    while not calendar.is_open(day):
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)


def _inr_age(draw: int) -> int:
    """Most warfarin patients bring an INR from the past week (the clinic's limit); about
    one in five brings an older one, which the recording dialog holds for a prescriber.
    One draw either way, so every later draw of the demo stays the same."""
    return draw % 7 if draw <= 31 else draw
