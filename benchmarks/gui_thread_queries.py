"""Count the database calls made on the GUI thread during a walk through every screen.

The target (issue 8) is none: every read and write goes through ``ui/ops.py`` to the
worker pool. The walk drives the real main window on a demo clinic as a nurse, a
receptionist and a manager would: search and open patients, the Courses tab, every
section (calendar week and day, stock, sessions), the recording dialog, the booking
dialog, the settings dialog. Each SQL statement the engine runs on the GUI thread is
counted against the place in ``clinic_app/ui`` that caused it.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.gui_thread_queries DB_URL
"""

from __future__ import annotations

import collections
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def counting(engine: Engine) -> Iterator[collections.Counter[str]]:
    """Count statements run on the main (GUI) thread, by the UI frame that caused them."""
    found: collections.Counter[str] = collections.Counter()

    def before(*_args: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        frames = [
            f"{frame.filename.rsplit('clinic_app/', 1)[-1]}:{frame.lineno} {frame.name}"
            for frame in traceback.extract_stack()
            if "/clinic_app/ui/" in frame.filename or frame.filename.endswith("app.py")
        ]
        found[frames[-1] if frames else "(outside clinic_app/ui)"] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)


def walk(window: Any, app: Any, wait: Callable[[], None]) -> None:
    """Every screen, the way the staff use them."""
    from PySide6.QtTest import QTest

    steps: list[tuple[str, Callable[[], Any]]] = [
        ("search", lambda: QTest.keyClicks(window.roster.search, "smith")),
        ("open patient", lambda: window.roster.table.selectRow(0)),
        ("courses tab", lambda: window.patient_tabs.setCurrentWidget(window.course_panel)),
        ("results tab", lambda: window.patient_tabs.setCurrentWidget(window.results_panel)),
        ("result entry", window.results_panel.open_entry),
        ("calendar", lambda: window.sections.setCurrentIndex(1)),
        ("stock", lambda: window.sections.setCurrentIndex(2)),
        ("sessions", lambda: window.sections.setCurrentIndex(3)),
        ("patients", lambda: window.sections.setCurrentIndex(0)),
        ("record dialog", window.record_injection),
        ("settings dialog", window.open_clinic_settings),
    ]
    for _name, step in steps:
        step()
        wait()
        app.processEvents()


def main() -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from clinic_app.app import stylesheet
    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.domain.codes import Role
    from clinic_app.services.library.protocols import load_protocol_library
    from clinic_app.services.queries.users import list_active_users
    from clinic_app.settings import load_settings
    from clinic_app.ui.main_window import MainWindow
    from clinic_app.ui.ops import Ops

    app = QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    settings = load_settings(database_url=sys.argv[1])
    clinic = open_clinic_database(settings)
    library = load_protocol_library(settings.protocols_dir)
    nurse = next(u for u in list_active_users(clinic.uow) if u.role is Role.NURSE)
    with counting(clinic.engine) as found:
        window = MainWindow(
            Ops(clinic.uow, nurse.as_actor()), library=library, database_description="walk"
        )
        window.show()
        QTest.qWaitForWindowExposed(window)

        def wait() -> None:
            for _ in range(50):
                app.processEvents()
                QTest.qWait(20)

        walk(window, app, wait)
    total = sum(found.values())
    print(f"database calls on the GUI thread during the walk: {total}")
    for place, count in found.most_common():
        print(f"{count:6}  {place}")
    clinic.engine.dispose()


if __name__ == "__main__":
    main()
