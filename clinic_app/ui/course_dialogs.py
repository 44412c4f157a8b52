"""The dialogs that change a running course: frequency, end of loading, end of course.

Each takes the action as a callable (the panel binds it to the service), shows every
problem right under its field, and closes only when the change has been saved.
Re-planning a lifelong course can take a moment, so saving runs on the worker
(see ``form_dialog.FormDialog``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QWidget

from clinic_app.domain.clinic_settings import ClinicSettings, factor_range
from clinic_app.domain.codes import CourseEndReason
from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.domain.interval_factor import FactorRange, effective_interval_text
from clinic_app.services.queries.courses import CourseSummary
from clinic_app.services.queries.settings import load_settings
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.ops import Bound, Ops

_FIELD_LABELS = {
    "interval_factor": "Factor",
    "reason": "Reason",
    "note": "Note",
    "on_date": "Date",
}


def _date_edit(today: dt.date, name: str) -> QLineEdit:
    edit = QLineEdit(format_date(today))
    edit.setObjectName(name)
    edit.setPlaceholderText("DD/MM/YYYY")
    edit.setMaximumWidth(140)
    return edit


def _date_problem(name: str, edit: QLineEdit) -> dict[str, str]:
    text = edit.text().strip()
    if text and parse_date(text) is None:
        return {name: "is not a date: use DD/MM/YYYY"}
    return {}


class FrequencyDialog(FormDialog):
    """A per-patient frequency adjustment: 1.5 makes maintenance 50% more frequent.

    The factor box spans only the clinic's allowed range (two clinic settings, read on
    the worker when the dialog opens; until then the box and the button wait), so a
    slip such as 0.15 for 1.5 cannot be typed. The service checks the range again.
    """

    FIELD_LABELS: ClassVar[Mapping[str, str]] = _FIELD_LABELS
    #: The clinic's allowed range is on screen: the factor can be entered.
    ready = Signal()

    def __init__(
        self,
        course: CourseSummary,
        change: Callable[[float, str], Bound[CourseSummary]],
        ops: Ops,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Change maintenance frequency",
            "Change frequency",
            ops,
            parent,
            cancel="Cancel",
            width=480,
        )
        self._course = course
        self._change = change
        self.allowed = FactorRange()
        self.factor = QDoubleSpinBox()
        self.factor.setObjectName("factor")
        self.factor.setSingleStep(0.05)
        self.factor.setDecimals(2)
        self.factor.setMaximumWidth(100)
        self._set_range(self.allowed)
        self.factor.setValue(course.interval_factor)
        self.factor.setEnabled(False)
        self.ok_button.setEnabled(False)
        self.range_note = QLabel("Reading the clinic's allowed range…")
        self.range_note.setObjectName("factorRange")
        self.range_note.setWordWrap(True)
        self.preview = QLabel("")
        self.preview.setObjectName("frequencyPreview")
        self.reason = QLineEdit(
            course.interval_factor_reason if course.interval_factor != 1 else ""
        )
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("e.g. tingling returns about 10 weeks after each dose")
        self.add_field("Factor", "interval_factor", self.factor)
        self.form.addRow("", self.range_note)
        self.form.addRow("Result", self.preview)
        self.add_field("Reason", "reason", self.reason)
        self.finish_layout(
            f"Now: maintenance {course.frequency}. A factor of 1.5 makes injections 50% "
            "more frequent, as the clinic's guideline allows when symptoms return before the "
            "next dose; below 1 makes them less frequent (NICE NG239: when the cause has "
            "resolved), "
            "and needs a reason. Every planned date is recalculated from the last dose given."
        )
        self.factor.valueChanged.connect(self._update_preview)
        self._update_preview()
        ops.read(load_settings, self._settings_read)

    def work(self) -> Bound[Any]:
        factor, reason, change = self.factor.value(), self.reason.text(), self._change
        return change(factor, reason)

    def _settings_read(self, settings: ClinicSettings) -> None:
        self.allowed = factor_range(settings)
        current = self._course.interval_factor
        self._set_range(self.allowed)
        # A factor set before the clinic narrowed its range is brought inside it.
        self.factor.setValue(min(max(current, self.allowed.low), self.allowed.high))
        self.range_note.setText(
            f"Allowed: {self.allowed.low:g} (less often) to {self.allowed.high:g} "
            "(more often), set by the clinic."
        )
        self.factor.setEnabled(True)
        self.ok_button.setEnabled(True)
        self._update_preview()
        self.ready.emit()

    def _set_range(self, allowed: FactorRange) -> None:
        self.factor.setRange(allowed.low, allowed.high)

    def _update_preview(self) -> None:
        text = effective_interval_text(self._course.maintenance_every, self.factor.value())
        self.preview.setText(f"maintenance {text}")


class EndLoadingDialog(FormDialog):
    """The clinician's "no further improvement": loading ends, maintenance begins."""

    FIELD_LABELS: ClassVar[Mapping[str, str]] = _FIELD_LABELS

    def __init__(
        self,
        course: CourseSummary,
        end: Callable[[dt.date | None], Bound[CourseSummary]],
        today: dt.date,
        ops: Ops,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "End loading: no further improvement",
            "End loading",
            ops,
            parent,
            cancel="Cancel",
            width=480,
        )
        self._end = end
        self.on_date = _date_edit(today, "on_date")
        self.add_field("Decided on", "on_date", self.on_date)
        self.finish_layout(
            "Record the clinician's decision that there is no further improvement. Loading "
            f"ends on this date, the clinician reviews stop, and maintenance {course.frequency} "
            "is planned from the last dose given. Loading doses and reviews already booked "
            "are cancelled and their places freed."
        )

    def local_problems(self) -> dict[str, str]:
        return _date_problem("on_date", self.on_date)

    def work(self) -> Bound[Any]:
        on_date, end = parse_date(self.on_date.text()), self._end
        return end(on_date)


class EndCourseDialog(FormDialog):
    """Ending a lifelong course is a recorded clinician decision with its reason."""

    FIELD_LABELS: ClassVar[Mapping[str, str]] = _FIELD_LABELS

    def __init__(
        self,
        course: CourseSummary,
        end: Callable[[CourseEndReason | None, str, dt.date | None], Bound[CourseSummary]],
        today: dt.date,
        ops: Ops,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("End course", "End course", ops, parent, cancel="Cancel", width=480)
        self._end = end
        self.reason = QComboBox()
        self.reason.setObjectName("reason")
        self.reason.addItem("Choose a reason…", None)
        for reason in CourseEndReason:
            self.reason.addItem(reason.label, reason.value)
        self.note = QLineEdit()
        self.note.setObjectName("note")
        self.note.setPlaceholderText("Required for Other; e.g. which oral dose")
        self.on_date = _date_edit(today, "on_date")
        self.add_field("Reason", "reason", self.reason)
        self.add_field("Note", "note", self.note)
        self.add_field("Ended on", "on_date", self.on_date)
        self.finish_layout(
            f"End {course.title}? Planned appointments are removed and booked ones "
            "cancelled (their places are freed). Doses already given stay on the record."
        )

    def local_problems(self) -> dict[str, str]:
        return _date_problem("on_date", self.on_date)

    def work(self) -> Bound[Any]:
        data = self.reason.currentData()
        reason = CourseEndReason(data) if data else None
        note, on_date, end = self.note.text(), parse_date(self.on_date.text()), self._end
        return end(reason, note, on_date)
