"""Screenshots of the step-6 safety screens on a demo clinic: the recording dialog for a
warfarin patient whose INR is above range, for an apixaban patient, and the manager's
list of prescribers.

    .venv/bin/clinic-app --database sqlite:////tmp/shots/demo.sqlite demo --patients 300
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x900x24" \\
        .venv/bin/python scripts/take_safety_screenshots.py sqlite:////tmp/shots/demo.sqlite \\
        OUT_DIR [1360x820]

It records, through the services, a normal platelet count for both patients and an
INR of 3.8 taken yesterday for the warfarin one (so the shot shows the refusal above a
normal platelet band), then saves record-dose-warfarin.png, record-dose-apixaban.png
and prescribers.png (with the size in the name when one is given).
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
from clinic_app.domain.codes import AnticoagulantClass, CourseStatus, PatientStatus, Role
from clinic_app.persistence.models import Course, Patient
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.clinical_record import record_lab_result
from clinic_app.services.queries.users import list_active_users
from clinic_app.settings import load_settings
from clinic_app.ui.ops import Ops
from clinic_app.ui.prescribers_dialog import PrescribersDialog
from clinic_app.ui.record_dose_dialog import RecordDoseDialog, prepare


def main() -> None:
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    settings = load_settings(database_url=sys.argv[1])
    out = Path(sys.argv[2])
    size = sys.argv[3] if len(sys.argv) > 3 else ""
    out.mkdir(parents=True, exist_ok=True)
    clinic = open_clinic_database(settings)
    uow = clinic.uow
    staff = list_active_users(uow)
    nurse = next(u for u in staff if u.role is Role.NURSE).as_actor()
    boss = next(u for u in staff if u.role is Role.MANAGER).as_actor()
    today = dt.date.today()
    warfarin = _patient(uow, AnticoagulantClass.VKA)
    apixaban = _patient(uow, AnticoagulantClass.DOAC)
    for patient in (warfarin, apixaban):
        record_lab_result(
            uow, nurse, patient, "platelets", 230, "", today - dt.timedelta(days=3), today=today
        )
    record_lab_result(
        uow, nurse, warfarin, "inr", 3.8, "", today - dt.timedelta(days=1), today=today
    )
    width, height = (int(n) for n in (size or "1360x820").split("x"))
    suffix = f"-{size}" if size else ""
    shown: list[QWidget] = []

    def record(patient: int) -> Callable[[], None]:
        def show() -> None:
            ops = Ops(uow, nurse, today=lambda: today)
            dialog = RecordDoseDialog(ops, patient, None, prepare(uow, patient, None, today))
            dialog.resize(min(dialog.width(), width), min(dialog.height(), height))
            dialog.show()
            shown.append(dialog)

        return show

    def prescribers() -> None:
        dialog = PrescribersDialog(Ops(uow, boss))
        dialog.resize(min(900, width), min(420, height))
        dialog.show()
        shown.append(dialog)

    shots = [
        (f"record-dose-warfarin{suffix}.png", record(warfarin)),
        (f"record-dose-apixaban{suffix}.png", record(apixaban)),
        (f"prescribers{suffix}.png", prescribers),
    ]

    def next_shot() -> None:
        if not shots:
            app.quit()
            return
        name, action = shots.pop(0)
        action()

        def save() -> None:
            shown[-1].grab().save(str(out / name))
            shown[-1].close()
            next_shot()

        QTimer.singleShot(900, save)

    QTimer.singleShot(300, next_shot)
    QTimer.singleShot(60_000, app.quit)  # never hang a script, whatever happens
    app.exec()


def _patient(uow: UnitOfWork, kind: AnticoagulantClass) -> int:
    """The first active patient of this anticoagulant class with an active course."""
    with uow.read() as session:
        found = session.scalar(
            select(Patient.id)
            .join(Course, Course.patient_id == Patient.id)
            .where(
                Patient.anticoagulant_class == kind,
                Patient.status == PatientStatus.ACTIVE,
                Course.status == CourseStatus.ACTIVE,
            )
            .order_by(Patient.id)
            .limit(1)
        )
    assert found is not None, f"the demo has no active {kind.value} patient"
    return found


if __name__ == "__main__":
    main()
