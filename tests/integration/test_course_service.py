"""Starting, adjusting and ending courses: one transaction each, refused input saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from clinic_app.domain.actor import Actor
from clinic_app.domain.administration_checks import FindingCode
from clinic_app.domain.codes import (
    AppointmentStatus,
    CourseEndReason,
    CourseStatus,
    Phase,
    Role,
    SlotStatus,
)
from clinic_app.domain.course_warnings import FOLIC_ACID_BEFORE_B12, RENAL_CYANOCOBALAMIN
from clinic_app.domain.errors import Conflict, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.protocol_snapshot import protocol_from_json
from clinic_app.persistence.models import Appointment, Course, SafetyAcknowledgement
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.courses import (
    WarningsNeedAcknowledgement,
    end_course,
    end_loading,
    set_interval_factor,
    start_course,
)
from clinic_app.services.commands.prescribers import deactivate_prescriber
from clinic_app.services.commands.reviews import hold_review
from clinic_app.services.commands.settings import change_settings
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.planning.course_plans import sync_course_plan
from clinic_app.services.queries.courses import EntryKind, course_timeline, get_course, list_courses
from clinic_app.services.queries.prescribers import get_prescriber
from clinic_app.services.queries.recording import prepare_administration
from tests.builders import (
    MONDAY,
    add_patient,
    audit_actions,
    book,
    give,
    live,
    make_actor,
    manager,
    mark,
    row_for,
    rows,
    slot_count,
    start,
    stock,
    the_prescriber,
)


def _count(uow: UnitOfWork, model: type) -> int:
    with uow.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _nothing_saved(uow: UnitOfWork) -> None:
    assert _count(uow, Course) == 0
    assert _count(uow, Appointment) == 0
    assert _count(uow, SafetyAcknowledgement) == 0


# -- start ---------------------------------------------------------------------------------


def test_starting_a_course_stores_the_template_as_prescribed_and_plans_it(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    patient = add_patient(uow, actor)
    course = start(uow, actor, patient, "hydroxo-neuro")
    assert course.active and course.in_loading and course.loading_open_ended
    assert course.prescriber_name == "Dr Helen Morgan"
    with uow.read() as session:
        row = session.get(Course, course.id)
        assert row is not None and row.prescriber_id == the_prescriber(uow)
    assert course.frequency == "every 2 months"
    assert course.next_dose == MONDAY
    with uow.read() as session:
        stored = session.get(Course, course.id)
        assert stored is not None and stored.created_by == actor.user_id
        assert protocol_from_json(stored.protocol_snapshot) == load_protocol_library().get(
            "hydroxo-neuro"
        )
    assert live(uow, course.id, Phase.REVIEW), "open-ended loading carries clinician reviews"
    assert audit_actions(uow, course.id) == ["course.start"]
    assert list_courses(uow, patient) == [course]


def test_a_second_active_course_is_refused_and_nothing_is_saved(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    patient = add_patient(uow, actor)
    first = start(uow, actor, patient)
    appointments = _count(uow, Appointment)
    with pytest.raises(UserError, match=r"already has an active course .*Hydroxocobalamin"):
        start(uow, actor, patient, "post-bariatric")
    assert [c.id for c in list_courses(uow, patient)] == [first.id]
    assert _count(uow, Appointment) == appointments


@pytest.mark.parametrize(
    ("protocol_id", "start_date", "prescriber", "field", "problem"),
    [
        ("no-such-template", MONDAY, "listed", "protocol_id", "not one of the clinic's"),
        ("hydroxo-standard", None, "listed", "start_date", "is required"),
        ("hydroxo-standard", dt.date(2027, 6, 1), "listed", "start_date", "a year ahead"),
        ("hydroxo-standard", MONDAY, "none", "prescriber_id", "choose who prescribed"),
        ("hydroxo-standard", MONDAY, "unknown", "prescriber_id", "is not on the clinic's list"),
        ("hydroxo-standard", MONDAY, "inactive", "prescriber_id", "no longer an active"),
    ],
)
def test_bad_input_is_named_by_field_and_nothing_is_saved(
    uow: UnitOfWork,
    protocol_id: str,
    start_date: dt.date | None,
    prescriber: str,
    field: str,
    problem: str,
) -> None:
    actor = make_actor(uow)
    patient = add_patient(uow, actor)
    listed = the_prescriber(uow)
    if prescriber == "inactive":
        version = get_prescriber(uow, listed).version
        deactivate_prescriber(uow, manager(uow), listed, expected_version=version)
    prescriber_id = {"listed": listed, "none": None, "unknown": 999, "inactive": listed}[prescriber]
    with pytest.raises(ValidationFailed) as refused:
        start_course(
            uow, actor, patient, protocol_id, start_date, prescriber_id=prescriber_id, today=MONDAY
        )
    assert problem in refused.value.errors[field]
    _nothing_saved(uow)


def test_a_receptionist_cannot_start_a_course(uow: UnitOfWork) -> None:
    nurse = make_actor(uow)
    receptionist = make_actor(uow, "Jo Bennett", Role.RECEPTIONIST)
    patient = add_patient(uow, nurse)
    with pytest.raises(UserError, match="receptionist"):
        start(uow, receptionist, patient)
    _nothing_saved(uow)


def test_cyanocobalamin_with_renal_impairment_must_be_acknowledged_and_is_recorded(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    patient = add_patient(uow, actor, renal_impairment=True)
    with pytest.raises(WarningsNeedAcknowledgement) as asked:
        start(uow, actor, patient, "cyano-us-1000")
    assert [w.code for w in asked.value.warnings] == [RENAL_CYANOCOBALAMIN]
    assert "prefers hydroxocobalamin" in asked.value.warnings[0].message
    assert isinstance(asked.value, UserError)
    _nothing_saved(uow)

    course = start(uow, actor, patient, "cyano-us-1000", acknowledged=frozenset(asked.value.codes))
    with uow.read() as session:
        acknowledgement = session.scalars(select(SafetyAcknowledgement)).one()
    assert acknowledgement.course_id == course.id
    assert acknowledgement.check_code == RENAL_CYANOCOBALAMIN
    assert acknowledgement.message == asked.value.warnings[0].message
    assert acknowledgement.acknowledged_by == actor.user_id


def test_hydroxocobalamin_for_renal_impairment_needs_no_acknowledgement(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    patient = add_patient(uow, actor, renal_impairment=True)
    assert start(uow, actor, patient, "hydroxo-standard").active


def test_folic_acid_warns_only_until_a_b12_dose_has_been_given(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    patient = add_patient(uow, actor, on_folic_acid=True)
    with pytest.raises(WarningsNeedAcknowledgement) as asked:
        start(uow, actor, patient, "post-bariatric")
    assert [w.code for w in asked.value.warnings] == [FOLIC_ACID_BEFORE_B12]
    first = start(
        uow,
        actor,
        patient,
        "post-bariatric",
        acknowledged=frozenset(["other", FOLIC_ACID_BEFORE_B12]),
    )
    give(uow, actor, row_for(uow, first.id, Phase.MAINTENANCE, 1).id, MONDAY, lot)
    end_course(
        uow, actor, first.id, CourseEndReason.OTHER, "switching regimen", MONDAY, today=MONDAY
    )
    assert start(uow, actor, patient, "hydroxo-standard").active  # B12 is under way


# -- timeline --------------------------------------------------------------------------------


def test_the_timeline_shows_given_booked_missed_planned_and_blood_tests_in_date_order(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor))
    give(uow, actor, row_for(uow, course.id, Phase.LOADING, 1).id, MONDAY, lot)
    mark(uow, row_for(uow, course.id, Phase.LOADING, 2).id, AppointmentStatus.NOSHOW, "Unwell")
    third = row_for(uow, course.id, Phase.LOADING, 3)
    book(uow, third.id, dt.datetime.combine(third.planned, dt.time(9, 10)), actor.user_id)
    today = dt.date(2026, 3, 4)
    timeline = course_timeline(uow, course.id, today=today)
    kinds = [e.kind for e in timeline.entries]
    assert kinds[:3] == [EntryKind.GIVEN, EntryKind.MISSED, EntryKind.BOOKED]
    given, missed, booked = timeline.entries[:3]
    assert (given.date, given.dose_number, given.status_label) == (MONDAY, 1, "Given")
    assert "left deltoid" in given.detail and "lot CH26B310" in given.detail
    assert "by Amira Patel" in given.detail
    assert (missed.status_label, missed.detail) == ("Did not attend", "Unwell")
    assert booked.detail == "09:10 with Amira Patel"
    assert EntryKind.PLANNED in kinds and EntryKind.MONITORING in kinds
    tests = next(e for e in timeline.entries if e.kind is EntryKind.MONITORING)
    assert tests.detail == "B12, FBC, homocysteine" and tests.status_label == "Blood tests due"
    dates = [e.date for e in timeline.entries]
    assert dates == sorted(dates)
    assert timeline.earlier_doses == 0


# -- frequency -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factor", "reason", "field"),
    [
        (0.0, "symptoms back", "interval_factor"),
        (-1.5, "symptoms back", "interval_factor"),
        (float("nan"), "symptoms back", "interval_factor"),
        (9.0, "symptoms back", "interval_factor"),
        # Typing slips: 0.15 for 1.5 would make 3-monthly every 20 months.
        (0.15, "symptoms back", "interval_factor"),
        (0.01, "symptoms back", "interval_factor"),
        (0.5, "cause resolved", "interval_factor"),
        (1.6, "symptoms back", "interval_factor"),
        (3.0, "symptoms back", "interval_factor"),
        (1.5, "   ", "reason"),
        (0.75, "", "reason"),
    ],
)
def test_a_frequency_change_needs_a_positive_factor_and_a_reason(
    uow: UnitOfWork, factor: float, reason: str, field: str
) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    before = rows(uow, course.id)
    with pytest.raises(ValidationFailed) as refused:
        set_interval_factor(uow, actor, course.id, factor, reason, today=MONDAY)
    assert field in refused.value.errors
    assert rows(uow, course.id) == before
    assert audit_actions(uow, course.id) == ["course.start"]


def test_a_factor_below_1_needs_a_reason_saying_why(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    with pytest.raises(ValidationFailed) as refused:
        set_interval_factor(uow, actor, course.id, 0.75, " ", today=MONDAY)
    assert "less frequent" in refused.value.errors["reason"]
    changed = set_interval_factor(uow, actor, course.id, 0.75, "cause resolved", today=MONDAY)
    assert changed.frequency == "every 4 months (3 months × 0.75 less often)"


def test_the_clinic_may_raise_the_most_frequent_factor_up_to_its_cap(uow: UnitOfWork) -> None:
    manager = make_actor(uow, "Practice Manager", Role.MANAGER)
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    change_settings(uow, manager, {"interval_factor_max": 3.0})
    changed = set_interval_factor(uow, actor, course.id, 3.0, "symptoms at 4 weeks", today=MONDAY)
    assert changed.frequency == "every month (3 months × 3 more often)"
    with pytest.raises(ValidationFailed) as refused:
        change_settings(uow, manager, {"interval_factor_max": 4.0})
    assert "interval_factor_max" in refused.value.errors


def test_a_frequency_change_is_recorded_with_who_and_why_and_replans(uow: UnitOfWork) -> None:
    actor = make_actor(uow, "Dr Helen Morgan", Role.PRESCRIBER)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    changed = set_interval_factor(
        uow, actor, course.id, 1.5, "tingling back after 10 weeks", today=MONDAY
    )
    assert changed.frequency == "every 2 months (3 months × 1.5 more often)"
    assert "×1.5 by Dr Helen Morgan" in changed.frequency_note
    assert "tingling back after 10 weeks" in changed.frequency_note
    doses = [r.planned for r in live(uow, course.id, Phase.MAINTENANCE)]
    # Every 2 months: 2 May is a Saturday and 4 May a bank holiday, so Friday 1 May.
    assert doses[:3] == [MONDAY, dt.date(2026, 5, 1), dt.date(2026, 7, 2)]
    with uow.read() as session:
        stored = session.get(Course, course.id)
        assert stored is not None
        assert (stored.interval_factor_set_by, stored.interval_factor_set_at is not None) == (
            actor.user_id,
            True,
        )
    assert audit_actions(uow, course.id) == ["course.start", "course.set_interval_factor"]


def test_a_change_made_from_a_stale_screen_is_refused(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    set_interval_factor(uow, actor, course.id, 1.5, "first", today=MONDAY)
    with pytest.raises(Conflict, match="another workstation"):
        set_interval_factor(
            uow, actor, course.id, 1.25, "second", today=MONDAY, expected_version=course.version
        )
    assert get_course(uow, course.id).interval_factor == 1.5


# -- loading ---------------------------------------------------------------------------------


def test_ending_open_ended_loading_plans_maintenance_and_cancels_booked_loading(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor), "hydroxo-neuro")
    for number, day in ((1, MONDAY), (2, dt.date(2026, 3, 4)), (3, dt.date(2026, 3, 6))):
        give(uow, actor, row_for(uow, course.id, Phase.LOADING, number).id, day, lot)
    fourth = row_for(uow, course.id, Phase.LOADING, 4)
    slot = book(uow, fourth.id, dt.datetime.combine(fourth.planned, dt.time(9)), actor.user_id)
    today = dt.date(2026, 3, 7)
    ended = end_loading(uow, actor, course.id, today, today=today)
    assert not ended.in_loading and ended.loading_ended_on == today
    assert live(uow, course.id, Phase.LOADING) == []
    assert live(uow, course.id, Phase.REVIEW) == []
    first = live(uow, course.id, Phase.MAINTENANCE)[0]
    # Every 2 months from the last dose given (Friday 6 March).
    assert (first.number, first.planned) == (4, dt.date(2026, 5, 6))
    cancelled = next(r for r in rows(uow, course.id) if r.id == fourth.id)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert "no further improvement" in cancelled.reason
    assert slot_count(uow, slot) == (0, SlotStatus.FREE)
    assert audit_actions(uow, course.id)[-1] == "course.end_loading"


def test_end_loading_is_refused_when_the_course_is_not_loading(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    assert not course.in_loading
    with pytest.raises(UserError, match="not in its loading phase"):
        end_loading(uow, actor, course.id, MONDAY, today=MONDAY)


@pytest.mark.parametrize(
    ("on_date", "problem"),
    [
        (None, "is required"),
        (dt.date(2026, 3, 20), "cannot be in the future"),
        (dt.date(2026, 2, 27), "before the course started"),
    ],
)
def test_end_loading_date_is_checked(
    uow: UnitOfWork, on_date: dt.date | None, problem: str
) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor), "hydroxo-neuro")
    before = rows(uow, course.id)
    with pytest.raises(ValidationFailed) as refused:
        end_loading(uow, actor, course.id, on_date, today=dt.date(2026, 3, 10))
    assert problem in refused.value.errors["on_date"]
    assert rows(uow, course.id) == before
    assert get_course(uow, course.id).in_loading


# -- ending ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "note", "field"),
    [(None, "", "reason"), (CourseEndReason.OTHER, "  ", "note"), ("bored", "", "reason")],
)
def test_ending_needs_a_reason_and_a_note_for_other(
    uow: UnitOfWork, reason: CourseEndReason | str | None, note: str, field: str
) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor))
    before = rows(uow, course.id)
    with pytest.raises(ValidationFailed) as refused:
        end_course(uow, actor, course.id, reason, note, MONDAY, today=MONDAY)
    assert field in refused.value.errors
    assert rows(uow, course.id) == before
    assert get_course(uow, course.id).active


def test_ending_a_course_records_the_decision_and_clears_the_future(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    patient = add_patient(uow, actor)
    course = start(uow, actor, patient)
    ended = end_course(
        uow,
        actor,
        course.id,
        CourseEndReason.SWITCHED_TO_ORAL,
        "oral 1000 micrograms daily",
        MONDAY,
        today=MONDAY,
    )
    assert ended.status is CourseStatus.ENDED
    assert (ended.end_reason, ended.end_note, ended.ended_by) == (
        CourseEndReason.SWITCHED_TO_ORAL,
        "oral 1000 micrograms daily",
        "Amira Patel",
    )
    assert live(uow, course.id) == []
    assert audit_actions(uow, course.id) == ["course.start", "course.end"]
    with pytest.raises(UserError, match="has ended"):
        set_interval_factor(uow, actor, course.id, 1.5, "too late", today=MONDAY)
    # A new course may now start, and it is listed first.
    again = start(uow, actor, patient, "post-bariatric")
    assert [c.id for c in list_courses(uow, patient)] == [again.id, course.id]


def test_only_one_workstation_can_end_the_same_course(uow: UnitOfWork) -> None:
    actor: Actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor))
    end_course(
        uow, actor, course.id, CourseEndReason.DIED, "", MONDAY, today=MONDAY,
        expected_version=course.version,
    )  # fmt: skip
    with pytest.raises(Conflict):
        end_course(
            uow, actor, course.id, CourseEndReason.MOVED_AWAY, "", MONDAY, today=MONDAY,
            expected_version=course.version,
        )  # fmt: skip
    assert get_course(uow, course.id).end_reason is CourseEndReason.DIED


def test_a_review_passed_without_a_decision_is_overdue_on_the_timeline_and_when_recording(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    patient = add_patient(uow, actor)
    course = start(uow, actor, patient, "hydroxo-neuro")
    later = MONDAY + dt.timedelta(days=21)  # review 1 was due by Thursday 19 March
    with uow.write() as session:
        sync_course_plan(session, course.id, today=later)

    timeline = course_timeline(uow, course.id, today=later)
    overdue = [e for e in timeline.entries if e.kind is EntryKind.OVERDUE_REVIEW]
    assert [(e.dose_number, e.status_label) for e in overdue] == [(1, "Review overdue")]
    assert "No decision recorded since 19/03/2026" in overdue[0].detail
    assert [e.dose_number for e in timeline.entries if e.kind is EntryKind.REVIEW][:1] == [2]

    context = prepare_administration(uow, None, patient, today=later)
    warning = next(f for f in context.findings if f.code is FindingCode.REVIEW_OVERDUE)
    assert "19/03/2026" in warning.message and not warning.blocks

    # The clinician's decision at the review (continue loading) clears it; nothing rolls on.
    with pytest.raises(ValidationFailed) as refused:
        hold_review(uow, actor, overdue[0].appointment_id, "  ", today=later)
    assert "note" in refused.value.errors
    hold_review(uow, actor, overdue[0].appointment_id, "Still improving", today=later)
    timeline = course_timeline(uow, course.id, today=later)
    assert not [e for e in timeline.entries if e.kind is EntryKind.OVERDUE_REVIEW]
    held = next(e for e in timeline.entries if e.appointment_id == overdue[0].appointment_id)
    assert held.status_label == "Review held"
    assert "continue loading (Still improving)" in held.detail
    with pytest.raises(Conflict, match="already been recorded"):
        hold_review(uow, actor, overdue[0].appointment_id, "again", today=later)
    context = prepare_administration(uow, None, patient, today=later)
    assert FindingCode.REVIEW_OVERDUE not in {f.code for f in context.findings}
