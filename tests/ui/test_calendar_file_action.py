"""Clinic > Export patient's calendar (.ics), driven with the file dialog and warning box
replaced, so no modal dialog blocks the test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from clinic_app.domain.actor import Actor
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import confirm_booking
from clinic_app.services.exports.calendar import appointment_uid
from clinic_app.services.queries.booking_options import propose_course_booking
from clinic_app.ui.calendar_file_action import export_patient_calendar, saved_message
from clinic_app.ui.ops import Ops
from tests.builders import TIMETABLE_TODAY as TODAY
from tests.builders import clinic_week, nurse, patient, start_course


class Spy:
    """Stands in for the file dialog and QMessageBox.warning, remembering what was asked."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.suggested: list[str] = []
        self.warnings: list[str] = []

    def choose(self, suggested: str) -> str | None:
        self.suggested.append(suggested)
        return self.answer

    def warn(self, parent: QWidget, title: str, message: str) -> None:
        assert title == "Export patient's calendar"
        self.warnings.append(message)


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def export(
    qtbot: QtBot, window: QWidget, clinic: UnitOfWork, actor: Actor
) -> Callable[..., Path | None]:
    """The action, run to its end: the path it saved, or None."""
    ops = Ops(clinic, actor)

    def run(patient_id: int, name: str, spy: Spy) -> Path | None:
        results: list[Path | None] = []
        export_patient_calendar(
            window, ops, patient_id, name, spy.choose, warn=spy.warn, done=results.append
        )
        qtbot.waitUntil(lambda: bool(results), timeout=10_000)
        return results[0]

    return run


@pytest.fixture
def booked_patient(clinic: UnitOfWork) -> tuple[int, list[str]]:
    """A patient with a loading course booked: their id and the booked appointments' UIDs."""
    amira = nurse(clinic)
    clinic_week(clinic, amira)
    person = patient(clinic, amira, 1, given_name="Ann", family_name="Archer")
    proposal = propose_course_booking(clinic, start_course(clinic, person), today=TODAY)
    result = confirm_booking(clinic, amira, proposal.choices(), today=TODAY)
    assert result.booked
    return person, [appointment_uid(b.appointment_id) for b in result.booked]


def test_saves_a_file_the_icalendar_package_parses_back(
    export: Callable[..., Path | None], booked_patient: tuple[int, list[str]], tmp_path: Path
) -> None:
    person, uids = booked_patient
    spy = Spy(str(tmp_path / "archer-ann"))  # typed without the extension
    saved = export(person, "archer-ann-appointments.ics", spy)
    assert saved is not None
    assert saved == tmp_path / "archer-ann.ics"
    assert spy.suggested == ["archer-ann-appointments.ics"]
    assert spy.warnings == []
    calendar = Calendar.from_ical(saved.read_bytes())
    assert [str(event["uid"]) for event in calendar.walk("VEVENT")] == uids
    assert str(saved) in saved_message(saved)


def test_cancelling_the_dialog_saves_nothing(
    export: Callable[..., Path | None], booked_patient: tuple[int, list[str]], tmp_path: Path
) -> None:
    spy = Spy(None)
    assert export(booked_patient[0], "a.ics", spy) is None
    assert spy.suggested == ["a.ics"]
    assert list(tmp_path.rglob("*.ics")) == []


def test_nothing_booked_is_said_before_asking_where_to_save(
    export: Callable[..., Path | None], roster_of_five: list[int]
) -> None:
    spy = Spy("never-used.ics")
    saved = export(roster_of_five[0], "smith.ics", spy)
    assert saved is None
    assert spy.suggested == []
    assert spy.warnings == [
        "This patient has no booked appointments, so there is nothing to put in a "
        "calendar file. Book their course first."
    ]


def test_a_disk_error_is_shown_and_nothing_is_returned(
    export: Callable[..., Path | None], booked_patient: tuple[int, list[str]], tmp_path: Path
) -> None:
    target = tmp_path / "no such folder" / "archer.ics"
    spy = Spy(str(target))
    saved = export(booked_patient[0], "archer.ics", spy)
    assert saved is None
    (message,) = spy.warnings
    assert message.startswith(f"Could not save {target}: ")
    assert "No such file or directory" in message


def test_a_removed_patient_is_explained(export: Callable[..., Path | None]) -> None:
    spy = Spy("x.ics")
    assert export(9999, "x.ics", spy) is None
    assert spy.warnings == ["No patient with id 9999: they may have been removed."]
    assert spy.suggested == []
