"""A dose recorded in error, the time given, the booked place and the opened vial's
in-use expiry, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from clinic_app.domain.codes import AdministrationStatus, AppointmentStatus, StockMovementKind
from clinic_app.domain.errors import Conflict, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    AuditEvent,
    Lot,
    Product,
    StockMovement,
)
from clinic_app.services.commands.dose_corrections import mark_dose_entered_in_error
from clinic_app.services.commands.recording import record_administration
from clinic_app.services.queries.recording import Refused, prepare_administration
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    add_session,
    book_into,
    clinic_patient,
    due_appointment,
    given_input,
    lot_remaining,
    open_doses,
    start_dose_course,
)


def _given(clinic: Clinic, *, book: bool = True) -> tuple[int, int, int]:
    """(patient, course, administration id) after dose 1 is recorded as given today."""
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient)
    appointment = due_appointment(uow, course)
    if book:
        book_into(uow, appointment, add_session(uow, TODAY)[0])
    record = record_administration(
        uow, clinic.nurse, given_input(patient, appointment, clinic.stock.lot), today=TODAY
    )
    return patient, course, record.id


def test_a_dose_marked_in_error_is_kept_returns_its_stock_and_the_dose_is_due_again(
    clinic: Clinic,
) -> None:
    uow = clinic.uow
    patient, course, administration_id = _given(clinic)
    remaining = lot_remaining(uow, clinic.stock.lot)
    assert open_doses(uow, course)[0][1] == 2  # dose 1 given, dose 2 next

    record = mark_dose_entered_in_error(
        uow, clinic.nurse, administration_id, "  recorded for the wrong   patient ", today=TODAY
    )

    assert record.status is AdministrationStatus.ENTERED_IN_ERROR
    assert lot_remaining(uow, clinic.stock.lot) == remaining + 1
    with uow.read() as session:
        row = session.get(Administration, administration_id)
        assert row is not None  # never deleted
        assert row.error_reason == "recorded for the wrong patient"
        assert row.error_marked_by == clinic.nurse.user_id and row.error_marked_at is not None
        assert row.lot_number == "CH26B310"  # the record of what was entered stays
        appointment = session.get(Appointment, row.appointment_id)
        assert appointment is not None
        # Today's visit is open again: the nurse records what was really given.
        assert appointment.status is AppointmentStatus.ARRIVED
        returned = session.scalar(
            select(func.count())
            .select_from(StockMovement)
            .where(
                StockMovement.kind == StockMovementKind.RETURNED,
                StockMovement.administration_id == administration_id,
            )
        )
        assert returned == 1
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "administration.entered_in_error")
        ).one()
        assert audit.entity_id == administration_id
        assert '"before"' in audit.detail and '"after"' in audit.detail
    assert open_doses(uow, course)[0][1] == 1  # the course counts from dose 1 again
    # ...and dose 1 can now be recorded properly, on the same appointment.
    again = record_administration(
        uow,
        clinic.nurse,
        given_input(patient, record.appointment_id, clinic.stock.lot, side="right"),
        today=TODAY,
    )
    assert again.status is AdministrationStatus.COMPLETED and again.dose_number == 1


def test_an_earlier_dose_marked_in_error_is_planned_again(clinic: Clinic) -> None:
    uow = clinic.uow
    _patient, course, administration_id = _given(clinic)
    later = TODAY + dt.timedelta(days=3)

    mark_dose_entered_in_error(uow, clinic.nurse, administration_id, "duplicate", today=later)

    with uow.read() as session:
        row = session.get(Administration, administration_id)
        assert row is not None
        appointment = session.get(Appointment, row.appointment_id)
        assert appointment is not None
        assert appointment.status is AppointmentStatus.CANCELLED
        assert "entered in error: duplicate" in appointment.cancelation_reason
    first = open_doses(uow, course)[0]
    assert first[1] == 1 and first[2] >= later  # planned again, never silently dropped


def test_marking_in_error_needs_a_reason_and_happens_once(clinic: Clinic) -> None:
    uow = clinic.uow
    _patient, _course, administration_id = _given(clinic)
    with pytest.raises(ValidationFailed) as refused:
        mark_dose_entered_in_error(uow, clinic.nurse, administration_id, "   ", today=TODAY)
    assert "reason" in refused.value.errors
    with uow.read() as session:
        row = session.get(Administration, administration_id)
        assert row is not None and row.status is AdministrationStatus.COMPLETED

    mark_dose_entered_in_error(uow, clinic.nurse, administration_id, "wrong patient", today=TODAY)
    with pytest.raises(Conflict, match="already marked"):
        mark_dose_entered_in_error(uow, clinic.nurse, administration_id, "again", today=TODAY)


def test_a_receptionist_cannot_mark_a_dose_in_error(clinic: Clinic) -> None:
    _patient, _course, administration_id = _given(clinic)
    with pytest.raises(UserError, match="Only a nurse or prescriber"):
        mark_dose_entered_in_error(
            clinic.uow, clinic.receptionist, administration_id, "wrong patient", today=TODAY
        )


# -- the time given ------------------------------------------------------------------------


def test_the_time_given_can_be_corrected_back_within_the_day(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    form = given_input(patient, appointment, clinic.stock.lot, given_at=dt.time(0, 5))

    record = record_administration(uow, clinic.nurse, form, today=TODAY)

    local = record.occurred_at.astimezone()
    assert (local.date(), local.time().replace(second=0, microsecond=0)) == (TODAY, dt.time(0, 5))


def test_a_time_given_later_than_now_is_refused(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    soon = dt.datetime.now() + dt.timedelta(hours=1)
    if soon.date() != dt.date.today():
        pytest.skip("an hour from now is tomorrow: no later time today to try")
    form = given_input(patient, appointment, clinic.stock.lot, given_at=soon.time())
    with pytest.raises(ValidationFailed) as refused:
        record_administration(uow, clinic.nurse, form, today=TODAY)
    assert "later than now" in refused.value.errors["given_at"]


# -- where and when the patient was booked ---------------------------------------------------


def test_the_recording_context_shows_the_booked_slot_time_and_place(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    tomorrow = TODAY + dt.timedelta(days=1)
    book_into(uow, appointment, add_session(uow, tomorrow)[2])

    context = prepare_administration(uow, appointment, patient, today=TODAY)

    assert context.target.booked_start == dt.datetime.combine(tomorrow, dt.time(9, 20))
    assert (context.target.location, context.target.room) == ("Main surgery", "Room 3")


# -- an opened multi-dose vial ---------------------------------------------------------------


def _cyano_course(clinic: Clinic, opened_days_ago: int | None) -> tuple[int, int]:
    uow = clinic.uow
    with uow.write() as session:
        session.execute(
            update(Product).where(Product.id == clinic.stock.cyano).values(in_use_days=28)
        )
        opened = None if opened_days_ago is None else TODAY - dt.timedelta(days=opened_days_ago)
        session.execute(
            update(Lot).where(Lot.id == clinic.stock.cyano_lot).values(opened_on=opened)
        )
    patient = clinic_patient(clinic)
    return patient, due_appointment(uow, start_dose_course(uow, patient, "cyano-us-1000"))


def test_an_opened_vial_past_its_in_use_days_is_refused_until_a_new_vial_is_opened(
    clinic: Clinic,
) -> None:
    uow = clinic.uow
    patient, appointment = _cyano_course(clinic, opened_days_ago=29)
    form = given_input(patient, appointment, clinic.stock.cyano_lot)
    with pytest.raises(Refused, match=r"opened on .* used for 28 days.*discard it"):
        record_administration(uow, clinic.nurse, form, today=TODAY)

    form = given_input(patient, appointment, clinic.stock.cyano_lot, new_vial=True)
    record = record_administration(uow, clinic.nurse, form, today=TODAY)

    assert record.status is AdministrationStatus.COMPLETED
    with uow.read() as session:
        assert (
            session.scalar(select(Lot.opened_on).where(Lot.id == clinic.stock.cyano_lot)) == TODAY
        )


def test_the_first_dose_from_a_vial_records_it_as_opened(clinic: Clinic) -> None:
    uow = clinic.uow
    patient, appointment = _cyano_course(clinic, opened_days_ago=None)
    context = prepare_administration(uow, appointment, patient, today=TODAY)
    option = context.lot(clinic.stock.cyano_lot)
    assert option is not None and option.usable
    assert any("opened today" in f.message for f in option.findings)

    record_administration(
        uow, clinic.nurse, given_input(patient, appointment, clinic.stock.cyano_lot), today=TODAY
    )

    with uow.read() as session:
        assert (
            session.scalar(select(Lot.opened_on).where(Lot.id == clinic.stock.cyano_lot)) == TODAY
        )


def test_a_vial_in_its_last_in_use_day_is_usable_with_a_warning(clinic: Clinic) -> None:
    uow = clinic.uow
    patient, appointment = _cyano_course(clinic, opened_days_ago=28)
    context = prepare_administration(uow, appointment, patient, today=TODAY)
    option = context.lot(clinic.stock.cyano_lot)
    assert option is not None and option.usable
    assert any("today only" in f.message for f in option.findings)


def test_an_unbooked_dose_marked_in_error_goes_back_to_planned(clinic: Clinic) -> None:
    uow = clinic.uow
    _patient, course, administration_id = _given(clinic, book=False)

    mark_dose_entered_in_error(uow, clinic.nurse, administration_id, "wrong patient", today=TODAY)

    (first, *_rest) = open_doses(uow, course)
    assert first[1] == 1 and first[3] == AppointmentStatus.PROPOSED.value
