"""Clinic > Export patient's calendar (.ics): save a patient's booked dates for their phone.

The file is made on the worker (one query), the place to save it is asked on the GUI
thread, and it is written on the worker again; ``done`` gets the saved path, or None
when nothing was saved. The file dialog and the warning box are injectable so tests
drive the whole action without a modal dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from icalendar import Calendar
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from clinic_app.services.exports.calendar import patient_calendar
from clinic_app.ui.ops import Ops

TITLE = "Export patient's calendar"
FILE_FILTER = "Calendar files (*.ics)"

#: Shows a problem the person can fix: (parent, title, message).
Warn = Callable[[QWidget, str, str], object]


def export_patient_calendar(
    parent: QWidget,
    ops: Ops,
    patient_id: int,
    suggested_name: str,
    choose_path: Callable[[str], str | None] | None = None,
    *,
    warn: Warn | None = None,
    done: Callable[[Path | None], None] = lambda _path: None,
) -> None:
    """Make the .ics file, ask where to save it, write it; then ``done(path or None)``.

    Nothing booked is said before the file dialog opens, so nobody picks a folder
    for a file that will not be written.
    """
    ask = choose_path or (lambda name: _ask_save_path(parent, name))
    tell = warn or _warning_box

    def refused(message: str) -> None:
        tell(parent, TITLE, message)
        done(None)

    def made(data: bytes) -> None:
        if not Calendar.from_ical(data).walk("VEVENT"):
            refused(
                "This patient has no booked appointments, so there is nothing to put in a "
                "calendar file. Book their course first."
            )
            return
        chosen = ask(suggested_name)
        if not chosen:
            done(None)
            return
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".ics")

        def write() -> str | None:
            try:
                path.write_bytes(data)
            except OSError as error:
                return f"Could not save {path}: {error.strerror or error}."
            return None

        def written(problem: str | None) -> None:
            if problem:
                refused(problem)
            else:
                done(path)

        ops.background(write, written)

    ops.read(
        lambda uow: patient_calendar(uow, patient_id),
        made,
        failed=lambda error: refused(str(error)),
    )


def saved_message(path: Path) -> str:
    """The status-bar line after a successful export."""
    return f"Saved the patient's appointments to {path}"


def _ask_save_path(parent: QWidget, suggested_name: str) -> str | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, TITLE, suggested_name, FILE_FILTER)
    return chosen or None


def _warning_box(parent: QWidget, title: str, message: str) -> object:
    return QMessageBox.warning(parent, title, message)
