"""Stock: the lots on the shelf, deliveries, recalls, and who received a lot.

The lots table pages through the database as it scrolls and colours what needs
attention (expired stock still on the shelf red, lots expiring soon amber, low stock
bold). A recall is two steps a practice takes together: mark the lot recalled (it can
never be chosen again) and trace it (every patient who received it, exported as CSV
for the recall letters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.codes import LotStatus
from clinic_app.domain.date_text import format_date
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.lot_rules import normalise_lot_number
from clinic_app.services.commands.stock import (
    quarantine_lot,
    recall_lot,
    receive_lot,
    record_wastage,
    release_lot,
)
from clinic_app.services.envelope import Done
from clinic_app.services.queries import lot_trace
from clinic_app.services.queries.lot_trace import TraceRow
from clinic_app.services.queries.stock import (
    LotRow,
    ProductSummary,
    expiring_soon,
    list_products,
    lot_page,
    low_stock,
)
from clinic_app.ui.lot_reason_dialog import LotReasonDialog
from clinic_app.ui.ops import Ops
from clinic_app.ui.receive_lot_dialog import ReceiveLotDialog
from clinic_app.ui.row_table import row_table, select_row, selected_row
from clinic_app.ui.stock_models import LotTableModel, TraceTableModel


class StockPanel(QWidget):
    #: Emitted after anything changed the stock (a delivery, a recall, wastage).
    changed = Signal()

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stockPanel")
        self._ops = ops
        self._today = ops.today
        self._traced = ""
        #: The lot to choose again once the reloaded lots are in (after a change).
        self._keep: int | None = None
        self.dialog: QDialog | None = None
        #: Asks where to save the CSV; replaceable (tests answer without a file dialog).
        self.choose_csv_path: Callable[[str], Path | None] = self._ask_csv_path

        self.summary = QLabel("")
        self.summary.setObjectName("stockSummary")
        self.summary.setWordWrap(True)
        self.model = LotTableModel(ops, self._lot_page)
        self.table = row_table(self.model, (280, 110, 100, 100))
        self.table.setObjectName("lotTable")
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection())
        self.receive_button = QPushButton("Receive lot…")
        self.receive_button.setObjectName("receiveButton")
        self.quarantine_button = QPushButton("Quarantine…")
        self.recall_button = QPushButton("Recall…")
        self.release_button = QPushButton("Release…")
        self.waste_button = QPushButton("Record wastage…")
        self.receive_button.clicked.connect(self.open_receive)
        self.quarantine_button.clicked.connect(lambda: self.open_status(LotStatus.QUARANTINED))
        self.recall_button.clicked.connect(lambda: self.open_status(LotStatus.RECALLED))
        self.release_button.clicked.connect(lambda: self.open_status(LotStatus.AVAILABLE))
        self.waste_button.clicked.connect(self.open_wastage)
        self.message = QLabel("")
        self.message.setObjectName("stockMessage")
        self.message.setWordWrap(True)

        self.trace_input = QLineEdit()
        self.trace_input.setObjectName("traceInput")
        self.trace_input.setPlaceholderText("Lot number, as on the carton or the recall notice")
        self.trace_button = QPushButton("Trace")
        self.trace_button.setObjectName("traceButton")
        self.trace_summary = QLabel("Enter a lot number to list every patient who received it.")
        self.trace_summary.setObjectName("traceSummary")
        self.trace_summary.setWordWrap(True)
        self.trace_model = TraceTableModel(ops, self._trace_page)
        self.trace_table = row_table(self.trace_model, (90, 170, 110, 90, 120, 170, 220, 130))
        self.trace_table.setObjectName("traceTable")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setObjectName("exportButton")
        self.export_button.setEnabled(False)
        self.trace_button.clicked.connect(self.trace)
        self.trace_input.returnPressed.connect(self.trace)
        self.export_button.clicked.connect(self.export_csv)

        self.model.reloaded.connect(self._reloaded)
        self._build()
        self.refresh()

    # -- public -------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the lots and the warnings again, keeping the chosen lot chosen."""
        selected = self.selected_lot()
        if selected is not None:
            self._keep = selected.id
        self.model.reload()
        today = self._today()
        self._ops.read(
            lambda uow: (low_stock(uow, today=today), expiring_soon(uow, today)),
            self._show_warnings,
            failed=lambda error: self._say(str(error), error=True),
        )

    def _reloaded(self) -> None:
        if self._keep is not None:
            self.select_lot(self._keep)
            self._keep = None
        self._selection()

    def _show_warnings(self, found: tuple[tuple[LotRow, ...], tuple[LotRow, ...]]) -> None:
        low, soon = found
        expired = [row for row in soon if row.expired]
        parts = [
            f"{len(expired)} expired lot{'s' if len(expired) != 1 else ''} still on the shelf",
            f"{len(soon) - len(expired)} expiring soon",
            f"{len(low)} low on stock",
        ]
        self.summary.setText(" · ".join(parts))
        self.summary.setStyleSheet("color: #b42318; font-weight: 600;" if expired else "")

    def selected_lot(self) -> LotRow | None:
        return selected_row(self.table, self.model)

    def select_lot(self, lot_id: int) -> bool:
        return select_row(self.table, self.model, lambda row: row.id == lot_id)

    def open_receive(self) -> None:
        """The products are read first; the dialog opens with them (``self.dialog``)."""

        def show(products: tuple[ProductSummary, ...]) -> None:
            dialog = ReceiveLotDialog(products, self._today, self)
            dialog.accepted.connect(lambda: self._received(dialog))
            self._show(dialog)

        self._ops.read(list_products, show, failed=lambda error: self._say(str(error), True))

    def open_status(self, status: LotStatus) -> LotReasonDialog | None:
        lot = self.selected_lot()
        if lot is None:
            return None
        verb = {
            LotStatus.QUARANTINED: "Quarantine",
            LotStatus.RECALLED: "Recall",
            LotStatus.AVAILABLE: "Release",
        }[status]
        warning = {
            LotStatus.RECALLED: "A recalled lot can never be chosen again. Trace it next to "
            "find every patient who received it.",
            LotStatus.QUARANTINED: "A quarantined lot cannot be chosen until it is released.",
            LotStatus.AVAILABLE: "The lot can be chosen again at the next injection.",
        }[status]
        dialog = LotReasonDialog(f"{verb} lot {lot.lot_number}", warning, verb, parent=self)
        dialog.accepted.connect(lambda: self._set_status(lot, status, dialog.reason.text()))
        self._show(dialog)
        return dialog

    def open_wastage(self) -> LotReasonDialog | None:
        lot = self.selected_lot()
        if lot is None:
            return None
        dialog = LotReasonDialog(
            f"Wastage from lot {lot.lot_number}",
            "Doses broken, dropped, drawn up and not given, or expired and disposed of.",
            "Record wastage",
            quantity=lot.quantity_remaining,
            parent=self,
        )
        dialog.accepted.connect(
            lambda: self._act(
                record_wastage.bind(
                    lot.id, dialog.quantity.value(), dialog.reason.text(), today=self._today()
                ),
                f"Wastage recorded for lot {lot.lot_number}.",
            )
        )
        self._show(dialog)
        return dialog

    def trace(self) -> None:
        """Look the lot up off the GUI thread: a big recall can list thousands of doses."""
        number = normalise_lot_number(self.trace_input.text())
        if not number:
            self.trace_summary.setText("Enter the lot number to trace.")
            return
        self._traced = number
        self.trace_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self.trace_summary.setText(f"Tracing lot {number}…")
        size = self.trace_model.page_size

        def work(uow: Any) -> tuple[lot_trace.LotTrace, int]:
            return lot_trace.trace_lot(uow, number, limit=size), lot_trace.count_recipients(
                uow, number
            )

        self._ops.read(work, self._traced_lot, failed=self._trace_failed)

    @property
    def busy(self) -> bool:
        return self._ops.busy

    def export_csv(self) -> None:
        number = self._traced
        if not number:
            return
        path = self.choose_csv_path(f"lot-trace-{number}.csv")
        if path is None:
            return

        def work(uow: Any) -> int | str:
            rows = lot_trace.trace_lot(uow, number).rows
            try:
                path.write_text(lot_trace.trace_csv(rows), encoding="utf-8", newline="")
            except OSError as error:
                return f"Could not write the CSV: {error.strerror or error}"
            return len(rows)

        self.export_button.setEnabled(False)
        self._ops.read(work, lambda result: self._exported(path, result))

    # -- building -----------------------------------------------------------------
    def _build(self) -> None:
        actions = QHBoxLayout()
        for button in (
            self.receive_button,
            self.quarantine_button,
            self.recall_button,
            self.release_button,
            self.waste_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        lots = QGroupBox("Lots in stock")
        lots_layout = QVBoxLayout(lots)
        lots_layout.addWidget(self.summary)
        lots_layout.addWidget(self.table, 1)
        lots_layout.addLayout(actions)
        lots_layout.addWidget(self.message)

        trace = QGroupBox("Lot trace (product recall)")
        search = QHBoxLayout()
        search.addWidget(self.trace_input, 1)
        search.addWidget(self.trace_button)
        search.addWidget(self.export_button)
        trace_layout = QVBoxLayout(trace)
        trace_layout.addLayout(search)
        trace_layout.addWidget(self.trace_summary)
        trace_layout.addWidget(self.trace_table, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(lots)
        splitter.addWidget(trace)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # -- actions ------------------------------------------------------------------
    def _lot_page(
        self, uow: Any, _last: LotRow | None, offset: int, limit: int
    ) -> Sequence[LotRow]:
        """On the worker: a page of lots (the day is read there too, never a widget)."""
        return lot_page(uow, today=self._today(), offset=offset, limit=limit)

    def _trace_page(
        self, uow: Any, _last: TraceRow | None, offset: int, limit: int
    ) -> Sequence[TraceRow]:
        traced = self._traced
        if not traced:
            return ()
        return lot_trace.trace_lot(uow, traced, offset=offset, limit=limit).rows

    def _selection(self) -> None:
        lot = self.selected_lot()
        status = lot.status if lot else None
        self.quarantine_button.setEnabled(status is LotStatus.AVAILABLE)
        self.recall_button.setEnabled(lot is not None and status is not LotStatus.RECALLED)
        self.release_button.setEnabled(status is LotStatus.QUARANTINED)
        self.waste_button.setEnabled(lot is not None and lot.quantity_remaining > 0)
        if lot is not None and not self.trace_input.text().strip():
            self.trace_input.setPlaceholderText(f"Lot number, e.g. {lot.lot_number}")

    def _received(self, dialog: ReceiveLotDialog) -> None:
        def received(row: LotRow) -> None:
            self.message.setText(
                f"Received lot {row.lot_number}: {row.quantity_received} doses, expiry "
                f"{format_date(row.expiry_date)}."
            )
            self._keep = row.id

        self._act(receive_lot.bind(dialog.lot_input(), today=self._today()), None, received)

    def _set_status(self, lot: LotRow, status: LotStatus, reason: str) -> None:
        action = {
            LotStatus.QUARANTINED: quarantine_lot,
            LotStatus.RECALLED: recall_lot,
            LotStatus.AVAILABLE: release_lot,
        }[status]

        def done(_row: LotRow) -> None:
            if status is LotStatus.RECALLED:
                self.trace_input.setText(lot.lot_number)
                self.trace()

        self._act(
            action.bind(lot.id, reason, today=self._today()),
            f"Lot {lot.lot_number} is now {status.label.lower()}.",
            done,
        )

    def _act(
        self,
        command: Callable[[Any, Any], Done[LotRow]],
        success: str | None,
        then: Callable[[LotRow], None] | None = None,
    ) -> None:
        """Run a stock change through ops; a person's mistake becomes a message."""

        def done(row: LotRow) -> None:
            if success:
                self._say(success)
            if then is not None:
                then(row)
            self.refresh()
            self.changed.emit()

        def refused(error: Exception) -> None:
            if isinstance(error, ValidationFailed):
                self._say("Not saved: " + str(error), error=True)
            else:
                self._say(f"Not saved: {error}", error=True)

        self._ops.write(command, done, failed=refused)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b42318;" if error else "color: #2e7d32;")

    def _show(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def _traced_lot(self, result: tuple[lot_trace.LotTrace, int]) -> None:
        found, doses = result
        self.trace_button.setEnabled(True)
        if found.lot_number != self._traced:
            return  # another lot was asked for meanwhile; its answer follows
        self.trace_model.show_first_page(found.rows)
        number = found.lot_number
        if not found.lots and not doses:
            self.trace_summary.setText(f"No lot {number} was received and no dose from it given.")
        else:
            lots = "; ".join(
                f"{lot.product}, expiry {format_date(lot.expiry_date)}, {lot.status.label.lower()}"
                for lot in found.lots
            )
            self.trace_summary.setText(
                f"Lot {number}: {doses} dose{'s' if doses != 1 else ''} given"
                + (f" ({lots})" if lots else "")
            )
        self.export_button.setEnabled(doses > 0)

    def _trace_failed(self, error: Exception) -> None:
        self.trace_button.setEnabled(True)
        self.trace_summary.setText(str(error))

    def _exported(self, path: Path, result: int | str) -> None:
        self.export_button.setEnabled(True)
        if isinstance(result, str):
            self.trace_summary.setText(result)
            return
        self.trace_summary.setText(
            f"{self.trace_summary.text()} · exported {result} row{'s' if result != 1 else ''} "
            f"to {path}"
        )

    def _ask_csv_path(self, suggested: str) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(
            self, "Export lot trace", suggested, "CSV files (*.csv)"
        )
        return Path(name) if name else None
