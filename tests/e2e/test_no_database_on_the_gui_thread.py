"""No database call runs on the GUI thread, over a walk through every screen.

The walk is the one ``benchmarks/gui_thread_queries.py`` reports on: the roster, a
patient, the Courses and Results tabs (and the result entry form), the calendar, stock,
sessions, the recording dialog and the settings dialog, on a small demo clinic. Every
statement the engine runs on the main thread is counted against the UI code that caused
it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from benchmarks.gui_thread_queries import counting, walk
from clinic_app.clinic_db import open_clinic_database
from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.codes import Role
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.queries.users import list_active_users
from clinic_app.settings import load_settings
from clinic_app.ui.main_window import MainWindow
from clinic_app.ui.ops import Ops


def test_a_walk_through_every_screen_makes_no_database_call_on_the_gui_thread(
    qtbot: QtBot, tmp_path: Path
) -> None:
    clinic = open_clinic_database(
        load_settings(database_url=f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    )
    create_demo_clinic(clinic.uow, patients=60)
    nurse = next(u for u in list_active_users(clinic.uow) if u.role is Role.NURSE)
    app = QApplication.instance()
    assert app is not None
    with counting(clinic.engine) as found:
        window = MainWindow(
            Ops(clinic.uow, nurse.as_actor()),
            library=load_protocol_library(),
            database_description="walk",
        )
        qtbot.addWidget(window)
        window.show()

        def settle() -> None:
            qtbot.waitUntil(lambda: not window.ops.busy, timeout=10_000)

        settle()
        walk(window, app, settle)
    assert sum(found.values()) == 0, f"database calls on the GUI thread: {dict(found)}"
    # The walk really went everywhere: every section was built on the way.
    built = [type(window.sections.widget(n)).__name__ for n in range(1, 4)]
    assert built == ["CalendarView", "StockPanel", "SessionsPanel"]
    # And the count is not blind: a query made here, on the GUI thread, is seen.
    with counting(clinic.engine) as control:
        list_active_users(clinic.uow)
    assert sum(control.values()) > 0
    clinic.engine.dispose()
