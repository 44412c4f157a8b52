"""Recording injections on SQLite and PostgreSQL: every rule of CLINICAL_RULES 3, 4 and 5."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from clinic_app.domain.codes import (
    AdministrationStatus,
    AnticoagulantClass,
    AppointmentStatus,
    LabTest,
    LotStatus,
    PatientStatus,
    Role,
    StockMovementKind,
)
from clinic_app.domain.errors import Conflict, NotFound, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.platelet_bands import ThresholdError
from clinic_app.domain.recording_rules import DecisionInput, NotGivenInput
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    AuditEvent,
    Course,
    LabResult,
    Lot,
    Patient,
    PrescriberDecision,
    SafetyAcknowledgement,
    Slot,
    StockMovement,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands import courses
from clinic_app.services.commands import recording as recording_commands
from clinic_app.services.commands.clinical_record import record_prescriber_decision
from clinic_app.services.commands.lab_results import record_lab_result
from clinic_app.services.commands.recording import record_administration, record_not_given
from clinic_app.services.queries import recording as recording_queries
from clinic_app.services.queries.recording import Refused, prepare_administration
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    add_lab,
    add_lot,
    add_session,
    book_into,
    clinic_patient,
    due_appointment,
    given_input,
    lot_remaining,
    make_actor,
    open_doses,
    start_dose_course,
)


def hold_decision(clinic: Clinic) -> DecisionInput:
    return DecisionInput(
        topic="platelet_hold",
        decision="Give IM with a 25G needle and 10 minutes' firm pressure",
        prescriber_id=clinic.prescriber,
        decided_on=TODAY,
    )


def count(uow: UnitOfWork, model: type, *where: object) -> int:
    with uow.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def nothing_saved(clinic: Clinic, appointment_id: int, lot_id: int, remaining: int) -> None:
    uow = clinic.uow
    assert count(uow, Administration) == 0
    assert lot_remaining(uow, lot_id) == remaining
    assert count(uow, StockMovement, StockMovement.kind == StockMovementKind.ADMINISTERED) == 0
    assert count(uow, SafetyAcknowledgement) == 0
    with uow.read() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        assert appointment.status is not AppointmentStatus.FULFILLED


# -- the ordinary dose ---------------------------------------------------------------------


def test_a_booked_dose_is_recorded_completely_in_one_action(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient)
    appointment = due_appointment(uow, course)
    book_into(uow, appointment, add_session(uow, TODAY)[0])
    march = TODAY + dt.timedelta(days=91)
    add_session(uow, march)  # somewhere to book the next dose

    record = record_administration(
        uow,
        clinic.nurse,
        given_input(patient, appointment, clinic.stock.lot, reaction="none", notes="well"),
        today=TODAY,
    )

    assert record.status is AdministrationStatus.COMPLETED
    assert record.appointment_id == appointment and record.dose_number == 1
    assert record.lot_number == "CH26B310"
    assert record.lot_expiry == TODAY + dt.timedelta(days=600)
    assert record.dose_micrograms == 1000 and record.volume_ml == 1.0
    assert record.dose_text == "1 mg = 1 mL"
    assert record.site_text == "Left deltoid"
    assert record.performer == "Amira Patel (RN)"
    assert record.authority is not None and record.authority.value == "psd"
    assert record.consent and record.needle_gauge == 23
    assert record.reaction == "none" and record.notes == "well"
    assert record.occurred_at.astimezone().date() == TODAY
    assert record.lot_remaining == 39
    # Maintenance counts from this dose: 3 months on (24 February 2027 is a Wednesday).
    assert record.next_due_date == dt.date(2027, 2, 24)
    with uow.read() as session:
        assert session.get(Appointment, appointment).status is AppointmentStatus.FULFILLED  # type: ignore[union-attr]
        movement = session.scalars(
            select(StockMovement).where(StockMovement.administration_id == record.id)
        ).one()
        assert (movement.kind, movement.quantity, movement.lot_id) == (
            StockMovementKind.ADMINISTERED,
            -1,
            clinic.stock.lot,
        )
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert "administration.record" in actions
    # The next dose was booked in the same action.
    upcoming = open_doses(uow, course)
    assert upcoming[0][1] == 2 and upcoming[0][3] == "booked"


def test_the_same_dose_cannot_be_recorded_twice(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    record_administration(
        uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
    )
    with pytest.raises(UserError, match=r"Dose 1 was already recorded as given on .* by Amira"):
        record_administration(
            uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
        )
    assert count(uow, Administration) == 1
    assert lot_remaining(uow, clinic.stock.lot) == 39


def test_the_database_refuses_a_second_record_of_one_dose(clinic: Clinic) -> None:
    """Another workstation read the appointment before the first record was saved."""
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    record_administration(
        uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
    )
    with uow.write() as session:  # what the second workstation still believes
        session.execute(
            update(Appointment)
            .where(Appointment.id == appointment)
            .values(status=AppointmentStatus.PROPOSED)
        )
    later = TODAY + dt.timedelta(days=1)
    with pytest.raises(Conflict, match="has just been recorded as given on another workstation"):
        record_administration(
            uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=later
        )
    assert count(uow, Administration) == 1
    assert lot_remaining(uow, clinic.stock.lot) == 39


def test_a_second_dose_on_the_same_day_is_refused(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient, "hydroxo-standard-daily")
    record_administration(
        uow,
        clinic.nurse,
        given_input(patient, due_appointment(uow, course), clinic.stock.lot),
        today=TODAY,
    )
    with pytest.raises(Refused, match="already been recorded as given to this patient today"):
        record_administration(
            uow, clinic.nurse, given_input(patient, None, clinic.stock.lot), today=TODAY
        )


def test_recording_is_one_transaction_with_the_replanning(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("booking failed")

    monkeypatch.setattr(recording_commands, "book_next_dose", broken)
    with pytest.raises(RuntimeError, match="booking failed"):
        record_administration(
            uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
        )
    nothing_saved(clinic, appointment, clinic.stock.lot, 40)


def test_a_booking_clash_costs_only_the_automatic_booking_not_the_record(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dose was given: another workstation taking the next slot must not undo it."""
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    spare = add_session(uow, TODAY + dt.timedelta(days=1))[0]

    def clashing(session: Session, *_args: object, **_kwargs: object) -> None:
        from clinic_app.persistence.store.slot_capacity import take_slot

        assert take_slot(session, spare)  # half-way through booking...
        raise Conflict("That slot was just taken: please choose another.")

    monkeypatch.setattr(recording_commands, "book_next_dose", clashing)
    record = record_administration(
        uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
    )
    assert record.id
    assert lot_remaining(uow, clinic.stock.lot) == 39
    with uow.read() as session:
        assert session.get(Slot, spare).booked_count == 0  # the half-booking was undone


