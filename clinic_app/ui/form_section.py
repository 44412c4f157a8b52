"""A titled part of a larger form: it reports each edit by field name, and keeps the
error label under each of its fields, so the form that holds it checks and shows
problems in one place without knowing the part's widgets."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QWidget

from clinic_app.ui.field_row import field_with_error


class FormSection(QGroupBox):
    #: The name of the field the person changed ("route", "consent"…).
    edited = Signal(str)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        #: The error label under each field of this part, by field name.
        self.errors: dict[str, QLabel] = {}

    def field_row(self, name: str, *widgets: QWidget) -> QWidget:
        """``widgets`` over the (hidden) label that names the field's problem."""
        return field_with_error(name, self.errors, *widgets)
