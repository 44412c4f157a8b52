"""Entering a lab result, and correcting one that was mistyped.

The same entry form serves the Results tab, its "blood tests due" list and the
recording dialog's "Enter today's count…": test, value, unit (filled in from the
clinic's lab tests file), the date the sample was taken (today unless changed) and
where the result came from. The service checks the value against the plausible range
and names the field; the correction form asks for the corrected value and a reason,
and says plainly that the mistyped entry is kept, marked entered in error.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from clinic_app.domain.codes import LabTest
from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.domain.recording_rules import validate_correction_reason
from clinic_app.services.commands.lab_results import (
    correct_lab_result,
    mark_lab_result_in_error,
    record_lab_result,
)
from clinic_app.services.queries.lab_results import LabRecord, LabTestChoice
from clinic_app.ui.field_row import field_with_error
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.ops import Bound, Ops

_FIELD_LABELS = {
    "test": "Test",
    "value": "Value",
    "unit": "Unit",
    "taken_on": "Date taken",
    "source": "Source",
    "reason": "Reason",
}


def parse_value(text: str) -> float | None:
    """The number typed ("150", "2.4"), or None when it is not one."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _date_edit(day: dt.date, name: str) -> QLineEdit:
    edit = QLineEdit(format_date(day))
    edit.setObjectName(name)
    edit.setPlaceholderText("DD/MM/YYYY")
    edit.setMaximumWidth(140)
    return edit


def _typed_problems(value: QLineEdit, taken_on: QLineEdit) -> dict[str, str]:
    problems: dict[str, str] = {}
    if value.text().strip() and parse_value(value.text()) is None:
        problems["value"] = "is not a number (use a decimal point: 2.4)"
    if taken_on.text().strip() and parse_date(taken_on.text()) is None:
        problems["taken_on"] = "is not a date: use DD/MM/YYYY"
    return problems


