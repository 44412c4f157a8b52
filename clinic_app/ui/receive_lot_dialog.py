"""A delivery of stock: product, lot number, expiry, quantity and supplier.

Each field is checked as it is typed, by the same rules the service applies, so a
lot with an expiry in the past or no quantity never reaches the shelf.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.date_text import parse_date
from clinic_app.domain.lot_rules import MAX_QUANTITY, LotInput, validate_lot_input
from clinic_app.services.queries.stock import ProductSummary
from clinic_app.ui.dialog_buttons import action_row
from clinic_app.ui.field_row import field_with_error


class ReceiveLotDialog(QDialog):
    """A delivery: product, lot, expiry, quantity, supplier, each checked as it is typed."""

    def __init__(
        self,
        products: Sequence[ProductSummary],
        today: Callable[[], dt.date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Receive lot")
        self._today = today
        self._touched: set[str] = set()
        self.product = QComboBox()
        self.product.setObjectName("product")
        self.product.addItem("Choose the product…", None)
        for product in products:
            self.product.addItem(product.label, product.id)
        self.lot_number = QLineEdit()
        self.lot_number.setObjectName("lotNumber")
        self.lot_number.setMaxLength(40)
        self.expiry = QLineEdit()
        self.expiry.setObjectName("expiry")
        self.expiry.setPlaceholderText("DD/MM/YYYY")
        self.quantity = QSpinBox()
        self.quantity.setObjectName("quantity")
        self.quantity.setRange(0, MAX_QUANTITY)
        self.quantity.setSpecialValueText("—")
        self.supplier = QLineEdit()
        self.supplier.setObjectName("supplier")
        self.errors: dict[str, QLabel] = {}
        self.ok_button = QPushButton("Receive")
        self.ok_button.setObjectName("receiveOk")
        self.ok_button.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        for label, name, widget in (
            ("Product", "product_id", self.product),
            ("Lot number", "lot_number", self.lot_number),
            ("Expiry", "expiry_date", self.expiry),
            ("Quantity (doses)", "quantity", self.quantity),
            ("Supplier", "supplier", self.supplier),
        ):
            form.addRow(label, self._row(name, widget))
        buttons = action_row(cancel, self.ok_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.product.currentIndexChanged.connect(lambda _i: self._edited("product_id"))
        self.lot_number.textEdited.connect(lambda _t: self._edited("lot_number"))
        self.expiry.textEdited.connect(lambda _t: self._edited("expiry_date"))
        self.quantity.valueChanged.connect(lambda _v: self._edited("quantity"))
        self.supplier.textEdited.connect(lambda _t: self._edited("supplier"))
        self._refresh()

    def lot_input(self) -> LotInput:
        product = self.product.currentData()
        return LotInput(
            product_id=product if isinstance(product, int) else None,
            lot_number=self.lot_number.text(),
            expiry_date=parse_date(self.expiry.text()),
            quantity=self.quantity.value() or None,
            supplier=self.supplier.text(),
        )

    def problems(self) -> dict[str, str]:
        problems = validate_lot_input(self.lot_input(), self._today())
        if self.expiry.text().strip() and parse_date(self.expiry.text()) is None:
            problems["expiry_date"] = "is not a date: use DD/MM/YYYY"
        return problems

    def accept(self) -> None:
        self._touched.update(self.errors)
        self._refresh()
        if not self.problems():
            super().accept()

    def _row(self, name: str, widget: QWidget) -> QWidget:
        return field_with_error(name, self.errors, widget)

    def _edited(self, name: str) -> None:
        self._touched.add(name)
        self._refresh()

    def _refresh(self) -> None:
        problems = self.problems()
        for name, label in self.errors.items():
            message = problems.get(name) if name in self._touched else None
            label.setText(message or "")
            label.setVisible(bool(message))
        self.ok_button.setEnabled(not problems)
