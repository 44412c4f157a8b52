"""Why a due dose was not given: a reason, and a note (required for "other").

A dose not given is still a record (it explains the gap in the course and is what
the next nurse reads), so it has a reason from a fixed list rather than free text.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.codes import NotGivenReason
from clinic_app.domain.recording_rules import NotGivenInput, validate_not_given
from clinic_app.ui.dialog_buttons import action_row


class NotGivenDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dose not given")
        self.reason_combo = QComboBox()
        self.reason_combo.setObjectName("notGivenReason")
        self.reason_combo.addItem("Choose a reason…", None)
        for reason in NotGivenReason:
            self.reason_combo.addItem(reason.label, reason.value)
        self.note = QLineEdit()
        self.note.setObjectName("notGivenNote")
        self.note.setPlaceholderText("Note (required for 'Other')")
        self.problem = QLabel("")
        self.problem.setProperty("role", "fieldError")
        self.problem.setWordWrap(True)
        self.ok_button = QPushButton("Record as not given")
        self.ok_button.setObjectName("notGivenOk")
        self.ok_button.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("Reason", self.reason_combo)
        form.addRow("Note", self.note)
        buttons = action_row(cancel, self.ok_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        self.reason_combo.currentIndexChanged.connect(lambda _i: self._refresh())
        self.note.textEdited.connect(lambda _t: self._refresh())
        self._refresh()

    def as_input(self, patient_id: int, appointment_id: int | None) -> NotGivenInput:
        return NotGivenInput(
            patient_id=patient_id,
            appointment_id=appointment_id,
            reason=str(self.reason_combo.currentData() or ""),
            note=self.note.text(),
        )

    def problems(self) -> dict[str, str]:
        return validate_not_given(self.as_input(0, None))

    def accept(self) -> None:
        if self.problems():
            self._refresh()
            return
        super().accept()

    def _refresh(self) -> None:
        problems = self.problems()
        touched = self.reason_combo.currentIndex() > 0
        self.problem.setText("; ".join(f"{k.capitalize()}: {v}" for k, v in problems.items()))
        self.problem.setVisible(bool(problems) and touched)
        self.ok_button.setEnabled(not problems)
