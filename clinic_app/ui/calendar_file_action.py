"""Clinic > Export patient's calendar (.ics): save a patient's booked dates for their phone.

One small, synchronous action: the file is one short query and a few kilobytes, far
under the 50 ms that would call for a worker thread. The file dialog and the warning
box are injectable so tests drive the whole action without a modal dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from icalendar import Calendar
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from clinic_app.domain.errors import UserError
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.exports.calendar import patient_calendar

TITLE = "Export patient's calendar"
FILE_FILTER = "Calendar files (*.ics)"

#: Shows a problem the person can fix: (parent, title, message).
Warn = Callable[[QWidget, str, str], object]


def export_patient_calendar(
    parent: QWidget,
    uow: UnitOfWork,
    patient_id: int,
    suggested_name: str,
    choose_path: Callable[[str], str | None] | None = None,
    *,
    warn: Warn | None = None,
) -> Path | None:
    """Ask where to save, write the .ics file; the saved path, or None if nothing was saved.

    Nothing booked is said before the file dialog opens, so nobody picks a folder
    for a file that will not be written.
    """
    ask = choose_path or (lambda name: _ask_save_path(parent, name))
    tell = warn or _warning_box
    try:
        data = patient_calendar(uow, patient_id)
    except UserError as error:
        tell(parent, TITLE, str(error))
        return None
    if not Calendar.from_ical(data).walk("VEVENT"):
        tell(
            parent,
            TITLE,
            "This patient has no booked appointments, so there is nothing to put in a "
            "calendar file. Book their course first.",
        )
        return None
    chosen = ask(suggested_name)
    if not chosen:
        return None
    path = Path(chosen)
    if not path.suffix:
        path = path.with_suffix(".ics")
    try:
        path.write_bytes(data)
    except OSError as error:
        tell(parent, TITLE, f"Could not save {path}: {error.strerror or error}.")
        return None
    return path


def saved_message(path: Path) -> str:
    """The status-bar line after a successful export."""
    return f"Saved the patient's appointments to {path}"


def _ask_save_path(parent: QWidget, suggested_name: str) -> str | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, TITLE, suggested_name, FILE_FILTER)
    return chosen or None


def _warning_box(parent: QWidget, title: str, message: str) -> object:
    return QMessageBox.warning(parent, title, message)
