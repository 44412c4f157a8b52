"""The recording dialog's way to the results: "Enter today's count…" when the platelet
count is missing or stale (or holds the dose on an old count), "Enter today's INR…"
when an INR check applies and no INR was taken today.

A nurse with a fresh count in hand (a point-of-care test, a phone call from the lab)
enters it here and the dialog's checks run again on it, instead of working round a
warning that today's result would have settled.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from clinic_app.domain.codes import LabTest
from clinic_app.services.queries.recording import AdministrationContext


def platelet_count_wanted(context: AdministrationContext) -> bool:
    """No count, a stale one, or a low band read from a count taken before today."""
    platelets = context.platelets
    if platelets.value is None or platelets.stale_or_missing:
        return True
    band = platelets.band
    return band is not None and band.severity != "info" and platelets.taken_on != context.today


def inr_wanted(context: AdministrationContext) -> bool:
    """An INR check applies (a vitamin K antagonist, or a class not yet recorded) and no
    INR was taken today; a DOAC or a heparin is not measured by the INR."""
    patient = context.facts.patient
    checked = patient.anticoagulant and patient.inr_checked
    latest = context.latest_inr
    return checked and (latest is None or latest[1] != context.today)


class ResultLinks(QWidget):
    """Hidden when nothing is wanted; ``enter`` carries the test to enter."""

    enter = Signal(object)

    def __init__(self, context: AdministrationContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultLinks")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[LabTest, QPushButton] = {}
        wanted = []
        if platelet_count_wanted(context):
            wanted.append((LabTest.PLATELETS, "Enter today's count…", "enterCountButton"))
        if inr_wanted(context):
            wanted.append((LabTest.INR, "Enter today's INR…", "enterInrButton"))
        if wanted:
            hint = QLabel("Have a newer result? Enter it and the checks run again:")
            hint.setObjectName("fieldHint")
            row.addWidget(hint)
        for test, text, name in wanted:
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(lambda _checked=False, t=test: self.enter.emit(t))
            self.buttons[test] = button
            row.addWidget(button)
        row.addStretch(1)
        self.setVisible(bool(wanted))
