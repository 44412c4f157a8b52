"""One verdict for the dose, the strongest finding first, above everything else.

A nurse once read "Give the injection as usual" (the platelet band) above a refusal
for an INR over the ceiling. The banner says one thing: cannot give, give only after
ticking, give with care, or nothing found; the details stay in the safety checks.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from clinic_app.domain.administration_checks import Findings, Severity

_STYLE = {
    # background, border, text
    "refuse": ("#fdecea", "#b42318", "#7a1710"),
    "acknowledge": ("#fff4e0", "#b26a00", "#5c3700"),
    "warn": ("#fff8e1", "#d69e2e", "#5c3700"),
    "info": ("#edf7ee", "#2e7d32", "#1b4d20"),
}
_HEAD = {
    Severity.REFUSE: "DO NOT GIVE",
    Severity.ACKNOWLEDGE: "GIVE ONLY AFTER TICKING THE CHECKS",
    Severity.WARN: "GIVE WITH CARE",
}


class VerdictBanner(QLabel):
    """Carries ``severity`` (refuse, acknowledge, warn, info) as a property for tests."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict")
        self.setWordWrap(True)
        self._shown: tuple[str, str] | None = None

    def show_verdict(self, findings: Findings) -> None:
        strongest = findings.verdict
        if strongest is None or strongest.severity is Severity.INFO:
            severity, text = "info", "No safety finding for this dose: give as usual."
        else:
            severity = strongest.severity.value
            text = f"{_HEAD[strongest.severity]}: {strongest.message}"
            if strongest.severity is Severity.REFUSE and len(findings.refusals) > 1:
                more = len(findings.refusals) - 1
                text += f" (and {more} more reason{'s' if more > 1 else ''}: see the safety checks)"
        if self._shown == (severity, text):
            return
        self._shown = (severity, text)
        background, border, colour = _STYLE[severity]
        self.setProperty("severity", severity)
        self.setText(text)
        self.setStyleSheet(
            f"QLabel#verdict {{ background: {background}; border: 2px solid {border}; "
            f"color: {colour}; border-radius: 6px; padding: 6px 10px; font-size: 12pt; "
            "font-weight: 700; }"
        )
