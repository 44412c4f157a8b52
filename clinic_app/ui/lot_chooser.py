"""Which lot the dose comes from, and the volume to draw up from it.

Lots that cannot be used (expired, recalled, quarantined, empty) stay in the list,
red, with the reason as their tooltip: a nurse holding that ampoule sees why it is
refused rather than wondering where it went.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QWidget

from clinic_app.domain.administration_checks import Findings
from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.recording import AdministrationContext, LotOption
from clinic_app.ui.form_section import FormSection
from clinic_app.ui.safety_checks import FINDING_COLOURS


class LotChooser(FormSection):
    def __init__(self, context: AdministrationContext, parent: QWidget | None = None) -> None:
        super().__init__("Product and dose", parent)
        self._context = context
        self.combo = QComboBox()
        self.combo.setObjectName("lotCombo")
        self.combo.setAccessibleName("Product and lot")
        self.combo.addItem("Choose the lot you are using…", None)
        for option in context.lots:
            self.combo.addItem(option.label(), option.facts.lot_id)
            index = self.combo.count() - 1
            self.combo.setItemData(index, option.refusal or None, Qt.ItemDataRole.ToolTipRole)
            if not option.usable:
                colour = QColor("#b42318")
            elif option.expiring_soon:
                colour = QColor("#8a5300")
            else:
                colour = QColor("#1f2d3d")
            self.combo.setItemData(index, colour, Qt.ItemDataRole.ForegroundRole)
        if context.preselected_lot_id is not None:
            self.combo.setCurrentIndex(self.combo.findData(context.preselected_lot_id))
        if not context.lots:
            self.combo.setItemText(0, f"No {context.target.drug} in stock")
        self.combo.currentIndexChanged.connect(lambda _i: self.edited.emit("lot_id"))
        self.status = QLabel("")
        self.status.setObjectName("lotStatus")
        self.status.setWordWrap(True)
        self.volume = QLabel("")
        self.volume.setObjectName("doseVolume")
        self.volume.setStyleSheet("font-size: 18pt; font-weight: 700; color: #1f2d3d;")
        self.strength = QLabel("")
        self.strength.setObjectName("strength")
        self.strength.setStyleSheet("color: #52606d;")
        self.strength.setWordWrap(True)
        self.new_vial = QCheckBox("New vial opened for this dose")
        self.new_vial.setObjectName("newVial")
        self.new_vial.setToolTip(
            "An opened multi-dose vial may be used only for the days its product allows: "
            "tick when you open a new one, and write today's date on it."
        )
        self.new_vial.toggled.connect(lambda _on: self.edited.emit("new_vial"))
        form = QFormLayout(self)
        form.addRow("Lot", self.field_row("lot_id", self.combo, self.status))
        form.addRow("", self.new_vial)
        form.addRow("Dose", self.volume)
        form.addRow("", self.strength)
        self.combo.currentIndexChanged.connect(lambda _i: self._show_vial_box())
        self._show_vial_box()

    def lot_id(self) -> int | None:
        value = self.combo.currentData()
        return value if isinstance(value, int) else None

    def chosen(self) -> LotOption | None:
        return self._context.lot(self.lot_id())

    def opened_new_vial(self) -> bool:
        return self.new_vial.isVisibleTo(self) and self.new_vial.isChecked()

    def _show_vial_box(self) -> None:
        """Only a multi-dose lot with an in-use period has vials to open."""
        option = self.chosen()
        facts = option.facts if option else None
        multi = facts is not None and facts.multi_dose and facts.in_use_days is not None
        self.new_vial.setVisible(multi)
        if not multi:
            self.new_vial.setChecked(False)

    def show_findings(self, findings: Findings) -> None:
        """The volume to draw up from the chosen lot, and what is wrong with the lot."""
        option = self.chosen()
        if option is None:
            self.volume.setText(self._context.target.dose_text)
            self.strength.setText("Choose a lot to see the volume to draw up.")
            self.status.setText("")
            return
        self.volume.setText(option.volume.text())
        self.strength.setText(
            f"From {option.facts.product_label}, strength {option.volume.strength_text()}. "
            "Draw up the volume shown."
        )
        lot_findings = [f for f in findings.items if f.field == "lot"]
        if lot_findings:
            colour = FINDING_COLOURS[lot_findings[0].severity]
            self.status.setText(" ".join(f.message for f in lot_findings))
            self.status.setStyleSheet(f"color: {colour}; font-weight: 600;")
        else:
            in_use = option.facts.in_use_expiry
            opened = (
                f" · open vial usable until {format_date(in_use)}"
                if in_use is not None and not self.opened_new_vial()
                else ""
            )
            self.status.setText(
                f"In date until {format_date(option.facts.expiry)} · "
                f"{option.facts.remaining} in stock{opened}"
            )
            self.status.setStyleSheet("color: #2e7d32;")
