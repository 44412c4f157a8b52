"""Marking a recorded dose as entered in error: the record stays, marked, with the reason.

The nurse sees which record they are about to mark (dose, day, site, lot, who gave
it) and what will follow (the ampoule back in stock, the dose due again), so the
wrong row is not marked by a slip of the selection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from clinic_app.domain.date_text import format_date
from clinic_app.domain.recording_rules import validate_error_reason
from clinic_app.services.commands.dose_corrections import mark_dose_entered_in_error
from clinic_app.services.queries.courses import TimelineEntry
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.ops import Bound, Ops


class DoseErrorDialog(FormDialog):
    FIELD_LABELS: ClassVar[Mapping[str, str]] = {"reason": "Reason"}

    def __init__(
        self, entry: TimelineEntry, patient_name: str, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Mark dose as entered in error",
            "Mark as entered in error",
            ops,
            parent,
            cancel="Cancel",
            width=520,
        )
        assert entry.administration_id is not None
        self._administration_id = entry.administration_id
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("errorReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("e.g. recorded for the wrong patient; recorded twice")
        self.reason.setFixedHeight(70)
        self.add_field("Reason", "reason", self.reason)
        what = f"Dose {entry.dose_number}" if entry.dose_number else "This dose"
        self.finish_layout(
            f"{what} for {patient_name}, given on {format_date(entry.date)}"
            f" ({entry.detail}).\n\nThe record is kept, marked as entered in error with your "
            "name and the reason; it no longer counts as given. The ampoule goes back to its "
            "lot's stock and the course is planned again, so this dose is due again. If the "
            "patient is still here today, record what was really given."
        )

    def local_problems(self) -> dict[str, str]:
        return validate_error_reason(self.reason.toPlainText())

    def work(self) -> Bound[Any]:
        reason, today = self.reason.toPlainText(), self._ops.today()
        return mark_dose_entered_in_error.bind(self._administration_id, reason, today=today)
