"""Confirm a stock action (quarantine, recall, release, wastage) with its reason.

The reason is kept in the audit trail with the change, so the action cannot be
confirmed without one.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.ui.dialog_buttons import action_row


class LotReasonDialog(QDialog):
    """Confirm a stock action with the reason kept in the audit trail (and a quantity)."""

    def __init__(
        self,
        title: str,
        explanation: str,
        action: str,
        *,
        quantity: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        intro = QLabel(explanation)
        intro.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("Reason (kept in the audit trail)")
        self.quantity = QSpinBox()
        self.quantity.setObjectName("quantity")
        self.quantity.setRange(1, max(1, quantity or 1))
        self.ok_button = QPushButton(action)
        self.ok_button.setObjectName("reasonOk")
        self.ok_button.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        if quantity is not None:
            form.addRow("Doses", self.quantity)
        buttons = action_row(cancel, self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.reason.textEdited.connect(lambda _t: self._refresh())
        self._refresh()

    def accept(self) -> None:
        if self.reason.text().strip():
            super().accept()

    def _refresh(self) -> None:
        self.ok_button.setEnabled(bool(self.reason.text().strip()))
