"""The safety checks for the dose as the form stands: refusals, boxes to tick, warnings.

They sit below the form, above the buttons, so nothing can be recorded without
passing them; notes about the lot and the platelet count are shown beside those
fields instead and are left out here.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from clinic_app.domain.administration_checks import Finding, Findings, Severity
from clinic_app.ui.form_section import FormSection

FINDING_COLOURS = {
    Severity.REFUSE: "#b42318",
    Severity.ACKNOWLEDGE: "#5c3700",
    Severity.WARN: "#8a5300",
    Severity.INFO: "#52606d",
}
_PREFIX = {Severity.REFUSE: "✖ Cannot give: ", Severity.WARN: "⚠ ", Severity.INFO: ""}


class SafetyChecks(FormSection):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Safety checks", parent)
        self.setObjectName("findingsBox")
        self._layout = QVBoxLayout(self)
        self._layout.setSpacing(6)
        self._shown: tuple[Finding, ...] | None = None
        self._boxes: dict[str, QCheckBox] = {}

    @property
    def ack_boxes(self) -> dict[str, QCheckBox]:
        """The box to tick for each finding that needs it, by finding code."""
        return dict(self._boxes)

    def acknowledged(self) -> frozenset[str]:
        return frozenset(code for code, box in self._boxes.items() if box.isChecked())

    def show_findings(self, findings: Findings) -> None:
        """Rebuilt only when the findings change, so a tick-box keeps its focus and state
        while the nurse types elsewhere."""
        shown = tuple(
            finding
            for finding in findings.items
            if not (finding.field == "lot" and finding.severity is not Severity.REFUSE)
            and not (
                finding.field == "platelets" and finding.severity in (Severity.WARN, Severity.INFO)
            )
        )
        if shown == self._shown:
            return
        self._shown = shown
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        checked = self.acknowledged()
        self._boxes = {}
        for finding in shown:
            if finding.severity is Severity.ACKNOWLEDGE:
                self._layout.addWidget(self._ack_row(finding, finding.code.value in checked))
            else:
                self._layout.addWidget(_finding_label(finding))
        if not shown:
            self._layout.addWidget(_finding_label(None))

    def _ack_row(self, finding: Finding, checked: bool) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        box = QCheckBox("Seen")
        box.setObjectName(f"ack_{finding.code.value}")
        box.setAccessibleName(finding.message)
        box.setChecked(checked)
        box.toggled.connect(lambda _on: self.edited.emit("acknowledged"))
        text = QLabel(finding.message)
        text.setWordWrap(True)
        text.setStyleSheet(f"color: {FINDING_COLOURS[finding.severity]}; font-weight: 600;")
        text.setBuddy(box)
        line.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(text, 1)
        self._boxes[finding.code.value] = box
        return row


def _finding_label(finding: Finding | None) -> QLabel:
    if finding is None:
        label = QLabel("Nothing else to check for this dose.")
        label.setStyleSheet("color: #2e7d32;")
        return label
    label = QLabel(_PREFIX.get(finding.severity, "") + finding.message)
    label.setObjectName(f"finding_{finding.code.value}")
    label.setWordWrap(True)
    weight = "700" if finding.severity is Severity.REFUSE else "400"
    label.setStyleSheet(f"color: {FINDING_COLOURS[finding.severity]}; font-weight: {weight};")
    return label
