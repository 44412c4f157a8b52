"""A form field with the label its problem is shown in, right beneath it.

Every form in the app names a problem beside its field the same way ("Date of birth
cannot be in the future"); building that pair in one place keeps the look and the
object names (``error_<field>``, which tests and the stylesheet use) identical.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def field_with_error(
    name: str, errors: dict[str, QLabel], *widgets: QWidget, bottom_margin: int = 0
) -> QWidget:
    """Stack ``widgets`` over a hidden error label registered as ``errors[name]``."""
    error = QLabel("")
    error.setObjectName(f"error_{name}")
    error.setProperty("role", "fieldError")
    error.setWordWrap(True)
    error.hide()
    errors[name] = error
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, bottom_margin)
    column.setSpacing(2)
    for widget in widgets:
        column.addWidget(widget)
    column.addWidget(error)
    return holder


def hint_label(text: str) -> QLabel:
    """Grey help text under a field (styled by ``QLabel#fieldHint`` in style.qss)."""
    hint = QLabel(text)
    hint.setObjectName("fieldHint")
    hint.setWordWrap(True)
    return hint
