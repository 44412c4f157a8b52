"""The stock tables: lots on the shelf (coloured by what needs attention) and a lot trace.

Both page through the database by offset as the view scrolls: a practice's lots are
few, but a recall trace can list thousands of doses.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from clinic_app.domain.codes import LotStatus
from clinic_app.domain.date_text import format_date
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.services.queries.lot_trace import TraceRow
from clinic_app.services.queries.stock import LotRow
from clinic_app.ui.ops import Ops
from clinic_app.ui.paged_table_model import RIGHT, Column, PagedTableModel, PageRead

LOT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
REMAINING = 3
_RED = QColor("#fdecea")
_AMBER = QColor("#fff4e0")
_GREY = QColor("#52606d")

LOT_COLUMNS: tuple[Column[LotRow], ...] = (
    Column("Product", lambda row: f"{row.product.brand} ({row.product.drug})"),
    Column("Lot", lambda row: row.lot_number),
    Column("Expiry", lambda row: format_date(row.expiry_date)),
    Column("Remaining", lambda row: f"{row.quantity_remaining} of {row.quantity_received}", RIGHT),
    Column("Status", lambda row: row.state_text()),
)
TRACE_COLUMNS: tuple[Column[TraceRow], ...] = (
    Column("Given", lambda row: format_date(row.date_given)),
    Column("Patient", lambda row: row.name),
    Column("NHS number", lambda row: format_for_display(row.nhs_number)),
    Column("Born", lambda row: format_date(row.date_of_birth)),
    Column("Phone", lambda row: row.phone),
    Column("Email", lambda row: row.email),
    Column("Address", lambda row: row.address),
    Column("Site", lambda row: row.site),
    Column("By", lambda row: row.given_by),
)


class LotTableModel(PagedTableModel[LotRow]):
    """Expired or withdrawn stock red, expiring soon amber, a low count bold."""

    def __init__(self, ops: Ops, read: PageRead[LotRow], page_size: int = 200) -> None:
        super().__init__(LOT_COLUMNS, (ops, read), page_size)
        self._bold = QFont()
        self._bold.setBold(True)

    def role_data(self, row: LotRow, column: int, role: int) -> Any:
        if role == LOT_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.expired or row.status is not LotStatus.AVAILABLE:
                return QBrush(_RED)
            return QBrush(_AMBER) if row.expiring_soon else None
        if role == Qt.ItemDataRole.FontRole and row.low and column == REMAINING:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.product.label}; supplier {row.supplier or 'not recorded'}"
        return None


class TraceTableModel(PagedTableModel[TraceRow]):
    """Patients no longer active stay listed (a recall letter may still be due), greyed."""

    def __init__(self, ops: Ops, read: PageRead[TraceRow], page_size: int = 200) -> None:
        super().__init__(TRACE_COLUMNS, (ops, read), page_size)

    def role_data(self, row: TraceRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and row.patient_status != "Active":
            return QBrush(_GREY)
        return None
