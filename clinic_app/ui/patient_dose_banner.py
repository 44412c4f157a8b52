"""Who is being injected and with which dose: the wrong-patient check, always in view.

Name, NHS number and date of birth are what the nurse reads back with the patient,
so they are large, selectable and on a dark band nothing else on the form uses.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from clinic_app.domain.date_text import format_date
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.services.queries.recording import AdministrationContext, DoseTarget


class PatientDoseBanner(QWidget):
    def __init__(self, context: AdministrationContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_patient_band(context))
        layout.addWidget(_dose_line(context))


def _patient_band(context: AdministrationContext) -> QFrame:
    patient = context.patient
    frame = QFrame()
    frame.setObjectName("patientBanner")
    frame.setStyleSheet(
        "QFrame#patientBanner { background: #1f2d3d; border-radius: 6px; }"
        "QFrame#patientBanner QLabel { color: white; }"
    )
    name = QLabel(patient.display_name)
    name.setObjectName("bannerName")
    name.setStyleSheet("font-size: 17pt; font-weight: 700;")
    nhs = QLabel(f"NHS {format_for_display(patient.nhs_number)}")
    nhs.setObjectName("bannerNhs")
    born = QLabel(
        f"Born {format_date(patient.date_of_birth)} "
        f"({_age(patient.date_of_birth, context.today)} years)"
    )
    born.setObjectName("bannerBorn")
    for label in (nhs, born):
        label.setStyleSheet("font-size: 13pt; font-weight: 600;")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    check = QLabel("Check name, date of birth and NHS number with the patient before you give.")
    check.setStyleSheet("color: #d9e2ec;")
    grid = QGridLayout(frame)
    grid.setContentsMargins(12, 8, 12, 8)
    grid.addWidget(name, 0, 0)
    grid.addWidget(nhs, 0, 1, Qt.AlignmentFlag.AlignRight)
    grid.addWidget(born, 0, 2, Qt.AlignmentFlag.AlignRight)
    grid.addWidget(check, 1, 0, 1, 3)
    grid.setColumnStretch(0, 1)
    grid.setHorizontalSpacing(24)
    return frame


def _dose_line(context: AdministrationContext) -> QLabel:
    target = context.target
    label = QLabel(
        f"<b>{target.describe()}</b> &nbsp;·&nbsp; {html.escape(appointment_text(target))}"
        " &nbsp;·&nbsp; "
        f"regimen {target.protocol_id}"
    )
    label.setObjectName("doseLine")
    label.setStyleSheet("font-size: 11pt; color: #1f2d3d;")
    label.setWordWrap(True)
    return label


def appointment_text(target: DoseTarget) -> str:
    """The booked slot's day, time and place (what the patient was told), else the
    planned day for an unbooked dose, else that it is a walk-in."""
    if target.walk_in:
        return "walk-in (no appointment: one is created for this dose)"
    start = target.booked_start
    if start is not None:
        where = ", ".join(filter(None, (target.location, target.room)))
        return f"booked {start:%a} {format_date(start.date())} {start:%H:%M}" + (
            f" at {where}" if where else ""
        )
    planned = target.planned_date
    return (
        f"planned for {planned:%a} {format_date(planned)}, not booked" if planned else "appointment"
    )


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
