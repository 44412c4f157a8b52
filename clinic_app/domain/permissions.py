"""Who may do what: one matrix of actions by roles, read by the command envelope.

Every command names one ``Action``; the envelope refuses it, before any database work,
for a role the matrix does not list. Nothing else in the code checks a role, so this
table is the whole answer to "can a receptionist do X?" (the README shows it, and a
test holds the two together). An action's value is also the audit row's action.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from clinic_app.domain.codes import Role


class Action(StrEnum):
    # patients
    CREATE_PATIENT = "patient.create"
    UPDATE_PATIENT = "patient.update"
    # courses
    START_COURSE = "course.start"
    SET_INTERVAL_FACTOR = "course.set_interval_factor"
    END_LOADING = "course.end_loading"
    HOLD_REVIEW = "course.review_held"
    END_COURSE = "course.end"
    # booking
    BOOK_COURSE = "appointment.book_course"
    BOOK_APPOINTMENT = "appointment.book"
    MOVE_APPOINTMENT = "appointment.move"
    CANCEL_APPOINTMENT = "appointment.cancel"
    MARK_ARRIVED = "appointment.arrived"
    MARK_DID_NOT_ATTEND = "appointment.noshow"
    # recording and the clinical record
    RECORD_ADMINISTRATION = "administration.record"
    RECORD_NOT_GIVEN = "administration.not_given"
    MARK_DOSE_IN_ERROR = "administration.entered_in_error"
    RECORD_PRESCRIBER_DECISION = "prescriber_decision.record"
    RECORD_LAB_RESULT = "lab_result.record"
    CORRECT_LAB_RESULT = "lab_result.correct"
    # sessions and closures
    CREATE_SESSION_TEMPLATE = "session_template.create"
    UPDATE_SESSION_TEMPLATE = "session_template.update"
    DEACTIVATE_SESSION_TEMPLATE = "session_template.deactivate"
    GENERATE_SESSIONS = "sessions.generate"
    CREATE_SESSION = "session.create"
    CANCEL_SESSION = "session.cancel"
    SHORTEN_SESSION = "session.shorten"
    ADD_CLOSURE = "closure.create"
    # stock
    RECEIVE_LOT = "lot.receive"
    QUARANTINE_LOT = "lot.quarantine"
    RECALL_LOT = "lot.recall"
    RELEASE_LOT = "lot.release"
    RECORD_WASTAGE = "lot.waste"
    ADJUST_STOCK = "lot.adjust"
    # clinic-wide
    CHANGE_SETTINGS = "setting.change"
    CREATE_USER = "user.create"
    MANAGE_PRESCRIBERS = "prescriber.manage"
    RUN_DAILY_UPKEEP = "upkeep.run"
    BOOK_MAINTENANCE = "appointment.book_maintenance"

    @property
    def label(self) -> str:
        """The action as a sentence fragment: "Only a nurse can <label>"."""
        return _LABELS[self]


_LABELS: dict[Action, str] = {
    Action.CREATE_PATIENT: "add a patient",
    Action.UPDATE_PATIENT: "change a patient's details",
    Action.START_COURSE: "start a course",
    Action.SET_INTERVAL_FACTOR: "change a course's frequency",
    Action.END_LOADING: "end a course's loading phase",
    Action.HOLD_REVIEW: "record a clinician review that continues loading",
    Action.END_COURSE: "end a course",
    Action.BOOK_COURSE: "book a course",
    Action.BOOK_APPOINTMENT: "book an appointment",
    Action.MOVE_APPOINTMENT: "move an appointment",
    Action.CANCEL_APPOINTMENT: "cancel an appointment",
    Action.MARK_ARRIVED: "mark a patient arrived",
    Action.MARK_DID_NOT_ATTEND: "mark a patient as not attended",
    Action.RECORD_ADMINISTRATION: "record an injection",
    Action.RECORD_NOT_GIVEN: "record a dose as not given",
    Action.MARK_DOSE_IN_ERROR: "mark a recorded dose as entered in error",
    Action.RECORD_PRESCRIBER_DECISION: "record a prescriber's decision",
    Action.RECORD_LAB_RESULT: "record a lab result",
    Action.CORRECT_LAB_RESULT: "correct a lab result entered in error",
    Action.CREATE_SESSION_TEMPLATE: "add a session template",
    Action.UPDATE_SESSION_TEMPLATE: "change a session template",
    Action.DEACTIVATE_SESSION_TEMPLATE: "retire a session template",
    Action.GENERATE_SESSIONS: "generate sessions",
    Action.CREATE_SESSION: "add a one-off session",
    Action.CANCEL_SESSION: "cancel a session",
    Action.SHORTEN_SESSION: "end a session early",
    Action.ADD_CLOSURE: "add a closure",
    Action.RECEIVE_LOT: "receive stock",
    Action.QUARANTINE_LOT: "quarantine a lot",
    Action.RECALL_LOT: "recall a lot",
    Action.RELEASE_LOT: "release a lot",
    Action.RECORD_WASTAGE: "record wasted stock",
    Action.ADJUST_STOCK: "correct a stock count",
    Action.CHANGE_SETTINGS: "change the clinic settings",
    Action.CREATE_USER: "add a user",
    Action.MANAGE_PRESCRIBERS: "change the list of prescribers",
    Action.RUN_DAILY_UPKEEP: "run the daily upkeep",
    Action.BOOK_MAINTENANCE: "book maintenance doses",
}

N, R, M, P, A = Role.NURSE, Role.RECEPTIONIST, Role.MANAGER, Role.PRESCRIBER, Role.ADMINISTRATOR
_FRONT_DESK = frozenset({N, R, M, P})  # anyone who works with patients
_CLINICAL = frozenset({N, P})  # who gives injections and holds the clinical record
_COURSES = frozenset({N, M, P})  # who may start, change or end a course
_STOCK = frozenset({N, M, P})
_CLINIC = frozenset({N, R, M, P})  # sessions and closures: the timetable
_OFFICE = frozenset({N, R, M, P, A})  # clinic-wide settings and users

#: The matrix. Step 11 (sign-in) narrows some rows to the manager; until then each row
#: keeps what the app allowed before the envelope existed.
ALLOWED: Mapping[Action, frozenset[Role]] = MappingProxyType(
    {
        Action.CREATE_PATIENT: _FRONT_DESK,
        Action.UPDATE_PATIENT: _FRONT_DESK,
        Action.START_COURSE: _COURSES,
        Action.SET_INTERVAL_FACTOR: _COURSES,
        Action.END_LOADING: _COURSES,
        Action.HOLD_REVIEW: _COURSES,
        Action.END_COURSE: _COURSES,
        Action.BOOK_COURSE: _FRONT_DESK,
        Action.BOOK_APPOINTMENT: _FRONT_DESK,
        Action.MOVE_APPOINTMENT: _FRONT_DESK,
        Action.CANCEL_APPOINTMENT: _FRONT_DESK,
        Action.MARK_ARRIVED: _FRONT_DESK,
        Action.MARK_DID_NOT_ATTEND: _FRONT_DESK,
        Action.RECORD_ADMINISTRATION: _CLINICAL,
        Action.RECORD_NOT_GIVEN: _CLINICAL,
        Action.MARK_DOSE_IN_ERROR: _CLINICAL,
        Action.RECORD_PRESCRIBER_DECISION: _CLINICAL,
        Action.RECORD_LAB_RESULT: _CLINICAL,
        Action.CORRECT_LAB_RESULT: _CLINICAL,
        Action.CREATE_SESSION_TEMPLATE: _CLINIC,
        Action.UPDATE_SESSION_TEMPLATE: _CLINIC,
        Action.DEACTIVATE_SESSION_TEMPLATE: _CLINIC,
        Action.GENERATE_SESSIONS: _CLINIC,
        Action.CREATE_SESSION: _CLINIC,
        Action.CANCEL_SESSION: _CLINIC,
        Action.SHORTEN_SESSION: _CLINIC,
        Action.ADD_CLOSURE: _CLINIC,
        Action.RECEIVE_LOT: _STOCK,
        Action.QUARANTINE_LOT: _STOCK,
        Action.RECALL_LOT: _STOCK,
        Action.RELEASE_LOT: _STOCK,
        Action.RECORD_WASTAGE: _STOCK,
        Action.ADJUST_STOCK: _STOCK,
        Action.CHANGE_SETTINGS: _OFFICE,
        Action.CREATE_USER: _OFFICE,
        # Who may lift a hold is a governance list: the practice manager keeps it.
        Action.MANAGE_PRESCRIBERS: frozenset({M}),
        Action.RUN_DAILY_UPKEEP: _OFFICE,
        Action.BOOK_MAINTENANCE: _OFFICE,
    }
)


def allowed(role: Role, action: Action) -> bool:
    return role in ALLOWED[action]


def refusal(role: Role, action: Action) -> str:
    """The message for a refused action: who may do it, and who the person is."""
    who = " or ".join(sorted(r.label.lower() for r in ALLOWED[action]))
    return f"Only {_a(who)} can {action.label}; you are signed in as {_a(role.label.lower())}."


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"
