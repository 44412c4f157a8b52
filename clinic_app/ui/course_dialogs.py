"""The dialogs that change a running course: frequency, end of loading, end of course.

Each takes the action as a callable (the panel binds it to the service), shows every
problem right under its field, and closes only when the change has been saved. A
dialog opens with ``open()``, never ``exec()``: it is window-modal without a nested
event loop, so the rest of the app keeps painting and tests can drive it directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.codes import CourseEndReason
from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.protocol import MAX_INTERVAL_FACTOR
from clinic_app.services.queries.courses import CourseSummary, every_text
from clinic_app.ui.field_row import field_with_error

_FIELD_LABELS = {
    "factor": "Factor",
    "reason": "Reason",
    "note": "Note",
    "on_date": "Date",
}


class CourseActionDialog(QDialog):
    """Shared plumbing: fields with an error line under each, a problem line, buttons."""

    def __init__(
        self,
        title: str,
        action_text: str,
        save: Callable[[], CourseSummary],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._save = save
        self.result_course: CourseSummary | None = None
        self.errors: dict[str, QLabel] = {}
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.problem = QLabel("")
        self.problem.setObjectName("problemSummary")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button: QPushButton = self.buttons.addButton(
            action_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("okButton")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.intro = QLabel("")
        self.intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

    def add_field(self, name: str, label: str, widget: QWidget) -> None:
        self.form.addRow(label, field_with_error(name, self.errors, widget))

    def show_errors(self, errors: Mapping[str, str]) -> None:
        for name, label in self.errors.items():
            message = errors.get(name)
            label.setText(f"{_FIELD_LABELS.get(name, name)} {message}" if message else "")
            label.setVisible(bool(message))
        unplaced = [f"{name}: {text}" for name, text in errors.items() if name not in self.errors]
        self.show_problem(" ".join(unplaced))

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def submit(self) -> None:
        local = self.check()
        if local:
            self.show_errors(local)
            return
        try:
            course = self._save()
        except ValidationFailed as failure:
            self.show_errors(failure.errors)
            return
        except UserError as error:
            self.show_errors({})
            self.show_problem(str(error))
            return
        self.result_course = course
        self.accept()

    def check(self) -> dict[str, str]:
        """Problems found before asking the service (a date that is not a date)."""
        return {}


def _date_edit(today: dt.date) -> QLineEdit:
    edit = QLineEdit(format_date(today))
    edit.setPlaceholderText("DD/MM/YYYY")
    edit.setMaximumWidth(140)
    return edit


def _date_problem(name: str, edit: QLineEdit) -> dict[str, str]:
    text = edit.text().strip()
    if text and parse_date(text) is None:
        return {name: "is not a date: use DD/MM/YYYY"}
    return {}


class FrequencyDialog(CourseActionDialog):
    """A per-patient frequency adjustment: 1.5 makes maintenance 50% more frequent."""

    def __init__(
        self,
        course: CourseSummary,
        change: Callable[[float, str], CourseSummary],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Change maintenance frequency", "Change frequency", self._changed, parent)
        self._course = course
        self._change = change
        self.intro.setText(
            f"Now: maintenance {course.frequency} (template: "
            f"{every_text(course.maintenance_every)}). A factor of 1.5 makes injections 50% "
            "more frequent, as seed 002 allows when symptoms return before the next dose. "
            "Every planned date is recalculated from the last dose given."
        )
        self.factor = QDoubleSpinBox()
        self.factor.setObjectName("factor")
        self.factor.setRange(0.25, MAX_INTERVAL_FACTOR)
        self.factor.setSingleStep(0.25)
        self.factor.setDecimals(2)
        self.factor.setValue(course.interval_factor)
        self.factor.setMaximumWidth(100)
        self.preview = QLabel("")
        self.preview.setObjectName("frequencyPreview")
        self.reason = QLineEdit(
            course.interval_factor_reason if course.interval_factor != 1 else ""
        )
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("e.g. tingling returns about 10 weeks after each dose")
        self.add_field("factor", "Factor", self.factor)
        self.form.addRow("Result", self.preview)
        self.add_field("reason", "Reason", self.reason)
        self.factor.valueChanged.connect(self._update_preview)
        self._update_preview()

    def _update_preview(self) -> None:
        every = self._course.maintenance_every.divided_by(self.factor.value())
        self.preview.setText(f"maintenance {every_text(every)}")

    def _changed(self) -> CourseSummary:
        return self._change(self.factor.value(), self.reason.text())


class EndLoadingDialog(CourseActionDialog):
    """The clinician's "no further improvement": loading ends, maintenance begins."""

    def __init__(
        self,
        course: CourseSummary,
        end: Callable[[dt.date | None], CourseSummary],
        today: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("End loading: no further improvement", "End loading", self._ended, parent)
        self._end = end
        self.intro.setText(
            "Record the clinician's decision that there is no further improvement. Loading "
            f"ends on this date, the clinician reviews stop, and maintenance {course.frequency} "
            "is planned from the last dose given. Loading doses and reviews already booked "
            "are cancelled and their places freed."
        )
        self.on_date = _date_edit(today)
        self.on_date.setObjectName("on_date")
        self.add_field("on_date", "Decided on", self.on_date)

    def check(self) -> dict[str, str]:
        return _date_problem("on_date", self.on_date)

    def _ended(self) -> CourseSummary:
        return self._end(parse_date(self.on_date.text()))


class EndCourseDialog(CourseActionDialog):
    """Ending a lifelong course is a recorded clinician decision with its reason."""

    def __init__(
        self,
        course: CourseSummary,
        end: Callable[[CourseEndReason | None, str, dt.date | None], CourseSummary],
        today: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("End course", "End course", self._ended, parent)
        self._end = end
        self.intro.setText(
            f"End {course.title}? Planned appointments are removed and booked ones "
            "cancelled (their places are freed). Doses already given stay on the record."
        )
        self.reason = QComboBox()
        self.reason.setObjectName("reason")
        self.reason.addItem("Choose a reason…", None)
        for reason in CourseEndReason:
            self.reason.addItem(reason.label, reason.value)
        self.note = QLineEdit()
        self.note.setObjectName("note")
        self.note.setPlaceholderText("Required for Other; e.g. which oral dose")
        self.on_date = _date_edit(today)
        self.on_date.setObjectName("on_date")
        self.add_field("reason", "Reason", self.reason)
        self.add_field("note", "Note", self.note)
        self.add_field("on_date", "Ended on", self.on_date)

    def check(self) -> dict[str, str]:
        return _date_problem("on_date", self.on_date)

    def _ended(self) -> CourseSummary:
        data = self.reason.currentData()
        reason = CourseEndReason(data) if data else None
        return self._end(reason, self.note.text(), parse_date(self.on_date.text()))
