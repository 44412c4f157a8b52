"""Bugs surface as bugs: logged with a traceback and shown, never swallowed."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("clinic_app")


def install_crash_dialog() -> None:
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, error, tb))
        log.critical("unhandled error:\n%s", text)
        if QApplication.instance() is not None:
            box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong", "")
            box.setText(
                "The app hit an unexpected problem. Your saved work is safe: every "
                "record is saved in one step or not at all.\n\n"
                "Please tell your practice manager what you were doing; the details "
                "below are in the log."
            )
            box.setDetailedText(text)
            box.exec()

    sys.excepthook = hook
