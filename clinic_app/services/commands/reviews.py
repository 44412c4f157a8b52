"""A clinician review of open-ended loading held, with its decision: continue loading.

Open-ended neurological loading ("until no further improvement") carries a review
every few weeks. A review has one of two outcomes: no further improvement (``end
loading``, which starts maintenance) or improving still, continue loading. Without a
way to record the second, a review that passed stayed overdue for ever, and the
warning that it was missed lost its meaning. The fulfilled review row is the record
(the engine counts reviews held from it); the decision's words go in the audit row.
"""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.changes import Change
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, Phase
from clinic_app.domain.errors import Conflict, NotFound, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.domain.recording_rules import validate_review_note
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import Appointment, Course
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.services.envelope import Work, command
from clinic_app.services.planning.course_plans import sync_course_plan

_OPEN = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


@command(Action.HOLD_REVIEW, Change.COURSES, Change.BOOKINGS)
def hold_review(
    work: Work, appointment_id: int, note: str, *, today: dt.date, version: int | None = None
) -> int:
    """The review was held and loading goes on; the next review is planned from it."""
    errors = validate_review_note(note)
    if errors:
        raise ValidationFailed(errors)
    session = work.session
    review = session.get(Appointment, appointment_id, with_for_update=True)
    if review is None or review.phase is not Phase.REVIEW or review.course_id is None:
        raise NotFound("No clinician review with that id: it may have been re-planned.")
    if version is not None and review.version != version:
        raise Conflict("This review was changed on another workstation: open the patient again.")
    if review.status not in _OPEN:
        raise Conflict("This review has already been recorded or cancelled.")
    if review.window_earliest > today:
        raise UserError(
            f"This review is not due until {review.window_earliest:%d/%m/%Y}: record it when "
            "the clinician has seen the patient."
        )
    course = session.get(Course, review.course_id)
    assert course is not None
    if course.status is not CourseStatus.ACTIVE or course.loading_ended_on is not None:
        raise UserError("Loading has ended on this course: there is no review to hold.")
    text = " ".join(note.split())
    before = review.status.value
    review.status = AppointmentStatus.FULFILLED
    review.cancelation_reason = f"review held on {today:%d/%m/%Y}: continue loading ({text})"
    review.updated_at = utcnow()
    session.flush()
    work.changed(patients=[review.patient_id])
    work.audit(
        "appointment",
        review.id,
        {
            "course_id": course.id,
            "review": review.dose_number,
            "decision": "continue",
            "note": text,
        },
        before={"status": before},
        after={"status": review.status.value},
    )
    sync_course_plan(session, course.id, today=today, settings=read_settings(session))
    return review.id
