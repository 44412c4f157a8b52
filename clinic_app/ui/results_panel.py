"""The "Results" tab of a patient: the latest value of each test beside its band, the
monitoring blood tests due, and each test's history with its trend.

Every check at the next injection reads these dated values, so the tab is where a
result is entered (and where a mistyped one is corrected: the entry stays, struck out,
with the reason). Reads and writes go through ops; ``loaded`` says when the patient's
results are on screen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.codes import LabTest
from clinic_app.domain.date_text import format_date
from clinic_app.domain.permissions import Action, allowed
from clinic_app.services.queries.lab_results import (
    LabRecord,
    LatestResult,
    MonitoringBloods,
    ResultsOverview,
    results_overview,
)
from clinic_app.ui.lab_result_dialogs import (
    CorrectLabResultDialog,
    LabResultDialog,
    WithdrawLabResultDialog,
)
from clinic_app.ui.lab_trend_chart import LabTrendChart
from clinic_app.ui.ops import Ops
from clinic_app.ui.paged_table_model import RIGHT, Column, PagedTableModel
from clinic_app.ui.row_table import row_table, selected_row

_SEVERITY_COLOURS = {"info": "#1d1d1f", "warn": "#9a5b00", "hold": "#b42318"}
_MUTED = QColor("#7b8794")
_NOT_CLINICAL = "Only a nurse or prescriber can enter or correct a lab result."


def _status(row: LabRecord) -> str:
    """Short enough for the column: the reason; who marked it and when are in the tooltip."""
    return f"Entered in error: {row.error_reason}" if row.in_error else "Final"


def _marked(row: LabRecord) -> str:
    marked = f" by {row.error_marked_by}" if row.error_marked_by else ""
    when = f" on {row.error_marked_at.astimezone():%d/%m/%Y}" if row.error_marked_at else ""
    return f"Entered in error{marked}{when}: {row.error_reason}. Not a result: no check reads it."


HISTORY_COLUMNS: tuple[Column[LabRecord], ...] = (
    Column("Taken", lambda row: format_date(row.taken_on)),
    Column("Value", lambda row: row.value_text, RIGHT),
    Column("Source", lambda row: row.source),
    Column("Entered by", lambda row: row.recorded_by),
    Column("Status", _status),
)


class HistoryModel(PagedTableModel[LabRecord]):
    """One test's entries, newest first; an entry marked in error is struck out and grey."""

    def __init__(self) -> None:
        super().__init__(HISTORY_COLUMNS)

    def role_data(self, row: LabRecord, column: int, role: int) -> Any:
        if not row.in_error:
            return None
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setStrikeOut(column == 1)
            font.setItalic(column != 1)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(_MUTED)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _marked(row)
        return None


