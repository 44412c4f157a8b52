"""The "Courses" tab of a patient: the course in force, its whole timeline, its actions.

The patient's courses and the chosen course's timeline are read through the ops
gateway on the worker; ``loaded`` says when they are on screen. Every change goes
through a dialog that calls the command and, once saved, the panel reloads and emits
``changed`` so the window can refresh the roster's "next due" column.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.codes import CourseEndReason
from clinic_app.domain.date_text import format_date
from clinic_app.domain.permissions import Action, allowed
from clinic_app.services.commands.courses import (
    end_course,
    end_loading,
    set_interval_factor,
    start_course,
)
from clinic_app.services.library.protocols import ProtocolLibrary
from clinic_app.services.queries.courses import (
    CourseSummary,
    CourseTimeline,
    EntryKind,
    TimelineEntry,
    course_timeline,
    list_courses,
)
from clinic_app.services.queries.patients import PatientRecord, get_patient
from clinic_app.ui.course_dialogs import EndCourseDialog, EndLoadingDialog, FrequencyDialog
from clinic_app.ui.dose_error_dialog import DoseErrorDialog
from clinic_app.ui.ops import Bound, Ops
from clinic_app.ui.review_dialog import ReviewHeldDialog
from clinic_app.ui.start_course_dialog import StartCourseDialog
from clinic_app.ui.timeline_model import DETAILS, TimelineModel

_D = TypeVar("_D", bound=QDialog)
_NOT_CLINICAL = "Only a nurse, prescriber or practice manager can start or change a course."


class CoursePanel(QWidget):
    #: Emitted after any change was saved (a course started, adjusted or ended) and the
    #: panel shows it.
    changed = Signal()
    #: Emitted when the patient's courses and the chosen timeline are on screen.
    loaded = Signal()

    def __init__(self, ops: Ops, library: ProtocolLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._actor = ops.actor
        self._library = library
        self._today = ops.today
        #: Bumped for each load: an answer for an earlier patient or course is dropped.
        self._request = 0
        self._patient_id: int | None = None
        self._patient_name = ""
        self._courses: list[CourseSummary] = []
        self.timeline: CourseTimeline | None = None
        #: The dialog open right now, if any (window-modal, opened with ``open()``).
        self.active_dialog: QDialog | None = None

        self.heading = QLabel("Courses")
        self.heading.setObjectName("patientHeading")
        self.course_picker = QComboBox()
        self.course_picker.setObjectName("coursePicker")
        self.course_picker.setAccessibleName("Course")
        self.course_picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.course_picker.setMinimumContentsLength(30)
        self.picker_label = QLabel("Course")
        self.message = QLabel("")
        self.message.setObjectName("emptyPage")
        self.message.setWordWrap(True)

        self.values: dict[str, QLabel] = {}
        self.details = QGroupBox("Course")
        self.course_title = QLabel("")
        self.course_title.setObjectName("courseTitle")
        self.course_title.setWordWrap(True)
        self.course_title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, label in (
            ("template", "Template"),
            ("started", "Started"),
            ("frequency", "Maintenance"),
            ("loading", "Loading"),
            ("status", "Status"),
            ("counts", "So far"),
        ):
            value = QLabel("")
            value.setObjectName(f"course_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            form.addRow(label, value)
        inside = QVBoxLayout(self.details)
        inside.addWidget(self.course_title)
        inside.addLayout(form)

        self.model = TimelineModel()
        self.table = QTableView()
        self.table.setObjectName("timelineTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DETAILS, QHeaderView.ResizeMode.Stretch)

        self.start_button = QPushButton("Start course…")
        self.start_button.setObjectName("startCourseButton")
        self.frequency_button = QPushButton("Change frequency…")
        self.frequency_button.setObjectName("frequencyButton")
        self.end_loading_button = QPushButton("End loading (no further improvement)…")
        self.end_loading_button.setObjectName("endLoadingButton")
        self.end_course_button = QPushButton("End course…")
        self.end_course_button.setObjectName("endCourseButton")
        self.in_error_button = QPushButton("Entered in error…")
        self.in_error_button.setObjectName("inErrorButton")
        self.in_error_button.setToolTip(
            "Mark the selected given dose as recorded by mistake (kept, never deleted)"
        )
        self.in_error_button.clicked.connect(self.open_in_error_dialog)
        self.review_button = QPushButton("Review held…")
        self.review_button.setObjectName("reviewHeldButton")
        self.review_button.setToolTip(
            "Record that a clinician reviewed the selected review and loading continues"
        )
        self.review_button.clicked.connect(self.open_review_dialog)
        self.start_button.clicked.connect(self.open_start_dialog)
        self.frequency_button.clicked.connect(self.open_frequency_dialog)
        self.end_loading_button.clicked.connect(self.open_end_loading_dialog)
        self.end_course_button.clicked.connect(self.open_end_course_dialog)
        self.course_picker.currentIndexChanged.connect(self._course_picked)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self._build_layout()
        self.show_patient(None)

    # -- public -------------------------------------------------------------------------
    @property
    def patient_id(self) -> int | None:
        return self._patient_id

    @property
    def current_course(self) -> CourseSummary | None:
        index = self.course_picker.currentIndex()
        return self._courses[index] if 0 <= index < len(self._courses) else None

    def show_patient(
        self,
        patient_id: int | None,
        *,
        keep_course: int | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Show a patient's courses (the active one first), or nothing for None."""
        self._patient_id = patient_id
        self._request += 1
        request = self._request
        if patient_id is None:
            self._courses = []
            self._patient_name = ""
            self._fill_picker(None, then)
            return

        def read(uow: Any) -> tuple[PatientRecord, list[CourseSummary]]:
            return get_patient(uow, patient_id), list_courses(uow, patient_id)

        def shown(result: tuple[PatientRecord, list[CourseSummary]]) -> None:
            if request != self._request:
                return
            record, self._courses = result[0], list(result[1])
            self._patient_name = f"{record.details.given_name} {record.details.family_name}"
            self._fill_picker(keep_course, then)

        def failed(error: Exception) -> None:
            if request != self._request:
                return
            self._patient_id = None
            self._courses = []
            self._fill_picker(None, then)
            self._set_message(str(error))

        self._ops.read(read, shown, failed=failed)

    def open_start_dialog(self) -> StartCourseDialog | None:
        if self._patient_id is None:
            return None
        patient_id = self._patient_id

        today, library = self._today(), self._library

        def start(
            protocol_id: str,
            start_date: dt.date | None,
            prescriber_id: int | None,
            ack: Collection[str],
        ) -> Bound[CourseSummary]:
            return start_course.bind(
                patient_id,
                protocol_id,
                start_date,
                prescriber_id=prescriber_id,
                acknowledged=frozenset(ack),
                today=today,
                library=library,
            )

        dialog = StartCourseDialog(
            self._ops, self._library, start, today, self._patient_name, parent=self
        )
        dialog.accepted.connect(lambda: self._saved(dialog.course))
        return self._open(dialog)

    def open_frequency_dialog(self) -> FrequencyDialog | None:
        course = self.current_course
        if course is None or not course.active:
            return None
        # Saved on the worker: the command is bound to plain values, never the panel.
        today = self._today()

        def change(factor: float, reason: str) -> Bound[CourseSummary]:
            return set_interval_factor.bind(
                course.id, factor, reason, today=today, expected_version=course.version
            )

        dialog = FrequencyDialog(course, change, self._ops, parent=self)
        dialog.saved.connect(self._saved)
        return self._open(dialog)

    def open_end_loading_dialog(self) -> EndLoadingDialog | None:
        course = self.current_course
        if course is None or not course.in_loading:
            return None
        today = self._today()

        def end(on_date: dt.date | None) -> Bound[CourseSummary]:
            return end_loading.bind(
                course.id, on_date, today=today, expected_version=course.version
            )

        dialog = EndLoadingDialog(course, end, today, self._ops, parent=self)
        dialog.saved.connect(self._saved)
        return self._open(dialog)

    def open_end_course_dialog(self) -> EndCourseDialog | None:
        course = self.current_course
        if course is None or not course.active:
            return None
        today = self._today()

        def end(
            reason: CourseEndReason | None, note: str, on_date: dt.date | None
        ) -> Bound[CourseSummary]:
            return end_course.bind(
                course.id, reason, note, on_date, today=today, expected_version=course.version
            )

        dialog = EndCourseDialog(course, end, today, self._ops, parent=self)
        dialog.saved.connect(self._saved)
        return self._open(dialog)

    def selected_entry(self) -> TimelineEntry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.entry(rows[0].row()) if rows else None

    def open_in_error_dialog(self) -> DoseErrorDialog | None:
        entry = self.selected_entry()
        if entry is None or entry.administration_id is None:
            return None
        dialog = DoseErrorDialog(entry, self._patient_name, self._ops, parent=self)
        dialog.saved.connect(lambda _record: self._saved(self.current_course))
        return self._open(dialog)

    def open_review_dialog(self) -> ReviewHeldDialog | None:
        entry = self.selected_entry()
        if entry is None or not _reviewable(entry, self._today()):
            return None
        dialog = ReviewHeldDialog(entry, self._patient_name, self._ops, parent=self)
        dialog.saved.connect(lambda _id: self._saved(self.current_course))
        return self._open(dialog)

    # -- internals ----------------------------------------------------------------------
    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addSpacing(24)
        top.addWidget(self.picker_label)
        top.addWidget(self.course_picker, 1)
        top.addStretch(0)
        # What acts on the line selected in the timeline sits right under it; what acts
        # on the whole course below that (one row would not fit a small screen).
        selected = QHBoxLayout()
        selected.addWidget(QLabel("Selected line:"))
        selected.addWidget(self.review_button)
        selected.addWidget(self.in_error_button)
        selected.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.frequency_button)
        buttons.addWidget(self.end_loading_button)
        buttons.addStretch(1)
        buttons.addWidget(self.end_course_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.details)
        layout.addWidget(self.table, 1)
        layout.addLayout(selected)
        layout.addLayout(buttons)

    def _open(self, dialog: _D) -> _D:
        self.active_dialog = dialog
        dialog.finished.connect(self._dialog_closed)
        dialog.open()
        return dialog

    def _dialog_closed(self, _result: int) -> None:
        """Delete the dialog that closed. It is found as the sender, not captured by a
        lambda: a lambda the dialog's own signal holds would keep its wrapper alive
        until the C++ dialog is half destroyed, and freeing it then crashes PySide."""
        dialog = self.sender()
        if not isinstance(dialog, QDialog):
            return
        if self.active_dialog is dialog:
            self.active_dialog = None
        dialog.deleteLater()

    def _saved(self, course: CourseSummary | None) -> None:
        self.show_patient(
            self._patient_id, keep_course=course.id if course else None, then=self.changed.emit
        )

    def _fill_picker(self, keep_course: int | None, then: Callable[[], None] | None) -> None:
        self.course_picker.blockSignals(True)
        self.course_picker.clear()
        for course in self._courses:
            self.course_picker.addItem(_picker_text(course), course.id)
        chosen = next(
            (row for row, course in enumerate(self._courses) if course.id == keep_course), 0
        )
        if self._courses:
            self.course_picker.setCurrentIndex(chosen)
        self.course_picker.blockSignals(False)
        self._course_picked(then=then)

    def _course_picked(self, _index: int = -1, *, then: Callable[[], None] | None = None) -> None:
        course = self.current_course
        self.course_picker.setVisible(len(self._courses) > 1)
        self.picker_label.setVisible(len(self._courses) > 1)
        if course is None:
            self.timeline = None
            self.model.set_entries(())
            self.details.hide()
            self.table.hide()
            if self._patient_id is None:
                self._set_message("Select a patient to see their courses.")
            else:
                self._set_message(
                    "No course yet. A prescriber chooses the regimen; press "
                    "\u201cStart course\u2026\u201d to plan its injections and blood tests."
                )
            self._update_buttons()
            self._finished(then)
            return
        request = self._request
        today = self._today()

        def shown(timeline: CourseTimeline) -> None:
            if request != self._request or self.current_course is not course:
                return
            self._show_timeline(course, timeline)
            self._finished(then)

        self._ops.read(
            lambda uow: course_timeline(uow, course.id, today=today),
            shown,
            failed=lambda error: self._set_message(str(error)),
        )

    def _show_timeline(self, course: CourseSummary, timeline: CourseTimeline) -> None:
        self.timeline = timeline
        self.model.set_entries(timeline.entries)
        self._show_course(course, timeline)
        self._set_message("")
        self.details.show()
        self.table.show()
        upcoming = self.model.row_of_next()
        if upcoming is not None:
            # A few given doses stay in view above the next one, for context.
            self.table.scrollTo(
                self.model.index(max(0, upcoming - 3), 0),
                QAbstractItemView.ScrollHint.PositionAtTop,
            )
        self._update_buttons()

    def _finished(self, then: Callable[[], None] | None) -> None:
        self.loaded.emit()
        if then is not None:
            then()

    def _show_course(self, course: CourseSummary, timeline: CourseTimeline) -> None:
        self.details.setTitle("Current course" if course.active else "Ended course")
        self.course_title.setText(course.title)
        self.values["template"].setText(
            f"{course.protocol_id} (version {course.protocol_version}) · {course.drug}"
        )
        self.values["started"].setText(
            f"{format_date(course.start_date)} · prescribed by {course.prescriber_name}"
        )
        frequency = course.frequency
        if course.frequency_note:
            frequency += f"  ({course.frequency_note})"
        self.values["frequency"].setText(frequency)
        self.values["loading"].setText(_loading_text(course))
        self.values["status"].setText(_status_text(course))
        self.values["counts"].setText(_counts_text(timeline))

    def _update_buttons(self) -> None:
        course = self.current_course
        clinical = allowed(self._actor.role, Action.START_COURSE)
        has_active = any(c.active for c in self._courses)
        self.start_button.setEnabled(clinical and self._patient_id is not None and not has_active)
        active = clinical and course is not None and course.active
        self.frequency_button.setEnabled(active)
        self.end_course_button.setEnabled(active)
        self.end_loading_button.setEnabled(active and course is not None and course.in_loading)
        entry = self.selected_entry()
        self.in_error_button.setEnabled(
            allowed(self._actor.role, Action.MARK_DOSE_IN_ERROR)
            and entry is not None
            and entry.administration_id is not None
        )
        self.review_button.setEnabled(
            allowed(self._actor.role, Action.HOLD_REVIEW)
            and entry is not None
            and _reviewable(entry, self._today())
        )
        tip = "" if clinical else _NOT_CLINICAL
        for button in (
            self.start_button,
            self.frequency_button,
            self.end_loading_button,
            self.end_course_button,
        ):
            button.setToolTip(tip)
        if clinical and has_active:
            self.start_button.setToolTip("End the active course before starting another.")

    def _set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


