"""The row of buttons under a form: Cancel, then the action, at the right.

One order for every form, so a nurse's hand learns where the action is.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton


def action_row(cancel: QPushButton, action: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(cancel)
    row.addWidget(action)
    return row
