"""The one place where settings, database, services and the main window meet.

Nothing is built at import time: ``run`` builds everything in order, so tests can
build the same parts themselves and the CLI's non-GUI commands never load Qt.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import sys
from importlib.resources import files
from logging.handlers import RotatingFileHandler

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog
from sqlalchemy.exc import OperationalError

from clinic_app.clinic_db import ClinicDatabase, open_clinic_database
from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.changes import Change, Changes
from clinic_app.services.commands.users import create_first_user
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.queries.upkeep import upkeep_due
from clinic_app.services.queries.users import UserSummary, count_users, list_active_users
from clinic_app.settings import Settings
from clinic_app.ui.crash_reporting import install_crash_dialog
from clinic_app.ui.first_run import FirstRunDialog
from clinic_app.ui.main_window import MainWindow
from clinic_app.ui.ops import Ops
from clinic_app.ui.task_runner import TaskRunner
from clinic_app.ui.upkeep_process import DailyUpkeepProcess
from clinic_app.ui.user_picker import UserPickerDialog

log = logging.getLogger("clinic_app")


def run(settings: Settings) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("B12 injection clinic")
    app.setOrganizationName("clinic-app")
    app.setStyleSheet(stylesheet())
    _configure_logging(settings)
    install_crash_dialog()
    try:
        database = open_clinic_database(settings)
    except OperationalError as error:
        QMessageBox.critical(
            None,
            "Cannot open the clinic database",
            f"{settings.effective_database_url}\n\n{error.orig}\n\n"
            "Check the database address (--database or CLINIC_APP_DATABASE_URL) and "
            "that the server is running.",
        )
        return 1
    if database.backup_made is not None:
        log.info("database upgraded; backup at %s", database.backup_made)

    library = load_protocol_library(settings.protocols_dir)
    if library.problems:
        QMessageBox.warning(
            None,
            "Some protocol templates were not loaded",
            "\n\n".join(str(problem) for problem in library.problems),
        )
    if count_users(database.uow) == 0 and not _first_run(database, settings):
        return 0
    user = _choose_user(database)
    if user is None:
        return 0
    actor = user.as_actor()
    window = MainWindow(
        Ops(database.uow, actor), library=library, database_description=database.description
    )
    window.show()
    # Everything built so far lives for the whole session: keep the cyclic collector
    # from walking it again and again (the week view's slowest renders halve).
    gc.freeze()
    gc.enable()
    _start_daily_upkeep(database, user, window)
    return app.exec()


def _start_daily_upkeep(database: ClinicDatabase, user: UserSummary, window: MainWindow) -> None:
    """The first workstation to start each day moves the rolling horizon on, in a
    process of its own (see ui/upkeep_process.py) so the window stays quick."""
    if not upkeep_due(database.uow, dt.date.today()):
        return
    window.statusBar().showMessage("Planning ahead: re-planning courses and booking doses…")
    process = DailyUpkeepProcess(database.url, user.username, parent=window)

    def done(summary: str) -> None:
        window.statusBar().showMessage(summary, 15_000)
        # The upkeep may have added sessions, re-planned courses and booked doses.
        window.ops.announce(Changes.of(Change.SESSIONS, Change.COURSES, Change.BOOKINGS))

    def failed(problem: str) -> None:
        window.statusBar().showMessage(f"Daily upkeep did not finish: {problem}", 30_000)

    process.finished.connect(done)
    process.failed.connect(failed)
    process.start()


def stylesheet() -> str:
    return (files("clinic_app.resources") / "style.qss").read_text(encoding="utf-8")


def _first_run(database: ClinicDatabase, settings: Settings) -> bool:
    dialog = FirstRunDialog(settings.demo_patients, database.description)
    if dialog.exec() != FirstRunDialog.DialogCode.Accepted:
        return False
    if not dialog.wants_demo:
        name, role = dialog.first_user()
        create_first_user(database.uow, name, role)
        return True
    progress = QProgressDialog("Creating the demo clinic…", "", 0, 0)
    progress.setCancelButton(None)
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    progress.setMinimumDuration(0)
    runner = TaskRunner()
    outcome: list[bool] = []

    def done(_summary: object) -> None:
        outcome.append(True)
        progress.close()

    def failed(error: BaseException, _trace: str) -> None:
        outcome.append(False)
        progress.close()
        QMessageBox.critical(None, "Demo clinic not created", str(error))

    runner.run(
        lambda: create_demo_clinic(database.uow, patients=settings.demo_patients),
        done,
        failed,
    )
    progress.exec()
    runner.wait_for_idle()
    return bool(outcome and outcome[0])


def _choose_user(database: ClinicDatabase) -> UserSummary | None:
    people = list_active_users(database.uow)
    # Asked even when one person is set up: the name on every record must be a choice
    # somebody made at this keyboard, not an assumption.
    picker = UserPickerDialog(people)
    if picker.exec() != UserPickerDialog.DialogCode.Accepted:
        return None
    return picker.chosen()


def _configure_logging(settings: Settings) -> None:
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(logs / "clinic-app.log", maxBytes=2_000_000, backupCount=5)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
