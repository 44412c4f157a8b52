"""Refresh the README's screenshots from the real window on a demo clinic.

Run under a real X server (or Xvfb) so the xcb platform renders as a person sees it:

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python scripts/take_screenshots.py DB_URL
    xvfb-run -s "-screen 0 1024x700x24" .venv/bin/python scripts/take_screenshots.py DB_URL \
        1024x700 docs/small

The optional size is the window's (default 1360x820, a 1400x900 screen less the
desktop's edges) and the folder is where the shots go (default docs/).

Each shot drives the window the way a receptionist would (search, select, edit) and
saves the whole window to docs/.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from clinic_app.app import stylesheet
from clinic_app.clinic_db import open_clinic_database
from clinic_app.domain.codes import AppointmentStatus, LabResultStatus, LabTest, Role
from clinic_app.persistence.models import Appointment, Course, LabResult, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.queries.users import list_active_users
from clinic_app.settings import load_settings
from clinic_app.ui.main_window import MainWindow
from clinic_app.ui.ops import Ops
from clinic_app.ui.record_dose_dialog import RecordDoseDialog, prepare

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> None:
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    settings = load_settings(database_url=sys.argv[1])
    clinic = open_clinic_database(settings)
    library = load_protocol_library(settings.protocols_dir)
    nurse = next(u for u in list_active_users(clinic.uow) if u.role is Role.NURSE)
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

    dialogs: list[RecordDoseDialog] = []
    shots: list[tuple[str, Callable[[], None]]] = [
        ("roster.png", roster),
        ("patient-validation.png", search_and_edit),
        ("courses.png", courses),
        ("week-view.png", week_with_loading_course),
        ("stock.png", stock),
        ("sessions.png", sessions),
        ("record-dose.png", record_dose),
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


if __name__ == "__main__":
    main()
