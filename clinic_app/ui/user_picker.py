"""At start: who is working at this workstation? Every change records that person.

Sign-in with passwords arrives later (step 7); until then this is how the app knows
whom to put on each record.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.services.queries.users import UserSummary


class UserPickerDialog(QDialog):
    def __init__(self, users: Sequence[UserSummary], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is working?")
        self.list = QListWidget()
        self.list.setObjectName("userList")
        for user in users:
            item = QListWidgetItem(f"{user.display_name}  ·  {user.role.label}")
            item.setData(256, user)
            self.list.addItem(item)
        if users:
            self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start working")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Choose your name. Everything you change is recorded as yours."))
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(380, 320)

    def chosen(self) -> UserSummary | None:
        item = self.list.currentItem()
        chosen = item.data(256) if item is not None else None
        return chosen if isinstance(chosen, UserSummary) else None
