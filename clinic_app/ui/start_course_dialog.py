"""Start a course: choose the prescribed template, its start date and the prescriber.

The template list shows, for the one selected, what a prescriber checks before
agreeing: the summary, loading and maintenance, the source, and where published
sources disagree. Course-start warnings come back from the service; each is shown
with a box to tick, and the course starts only once every box is ticked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.domain.course_warnings import CourseWarning
from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.interval_factor import every_text
from clinic_app.domain.protocol import Protocol
from clinic_app.services.commands.courses import WarningsNeedAcknowledgement
from clinic_app.services.library.protocols import ProtocolLibrary
from clinic_app.services.queries.courses import CourseSummary
from clinic_app.services.queries.prescribers import PrescriberSummary, list_prescribers
from clinic_app.services.queries.settings import load_settings
from clinic_app.ui.ops import Bound, Ops

#: (template id, start date, prescriber id, acknowledged warning codes) -> the course.
#: The start command bound to what the form says (ops runs it on the worker).
StartCourse = Callable[[str, dt.date | None, int | None, Collection[str]], Bound[CourseSummary]]

_FIELD_LABELS = {
    "protocol_id": "Template",
    "start_date": "Start date",
    "prescriber_id": "Prescriber",
}


class StartCourseDialog(QDialog):
    #: The clinic's settings (its default template, if any) have been applied.
    settings_read = Signal()

    def __init__(
        self,
        ops: Ops,
        library: ProtocolLibrary,
        start: StartCourse,
        today: dt.date,
        patient_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._saving = False
        self.setWindowTitle(
            f"Start a course for {patient_name}" if patient_name else "Start a course"
        )
        self._library = library
        self._start = start
        self.course: CourseSummary | None = None
        self.warning_boxes: dict[str, QCheckBox] = {}
        self.errors: dict[str, QLabel] = {}

        self.templates = QListWidget()
        self.templates.setObjectName("templates")
        self.templates.setAccessibleName("Templates")
        self.templates.setWordWrap(True)
        self.templates.setMinimumWidth(260)
        self.templates.setSpacing(3)
        for protocol in library.all():
            item = QListWidgetItem(protocol.title)
            item.setData(Qt.ItemDataRole.UserRole, protocol.id)
            item.setToolTip(f"{protocol.id} (version {protocol.version})")
            self.templates.addItem(item)
        self.details = QTextBrowser()
        self.details.setObjectName("templateDetails")
        self.details.setOpenLinks(False)
        self.details.setMinimumWidth(360)

        self.start_date = QLineEdit(format_date(today))
        self.start_date.setObjectName("start_date")
        self.start_date.setPlaceholderText("DD/MM/YYYY")
        self.start_date.setMaximumWidth(140)
        # From the clinic's list (read on the worker), never typed.
        self.prescriber = QComboBox()
        self.prescriber.setObjectName("prescriber_id")
        self.prescriber.addItem("Reading the list of prescribers…", None)
        ops.read(lambda uow: list_prescribers(uow, include_inactive=False), self._fill_prescribers)

        self.warnings_box = QGroupBox("Read and acknowledge before starting")
        self.warnings_box.setObjectName("courseWarnings")
        self.warnings_box.setStyleSheet(
            "QGroupBox#courseWarnings { background: #fff8e1; border: 1px solid #d69e2e;"
            " border-radius: 4px; padding-top: 14px; }"
        )
        self.warnings_layout = QVBoxLayout(self.warnings_box)
        self.warnings_box.hide()

        self.problem = QLabel("")
        self.problem.setObjectName("problemSummary")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button: QPushButton = self.buttons.addButton(
            "Start course", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.start_button.setObjectName("startButton")
        self.start_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        self._build_layout()
        # The selection, not the current item: a list given the focus makes its first
        # row current without selecting it, and that must not choose a regimen.
        self.templates.itemSelectionChanged.connect(self._template_chosen)
        # No template preselected (Enter must not start the first in the list), unless
        # the clinic chose a default template: read from its settings on the worker.
        self.templates.setCurrentRow(-1)
        self.details.setHtml("<p>Choose the prescribed template on the left.</p>")
        ops.read(load_settings, self._settings_read)
        self.resize(900, 700)

    # -- public -------------------------------------------------------------------------
    def select_template(self, protocol_id: str) -> None:
        for row in range(self.templates.count()):
            if self.templates.item(row).data(Qt.ItemDataRole.UserRole) == protocol_id:
                self.templates.setCurrentRow(row)
                return

    def _settings_read(self, settings: ClinicSettings) -> None:
        if settings.default_template and not self.templates.selectedItems():
            self.select_template(settings.default_template)
        self.settings_read.emit()

    def selected_protocol(self) -> Protocol | None:
        selected = self.templates.selectedItems()
        if not selected:
            return None
        return self._library.get(str(selected[0].data(Qt.ItemDataRole.UserRole)))

    def submit(self) -> None:
        protocol = self.selected_protocol()
        errors: dict[str, str] = {}
        if protocol is None:
            errors["protocol_id"] = "is required: choose the prescribed template"
        text = self.start_date.text().strip()
        if text and parse_date(text) is None:
            errors["start_date"] = "is not a date: use DD/MM/YYYY"
        if errors:
            self._show_errors(errors)
            return
        assert protocol is not None
        acknowledged = [code for code, box in self.warning_boxes.items() if box.isChecked()]
        prescriber = self.prescriber.currentData()
        command = self._start(protocol.id, parse_date(text), prescriber, acknowledged)
        self._saving = True
        self._ops.write(command, self._started, failed=self._refused)

    @property
    def busy(self) -> bool:
        """The start is being saved."""
        return self._saving

    def _started(self, course: CourseSummary) -> None:
        self._saving = False
        self.course = course
        self.accept()

    def _refused(self, error: UserError | ValidationFailed) -> None:
        self._saving = False
        if isinstance(error, WarningsNeedAcknowledgement):
            self._show_errors({})
            self.show_warnings(error.warnings)
        elif isinstance(error, ValidationFailed):
            self._show_errors(error.errors)
        else:
            self._show_errors({})
            self._show_problem(str(error))

    def show_warnings(self, warnings: tuple[CourseWarning, ...]) -> None:
        """One box per warning to tick; Start stays off until all are ticked."""
        ticked = {code for code, box in self.warning_boxes.items() if box.isChecked()}
        while self.warnings_layout.count():
            item = self.warnings_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.warning_boxes.clear()
        for warning in warnings:
            text = QLabel(warning.message)
            text.setWordWrap(True)
            text.setObjectName(f"warning_{warning.code}")
            box = QCheckBox("I have read this and checked it with the prescriber")
            box.setObjectName(f"acknowledge_{warning.code}")
            box.setChecked(warning.code in ticked)
            box.toggled.connect(self._update_start_button)
            rule = QFrame()
            rule.setFrameShape(QFrame.Shape.HLine)
            self.warnings_layout.addWidget(text)
            self.warnings_layout.addWidget(box)
            if warning is not warnings[-1]:
                self.warnings_layout.addWidget(rule)
            self.warning_boxes[warning.code] = box
        self.warnings_box.setVisible(bool(warnings))
        self._show_problem(
            "Tick each warning to confirm it has been read, then press Start course."
            if warnings
            else ""
        )
        self._update_start_button()

    # -- internals ----------------------------------------------------------------------
    def _fill_prescribers(self, prescribers: list[PrescriberSummary]) -> None:
        if not isValid(self.prescriber):
            return  # the dialog was closed before the list arrived
        self.prescriber.clear()
        self.prescriber.addItem(
            "Choose the prescriber…" if prescribers else "No prescribers on the clinic's list",
            None,
        )
        for prescriber in prescribers:
            self.prescriber.addItem(prescriber.label(), prescriber.id)
        own = next((p for p in prescribers if p.user_id == self._ops.actor.user_id), None)
        if own is not None:
            self.prescriber.setCurrentIndex(self.prescriber.findData(own.id))

    def _build_layout(self) -> None:
        choose = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Template (as prescribed)"))
        left.addWidget(self.templates, 1)
        left.addWidget(self._error_label("protocol_id"))
        choose.addLayout(left, 2)
        choose.addWidget(self.details, 3)
        form = QFormLayout()
        form.addRow("Start date", self._with_error("start_date", self.start_date))
        form.addRow("Prescriber", self._with_error("prescriber_id", self.prescriber))
        layout = QVBoxLayout(self)
        layout.addLayout(choose, 1)
        layout.addLayout(form)
        layout.addWidget(self.warnings_box)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _error_label(self, name: str) -> QLabel:
        label = QLabel("")
        label.setObjectName(f"error_{name}")
        label.setProperty("role", "fieldError")
        label.setWordWrap(True)
        label.hide()
        self.errors[name] = label
        return label

    def _with_error(self, name: str, widget: QWidget) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(self._error_label(name))
        return box

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            message = errors.get(name)
            label.setText(f"{_FIELD_LABELS[name]} {message}" if message else "")
            label.setVisible(bool(message))
        self._show_problem(
            " ".join(f"{name}: {text}" for name, text in errors.items() if name not in self.errors)
        )

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _template_chosen(self) -> None:
        protocol = self.selected_protocol()
        self.details.setHtml(_describe(protocol) if protocol else "")
        # Warnings depend on the drug: a different template asks again.
        self.show_warnings(())

    def _update_start_button(self) -> None:
        self.start_button.setEnabled(all(box.isChecked() for box in self.warning_boxes.values()))


def _describe(protocol: Protocol) -> str:
    """The template as a prescriber reads it, as escaped rich text."""

    def text(value: str) -> str:
        return escape(" ".join(value.split()))

    maintenance = every_text(protocol.maintenance.every)
    maintenance += " for life" if protocol.for_life else ""
    dose = protocol.maintenance_dose.describe()
    routes = " or ".join(protocol.routes)
    parts = [
        f"<h3>{text(protocol.title)}</h3>",
        f"<p>{text(protocol.summary)}</p>",
        "<table cellspacing='4'>",
        f"<tr><td><b>Drug</b></td><td>{text(protocol.drug)} {escape(protocol.dose.describe())}"
        f" {escape(routes)}</td></tr>",
        f"<tr><td><b>Loading</b></td><td>{text(protocol.loading.describe())}</td></tr>",
        f"<tr><td><b>Maintenance</b></td><td>{escape(dose)} {escape(maintenance)}</td></tr>",
        f"<tr><td><b>Source</b></td><td>{text(protocol.source)}</td></tr>",
        f"<tr><td><b>Template</b></td><td>{escape(protocol.id)}, version "
        f"{escape(protocol.version)}</td></tr>",
        "</table>",
    ]
    if protocol.disagreements:
        parts.append("<p><b>Where sources disagree</b></p><ul>")
        parts += [f"<li>{text(item)}</li>" for item in protocol.disagreements]
        parts.append("</ul>")
    return "".join(parts)
