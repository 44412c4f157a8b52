"""The one base for a form in a dialog: fields with their problem beside them, saved off
the GUI thread.

Saving runs a command, which can take a while (generating a weekly session's dates,
cancelling a full session, re-planning a course), so it goes through ``Ops.write`` to
the worker and the dialog stays responsive, saying "Saving…". A problem the command
finds is a mistake a person can fix: it is shown beside the field it names (or above
the buttons when it names none); nothing is saved and the dialog stays open. Anything
else is a bug and reaches the crash dialog.

Open it with ``open()``, never ``exec()``: it is window-modal without a nested event
loop, so the rest of the app keeps painting and tests can drive it directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.ui.dialog_buttons import action_row
from clinic_app.ui.field_row import field_with_error, hint_label
from clinic_app.ui.ops import Bound, Ops


class FormDialog(QDialog):
    """Subclasses add their fields, call ``finish_layout``, and say what saving does."""

    #: Emitted with what the save returned, just before the dialog closes.
    saved = Signal(object)
    #: Field names as the person reads them, put before a problem ("Reason is required");
    #: a field not named here shows its problem alone.
    FIELD_LABELS: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        title: str,
        action: str,
        ops: Ops,
        parent: QWidget | None = None,
        *,
        cancel: str = "Close",
        width: int = 460,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(width)
        self._ops = ops
        self._saving = False
        self._action = action
        self.errors: dict[str, QLabel] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.problem = QLabel("")
        self.problem.setObjectName("problemSummary")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.ok_button = QPushButton(action)
        self.ok_button.setObjectName("formOk")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(cancel)
        self.cancel_button.clicked.connect(self.reject)
        self._layout = QVBoxLayout(self)

    def finish_layout(self, intro: str = "") -> None:
        """The intro above the fields, the problem line and the buttons below them."""
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            self._layout.addWidget(label)
        self._layout.addLayout(self.form)
        self._layout.addWidget(self.problem)
        self._layout.addLayout(action_row(self.cancel_button, self.ok_button))

    def add_field(self, label: str, name: str, widget: QWidget, hint: str = "") -> None:
        """A row whose problems (the service's ``name``) are shown under ``widget``."""
        widgets = (widget, hint_label(hint)) if hint else (widget,)
        self.form.addRow(label, field_with_error(name, self.errors, *widgets))

    # -- to override ----------------------------------------------------------------
    def local_problems(self) -> dict[str, str]:
        """What can be told before asking the service (a date that does not parse)."""
        return {}

    def work(self) -> Bound[Any]:
        """What saving does: read the fields here, on the GUI thread, and return the
        command bound to them (``command.bind(...)``); ops runs it on the worker."""
        raise TypeError(f"{type(self).__name__} must say what saving does")

    # -- saving ---------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._saving

    def submit(self) -> None:
        problems = self.local_problems()
        if problems:
            self.show_problems(problems)
            return
        self.show_problems({})
        command = self.work()
        self._saving = True
        self.ok_button.setEnabled(False)
        self.ok_button.setText("Saving…")
        self._ops.write(command, self._finished, failed=self._refused)

    def show_problems(self, problems: Mapping[str, str]) -> None:
        for name, label in self.errors.items():
            message = problems.get(name)
            field = self.FIELD_LABELS.get(name)
            label.setText(f"{field} {message}" if message and field else message or "")
            label.setVisible(bool(message))
        elsewhere = [
            f"{name}: {text}" for name, text in problems.items() if name not in self.errors
        ]
        self.show_problem("Not saved: " + "; ".join(elsewhere) if elsewhere else "")

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _finished(self, value: Any) -> None:
        self._saving = False
        self.ok_button.setEnabled(True)
        self.ok_button.setText(self._action)
        self.saved.emit(value)
        self.accept()

    def _refused(self, error: UserError | ValidationFailed) -> None:
        self._saving = False
        self.ok_button.setEnabled(True)
        self.ok_button.setText(self._action)
        if isinstance(error, ValidationFailed):
            self.show_problems(error.errors)
        else:
            self.show_problem(f"Not saved: {error}")