def _reviewable(entry: TimelineEntry, today: dt.date) -> bool:
    """A review due now or overdue (a future one is held when its day comes)."""
    return entry.kind in (EntryKind.REVIEW, EntryKind.OVERDUE_REVIEW) and entry.earliest <= today


def _picker_text(course: CourseSummary) -> str:
    if course.active:
        return f"Active · {course.title} (from {format_date(course.start_date)})"
    return f"Ended {format_date(course.ended_on)} · {course.title}"


def _loading_text(course: CourseSummary) -> str:
    if course.loading_ended_on is not None:
        by = f" by {course.loading_ended_by}" if course.loading_ended_by else ""
        return (
            f"{course.loading}; ended {format_date(course.loading_ended_on)}{by} "
            "(no further improvement)"
        )
    if course.in_loading:
        return f"{course.loading} — in progress"
    return course.loading


def _status_text(course: CourseSummary) -> str:
    if course.active:
        due = f"; next dose {format_date(course.next_dose)}" if course.next_dose else ""
        return f"Active{due}"
    reason = course.end_reason.label if course.end_reason else ""
    note = f": {course.end_note}" if course.end_note else ""
    by = f" by {course.ended_by}" if course.ended_by else ""
    return f"Ended {format_date(course.ended_on)}{by} · {reason}{note}"


def _counts_text(timeline: CourseTimeline) -> str:
    counts = Counter(entry.kind for entry in timeline.entries)
    parts = [
        f"{counts[EntryKind.GIVEN] + timeline.earlier_doses} given",
        f"{counts[EntryKind.BOOKED]} booked",
        f"{counts[EntryKind.PLANNED]} planned",
    ]
    if counts[EntryKind.MISSED]:
        parts.append(f"{counts[EntryKind.MISSED]} missed")
    text = " · ".join(parts)
    if timeline.earlier_doses:
        text += f" ({timeline.earlier_doses} given before records in this app began)"
    return text
