"""Screenshots of the Results tab (a platelet trend with a corrected entry) and of the
recording dialog's "Enter today's count…", from the real window on a demo clinic.

Run under Xvfb so the xcb platform renders as a person sees it:

    clinic-app --database sqlite:////tmp/shots/demo.sqlite demo --patients 300
    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/results_screenshots.py \
        sqlite:////tmp/shots/demo.sqlite 1360x820 /tmp/shots
    xvfb-run -a -s "-screen 0 1024x700x24" .venv/bin/python scripts/results_screenshots.py \
        sqlite:////tmp/shots/demo.sqlite 1000x680 /tmp/shots/small

The demo holds one count per patient, so the script first enters a short platelet
history for one patient on low platelets through the services (the first run only),
including a mistyped count corrected, as a nurse would.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from clinic_app.app import stylesheet
from clinic_app.clinic_db import open_clinic_database
from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import LabResultStatus, LabTest, Role
from clinic_app.persistence.models import Course, LabResult
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.lab_results import correct_lab_result, record_lab_result
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.queries.patients import get_patient
from clinic_app.services.queries.users import list_active_users
from clinic_app.settings import load_settings
from clinic_app.ui.main_window import MainWindow
from clinic_app.ui.ops import Ops
from clinic_app.ui.record_dose_dialog import RecordDoseDialog, prepare


def main() -> None:
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    settings = load_settings(database_url=sys.argv[1])
    clinic = open_clinic_database(settings)
    nurse = next(u for u in list_active_users(clinic.uow) if u.role is Role.NURSE).as_actor()
    width, height = (int(n) for n in (sys.argv[2] if len(sys.argv) > 2 else "1360x820").split("x"))
    out = Path(sys.argv[3]) if len(sys.argv) > 3 else Path("/tmp/shots")
    out.mkdir(parents=True, exist_ok=True)
    patient_id = _patient_with_a_trend(clinic.uow, nurse)
    window = MainWindow(
        Ops(clinic.uow, nurse),
        library=load_protocol_library(settings.protocols_dir),
        database_description=clinic.description,
    )
    window.resize(width, height)
    window.show()
    grabbed: list[QWidget] = []

    def results_tab() -> None:
        window.roster.search.setText(get_patient(clinic.uow, patient_id).details.nhs_number)
        _settle(window)
        window.roster.table.selectRow(0)
        _settle(window)
        window.patient_tabs.setCurrentWidget(window.results_panel)
        window.results_panel.show_test(LabTest.PLATELETS)
        window.results_panel.table.selectRow(1)

    def record_dose() -> None:
        prepared = prepare(clinic.uow, patient_id, None, dt.date.today())
        dialog = RecordDoseDialog(window.ops, patient_id, None, prepared, parent=window)
        dialog.show()
        grabbed.append(dialog)

    shots: list[tuple[str, Callable[[], None]]] = [
        ("results-tab.png", results_tab),
        ("record-dose-enter-count.png", record_dose),
    ]

    def next_shot() -> None:
        if not shots:
            app.quit()
            return
        name, action = shots.pop(0)
        action()

        def save() -> None:
            target = grabbed[-1] if grabbed else window
            target.grab().save(str(out / name))
            print(out / name)
            next_shot()

        QTimer.singleShot(800, save)

    QTimer.singleShot(600, next_shot)
    QTimer.singleShot(60_000, app.quit)  # never hang a script, whatever happens
    app.exec()


def _settle(window: MainWindow) -> None:
    app = QApplication.instance()
    assert app is not None
    while window.ops.busy:
        app.processEvents()
    app.processEvents()


def _patient_with_a_trend(uow: UnitOfWork, nurse: Actor) -> int:
    """A patient on an active course with a low count; given a history the first time."""
    with uow.read() as session:
        patient_id = session.scalar(
            select(LabResult.patient_id)
            .join(Course, Course.patient_id == LabResult.patient_id)
            .where(
                LabResult.test == LabTest.PLATELETS,
                LabResult.status == LabResultStatus.FINAL,
                LabResult.value.between(26, 49),
                Course.status == "active",
            )
            .order_by(LabResult.patient_id)
            .limit(1)
        )
        assert patient_id is not None, "the demo has no patient with a 26-49 count"
        entries = session.scalar(
            select(LabResult.id).where(
                LabResult.patient_id == patient_id, LabResult.source == "Practice phlebotomy"
            )
        )
    if entries is None:
        today = dt.date.today()
        for days_ago, value in ((150, 210), (110, 160), (75, 92), (45, 61)):
            taken = today - dt.timedelta(days=days_ago)
            record_lab_result(
                uow, nurse, patient_id, "platelets", value, "", taken,
                source="Practice phlebotomy", today=today,
            )  # fmt: skip
        typed = record_lab_result(
            uow, nurse, patient_id, "platelets", 4.4, "", today - dt.timedelta(days=3),
            source="Royal Infirmary lab", today=today,
        )  # fmt: skip
        correct_lab_result(
            uow, nurse, typed.id, 44, "", typed.taken_on, "Decimal point: the report says 44",
            today=today,
        )  # fmt: skip
    return patient_id


if __name__ == "__main__":
    main()