class ResultsPanel(QWidget):
    #: The patient's results are on screen.
    loaded = Signal()
    #: A result was saved (entered or corrected) and the tab shows it.
    changed = Signal()

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._request = 0
        self._patient_id: int | None = None
        self.overview: ResultsOverview | None = None
        #: The dialog open right now, if any (window-modal, opened with ``open()``).
        self.active_dialog: QDialog | None = None
        may_enter = allowed(ops.actor.role, Action.RECORD_LAB_RESULT)

        self.message = QLabel("")
        self.message.setObjectName("emptyPage")
        self.message.setWordWrap(True)

        self.latest_box = QGroupBox("Latest results")
        self.latest_grid = QGridLayout(self.latest_box)
        self.latest_grid.setHorizontalSpacing(12)
        self.latest_grid.setVerticalSpacing(2)
        self.latest_grid.setColumnStretch(3, 1)

        self.due_box = QGroupBox("Blood tests due")
        self.due_box.setObjectName("monitoringDue")
        self.due_rows = QVBoxLayout(self.due_box)
        self.due_rows.setSpacing(4)

        self.test_picker = QComboBox()
        self.test_picker.setObjectName("historyTest")
        self.test_picker.setAccessibleName("Test")
        self.enter_button = QPushButton("Enter result…")
        self.enter_button.setObjectName("enterResultButton")
        self.correct_button = QPushButton("Correct…")
        self.correct_button.setObjectName("correctResultButton")
        self.correct_button.setToolTip(
            "Correct the selected entry: it is kept, marked entered in error, with your reason"
        )
        self.withdraw_button = QPushButton("Entered in error…")
        self.withdraw_button.setObjectName("withdrawResultButton")
        self.withdraw_button.setToolTip(
            "The selected entry belongs to another patient or test: keep it, marked entered "
            "in error, with nothing in its place"
        )
        for button in (self.enter_button, self.correct_button, self.withdraw_button):
            button.setEnabled(may_enter)
            if not may_enter:
                button.setToolTip(_NOT_CLINICAL)
        self._may_enter = may_enter

        self.model = HistoryModel()
        self.table = row_table(self.model, (86, 100, 140, 120))
        self.table.setObjectName("resultsTable")
        self.chart = LabTrendChart()

        self.enter_button.clicked.connect(lambda _checked=False: self.open_entry())
        self.correct_button.clicked.connect(self.open_correction)
        self.withdraw_button.clicked.connect(self.open_withdrawal)
        self.test_picker.currentIndexChanged.connect(lambda _i: self._show_test())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self._build_layout()
        self.show_patient(None)

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.latest_box, 3)
        top.addWidget(self.due_box, 2)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("History of"))
        bar.addWidget(self.test_picker, 1)
        bar.addStretch(1)
        bar.addWidget(self.withdraw_button)
        bar.addWidget(self.correct_button)
        bar.addWidget(self.enter_button)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.chart)
        self.splitter.setStretchFactor(0, 3)  # the entries first; the chart below them
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

    # -- public -------------------------------------------------------------------------
    @property
    def patient_id(self) -> int | None:
        return self._patient_id

    @property
    def current_test(self) -> LabTest | None:
        data = self.test_picker.currentData()
        return LabTest(data) if isinstance(data, str) else None

    def show_patient(self, patient_id: int | None) -> None:
        self._patient_id = patient_id
        self._request += 1
        request = self._request
        if patient_id is None:
            self._show(None)
            return
        today = self._ops.today()

        def shown(overview: ResultsOverview) -> None:
            if request == self._request:
                self._show(overview)

        def failed(error: Exception) -> None:
            if request == self._request:
                self._show(None)
                self._set_message(str(error))

        self._ops.read(
            lambda uow: results_overview(uow, patient_id, today=today), shown, failed=failed
        )

    def show_test(self, test: LabTest) -> None:
        index = self.test_picker.findData(test.value)
        if index >= 0:
            self.test_picker.setCurrentIndex(index)

    def open_entry(
        self, test: LabTest | None = None, bloods: MonitoringBloods | None = None
    ) -> LabResultDialog | None:
        overview = self.overview
        if overview is None or self._patient_id is None or not self._may_enter:
            return None
        intro = ""
        if bloods is not None:
            intro = (
                f"Blood tests due {format_date(bloods.planned_date)}: "
                f"{', '.join(bloods.outstanding)} still to enter. A sample taken since "
                f"{format_date(bloods.window_earliest)} completes them."
            )
        dialog = LabResultDialog(
            self._ops,
            self._patient_id,
            overview.choices,
            test=test or self.current_test,
            intro=intro,
            parent=self,
        )
        self._open(dialog)
        return dialog

    def open_correction(self) -> CorrectLabResultDialog | None:
        entry = selected_row(self.table, self.model)
        overview = self.overview
        if entry is None or entry.in_error or overview is None or not self._may_enter:
            return None
        choice = next((c for c in overview.choices if c.test is entry.test), None)
        dialog = CorrectLabResultDialog(self._ops, entry, choice, parent=self)
        self._open(dialog)
        return dialog

    def open_withdrawal(self) -> WithdrawLabResultDialog | None:
        entry = selected_row(self.table, self.model)
        if entry is None or entry.in_error or not self._may_enter:
            return None
        dialog = WithdrawLabResultDialog(self._ops, entry, parent=self)
        self._open(dialog)
        return dialog

    # -- internals ----------------------------------------------------------------------
    def _open(self, dialog: QDialog) -> None:
        self.active_dialog = dialog
        dialog.saved.connect(self._saved)  # type: ignore[attr-defined]
        dialog.finished.connect(lambda _r: setattr(self, "active_dialog", None))
        dialog.open()

    def _saved(self, entry: LabRecord) -> None:
        def then() -> None:
            self.show_test(entry.test)
            self.changed.emit()

        self.loaded.connect(then, Qt.ConnectionType.SingleShotConnection)
        self.show_patient(self._patient_id)

    def _set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _show(self, overview: ResultsOverview | None) -> None:
        self.overview = overview
        self._set_message("" if overview is not None else "No patient selected.")
        self._fill_latest(overview.latest if overview else ())
        self._fill_due(overview)
        keep = self.current_test
        blocked = self.test_picker.blockSignals(True)
        self.test_picker.clear()
        if overview is not None:
            with_results = {row.test for row in overview.history}
            for choice in overview.choices:
                count = len(overview.history_of(choice.test))
                suffix = f" ({count})" if count else ""
                self.test_picker.addItem(f"{choice.label}{suffix}", choice.test.value)
            wanted = keep
            if wanted is None or wanted not in with_results:
                wanted = next(
                    (c.test for c in overview.choices if c.test in with_results),
                    keep or LabTest.PLATELETS,
                )
            index = self.test_picker.findData(wanted.value)
            self.test_picker.setCurrentIndex(max(0, index))
        self.test_picker.blockSignals(blocked)
        for widget in (self.latest_box, self.test_picker, self.table, self.chart):
            widget.setEnabled(overview is not None)
        self.enter_button.setEnabled(overview is not None and self._may_enter)
        self._show_test()
        self.loaded.emit()

    def _show_test(self) -> None:
        overview, test = self.overview, self.current_test
        if overview is None or test is None:
            self.model.set_rows([])
            self.chart.show_trend([], (), "")
            self._update_buttons()
            return
        self.model.set_rows(overview.history_of(test))
        unit = next((c.unit for c in overview.choices if c.test is test), "")
        title = f"{test.label} ({unit})" if unit else test.label
        self.chart.show_trend(overview.trend(test), overview.lines_for(test), title)
        self._update_buttons()

    def _update_buttons(self) -> None:
        entry = selected_row(self.table, self.model)
        usable = self._may_enter and entry is not None and not entry.in_error
        self.correct_button.setEnabled(usable)
        self.withdraw_button.setEnabled(usable)

    def _fill_latest(self, latest: tuple[LatestResult, ...]) -> None:
        _clear(self.latest_grid)
        if not latest:
            empty = QLabel("No results on record.")
            empty.setObjectName("latestEmpty")
            self.latest_grid.addWidget(empty, 0, 0, 1, 4)
            return
        for row, result in enumerate(latest):
            name = QLabel(result.test.label)
            value = QLabel(f"<b>{result.value_text}</b>")
            value.setObjectName(f"latest_{result.test.value}")
            taken = QLabel(format_date(result.taken_on))
            band_text = "; ".join(filter(None, (result.band, *result.warnings)))
            band = QLabel(band_text)
            band.setObjectName(f"band_{result.test.value}")
            band.setWordWrap(True)
            colour = _SEVERITY_COLOURS.get(result.severity, _SEVERITY_COLOURS["info"])
            weight = " font-weight: 600;" if result.severity != "info" else ""
            band.setStyleSheet(f"color: {colour};{weight}")
            for column, widget in enumerate((name, value, taken, band)):
                self.latest_grid.addWidget(widget, row, column)

    def _fill_due(self, overview: ResultsOverview | None) -> None:
        _clear(self.due_rows)
        due = overview.monitoring if overview else ()
        self.due_box.setVisible(bool(due))
        for bloods in due:
            when = (
                f"Overdue since {format_date(bloods.window_latest)}"
                if bloods.overdue
                else f"Due {format_date(bloods.planned_date)}"
            )
            label = QLabel(
                f"<b>{when}</b>: {', '.join(t.name for t in bloods.tests)}<br>{bloods.progress}"
            )
            label.setObjectName(f"due_{bloods.appointment_id}")
            label.setWordWrap(True)
            if bloods.overdue:
                label.setStyleSheet(f"color: {_SEVERITY_COLOURS['hold']};")
            button = QPushButton("Enter result…")
            button.setObjectName(f"dueEnter_{bloods.appointment_id}")
            button.setEnabled(self._may_enter)
            button.clicked.connect(
                lambda _c=False, b=bloods: self.open_entry(test=b.next_test, bloods=b)
            )
            row = QHBoxLayout()
            row.addWidget(label, 1)
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.due_rows.addLayout(row)


def _clear(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.setParent(None)  # out of the tree now, so it is not found again
            widget.deleteLater()
        elif item.layout() is not None:
            _clear(item.layout())
