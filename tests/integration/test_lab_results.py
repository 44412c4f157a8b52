"""Lab results on SQLite and PostgreSQL: entered, refused when implausible, corrected
without losing the mistyped entry, ignored by every check once marked in error, and
completing the monitoring blood tests they were taken for."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from clinic_app.domain.codes import (
    AnticoagulantClass,
    AppointmentStatus,
    LabResultStatus,
    LabTest,
    Phase,
)
from clinic_app.domain.errors import Conflict, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import AuditEvent, LabResult, Patient
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.lab_results import (
    correct_lab_result,
    mark_lab_result_in_error,
    record_lab_result,
)
from clinic_app.services.planning.course_plans import sync_course_plan
from clinic_app.services.queries.courses import course_timeline
from clinic_app.services.queries.lab_results import results_overview
from clinic_app.services.queries.recording import prepare_administration
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    add_lab,
    clinic_patient,
    due_appointment,
    live,
    rows,
    start_dose_course,
)


def lab_rows(uow: UnitOfWork, patient_id: int) -> list[LabResult]:
    with uow.read() as session:
        return list(
            session.scalars(
                select(LabResult).where(LabResult.patient_id == patient_id).order_by(LabResult.id)
            )
        )


def audit_details(uow: UnitOfWork, action: str) -> list[dict[str, object]]:
    with uow.read() as session:
        found = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [json.loads(detail) for detail in found]


# -- entering ----------------------------------------------------------------------------


def test_a_result_is_kept_with_its_unit_date_and_source(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    result = record_lab_result(
        uow,
        clinic.nurse,
        patient,
        "platelets",
        142,
        "10^9/L",
        TODAY - dt.timedelta(days=2),
        source="  Royal Infirmary   lab ",
        today=TODAY,
    )
    assert (result.value_text, result.taken_on, result.source) == (
        "142 x10^9/L",
        TODAY - dt.timedelta(days=2),
        "Royal Infirmary lab",
    )
    assert result.status is LabResultStatus.FINAL
    (detail,) = audit_details(uow, "lab_result.record")
    assert detail["after"] == {
        "source": "Royal Infirmary lab",
        "taken_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        "test": "platelets",
        "unit": "x10^9/L",
        "value": 142.0,
    }


@pytest.mark.parametrize(
    ("test", "value", "message"),
    [
        (
            "platelets",
            2500,
            "2500 is not a plausible platelet count (0-2000 x10^9/L): "
            "check the decimal point and the unit",
        ),
        ("inr", 24, "24 is not a plausible INR (0.5-15): check the decimal point and the unit"),
        ("inr", 0.4, "0.4 is not a plausible INR (0.5-15): check the decimal point and the unit"),
        (
            "reticulocytes",
            1200,
            "1200 is not a plausible reticulocyte count (0-1000 x10^9/L): "
            "check the decimal point and the unit",
        ),
    ],
)
def test_an_implausible_value_is_refused_naming_the_field(
    clinic: Clinic, test: str, value: float, message: str
) -> None:
    patient = clinic_patient(clinic)
    with pytest.raises(ValidationFailed) as failure:
        record_lab_result(clinic.uow, clinic.nurse, patient, test, value, "", TODAY, today=TODAY)
    assert failure.value.errors == {"value": message}
    assert lab_rows(clinic.uow, patient) == []


def test_the_edges_of_a_plausible_range_are_accepted(clinic: Clinic) -> None:
    patient = clinic_patient(clinic)
    for test, value in (("platelets", 0), ("platelets", 2000), ("inr", 0.5), ("inr", 15)):
        record_lab_result(clinic.uow, clinic.nurse, patient, test, value, "", TODAY, today=TODAY)
    assert len(lab_rows(clinic.uow, patient)) == 4


def test_a_result_in_another_unit_is_refused(clinic: Clinic) -> None:
    patient = clinic_patient(clinic)
    with pytest.raises(ValidationFailed) as failure:
        record_lab_result(
            clinic.uow, clinic.nurse, patient, "b12", 300, "pmol/L", TODAY, today=TODAY
        )
    assert failure.value.errors["unit"].startswith("must be ng/L for serum B12")


# -- correcting ---------------------------------------------------------------------------


def test_a_correction_keeps_the_mistyped_entry_marked_in_error(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    typed = record_lab_result(
        uow, clinic.nurse, patient, "platelets", 15, "", TODAY, source="Phlebotomy", today=TODAY
    )
    corrected = correct_lab_result(
        uow, clinic.nurse, typed.id, 150, "", TODAY, "Typed 15 for 150", today=TODAY
    )
    old, new = lab_rows(uow, patient)
    assert (old.id, new.id) == (typed.id, corrected.id)
    assert old.status is LabResultStatus.ENTERED_IN_ERROR
    assert (old.value, old.error_reason, old.corrected_by_id) == (15, "Typed 15 for 150", new.id)
    assert old.error_marked_by == clinic.nurse.user_id and old.error_marked_at is not None
    assert (new.value, new.status, new.source) == (150, LabResultStatus.FINAL, "Phlebotomy")
    details = audit_details(uow, "lab_result.correct")
    assert details[0]["before"]["status"] == "final"  # type: ignore[index]
    assert details[0]["after"]["status"] == "entered-in-error"  # type: ignore[index]
    assert details[0]["corrected_by_id"] == new.id
    assert details[1] == {"corrects": old.id, "after": details[1]["after"]}


def test_a_refused_correction_changes_nothing(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    typed = record_lab_result(uow, clinic.nurse, patient, "platelets", 15, "", TODAY, today=TODAY)
    with pytest.raises(ValidationFailed) as failure:
        correct_lab_result(uow, clinic.nurse, typed.id, 15000, "", TODAY, "", today=TODAY)
    assert set(failure.value.errors) == {"reason", "value"}
    with pytest.raises(ValidationFailed, match="value: 15000 is not a plausible platelet"):
        correct_lab_result(uow, clinic.nurse, typed.id, 15000, "", TODAY, "typo", today=TODAY)
    (row,) = lab_rows(uow, patient)
    assert (row.status, row.value, row.error_reason) == (LabResultStatus.FINAL, 15, "")


def test_an_entry_is_corrected_once_and_a_stale_screen_is_told(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    typed = record_lab_result(uow, clinic.nurse, patient, "inr", 2.5, "", TODAY, today=TODAY)
    with pytest.raises(Conflict, match="changed on another workstation"):
        correct_lab_result(
            uow, clinic.nurse, typed.id, 2.6, "", TODAY, "typo", expected_version=7, today=TODAY
        )
    correct_lab_result(uow, clinic.nurse, typed.id, 2.6, "", TODAY, "typo", today=TODAY)
    with pytest.raises(UserError, match="already marked entered in error"):
        correct_lab_result(uow, clinic.nurse, typed.id, 2.7, "", TODAY, "again", today=TODAY)


def test_an_entry_on_the_wrong_patient_is_withdrawn_with_a_reason(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    typed = record_lab_result(uow, clinic.nurse, patient, "b12", 310, "", TODAY, today=TODAY)
    with pytest.raises(ValidationFailed, match="reason: is required"):
        mark_lab_result_in_error(uow, clinic.nurse, typed.id, "  ")
    marked = mark_lab_result_in_error(uow, clinic.nurse, typed.id, "Another patient's result")
    assert marked.in_error and marked.corrected_by_id is None
    overview = results_overview(uow, patient, today=TODAY)
    assert [row.in_error for row in overview.history] == [True]
    assert overview.latest == ()


# -- every reader ignores a result marked in error ----------------------------------------


def test_a_platelet_hold_from_a_mistyped_count_is_lifted_by_correcting_it(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    typed = record_lab_result(uow, clinic.nurse, patient, "platelets", 15, "", TODAY, today=TODAY)
    appointment = due_appointment(uow, start_dose_course(uow, patient))
    held = prepare_administration(uow, appointment, patient, today=TODAY)
    assert "platelets_hold" in {f.code.value for f in held.findings if f.blocks}

    correct_lab_result(uow, clinic.nurse, typed.id, 150, "", TODAY, "Typed 15 for 150")
    lifted = prepare_administration(uow, appointment, patient, today=TODAY)
    assert not any(f.blocks for f in lifted.findings)
    assert lifted.platelets.value == 150 and lifted.platelets.band is not None
    assert lifted.platelets.band.id == "standard"
    # The mistyped 15 is no "low count ever seen": an old normal count is not warned.
    later = prepare_administration(uow, appointment, patient, today=TODAY + dt.timedelta(200))
    assert later.platelets.warnings == ()


def test_an_inr_marked_in_error_is_no_longer_the_latest(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(
        clinic,
        anticoagulant=True,
        anticoagulant_name="warfarin",
        anticoagulant_class=AnticoagulantClass.VKA,
    )
    add_lab(uow, patient, LabTest.INR, 2.1, TODAY - dt.timedelta(days=3))
    typed = record_lab_result(uow, clinic.nurse, patient, "inr", 1.9, "", TODAY, today=TODAY)
    mark_lab_result_in_error(uow, clinic.nurse, typed.id, "Another patient's INR")
    context = prepare_administration(
        uow, due_appointment(uow, start_dose_course(uow, patient)), patient, today=TODAY
    )
    assert context.latest_inr == (2.1, TODAY - dt.timedelta(days=3))


# -- what the Results tab reads ------------------------------------------------------------


def test_the_overview_has_the_history_the_latest_with_its_band_and_the_trend(
    clinic: Clinic,
) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    add_lab(uow, patient, LabTest.PLATELETS, 120, TODAY - dt.timedelta(days=40))
    add_lab(uow, patient, LabTest.PLATELETS, 60, TODAY - dt.timedelta(days=20))
    typed = record_lab_result(uow, clinic.nurse, patient, "platelets", 3.8, "", TODAY, today=TODAY)
    correct_lab_result(uow, clinic.nurse, typed.id, 38, "", TODAY, "Decimal point", today=TODAY)
    add_lab(uow, patient, LabTest.B12, 310, TODAY - dt.timedelta(days=1))

    overview = results_overview(uow, patient, today=TODAY)
    platelets = overview.history_of(LabTest.PLATELETS)
    assert [(row.value, row.in_error) for row in platelets] == [
        (38, False),
        (3.8, True),
        (60, False),
        (120, False),
    ]
    assert platelets[1].error_reason == "Decimal point"
    assert overview.trend(LabTest.PLATELETS) == (
        (TODAY - dt.timedelta(days=40), 120),
        (TODAY - dt.timedelta(days=20), 60),
        (TODAY, 38),
    )
    latest = overview.latest_of(LabTest.PLATELETS)
    assert latest is not None
    assert (latest.value_text, latest.severity) == ("38 x10^9/L", "warn")
    assert latest.band == "25-50: Low platelets: small needle and firm pressure"
    b12 = overview.latest_of(LabTest.B12)
    assert b12 is not None and (b12.value_text, b12.band) == ("310 ng/L", "")


def test_the_latest_inr_is_read_against_the_patients_target_range(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(
        clinic,
        anticoagulant=True,
        anticoagulant_name="warfarin",
        anticoagulant_class=AnticoagulantClass.VKA,
    )
    with uow.write() as session:
        row = session.get(Patient, patient)
        assert row is not None
        row.inr_target_low, row.inr_target_high = 2.0, 3.0
    add_lab(uow, patient, LabTest.INR, 3.4, TODAY - dt.timedelta(days=1))
    latest = results_overview(uow, patient, today=TODAY).latest_of(LabTest.INR)
    assert latest is not None
    assert (latest.band, latest.severity) == ("above the target range (2-3)", "hold")
    assert latest.warnings == ("1 day old",)


# -- monitoring blood tests -------------------------------------------------------------------


def monitoring_rows(uow: UnitOfWork, course: int) -> list[tuple[dt.date, AppointmentStatus, str]]:
    found = rows(uow, course)
    return [(r.planned, r.status, r.tests) for r in found if r.phase is Phase.MONITORING]


def test_results_complete_the_monitoring_bloods_they_were_taken_for(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    start = TODAY - dt.timedelta(days=88)  # the 3-month bloods' window is open today
    course = start_dose_course(uow, patient, "hydroxo-standard", start=start)
    first = monitoring_rows(uow, course)[0]
    assert first[1:] == (AppointmentStatus.PROPOSED, "B12,FBC,homocysteine")

    # Taken before the window opened: it does not count.
    add_lab(uow, patient, LabTest.B12, 300, start + dt.timedelta(days=30))
    (due,) = results_overview(uow, patient, today=TODAY).monitoring
    assert due.progress == "none done yet" and not due.overdue

    record_lab_result(uow, clinic.nurse, patient, "b12", 320, "", TODAY, today=TODAY)
    record_lab_result(uow, clinic.nurse, patient, "platelets", 210, "", TODAY, today=TODAY)
    (due,) = results_overview(uow, patient, today=TODAY).monitoring
    assert due.progress == "2 of 3 done (B12, FBC)"
    assert due.outstanding == ("homocysteine",)
    assert monitoring_rows(uow, course)[0][1] is AppointmentStatus.PROPOSED

    record_lab_result(uow, clinic.nurse, patient, "homocysteine", 9, "", TODAY, today=TODAY)
    assert monitoring_rows(uow, course)[0][1] is AppointmentStatus.FULFILLED
    assert results_overview(uow, patient, today=TODAY).monitoring == ()
    assert len(audit_details(uow, "appointment.monitoring_done")) == 1
    # The next night's re-plan keeps it given and does not plan it again.
    with uow.write() as session:
        sync_course_plan(session, course, today=TODAY + dt.timedelta(days=1))
    statuses = [status for _day, status, _tests in monitoring_rows(uow, course)]
    assert statuses.count(AppointmentStatus.FULFILLED) == 1
    assert monitoring_rows(uow, course)[0][1] is AppointmentStatus.FULFILLED


def test_bloods_due_before_the_plan_day_stay_overdue_until_a_result_completes_them(
    clinic: Clinic,
) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    start = TODAY - dt.timedelta(days=130)  # the 3-month bloods were due a month ago
    course = start_dose_course(uow, patient, "hydroxo-standard", start=start)
    three_months = monitoring_rows(uow, course)[0]
    for night in (TODAY - dt.timedelta(days=20), TODAY):
        with uow.write() as session:
            sync_course_plan(session, course, today=night)
    assert monitoring_rows(uow, course)[0] == three_months  # still there, untouched

    (overdue,) = results_overview(uow, patient, today=TODAY).monitoring
    assert overdue.overdue and overdue.planned_date == three_months[0]
    timeline = course_timeline(uow, course, today=TODAY)
    entry = next(e for e in timeline.entries if e.appointment_id == overdue.appointment_id)
    assert entry.status_label == "Blood tests overdue"
    for test, value in (("b12", 400), ("hb", 131), ("homocysteine", 8)):
        record_lab_result(uow, clinic.nurse, patient, test, value, "", TODAY, today=TODAY)
    assert monitoring_rows(uow, course)[0][1] is AppointmentStatus.FULFILLED
    assert results_overview(uow, patient, today=TODAY).monitoring == ()
    with uow.write() as session:
        sync_course_plan(session, course, today=TODAY + dt.timedelta(days=1))
    assert [s for _d, s, _t in monitoring_rows(uow, course)].count(AppointmentStatus.FULFILLED) == 1


def test_a_live_row_count_is_unchanged_by_results_for_other_tests(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient, "hydroxo-standard", start=TODAY - dt.timedelta(88))
    before = len(live(uow, course, Phase.MONITORING))
    record_lab_result(uow, clinic.nurse, patient, "inr", 2.0, "", TODAY, today=TODAY)
    assert len(live(uow, course, Phase.MONITORING)) == before
    with uow.read() as session:
        assert session.scalar(select(func.count()).select_from(LabResult)) == 1


def test_bloods_given_by_a_result_later_marked_in_error_are_due_again(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient, "hydroxo-standard", start=TODAY - dt.timedelta(88))
    record_lab_result(uow, clinic.nurse, patient, "b12", 320, "", TODAY, today=TODAY)
    record_lab_result(uow, clinic.nurse, patient, "homocysteine", 9, "", TODAY, today=TODAY)
    fbc = record_lab_result(uow, clinic.nurse, patient, "hb", 128, "", TODAY, today=TODAY)
    assert monitoring_rows(uow, course)[0][1] is AppointmentStatus.FULFILLED

    mark_lab_result_in_error(uow, clinic.nurse, fbc.id, "Another patient's Hb")
    assert monitoring_rows(uow, course)[0][1] is AppointmentStatus.PROPOSED
    (due,) = results_overview(uow, patient, today=TODAY).monitoring
    assert due.outstanding == ("FBC",)
    assert len(audit_details(uow, "appointment.monitoring_reopened")) == 1

    # A correction dated before the window opened does not complete them either.
    b12 = next(r for r in lab_rows(uow, patient) if r.test is LabTest.B12)
    correct_lab_result(
        uow, clinic.nurse, b12.id, 320, "", TODAY - dt.timedelta(days=60), "Wrong date"
    )
    (due,) = results_overview(uow, patient, today=TODAY).monitoring
    assert due.outstanding == ("B12", "FBC")
