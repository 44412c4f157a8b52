"""Small dialogs the calendar opens: a reason (cancel, did not attend) and a new slot.

Both are opened with ``open()`` (window-modal, not blocking), so the calendar keeps
painting and tests can fill them in like a person would.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.services.queries.booking_context import SlotChoice


class ReasonDialog(QDialog):
    """Ask why (a cancellation must say why; a did-not-attend records what happened)."""

    def __init__(
        self,
        title: str,
        question: str,
        suggestions: Sequence[str],
        *,
        accept_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("reasonDialog")
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(list(suggestions))
        self.reason.setCurrentIndex(-1)
        self.reason.setAccessibleName("Reason")
        line = self.reason.lineEdit()
        assert line is not None
        line.setPlaceholderText("Type or choose a reason")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.ok_button
        ok.setText(accept_text)
        ok.setEnabled(False)
        layout = QVBoxLayout(self)
        prompt = QLabel(question)
        prompt.setWordWrap(True)
        layout.addWidget(prompt)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.reason.editTextChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.resize(420, self.sizeHint().height())

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def text(self) -> str:
        return " ".join(self.reason.currentText().split())


class SlotPickerDialog(QDialog):
    """Choose a new slot for an appointment from the free slots its window allows."""

    def __init__(
        self,
        title: str,
        explanation: str,
        options: Sequence[SlotChoice],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("slotPickerDialog")
        self.options = QListWidget()
        self.options.setAccessibleName("Free slots")
        for choice in options:
            places = "1 place" if choice.free == 1 else f"{choice.free} places"
            item = QListWidgetItem(f"{choice.describe()}  ({places} free)")
            item.setData(Qt.ItemDataRole.UserRole, choice.slot_id)
            self.options.addItem(item)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.ok_button
        ok.setText("Move here")
        ok.setEnabled(False)
        note = QLabel(
            explanation
            if options
            else f"{explanation}\n\nNo free slot is left in this dose's window."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.options, 1)
        layout.addWidget(self.buttons)
        self.options.currentRowChanged.connect(lambda row: ok.setEnabled(row >= 0))
        self.options.itemDoubleClicked.connect(lambda _item: self.accept())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.resize(460, 420)

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def chosen_slot(self) -> int | None:
        item = self.options.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))
