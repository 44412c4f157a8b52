"""The latest platelet count and what it means for this injection, coloured by severity.

A low count changes the needle, the pressure, or whether to give at all, so the band
sits above the form (it never scrolls away) and says what to do in words as well as
in colour.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from clinic_app.domain.date_text import format_date
from clinic_app.domain.platelet_bands import PlateletAssessment

_SEVERITY_STYLE = {
    # background, border, text
    "info": ("#edf7ee", "#2e7d32", "#1b4d20"),
    "warn": ("#fff4e0", "#b26a00", "#5c3700"),
    "hold": ("#fdecea", "#b42318", "#7a1710"),
}
_SEVERITY_BADGE = {"info": "PLATELETS", "warn": "LOW PLATELETS", "hold": "HOLD"}


class PlateletBand(QFrame):
    """The band carries its ``severity`` (info, warn, hold) as a property for the tests;
    a person reads it from the badge and the title, never from the colour alone."""

    def __init__(self, platelets: PlateletAssessment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        severity = platelets.severity
        background, border, text = _SEVERITY_STYLE[severity]
        self.setObjectName("plateletPanel")
        self.setProperty("severity", severity)
        self.setStyleSheet(
            f"QFrame#plateletPanel {{ background: {background}; border: 2px solid {border}; "
            f"border-radius: 6px; }} QFrame#plateletPanel QLabel {{ color: {text}; }}"
        )
        badge = QLabel(_SEVERITY_BADGE[severity] if platelets.band else "PLATELETS")
        badge.setObjectName("plateletBadge")
        badge.setStyleSheet(
            f"QLabel#plateletBadge {{ background: {border}; color: white; font-weight: 700; "
            "border-radius: 3px; padding: 2px 8px; }"
        )
        title = QLabel(platelets.title)
        title.setObjectName("plateletTitle")
        title.setStyleSheet("font-size: 13pt; font-weight: 700;")
        title.setWordWrap(True)
        if platelets.value is not None and platelets.taken_on is not None:
            latest = (
                f"Latest count {platelets.value:g} {platelets.unit} on "
                f"{format_date(platelets.taken_on)} (band {platelets.range_text})"
            )
        else:
            latest = "No platelet count on record"
        count = QLabel(latest)
        count.setObjectName("plateletCount")
        count.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self._platelets = platelets
        lines = self._lines(refused=False)
        instructions = QLabel("\n".join(lines))
        instructions.setObjectName("plateletInstructions")
        instructions.setWordWrap(True)
        instructions.setStyleSheet("font-size: 11pt;")
        head = QHBoxLayout()
        head.addWidget(badge)
        head.addWidget(title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(count)
        layout.addWidget(instructions)
        instructions.setVisible(bool(lines))
        self._instructions = instructions

    def show_refused(self, refused: bool) -> None:
        """While anything refuses the dose, a standard band's "give as usual" line is
        not shown: it would contradict the verdict above it."""
        lines = self._lines(refused)
        self._instructions.setText("\n".join(lines))
        self._instructions.setVisible(bool(lines))

    def _lines(self, refused: bool) -> list[str]:
        platelets = self._platelets
        standard = platelets.band is not None and platelets.band.severity == "info"
        lines = [] if refused and standard else [f"• {line}" for line in platelets.instructions]
        if refused and standard:
            lines.append("• The count itself does not stop this dose: see the verdict above.")
        lines += [f"⚠ {warning}" for warning in platelets.warnings]
        return lines