# -- walk-in -------------------------------------------------------------------------------


def test_a_walk_in_creates_its_own_appointment_and_replans_from_it(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient, start=TODAY - dt.timedelta(days=90))
    first = due_appointment(uow, course)
    record_administration(
        uow,
        clinic.nurse,
        given_input(patient, first, clinic.stock.lot),
        today=TODAY - dt.timedelta(days=90),
    )
    dose_two = open_doses(uow, course)[0]
    assert dose_two[1] == 2
    book_into(uow, dose_two[0], slot := add_session(uow, dose_two[2])[0])

    walk_in_day = TODAY + dt.timedelta(days=1)  # a day after the planned day
    record = record_administration(
        uow, clinic.nurse, given_input(patient, None, clinic.stock.lot), today=walk_in_day
    )

    assert record.walk_in and record.dose_number == 2
    with uow.read() as session:
        walk_in = session.get(Appointment, record.appointment_id)
        assert walk_in is not None
        assert walk_in.walk_in and walk_in.status is AppointmentStatus.FULFILLED
        assert walk_in.planned_date == walk_in_day and walk_in.course_id == course
        planned = session.get(Appointment, dose_two[0])
        assert planned is not None and planned.status is AppointmentStatus.CANCELLED
        assert "walk-in" in planned.cancelation_reason
        assert session.get(Slot, slot).booked_count == 0  # type: ignore[union-attr]
    # Maintenance counts from the walk-in, the dose actually given: 25 Feb 2027.
    assert record.next_due_date == dt.date(2027, 2, 25)
    assert open_doses(uow, course)[0][1:3] == (3, dt.date(2027, 2, 25))