class LabResultDialog(FormDialog):
    """A new result for one patient; ``saved`` carries the ``LabRecord``."""

    FIELD_LABELS: ClassVar[Mapping[str, str]] = _FIELD_LABELS

    def __init__(
        self,
        ops: Ops,
        patient_id: int,
        choices: Sequence[LabTestChoice],
        *,
        test: LabTest | None = None,
        intro: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Enter a lab result", "Save result", ops, parent, cancel="Cancel")
        self.setObjectName("labResultDialog")
        self._patient_id = patient_id
        self._today = ops.today()
        self._choices = {choice.test: choice for choice in choices}
        self.test = QComboBox()
        self.test.setObjectName("labTest")
        self.test.addItem("Choose the test…", None)
        for choice in choices:
            self.test.addItem(choice.label, choice.test.value)
        self.value = QLineEdit()
        self.value.setObjectName("labValue")
        self.value.setMaximumWidth(140)
        self.unit = QLineEdit()
        self.unit.setObjectName("labUnit")
        self.unit.setMaximumWidth(140)
        self.range_hint = QLabel("")
        self.range_hint.setObjectName("fieldHint")
        self.range_hint.setWordWrap(True)
        self.taken_on = _date_edit(self._today, "labTakenOn")
        self.source = QLineEdit()
        self.source.setObjectName("labSource")
        self.source.setMaxLength(80)
        self.source.setPlaceholderText("e.g. practice phlebotomy, hospital lab report")
        self.add_field("Test", "test", self.test)
        self.form.addRow(
            "Value", field_with_error("value", self.errors, self.value, self.range_hint)
        )
        self.add_field("Unit", "unit", self.unit)
        self.add_field("Date taken", "taken_on", self.taken_on)
        self.add_field("Source", "source", self.source)
        self.finish_layout(
            intro
            or "The date is the day the sample was taken, not the day the report came. "
            "A value no patient can have is refused: check the decimal point."
        )
        self.test.currentIndexChanged.connect(lambda _i: self._test_changed())
        if test is not None:
            self.choose_test(test)
        self._test_changed()
        (self.value if test is not None else self.test).setFocus()

    def choose_test(self, test: LabTest) -> None:
        index = self.test.findData(test.value)
        if index >= 0:
            self.test.setCurrentIndex(index)

    def chosen_test(self) -> LabTest | None:
        data = self.test.currentData()
        return LabTest(data) if isinstance(data, str) else None

    def local_problems(self) -> dict[str, str]:
        return _typed_problems(self.value, self.taken_on)

    def work(self) -> Bound[Any]:
        test = self.chosen_test()
        return record_lab_result.bind(
            self._patient_id,
            test.value if test is not None else "",
            parse_value(self.value.text()),
            self.unit.text(),
            parse_date(self.taken_on.text()),
            source=self.source.text(),
            today=self._today,
        )

    def _test_changed(self) -> None:
        test = self.chosen_test()
        choice = self._choices.get(test) if test is not None else None
        self.unit.setText(choice.unit if choice else "")
        self.unit.setPlaceholderText("no unit" if choice and not choice.unit else "")
        self.range_hint.setText(f"Plausible: {choice.range_text}" if choice else "")


class CorrectLabResultDialog(FormDialog):
    """The corrected value of a mistyped entry, and why; ``saved`` carries the new entry."""

    FIELD_LABELS: ClassVar[Mapping[str, str]] = _FIELD_LABELS

    def __init__(
        self,
        ops: Ops,
        entry: LabRecord,
        choice: LabTestChoice | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Correct a lab result", "Save correction", ops, parent, cancel="Cancel", width=500
        )
        self.setObjectName("correctLabResultDialog")
        self._entry = entry
        self._today = ops.today()
        self.value = QLineEdit(f"{entry.value:g}")
        self.value.setObjectName("labValue")
        self.value.setMaximumWidth(140)
        self.unit = QLineEdit(entry.unit)
        self.unit.setObjectName("labUnit")
        self.unit.setMaximumWidth(140)
        self.taken_on = _date_edit(entry.taken_on, "labTakenOn")
        self.reason = QLineEdit()
        self.reason.setObjectName("correctionReason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("e.g. typed 15 for 150")
        hint = f"Plausible: {choice.range_text}" if choice else ""
        self.add_field("Corrected value", "value", self.value, hint)
        self.add_field("Unit", "unit", self.unit)
        self.add_field("Date taken", "taken_on", self.taken_on)
        self.add_field("Reason", "reason", self.reason)
        self.finish_layout(
            f"{entry.test.label} {entry.value_text} taken {format_date(entry.taken_on)}"
            f"{' (' + entry.source + ')' if entry.source else ''}. "
            "The entry is kept in the record, marked entered in error with your reason, "
            "and the corrected value replaces it in every check."
        )
        self.value.setFocus()
        self.value.selectAll()

    def local_problems(self) -> dict[str, str]:
        return _typed_problems(self.value, self.taken_on)

    def work(self) -> Bound[Any]:
        return correct_lab_result.bind(
            self._entry.id,
            parse_value(self.value.text()),
            self.unit.text(),
            parse_date(self.taken_on.text()),
            self.reason.text(),
            expected_version=self._entry.version,
            today=self._today,
        )


class WithdrawLabResultDialog(FormDialog):
    """An entry that belongs to no test of this patient (the wrong record was open, the
    wrong test was chosen): kept, marked entered in error, replaced by nothing."""

    FIELD_LABELS: ClassVar[Mapping[str, str]] = _FIELD_LABELS

    def __init__(self, ops: Ops, entry: LabRecord, parent: QWidget | None = None) -> None:
        super().__init__(
            "Mark a lab result entered in error",
            "Mark entered in error",
            ops,
            parent,
            cancel="Cancel",
            width=500,
        )
        self.setObjectName("withdrawLabResultDialog")
        self._entry = entry
        self.reason = QLineEdit()
        self.reason.setObjectName("withdrawReason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("e.g. entered on the wrong patient")
        self.add_field("Reason", "reason", self.reason)
        self.finish_layout(
            f"{entry.test.label} {entry.value_text} taken {format_date(entry.taken_on)}"
            f"{' (' + entry.source + ')' if entry.source else ''}. "
            "The entry is kept in the record, marked entered in error with your reason, and "
            "no longer counts in any check. If the value was only mistyped, use Correct… "
            "instead. If it was entered under the wrong test, enter it again under the "
            "right one."
        )
        self.reason.setFocus()

    def local_problems(self) -> dict[str, str]:
        return validate_correction_reason(self.reason.text())

    def work(self) -> Bound[Any]:
        return mark_lab_result_in_error.bind(
            self._entry.id, self.reason.text(), expected_version=self._entry.version
        )
