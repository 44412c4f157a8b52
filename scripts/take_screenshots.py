"""Refresh the README's screenshots from the real window on a demo clinic.

Run under a real X server (or Xvfb) so the xcb platform renders as a person sees it:

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python scripts/take_screenshots.py DB_URL

Each shot drives the window the way a receptionist would (search, select, edit) and
saves the whole window to docs/.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from clinic_app.app import stylesheet
from clinic_app.clinic_db import open_clinic_database
from clinic_app.domain.codes import Role
from clinic_app.services import users
from clinic_app.services.protocol_library import load_protocol_library
from clinic_app.settings import load_settings
from clinic_app.ui.main_window import MainWindow

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> None:
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    settings = load_settings(database_url=sys.argv[1])
    clinic = open_clinic_database(settings)
    library = load_protocol_library(settings.protocols_dir)
    nurse = next(u for u in users.list_active_users(clinic.uow) if u.role is Role.NURSE)
    window = MainWindow(
        clinic.uow,
        nurse.as_actor(),
        library=library,
        database_description=clinic.description,
    )
    window.resize(1360, 820)
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

    shots: list[tuple[str, Callable[[], None]]] = [
        ("roster.png", roster),
        ("patient-validation.png", search_and_edit),
    ]

    def next_shot() -> None:
        if not shots:
            app.quit()
            return
        name, action = shots.pop(0)
        action()
        QTimer.singleShot(400, lambda: (window.grab().save(str(DOCS / name)), next_shot()))

    QTimer.singleShot(600, next_shot)
    QTimer.singleShot(30_000, app.quit)  # never hang a script, whatever happens
    app.exec()


if __name__ == "__main__":
    main()