def test_an_early_walk_in_must_be_acknowledged(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient, start=TODAY - dt.timedelta(days=30))
    record_administration(
        uow,
        clinic.nurse,
        given_input(patient, due_appointment(uow, course), clinic.stock.lot),
        today=TODAY - dt.timedelta(days=30),
    )
    context = prepare_administration(uow, None, patient, today=TODAY)
    assert "early_dose" in {f.code.value for f in context.findings}
    with pytest.raises(ValidationFailed) as failure:
        record_administration(
            uow, clinic.nurse, given_input(patient, None, clinic.stock.lot), today=TODAY
        )
    assert "days early" in failure.value.errors["acknowledged"]
    record = record_administration(
        uow,
        clinic.nurse,
        given_input(patient, None, clinic.stock.lot, acknowledged=frozenset({"early_dose"})),
        today=TODAY,
    )
    assert record.acknowledged == ("early_dose",)


def test_a_walk_in_needs_an_active_course(clinic: Clinic) -> None:
    patient = clinic_patient(clinic)
    with pytest.raises(UserError, match="no active course"):
        prepare_administration(clinic.uow, None, patient, today=TODAY)


# -- lots and stock ------------------------------------------------------------------------


def test_an_expired_lot_is_refused_naming_its_expiry(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    with pytest.raises(Refused, match=r"Lot CH24A117 expired on 23/11/2026: do not use it"):
        record_administration(
            uow, clinic.nurse, given_input(patient, appointment, clinic.stock.expired), today=TODAY
        )
    nothing_saved(clinic, appointment, clinic.stock.expired, 5)


@pytest.mark.parametrize("status", [LotStatus.RECALLED, LotStatus.QUARANTINED])
def test_a_recalled_or_quarantined_lot_is_refused(clinic: Clinic, status: LotStatus) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    with uow.write() as session:
        session.execute(update(Lot).where(Lot.id == clinic.stock.lot).values(status=status))
    with pytest.raises(Refused, match=r"Lot CH26B310 (has been recalled|is quarantined)"):
        record_administration(
            uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
        )
    nothing_saved(clinic, appointment, clinic.stock.lot, 40)


def test_a_lot_of_another_drug_is_refused(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    with pytest.raises(Refused, match=r"is cyanocobalamin .* this course is hydroxocobalamin"):
        record_administration(
            uow,
            clinic.nurse,
            given_input(patient, appointment, clinic.stock.cyano_lot),
            today=TODAY,
        )


def test_the_last_ampoule_goes_to_one_patient_only(clinic: Clinic) -> None:
    uow = clinic.uow
    last = add_lot(uow, clinic.stock.cobalin, "CH26Z001", TODAY + dt.timedelta(days=300), 1)
    people = [clinic_patient(clinic, seed) for seed in (1, 2)]
    appointments = [due_appointment(uow, start_dose_course(uow, p)) for p in people]
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def give(patient: int, appointment: int) -> None:
        barrier.wait()
        try:
            outcomes.append(
                record_administration(
                    uow, clinic.nurse, given_input(patient, appointment, last), today=TODAY
                )
            )
        except UserError as error:
            outcomes.append(error)

    threads = [
        threading.Thread(target=give, args=pair) for pair in zip(people, appointments, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    refused = [o for o in outcomes if isinstance(o, UserError)]
    assert len(outcomes) == 2 and len(refused) == 1
    assert "no doses left" in str(refused[0])
    assert lot_remaining(uow, last) == 0
    assert count(uow, Administration) == 1


def test_an_empty_lot_is_refused_with_a_clear_message(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stock guard itself: the last ampoule was taken between check and update."""
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    monkeypatch.setattr(recording_commands, "take_from_lot", lambda *_a, **_k: False)
    with pytest.raises(UserError, match=r"Lot CH26B310 has no doses left, .* Nothing was saved"):
        record_administration(
            uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
        )
    nothing_saved(clinic, appointment, clinic.stock.lot, 40)


# -- validation ----------------------------------------------------------------------------


def test_every_bad_field_is_named_and_nothing_is_saved(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    bad = replace(
        given_input(patient, appointment, clinic.stock.lot),
        lot_id=None,
        route="IV",
        site="elbow",
        side="",
        needle_gauge=40,
        pressure_minutes=90,
        authority="phone",
        consent=False,
        notes="x" * 2001,
    )
    with pytest.raises(ValidationFailed) as failure:
        record_administration(uow, clinic.nurse, bad, today=TODAY)
    errors = failure.value.errors
    assert set(errors) == {
        "lot_id",
        "route",
        "site",
        "side",
        "needle_gauge",
        "pressure_minutes",
        "authority",
        "consent",
        "notes",
    }
    assert errors["route"] == "vitamin B12 injections are never given intravenously: use IM"
    assert errors["consent"] == "confirm the patient consented to this injection"
    nothing_saved(clinic, appointment, clinic.stock.lot, 40)


def test_only_a_nurse_or_prescriber_records_an_injection(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    with pytest.raises(UserError, match="Only a nurse or prescriber can record an injection"):
        record_administration(
            uow,
            clinic.receptionist,
            given_input(patient, appointment, clinic.stock.lot),
            today=TODAY,
        )


def test_the_wrong_patient_is_refused(clinic: Clinic) -> None:
    uow = clinic.uow
    margaret, john = clinic_patient(clinic, 1), clinic_patient(clinic, 2, given_name="John")
    appointment = due_appointment(uow, start_dose_course(uow, margaret))
    with pytest.raises(UserError, match="belongs to another patient"):
        prepare_administration(uow, appointment, john, today=TODAY)
    with pytest.raises(UserError, match="belongs to another patient"):
        record_administration(
            uow, clinic.nurse, given_input(john, appointment, clinic.stock.lot), today=TODAY
        )
    nothing_saved(clinic, appointment, clinic.stock.lot, 40)


def test_no_dose_for_a_deceased_patient_or_an_ended_course(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient)
    appointment = due_appointment(uow, course)
    with uow.write() as session:
        session.execute(
            update(Course)
            .where(Course.id == course)
            .values(status="ended", end_reason="moved_away", ended_on=TODAY)
        )
    with pytest.raises(UserError, match="This course ended on 24/11/2026"):
        prepare_administration(uow, appointment, patient, today=TODAY)
    with uow.write() as session:
        session.execute(
            update(Patient).where(Patient.id == patient).values(status=PatientStatus.DECEASED)
        )
    with pytest.raises(UserError, match="is recorded as deceased"):
        prepare_administration(uow, appointment, patient, today=TODAY)
    with pytest.raises(NotFound):
        prepare_administration(uow, None, 9999, today=TODAY)


# -- platelets -----------------------------------------------------------------------------


def test_the_context_shows_the_band_before_confirming(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    add_lab(uow, patient, LabTest.PLATELETS, 38, TODAY - dt.timedelta(days=20))
    context = prepare_administration(
        uow, due_appointment(uow, start_dose_course(uow, patient)), patient, today=TODAY
    )
    assert context.platelets.band is not None and context.platelets.band.id == "small-needle"
    assert context.platelets.needle_gauge == 25 and context.platelets.pressure_minutes == 10
    assert context.platelets.headline() == (
        "Platelets 38 x10^9/L on 04/11/2026 (25-50): Low platelets: small needle and firm pressure"
    )
    assert "platelets_low" in {f.code.value for f in context.findings}


def test_the_small_needle_band_insists_on_needle_and_pressure(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    add_lab(uow, patient, LabTest.PLATELETS, 38, TODAY - dt.timedelta(days=20))
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    with pytest.raises(ValidationFailed) as failure:
        record_administration(
            uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
        )
    assert failure.value.errors["needle_gauge"].startswith("use a 25G or finer needle")
    assert "10 minutes of firm pressure" in failure.value.errors["pressure_minutes"]
    record = record_administration(
        uow,
        clinic.nurse,
        given_input(patient, appointment, clinic.stock.lot, needle_gauge=25, pressure_minutes=10),
        today=TODAY,
    )
    assert (record.needle_gauge, record.pressure_minutes) == (25, 10)


@pytest.mark.parametrize("platelets", [18, 6])
def test_a_hold_band_needs_a_prescriber_decision_with_name_and_date(
    clinic: Clinic, platelets: float
) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    add_lab(uow, patient, LabTest.PLATELETS, platelets, TODAY - dt.timedelta(days=2))
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    form = given_input(patient, appointment, clinic.stock.lot, needle_gauge=25, pressure_minutes=10)
    with pytest.raises(Refused) as refused:
        record_administration(uow, clinic.nurse, form, today=TODAY)
    assert [f.code.value for f in refused.value.findings] == ["platelets_hold"]
    assert "prescriber decision is recorded with the prescriber's name and the date" in str(
        refused.value
    )
    nothing_saved(clinic, appointment, clinic.stock.lot, 40)

    nameless = replace(hold_decision(clinic), prescriber_id=None)
    with pytest.raises(ValidationFailed) as failure:
        record_administration(uow, clinic.nurse, replace(form, decisions=(nameless,)), today=TODAY)
    assert failure.value.errors == {
        "decision_prescriber_id": "choose the prescriber from the clinic's list (who decided)"
    }

    with pytest.raises(ValidationFailed, match="tick to confirm you have seen: Platelets"):
        record_administration(
            uow, clinic.nurse, replace(form, decisions=(hold_decision(clinic),)), today=TODAY
        )
    assert count(uow, PrescriberDecision) == 0  # rolled back with the refused record

    record = record_administration(
        uow,
        clinic.nurse,
        replace(
            form,
            decisions=(hold_decision(clinic),),
            acknowledged=frozenset({"platelets_hold_authorised"}),
        ),
        today=TODAY,
    )
    assert record.acknowledged == ("platelets_hold_authorised",)
    with uow.read() as session:
        decision = session.scalars(select(PrescriberDecision)).one()
        assert (decision.prescriber_name, decision.decided_on, decision.topic) == (
            "Dr Helen Morgan",
            TODAY,
            "platelet_hold",
        )
        acknowledgement = session.scalars(select(SafetyAcknowledgement)).one()
        assert acknowledgement.administration_id == record.id
        assert "Dr Helen Morgan on 24/11/2026" in acknowledgement.message


def test_a_decision_about_an_older_count_does_not_unlock_a_newer_one(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    record_prescriber_decision(
        uow,
        clinic.nurse,
        patient,
        "platelet_hold",
        "Give IM",
        clinic.prescriber,
        TODAY - dt.timedelta(days=10),
        today=TODAY,
    )
    add_lab(uow, patient, LabTest.PLATELETS, 15, TODAY - dt.timedelta(days=3))
    context = prepare_administration(
        uow, due_appointment(uow, start_dose_course(uow, patient)), patient, today=TODAY
    )
    assert "platelets_hold" in {f.code.value for f in context.findings if f.blocks}


def test_the_band_follows_the_latest_count(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    add_lab(uow, patient, LabTest.PLATELETS, 12, TODAY - dt.timedelta(days=60))
    record_lab_result(
        uow, clinic.nurse, patient, "platelets", 160, "", TODAY - dt.timedelta(days=1), today=TODAY
    )
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    context = prepare_administration(uow, appointment, patient, today=TODAY)
    assert context.platelets.band is not None and context.platelets.band.id == "standard"
    assert not any(f.blocks for f in context.findings)
    record_administration(
        uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
    )


def test_a_stale_count_after_a_low_one_is_warned(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    add_lab(uow, patient, LabTest.PLATELETS, 40, TODAY - dt.timedelta(days=300))
    add_lab(uow, patient, LabTest.PLATELETS, 170, TODAY - dt.timedelta(days=120))
    context = prepare_administration(
        uow, due_appointment(uow, start_dose_course(uow, patient)), patient, today=TODAY
    )
    warnings = [f.message for f in context.findings if f.code.value == "platelets_check"]
    assert warnings == [
        "The latest platelet count is 120 days old (27/07/2026) and a low count has been seen "
        "before: check platelets."
    ]


# -- INR, route, site, patient flags ------------------------------------------------------------


def test_an_inr_above_the_ceiling_needs_a_prescriber_decision(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(
        clinic,
        anticoagulant=True,
        anticoagulant_name="warfarin",
        anticoagulant_class=AnticoagulantClass.VKA,
    )
    add_lab(uow, patient, LabTest.INR, 3.6, TODAY - dt.timedelta(days=1))
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    context = prepare_administration(uow, appointment, patient, today=TODAY)
    assert context.latest_inr == (3.6, TODAY - dt.timedelta(days=1))
    assert {"anticoagulant_check_inr", "inr_above_ceiling"} <= {
        f.code.value for f in context.findings
    }
    form = given_input(patient, appointment, clinic.stock.lot)
    with pytest.raises(Refused, match=r"INR 3.6 on 23/11/2026 is above the clinic's ceiling \(3\)"):
        record_administration(uow, clinic.nurse, form, today=TODAY)
    decision = DecisionInput("inr", "Give IM, 10 minutes pressure", clinic.prescriber, TODAY)
    record = record_administration(
        uow,
        clinic.nurse,
        replace(
            form,
            decisions=(decision,),
            acknowledged=frozenset({"inr_above_ceiling_authorised"}),
        ),
        today=TODAY,
    )
    assert record.acknowledged == ("inr_above_ceiling_authorised",)


def test_sc_on_an_im_only_template_needs_a_recorded_override(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    form = given_input(patient, appointment, clinic.stock.lot, route="SC")
    with pytest.raises(Refused, match=r"allows IM only. SC needs a recorded prescriber"):
        record_administration(uow, clinic.nurse, form, today=TODAY)
    override = DecisionInput("sc_route", "Deep SC: haemophilia", clinic.prescriber, TODAY)
    acknowledged = frozenset({"route_outside_template", "route_off_licence"})
    record = record_administration(
        uow,
        clinic.nurse,
        replace(form, decisions=(override,), acknowledged=acknowledged),
        today=TODAY,
    )
    assert record.route is not None and record.route.value == "SC"
    assert set(record.acknowledged) == acknowledged


def test_dorsogluteal_needs_a_reason_and_an_acknowledgement(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    form = given_input(patient, appointment, clinic.stock.lot, site="dorsogluteal")
    with pytest.raises(ValidationFailed) as failure:
        record_administration(uow, clinic.nurse, form, today=TODAY)
    assert failure.value.errors == {
        "site_reason": "say why the dorsogluteal site is used (it is normally avoided)"
    }
    form = replace(form, site_reason="both deltoids bruised; thighs declined")
    with pytest.raises(ValidationFailed, match="sciatic nerve"):
        record_administration(uow, clinic.nurse, form, today=TODAY)
    record = record_administration(
        uow,
        clinic.nurse,
        replace(form, acknowledged=frozenset({"site_outside_template"})),
        today=TODAY,
    )
    assert record.site_text == "Left dorsogluteal (buttock, upper outer quadrant)"


def test_the_suggested_site_differs_from_the_last_one(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient, "hydroxo-standard-daily")
    record_administration(
        uow,
        clinic.nurse,
        given_input(patient, due_appointment(uow, course), clinic.stock.lot, side="right"),
        today=TODAY,
    )
    tomorrow = TODAY + dt.timedelta(days=1)
    context = prepare_administration(uow, due_appointment(uow, course), patient, today=tomorrow)
    assert context.last_site is not None and context.last_site.label() == "Right deltoid"
    assert context.last_site_on == TODAY
    assert context.suggested_site.label() == "Left deltoid"


def test_renal_impairment_with_cyanocobalamin_is_acknowledged_once(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic, renal_impairment=True)
    course = start_dose_course(uow, patient, "cyano-us-1000")
    form = given_input(patient, due_appointment(uow, course), clinic.stock.cyano_lot)
    with pytest.raises(ValidationFailed, match="prefers hydroxocobalamin"):
        record_administration(uow, clinic.nurse, form, today=TODAY)
    record_administration(
        uow,
        clinic.nurse,
        replace(form, acknowledged=frozenset({"renal_cyanocobalamin"})),
        today=TODAY,
    )
    tomorrow = TODAY + dt.timedelta(days=1)
    second = record_administration(
        uow,
        clinic.nurse,
        given_input(patient, due_appointment(uow, course), clinic.stock.cyano_lot, side="right"),
        today=tomorrow,
    )
    assert second.acknowledged == ()
    assert second.dose_text == "1 mg = 1 mL"


def test_folic_acid_before_any_b12_is_acknowledged(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic, on_folic_acid=True)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    form = given_input(patient, appointment, clinic.stock.lot)
    with pytest.raises(ValidationFailed, match="can mask anaemia"):
        record_administration(uow, clinic.nurse, form, today=TODAY)
    record = record_administration(
        uow,
        clinic.nurse,
        replace(form, acknowledged=frozenset({"folic_acid_before_b12"})),
        today=TODAY,
    )
    assert record.acknowledged == ("folic_acid_before_b12",)


def test_the_context_lists_lots_with_volume_and_refusals(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    context = prepare_administration(
        uow, due_appointment(uow, start_dose_course(uow, patient)), patient, today=TODAY
    )
    assert context.patient.display_name == "SMITH, Margaret"
    assert context.target.describe() == "Dose 1 (maintenance), hydroxocobalamin 1 mg"
    assert context.target.template_routes == ("IM",)
    labels = [option.label() for option in context.lots]
    assert labels == [
        "CH25C052 - exp 14/12/2026 - 12 left - Cobalin-H ampoule (expires soon)",
        "CH26B310 - exp 16/07/2028 - 40 left - Cobalin-H ampoule",
        "EXPIRED: CH24A117 - exp 23/11/2026 - 5 left - Cobalin-H ampoule",
    ]
    assert context.preselected_lot_id == clinic.stock.soon  # soonest expiry first
    assert all(option.volume.text() == "1 mg = 1 mL" for option in context.lots)
    expired = context.lot(clinic.stock.expired)
    assert expired is not None and not expired.usable
    assert "expired on 23/11/2026" in expired.refusal
    assert context.suggested_site.label() == "Left deltoid"


# -- not given ------------------------------------------------------------------------------


def test_not_given_is_recorded_with_its_reason_and_the_dose_replanned(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient)
    appointment = due_appointment(uow, course)
    slot = add_session(uow, TODAY)[0]
    book_into(uow, appointment, slot)
    record = record_not_given(
        uow, clinic.nurse, NotGivenInput(patient, appointment, "unwell", "feverish"), today=TODAY
    )
    assert record.status is AdministrationStatus.NOT_DONE
    assert record.status_reason is not None and record.status_reason.value == "unwell"
    assert record.notes == "feverish" and record.lot_number == ""
    with uow.read() as session:
        row = session.get(Appointment, appointment)
        assert row is not None and row.status is AppointmentStatus.CANCELLED
        assert row.cancelation_reason == "Not given: unwell (feverish)"
        assert session.get(Slot, slot).booked_count == 0  # type: ignore[union-attr]
    # Dose 1 comes back as a new proposed (unbooked) row, overdue from today.
    assert open_doses(uow, course)[0][1:] == (1, TODAY, "proposed")
    assert record.next_due_date == TODAY
    assert lot_remaining(uow, clinic.stock.lot) == 40


def test_not_given_for_other_reasons_needs_a_note(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    with pytest.raises(ValidationFailed) as failure:
        record_not_given(
            uow, clinic.nurse, NotGivenInput(patient, appointment, "other"), today=TODAY
        )
    assert failure.value.errors == {"note": "say why (the reason is 'other')"}
    with pytest.raises(ValidationFailed) as failure:
        record_not_given(
            uow, clinic.nurse, NotGivenInput(patient, appointment, "bored"), today=TODAY
        )
    assert failure.value.errors == {"reason": "choose why the dose was not given"}
    walk_in = record_not_given(
        uow, clinic.nurse, NotGivenInput(patient, None, "declined"), today=TODAY
    )
    assert walk_in.walk_in and walk_in.status_reason is not None
    assert count(uow, Administration, Administration.status == AdministrationStatus.NOT_DONE) == 1


# -- results and decisions -------------------------------------------------------------------


def test_lab_results_are_checked_for_plausibility(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    with pytest.raises(ValidationFailed) as failure:
        record_lab_result(
            uow, clinic.nurse, patient, "platelets", 3800, "", TODAY + dt.timedelta(1), today=TODAY
        )
    assert failure.value.errors == {
        "value": "3800 is not a plausible platelet count (0-2000 x10^9/L): "
        "check the decimal point and the unit",
        "taken_on": "cannot be in the future",
    }
    with pytest.raises(ValidationFailed, match="test: choose the test"):
        record_lab_result(uow, clinic.nurse, patient, "sodium", 140, "", TODAY, today=TODAY)
    result = record_lab_result(uow, clinic.nurse, patient, "inr", 2.4, "", TODAY, today=TODAY)
    assert (result.test, result.value) == (LabTest.INR, 2.4)
    assert count(uow, LabResult) == 1


def test_prescriber_decisions_are_validated_and_audited(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    with pytest.raises(ValidationFailed) as failure:
        record_prescriber_decision(
            uow,
            clinic.nurse,
            patient,
            "anything",
            "",
            None,
            TODAY + dt.timedelta(days=1),
            today=TODAY,
        )
    assert set(failure.value.errors) == {"topic", "decision", "prescriber_id", "decided_on"}
    decision = record_prescriber_decision(
        uow,
        clinic.nurse,
        patient,
        "platelet_hold",
        "Give IM",
        clinic.prescriber,
        TODAY,
        valid_until=TODAY + dt.timedelta(days=7),
        today=TODAY,
    )
    assert decision.prescriber_name == "Dr Helen Morgan"
    assert count(uow, AuditEvent, AuditEvent.action == "prescriber_decision.record") == 1
    receptionist = make_actor(uow, "Front Desk", Role.RECEPTIONIST)
    with pytest.raises(UserError, match="Only a nurse or prescriber"):
        record_lab_result(uow, receptionist, patient, "inr", 2.0, "", TODAY, today=TODAY)


def test_a_warning_acknowledged_at_course_start_is_not_asked_again(clinic: Clinic) -> None:
    """Course start (step 2) and the injection share the warning codes."""
    uow = clinic.uow
    patient = clinic_patient(clinic, on_folic_acid=True)
    course = courses.start_course(
        uow,
        clinic.nurse,
        patient,
        "post-bariatric",
        TODAY,
        prescriber_id=clinic.prescriber,
        acknowledged={"folic_acid_before_b12"},
        today=TODAY,
    )
    appointment = due_appointment(uow, course.id)
    context = prepare_administration(uow, appointment, patient, today=TODAY)
    (finding,) = [f for f in context.findings if f.code.value == "folic_acid_before_b12"]
    assert finding.severity.value == "info"
    assert finding.message.endswith("(Acknowledged earlier in this course.)")
    record = record_administration(
        uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
    )
    assert record.acknowledged == ()


def test_a_broken_threshold_file_stops_recording_with_its_reason(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise ThresholdError("thresholds/platelets.toml", "bands[1].above", "must be a number")

    monkeypatch.setattr(recording_queries, "platelet_rules", broken)
    patient = clinic_patient(clinic)
    appointment = due_appointment(clinic.uow, start_dose_course(clinic.uow, patient))
    message = r"platelets\.toml: bands\[1\]\.above: must be a number\)\. No injection"
    with pytest.raises(UserError, match=message):
        prepare_administration(clinic.uow, appointment, patient, today=TODAY)
    with pytest.raises(UserError, match=message):
        record_administration(
            clinic.uow,
            clinic.nurse,
            given_input(patient, appointment, clinic.stock.lot),
            today=TODAY,
        )
