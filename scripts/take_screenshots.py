"""Refresh the README's screenshots from the real window on a demo clinic.

Run under a real X server (or Xvfb) so the xcb platform renders as a person sees it:

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python scripts/take_screenshots.py DB_URL
    xvfb-run -s "-screen 0 1024x700x24" .venv/bin/python scripts/take_screenshots.py DB_URL \
        1024x700 docs/small

The optional size is the window's (default 1360x820, a 1400x900 screen less the
desktop's edges) and the folder is where the shots go (default docs/).

Each shot drives the window the way a receptionist would (search, select, edit) and
saves the whole window to docs/. The demo holds one count per patient, so the first run
enters, through the services as a nurse would, a short platelet history for one patient
(with a mistyped count corrected), a normal count and an INR of 3.8 from yesterday for a
warfarin patient, and a normal count for an apixaban patient.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import func, select

from clinic_app.app import stylesheet
from clinic_app.clinic_db import open_clinic_database
from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import (
    AppointmentStatus,
    CourseStatus,
    LabResultStatus,
    LabTest,
    PatientStatus,
    Role,
)
from clinic_app.persistence.models import Appointment, Course, LabResult, Patient, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.lab_results import correct_lab_result, record_lab_result
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.queries.users import list_active_users
from clinic_app.settings import load_settings
from clinic_app.ui.main_window import MainWindow
from clinic_app.ui.ops import Ops
from clinic_app.ui.prescribers_dialog import PrescribersDialog
from clinic_app.ui.record_dose_dialog import RecordDoseDialog, prepare

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> None:
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    settings = load_settings(database_url=sys.argv[1])
    clinic = open_clinic_database(settings)
    library = load_protocol_library(settings.protocols_dir)
    staff = list_active_users(clinic.uow)
    nurse = next(u for u in staff if u.role is Role.NURSE)
    manager = next(u for u in staff if u.role is Role.MANAGER)
    scenes = _scenes(clinic.uow, nurse.as_actor())
    window = MainWindow(
        Ops(clinic.uow, nurse.as_actor()),
        library=library,
        database_description=clinic.description,
    )
    width, height = (int(n) for n in (sys.argv[2] if len(sys.argv) > 2 else "1360x820").split("x"))
    out = Path(sys.argv[3]) if len(sys.argv) > 3 else DOCS
    out.mkdir(parents=True, exist_ok=True)
    window.resize(width, height)
    window.show()

    def roster() -> None:
        window.roster.table.selectRow(3)

    def search_and_edit() -> None:
        window.roster.search.setText("")
        QTest.keyClicks(window.roster.search, "smith")
        window.roster.table.selectRow(0)
        form = window.patient_form
        form.inputs["date_of_birth"].selectAll()
        QTest.keyClicks(form.inputs["date_of_birth"], "31/12/2031")
        form.inputs["phone"].selectAll()
        QTest.keyClicks(form.inputs["phone"], "0770")

    def courses() -> None:
        form = window.patient_form
        form.load(form.record)  # discard the invalid edits of the last shot
        patient_id = _first_patient_with(clinic.uow, "loading", AppointmentStatus.FULFILLED)
        _open_patient(window, clinic.uow, patient_id)
        window.patient_tabs.setCurrentWidget(window.course_panel)

    def week_with_loading_course() -> None:
        patient_id = _first_patient_with(clinic.uow, "loading", AppointmentStatus.BOOKED)
        _open_patient(window, clinic.uow, patient_id)
        window.calendar.go_to(_first_booked_day(clinic.uow, patient_id))
        window.sections.setCurrentWidget(window.calendar)

    def stock() -> None:
        window.sections.setCurrentWidget(window.stock)

    def sessions() -> None:
        window.sections.setCurrentWidget(window.sessions)

    def record_dose() -> None:
        window.sections.setCurrentIndex(0)
        patient_id = _patient_with_low_platelets(clinic.uow)
        _open_patient(window, clinic.uow, patient_id)
        prepared = prepare(clinic.uow, patient_id, None, dt.date.today())
        dialog = RecordDoseDialog(window.ops, patient_id, None, prepared, parent=window)
        dialog.show()
        dialogs.append(dialog)

    def results() -> None:
        for dialog in dialogs:
            dialog.close()
        dialogs.clear()
        _open_patient(window, clinic.uow, scenes.trend)
        window.patient_tabs.setCurrentWidget(window.results_panel)
        window.results_panel.show_test(LabTest.PLATELETS)
        window.results_panel.table.selectRow(1)

    def record_for(patient_id: int) -> Callable[[], None]:
        def show() -> None:
            prepared = prepare(clinic.uow, patient_id, None, dt.date.today())
            dialog = RecordDoseDialog(window.ops, patient_id, None, prepared, parent=window)
            dialog.resize(min(dialog.width(), width), min(dialog.height(), height))
            dialog.show()
            dialogs.append(dialog)

        return show

    def prescribers() -> None:
        dialog = PrescribersDialog(Ops(clinic.uow, manager.as_actor()), parent=window)
        dialog.resize(min(900, width), min(420, height))
        dialog.show()
        dialogs.append(dialog)

    dialogs: list[QWidget] = []
    shots: list[tuple[str, Callable[[], None]]] = [
        ("roster.png", roster),
        ("patient-validation.png", search_and_edit),
        ("courses.png", courses),
        ("week-view.png", week_with_loading_course),
        ("stock.png", stock),
        ("sessions.png", sessions),
        ("record-dose.png", record_dose),
        ("results.png", results),
        ("record-dose-warfarin.png", record_for(scenes.warfarin)),
        ("record-dose-apixaban.png", record_for(scenes.apixaban)),
        ("prescribers.png", prescribers),
    ]

    def next_shot() -> None:
        if not shots:
            app.quit()
            return
        name, action = shots.pop(0)
        action()

        def save() -> None:
            target = dialogs[-1] if dialogs else window
            target.grab().save(str(out / name))
            if dialogs:
                dialogs.pop().close()
            next_shot()

        QTimer.singleShot(600, save)

    QTimer.singleShot(600, next_shot)
    QTimer.singleShot(60_000, app.quit)  # never hang a script, whatever happens
    app.exec()


def _settle(window: MainWindow) -> None:
    """Let what the window asked for (read on the worker) reach the screen."""
    app = QApplication.instance()
    assert app is not None
    while window.ops.busy:
        app.processEvents()
    app.processEvents()


def _open_patient(window: MainWindow, uow: UnitOfWork, patient_id: int) -> None:
    from clinic_app.services.queries.patients import get_patient

    window.sections.setCurrentIndex(0)
    window.roster.search.setText(get_patient(uow, patient_id).details.nhs_number)
    _settle(window)
    window.roster.table.selectRow(0)
    _settle(window)


def _first_patient_with(uow: UnitOfWork, phase: str, status: AppointmentStatus) -> int:
    with uow.read() as session:
        found = session.scalar(
            select(Appointment.patient_id)
            .where(Appointment.phase == phase, Appointment.status == status)
            .order_by(Appointment.planned_date.desc())
            .limit(1)
        )
    assert found is not None, f"the demo has no {phase} dose {status}"
    return found


def _first_booked_day(uow: UnitOfWork, patient_id: int) -> dt.date:
    with uow.read() as session:
        start = session.scalar(
            select(func.min(Slot.start))
            .join(Appointment, Appointment.slot_id == Slot.id)
            .where(
                Appointment.patient_id == patient_id,
                Appointment.status == AppointmentStatus.BOOKED,
            )
        )
    assert start is not None
    return start.date()


def _patient_with_low_platelets(uow: UnitOfWork) -> int:
    with uow.read() as session:
        found = session.scalar(
            select(LabResult.patient_id)
            .join(Course, Course.patient_id == LabResult.patient_id)
            .where(
                LabResult.test == LabTest.PLATELETS,
                LabResult.status == LabResultStatus.FINAL,
                LabResult.value.between(26, 49),
                Course.status == "active",
            )
            .limit(1)
        )
    assert found is not None
    return found


@dataclass(frozen=True)
class Scenes:
    trend: int  # low platelets, with a history and a corrected entry
    warfarin: int  # normal count, INR 3.8 yesterday: the one verdict refuses
    apixaban: int  # normal count: the DOAC timing note, no INR


def _scenes(uow: UnitOfWork, nurse: Actor) -> Scenes:
    """The patients the later shots show, given their results on the first run only."""
    today = dt.date.today()
    trend = _patient_with_low_platelets(uow)
    warfarin = _patient_on(uow, "warfarin")
    apixaban = _patient_on(uow, "apixaban")
    with uow.read() as session:
        done = session.scalar(
            select(LabResult.id).where(
                LabResult.patient_id == trend, LabResult.source == "Practice phlebotomy"
            )
        )
    if done is not None:
        return Scenes(trend, warfarin, apixaban)
    for days_ago, value in ((150, 210), (110, 160), (75, 92), (45, 61)):
        taken = today - dt.timedelta(days=days_ago)
        record_lab_result(
            uow, nurse, trend, "platelets", value, "", taken,
            source="Practice phlebotomy", today=today,
        )  # fmt: skip
    typed = record_lab_result(
        uow, nurse, trend, "platelets", 4.4, "", today - dt.timedelta(days=3),
        source="Royal Infirmary lab", today=today,
    )  # fmt: skip
    correct_lab_result(
        uow, nurse, typed.id, 44, "", typed.taken_on, "Decimal point: the report says 44",
        today=today,
    )  # fmt: skip
    for patient in (warfarin, apixaban):
        taken = today - dt.timedelta(days=3)
        record_lab_result(uow, nurse, patient, "platelets", 230, "", taken, today=today)
    taken = today - dt.timedelta(days=1)
    record_lab_result(uow, nurse, warfarin, "inr", 3.8, "", taken, today=today)
    return Scenes(trend, warfarin, apixaban)


def _patient_on(uow: UnitOfWork, drug: str) -> int:
    """An active patient on this anticoagulant whose next dose is due today (so the shot
    shows the anticoagulant's checks, not an early-dose warning); any one otherwise."""
    today = dt.date.today()
    with uow.read() as session:
        query = (
            select(Patient.id)
            .join(Course, Course.patient_id == Patient.id)
            .where(
                Patient.anticoagulant_name == drug,
                Patient.status == PatientStatus.ACTIVE,
                Course.status == CourseStatus.ACTIVE,
            )
            .order_by(Patient.id)
            .limit(1)
        )
        due = query.join(Appointment, Appointment.course_id == Course.id).where(
            Appointment.phase.in_(("loading", "maintenance")),
            Appointment.status.in_((AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED)),
            Appointment.window_earliest <= today,
            Appointment.window_latest >= today,
        )
        found = session.scalar(due) or session.scalar(query)
    assert found is not None, f"the demo has no active patient on {drug}"
    return int(found)


if __name__ == "__main__":
    main()
