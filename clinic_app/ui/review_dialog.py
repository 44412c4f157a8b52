"""Recording that a clinician review was held and loading goes on.

The other outcome of a review, no further improvement, is "End loading"; this dialog
says so, so that a nurse does not record "continue" for a patient who has stopped
improving.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from clinic_app.domain.date_text import format_date
from clinic_app.domain.recording_rules import validate_review_note
from clinic_app.services.commands.reviews import hold_review
from clinic_app.services.queries.courses import TimelineEntry
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.ops import Bound, Ops


class ReviewHeldDialog(FormDialog):
    FIELD_LABELS: ClassVar[Mapping[str, str]] = {"note": "Finding"}

    def __init__(
        self, entry: TimelineEntry, patient_name: str, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Clinician review held: continue loading",
            "Record review",
            ops,
            parent,
            cancel="Cancel",
            width=520,
        )
        self._appointment_id = entry.appointment_id
        self.note = QPlainTextEdit()
        self.note.setObjectName("reviewNote")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("e.g. tingling improving, gait steadier: continue")
        self.note.setFixedHeight(70)
        self.add_field("Finding", "note", self.note)
        number = f"Review {entry.dose_number}" if entry.dose_number else "The review"
        self.finish_layout(
            f"{number} for {patient_name}, due {format_date(entry.earliest)} to "
            f"{format_date(entry.latest)}. Record that a clinician has reviewed the patient "
            "and is still seeing improvement: loading continues and the next review is "
            "planned from today. If there is no further improvement, use End loading "
            "instead."
        )

    def local_problems(self) -> dict[str, str]:
        return validate_review_note(self.note.toPlainText())

    def work(self) -> Bound[Any]:
        note, today = self.note.toPlainText(), self._ops.today()
        return hold_review.bind(self._appointment_id, note, today=today)
