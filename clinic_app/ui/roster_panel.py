"""The roster: search as you type, filter by status and regimen, sort by column.

Every keystroke starts the search at once on the worker (a count and a keyset page are
a few milliseconds even at 100,000 patients), so there is no debounce delay between
typing and seeing, and typing never waits on the database; an answer overtaken by
the next keystroke is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.codes import PatientStatus
from clinic_app.services.queries.roster import NO_COURSE, RosterQuery
from clinic_app.ui.roster_model import PATIENT_ID_ROLE, RosterModel


class RosterPanel(QWidget):
    patient_selected = Signal(int)
    #: Emitted with the number of patients matching the current search.
    count_changed = Signal(int)

    def __init__(
        self,
        model: RosterModel,
        regimens: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        #: What to do once the search being read is on screen (Enter, keep selection).
        self._when_shown: list[Callable[[], None]] = []

        self.search = QLineEdit()
        self.search.setObjectName("rosterSearch")
        self.search.setPlaceholderText("Search: name, NHS number or date of birth (DD/MM/YYYY)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search patients")

        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter by status")
        self.status_filter.addItem("All statuses", None)
        for status in PatientStatus:
            self.status_filter.addItem(status.label, status)

        self.regimen_filter = QComboBox()
        self.regimen_filter.setAccessibleName("Filter by regimen")
        self.regimen_filter.addItem("Any regimen", None)
        self.regimen_filter.addItem("No active course", NO_COURSE)
        for protocol_id, title in regimens:
            self.regimen_filter.addItem(f"{protocol_id}: {title}", protocol_id)
        self.regimen_filter.setMinimumContentsLength(18)
        self.regimen_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )

        self.table = QTableView()
        self.table.setObjectName("rosterTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((180, 100, 100, 80, 140)):
            header.resizeSection(column, width)

        self.summary = QLabel()
        self.summary.setObjectName("rosterSummary")

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.regimen_filter, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

        self.search.textChanged.connect(self._requery)
        self.status_filter.currentIndexChanged.connect(self._requery)
        self.regimen_filter.currentIndexChanged.connect(self._requery)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.search.returnPressed.connect(self._open_first)
        model.shown.connect(self._shown)

    def current_query(self) -> RosterQuery:
        return RosterQuery(
            text=self.search.text(),
            status=_status(self.status_filter.currentData()),
            protocol_id=self.regimen_filter.currentData(),
            sort=self._model.query.sort,
            descending=self._model.query.descending,
        )

    @property
    def busy(self) -> bool:
        """A search is being read; what is shown is the one before it."""
        return self._model.searching

    def refresh(self, *, select: int | None = None) -> None:
        """Re-run the current search, keeping the selected patient selected (or selecting
        ``select``, a patient just added) once the results are in."""
        selected = select if select is not None else self.selected_patient_id()
        if selected is not None:
            self._when_shown.append(lambda: self._reselect(selected))
        self._requery()

    def selected_patient_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(PATIENT_ID_ROLE)
        return int(value) if value is not None else None

    def select_patient(self, patient_id: int) -> bool:
        row = self._model.row_of_patient(patient_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self._model.index(row, 0))
        return True

    def _requery(self) -> None:
        self._model.search(self.current_query())

    def _shown(self, total: int) -> None:
        shown = "patient" if total == 1 else "patients"
        self.summary.setText(f"{total:,} {shown}")
        self.count_changed.emit(total)
        waiting, self._when_shown = self._when_shown, []
        for then in waiting:
            then()

    def _reselect(self, patient_id: int) -> None:
        if self.selected_patient_id() != patient_id:
            blocked = self.table.selectionModel().blockSignals(True)
            self.select_patient(patient_id)
            self.table.selectionModel().blockSignals(blocked)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.patient_selected.emit(int(indexes[0].data(PATIENT_ID_ROLE)))

    def _open_first(self) -> None:
        if self.busy:  # Enter typed before the results: open the first of those
            self._when_shown.append(self._open_first)
            return
        if self._model.rowCount() > 0:
            self.table.setCurrentIndex(self._model.index(0, 0, QModelIndex()))
            self.table.selectRow(0)
            self.table.setFocus()


def _status(value: object) -> PatientStatus | None:
    """Qt hands combo data back as plain strings; turn it back into the code."""
    return None if value is None else PatientStatus(str(value))
