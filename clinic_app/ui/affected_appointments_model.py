"""Patients whose appointment went with a cancelled or shortened session: who to ring."""

from __future__ import annotations

from clinic_app.domain.appointment_text import describe_start
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.services.queries.rebooking import AffectedAppointment
from clinic_app.ui.rows_model import RowsTableModel


class AffectedAppointmentsModel(RowsTableModel[AffectedAppointment]):
    HEADERS = ("Patient", "NHS number", "Phone", "Dose", "Was booked for")

    def __init__(self) -> None:
        super().__init__(self.HEADERS, _cells)


def _cells(row: AffectedAppointment) -> tuple[str, ...]:
    return (
        row.patient_name,
        format_for_display(row.nhs_number),
        row.phone,
        row.dose,
        describe_start(row.old_start),
    )
