"""A course's appointment rows follow its plan, and never lose a booking or a record."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from itertools import pairwise

import pytest
from sqlalchemy import delete, select, update

from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import AppointmentStatus, CourseEndReason, Phase, Role, SlotStatus
from clinic_app.domain.protocol import Interval, Maintenance
from clinic_app.domain.schedule import CourseState, plan_course
from clinic_app.persistence.models import Appointment, Course
from clinic_app.persistence.store.settings_store import clinic_calendar, read_settings
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import confirm_booking
from clinic_app.services.commands.courses import end_course, set_interval_factor, start_course
from clinic_app.services.commands.sessions import create_template
from clinic_app.services.commands.settings import change_settings
from clinic_app.services.library.protocols import ProtocolLibrary, load_protocol_library
from clinic_app.services.planning import course_plans, nightly_refresh
from clinic_app.services.planning.course_plans import sync_course_plan
from clinic_app.services.planning.nightly_refresh import refresh_all_plans
from clinic_app.services.queries.booking_options import propose_course_booking
from clinic_app.services.queries.courses import course_timeline
from clinic_app.services.queries.rebooking import rebooking_list
from tests.builders import (
    FRIDAY,
    MONDAY,
    TUESDAY,
    add_patient,
    book,
    give,
    live,
    make_actor,
    mark,
    row_for,
    rows,
    slot_count,
    start,
    stock,
    the_prescriber,
    weekly,
)

LOADING, MAINTENANCE, REVIEW, MONITORING = (
    Phase.LOADING,
    Phase.MAINTENANCE,
    Phase.REVIEW,
    Phase.MONITORING,
)


def _sync(uow: UnitOfWork, course_id: int, today: dt.date) -> None:
    with uow.write() as session:
        sync_course_plan(session, course_id, today=today)


def _clinic_days(uow: UnitOfWork, actor: Actor) -> None:
    """Tuesday and Friday mornings from MONDAY on, for the booking horizon."""
    for weekday in (TUESDAY, FRIDAY):
        details = weekly(weekday, actor.user_id, valid_from=MONDAY)
        create_template(uow, actor, details, today=MONDAY)


def _snapshot(uow: UnitOfWork, course_id: int) -> list[tuple[object, ...]]:
    return [
        (r.id, r.phase, r.number, r.status, r.planned, r.earliest, r.latest, r.tests, r.version)
        for r in rows(uow, course_id)
    ]


def test_a_new_course_holds_one_proposed_row_per_planned_dose_and_blood_test(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor))
    with uow.read() as session:
        settings = read_settings(session)
        calendar = clinic_calendar(session, settings)
    protocol = load_protocol_library().get("hydroxo-standard")
    assert protocol is not None
    plan = plan_course(
        CourseState(protocol, MONDAY, (), MONDAY), calendar, settings.plan_horizon_months
    )
    expected = [
        (d.phase, d.number, d.date, min(d.earliest, d.date), max(d.latest, d.date))
        for d in plan.doses
        if d.status == "planned"
    ]
    doses = live(uow, course.id, LOADING, MAINTENANCE, REVIEW)
    assert [(r.phase.value, r.number, r.planned, r.earliest, r.latest) for r in doses] == expected
    assert [r.number for r in doses if r.phase is LOADING] == [1, 2, 3, 4, 5, 6]
    # The plan reaches the two-year horizon: maintenance every 3 months.
    assert doses[-1].planned >= MONDAY + dt.timedelta(days=2 * 365)
    tests = live(uow, course.id, MONITORING)
    assert [(r.planned, r.tests) for r in tests] == [
        (m.date, ",".join(m.tests)) for m in plan.monitoring
    ]
    assert [r.number for r in tests] == list(range(1, len(tests) + 1))
    assert tests[0].tests == "B12,FBC,homocysteine"
    assert {r.status for r in doses + tests} == {AppointmentStatus.PROPOSED}


def test_syncing_again_changes_nothing(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor))
    before = _snapshot(uow, course.id)
    _sync(uow, course.id, MONDAY)
    _sync(uow, course.id, MONDAY)
    assert _snapshot(uow, course.id) == before


def test_maintenance_counts_from_the_last_dose_actually_given(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    first = row_for(uow, course.id, MAINTENANCE, 1)
    assert first.planned == MONDAY
    given_on = dt.date(2026, 3, 10)  # eight days late
    give(uow, actor, first.id, given_on, lot)
    _sync(uow, course.id, given_on)
    assert row_for(uow, course.id, MAINTENANCE, 2).planned == dt.date(2026, 6, 10)
    assert row_for(uow, course.id, MAINTENANCE, 3).planned == dt.date(2026, 9, 10)
    # The given dose's row is history: still fulfilled, untouched by the sync.
    given = next(r for r in rows(uow, course.id) if r.id == first.id)
    assert given.status is AppointmentStatus.FULFILLED and given.planned == MONDAY


def test_a_booked_dose_keeps_its_slot_and_follows_the_plan_inside_its_window(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    second = row_for(uow, course.id, MAINTENANCE, 2)
    assert second.planned == dt.date(2026, 6, 2)
    slot = book(uow, second.id, dt.datetime(2026, 6, 2, 9, 10), actor.user_id)
    give(uow, actor, row_for(uow, course.id, MAINTENANCE, 1).id, dt.date(2026, 3, 9), lot)
    _sync(uow, course.id, dt.date(2026, 3, 9))
    moved = row_for(uow, course.id, MAINTENANCE, 2)
    assert (moved.id, moved.status, moved.slot_id) == (second.id, AppointmentStatus.BOOKED, slot)
    assert moved.planned == dt.date(2026, 6, 9)  # the plan's day; the slot is inside its window
    assert moved.earliest <= dt.date(2026, 6, 2) <= moved.latest
    assert slot_count(uow, slot) == (1, SlotStatus.BUSY)


def test_a_booking_outside_the_new_window_goes_back_to_be_rebooked(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    second = row_for(uow, course.id, MAINTENANCE, 2)
    slot = book(uow, second.id, dt.datetime(2026, 6, 2, 9, 10), actor.user_id)
    give(uow, actor, row_for(uow, course.id, MAINTENANCE, 1).id, dt.date(2026, 4, 1), lot)
    _sync(uow, course.id, dt.date(2026, 4, 1))
    moved = row_for(uow, course.id, MAINTENANCE, 2)
    # The same row, back to proposed on the new plan, its place given back.
    assert (moved.id, moved.status, moved.slot_id) == (second.id, AppointmentStatus.PROPOSED, None)
    assert (moved.earliest, moved.latest) == (dt.date(2026, 6, 24), dt.date(2026, 7, 15))
    assert moved.earliest <= moved.planned <= moved.latest
    assert moved.reason.startswith("Needs rebooking: the course's plan changed")
    assert "(was Tue 02/06/2026 09:10)" in moved.reason
    assert slot_count(uow, slot) == (0, SlotStatus.FREE)
    listed = rebooking_list(uow, today=dt.date(2026, 4, 15))
    assert [(a.appointment_id, a.old_start) for a in listed] == [
        (second.id, dt.datetime(2026, 6, 2, 9, 10))
    ]


def test_a_frequency_change_unbooks_a_dose_it_moved_and_the_course_books_in_order(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    _clinic_days(uow, actor)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    give(uow, actor, row_for(uow, course.id, MAINTENANCE, 1).id, MONDAY, lot)
    _sync(uow, course.id, MONDAY)
    second = row_for(uow, course.id, MAINTENANCE, 2)
    slot = book(uow, second.id, dt.datetime.combine(second.planned, dt.time(9, 10)), actor.user_id)
    assert rebooking_list(uow, today=MONDAY) == []

    _allow_three_times_as_often(uow)
    set_interval_factor(uow, actor, course.id, 3.0, "symptoms returned", today=MONDAY)

    doses = live(uow, course.id, MAINTENANCE)
    assert [(r.number, r.status) for r in doses[:3]] == [
        (2, AppointmentStatus.PROPOSED),
        (3, AppointmentStatus.PROPOSED),
        (4, AppointmentStatus.PROPOSED),
    ]
    moved = doses[0]
    assert moved.id == second.id and moved.slot_id is None
    assert moved.planned < second.earliest  # about a month on now, not three
    assert slot_count(uow, slot) == (0, SlotStatus.FREE)
    assert [a.appointment_id for a in rebooking_list(uow, today=MONDAY)] == [second.id]

    proposal = propose_course_booking(uow, course.id, today=MONDAY)
    placed = proposal.placed
    assert [d.dose_number for d in placed][:2] == [2, 3]
    days = [d.slot.start.date() for d in placed if d.slot is not None]
    assert all(a < b for a, b in pairwise(days)), days
    confirm_booking(uow, actor, proposal.choices(), today=MONDAY)
    assert rebooking_list(uow, today=MONDAY) == []


def _allow_three_times_as_often(uow: UnitOfWork) -> None:
    """The clinic raises its most frequent factor from 1.5 to its cap, 3."""
    manager = make_actor(uow, "Practice Manager", Role.MANAGER)
    change_settings(uow, manager, {"interval_factor_max": 3.0})


def test_an_arrived_patient_and_a_past_booking_are_never_unbooked(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    give(uow, actor, row_for(uow, course.id, MAINTENANCE, 1).id, MONDAY, lot)
    _sync(uow, course.id, MONDAY)
    second = row_for(uow, course.id, MAINTENANCE, 2)
    slot = book(uow, second.id, dt.datetime(2026, 6, 2, 9, 10), actor.user_id)
    mark(uow, second.id, AppointmentStatus.ARRIVED, "")
    _allow_three_times_as_often(uow)
    set_interval_factor(uow, actor, course.id, 3.0, "symptoms returned", today=MONDAY)
    kept = row_for(uow, course.id, MAINTENANCE, 2)
    assert (kept.status, kept.slot_id) == (AppointmentStatus.ARRIVED, slot)
    assert slot_count(uow, slot) == (1, SlotStatus.BUSY)

    # A booking whose day has gone by waits for its dose record or did-not-attend.
    mark(uow, second.id, AppointmentStatus.BOOKED, "")
    _sync(uow, course.id, dt.date(2026, 6, 20))
    kept = row_for(uow, course.id, MAINTENANCE, 2)
    assert (kept.status, kept.slot_id) == (AppointmentStatus.BOOKED, slot)
    assert slot_count(uow, slot) == (1, SlotStatus.BUSY)
    assert rebooking_list(uow, today=dt.date(2026, 6, 20)) == []


def test_the_nightly_refresh_unbooks_a_dose_its_window_moved_away_from(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    give(uow, actor, row_for(uow, course.id, MAINTENANCE, 1).id, MONDAY, lot)
    _sync(uow, course.id, MONDAY)
    second = row_for(uow, course.id, MAINTENANCE, 2)
    slot = book(uow, second.id, dt.datetime(2026, 6, 2, 9, 10), actor.user_id)
    with uow.write() as session:  # changed without a re-plan, e.g. by an older version
        session.execute(update(Course).where(Course.id == course.id).values(interval_factor=3.0))
    assert refresh_all_plans(uow, today=MONDAY) == 1
    moved = row_for(uow, course.id, MAINTENANCE, 2)
    assert (moved.id, moved.status, moved.slot_id) == (second.id, AppointmentStatus.PROPOSED, None)
    assert slot_count(uow, slot) == (0, SlotStatus.FREE)
    assert [a.appointment_id for a in rebooking_list(uow, today=MONDAY)] == [second.id]
    assert refresh_all_plans(uow, today=MONDAY) == 0


def test_a_missed_dose_stays_recorded_and_is_planned_again(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor))
    give(uow, actor, row_for(uow, course.id, LOADING, 1).id, MONDAY, lot)
    missed = row_for(uow, course.id, LOADING, 2)
    mark(uow, missed.id, AppointmentStatus.NOSHOW, "Did not attend")
    today = dt.date(2026, 3, 9)
    _sync(uow, course.id, today)
    kept = next(r for r in rows(uow, course.id) if r.id == missed.id)
    assert (kept.status, kept.planned, kept.reason) == (
        AppointmentStatus.NOSHOW,
        missed.planned,
        "Did not attend",
    )
    again = row_for(uow, course.id, LOADING, 2)
    assert again.id != missed.id and again.planned >= today
    # The full loading count is kept: doses 2 to 6 are still to come.
    assert [r.number for r in live(uow, course.id, LOADING)] == [2, 3, 4, 5, 6]


def test_an_ended_course_keeps_no_proposed_rows_and_gives_booked_places_back(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor))
    give(uow, actor, row_for(uow, course.id, LOADING, 1).id, MONDAY, lot)
    third = row_for(uow, course.id, LOADING, 3)
    slot = book(uow, third.id, dt.datetime.combine(third.planned, dt.time(9)), actor.user_id)
    end_course(uow, actor, course.id, CourseEndReason.MOVED_AWAY, "", MONDAY, today=MONDAY)
    left = rows(uow, course.id)
    assert {r.status for r in left} == {AppointmentStatus.FULFILLED, AppointmentStatus.CANCELLED}
    cancelled = next(r for r in left if r.id == third.id)
    assert cancelled.reason == course_plans.COURSE_ENDED_REASON
    assert cancelled.slot_id == slot  # the history keeps which place was given up
    assert slot_count(uow, slot) == (0, SlotStatus.FREE)
    _sync(uow, course.id, MONDAY + dt.timedelta(days=30))
    assert live(uow, course.id) == []


def test_doses_from_before_the_records_count_so_loading_is_not_restarted(
    uow: UnitOfWork,
) -> None:
    """A long-running course whose stored history starts at dose 12."""
    actor = make_actor(uow)
    lot = stock(uow)
    course = start(uow, actor, add_patient(uow, actor), start_date=dt.date(2023, 1, 9))
    given_on = dt.date(2026, 2, 10)
    with uow.write() as session:
        session.execute(delete(Appointment).where(Appointment.course_id == course.id))
        twelfth = Appointment(
            patient_id=course.patient_id,
            course_id=course.id,
            dose_number=12,
            phase=MAINTENANCE,
            planned_date=given_on,
            window_earliest=given_on,
            window_latest=given_on,
        )
        session.add(twelfth)
    give(uow, actor, twelfth.id, given_on, lot)
    _sync(uow, course.id, MONDAY)
    assert live(uow, course.id, LOADING) == []
    upcoming = live(uow, course.id, MAINTENANCE)
    assert upcoming[0].number == 13
    assert dt.date(2026, 5, 8) <= upcoming[0].planned <= dt.date(2026, 5, 12)
    timeline = course_timeline(uow, course.id, today=MONDAY)
    assert timeline.earlier_doses == 11


def test_the_course_is_planned_from_its_own_snapshot_not_todays_template(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow)
    shipped = load_protocol_library().get("post-bariatric")
    assert shipped is not None
    prescribed = replace(shipped, maintenance=Maintenance(Interval(5, "weeks")))
    course = start_course(
        uow,
        actor,
        add_patient(uow, actor),
        "post-bariatric",
        MONDAY,
        prescriber_id=the_prescriber(uow),
        today=MONDAY,
        library=ProtocolLibrary(protocols={"post-bariatric": prescribed}),
    )
    _sync(uow, course.id, MONDAY + dt.timedelta(days=1))
    dates = [r.planned for r in live(uow, course.id, MAINTENANCE)][:3]
    assert [(b - a).days for a, b in pairwise(dates)] == [35, 35]


def test_blood_test_rows_keep_their_numbers_as_the_days_go_by(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    before = {r.number: r.id for r in live(uow, course.id, MONITORING)}
    _sync(uow, course.id, MONDAY + dt.timedelta(days=100))  # the 3-month test has passed
    after = {r.number: r.id for r in live(uow, course.id, MONITORING)}
    # Not done, so still listed (overdue) until a result completes it: the same row.
    assert after[1] == before[1]
    assert {n: before[n] for n in after if n in before} == {
        n: i for n, i in after.items() if n in before
    }
    assert set(after) - set(before) <= {max(before) + 1}  # the horizon moved on


def test_the_nightly_refresh_keeps_the_demo_clinics_bookings(uow: UnitOfWork) -> None:
    create_demo_clinic(uow, patients=40, today=MONDAY)
    booked_before = _booked(uow)
    assert booked_before
    changed = refresh_all_plans(uow, today=MONDAY)
    assert changed > 0
    assert _booked(uow) == booked_before
    assert refresh_all_plans(uow, today=MONDAY) == 0
    with uow.read() as session:
        ended_proposed = session.scalars(
            select(Appointment.id)
            .join(Course, Course.id == Appointment.course_id)
            .where(
                Course.status == "ended",
                Appointment.status.in_(("proposed", "booked")),
            )
        ).all()
    assert ended_proposed == []


def test_a_batch_changed_elsewhere_is_planned_again_from_a_fresh_read(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = make_actor(uow)
    course = start(uow, actor, add_patient(uow, actor), "post-bariatric")
    monkeypatch.setattr(nightly_refresh, "_stale", lambda session, batch: True)
    later = MONDAY + dt.timedelta(days=100)
    assert refresh_all_plans(uow, today=later) == 1
    overdue_bloods = [r for r in live(uow, course.id) if r.planned < later]
    assert [(r.phase, r.number) for r in overdue_bloods] == [(MONITORING, 1)]


def _booked(uow: UnitOfWork) -> set[tuple[int, int | None]]:
    with uow.read() as session:
        return set(
            session.execute(
                select(Appointment.id, Appointment.slot_id).where(
                    Appointment.status == AppointmentStatus.BOOKED
                )
            )
        )
