"""Patients whose appointment went with a cancelled or shortened session: who to ring."""

from __future__ import annotations

from clinic_app.domain.appointment_text import describe_start
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.services.queries.rebooking import AffectedAppointment
from clinic_app.ui.paged_table_model import Column, PagedTableModel

COLUMNS: tuple[Column[AffectedAppointment], ...] = (
    Column("Patient", lambda row: row.patient_name),
    Column("NHS number", lambda row: format_for_display(row.nhs_number)),
    Column("Phone", lambda row: row.phone),
    Column("Dose", lambda row: row.dose),
    Column("Was booked for", lambda row: describe_start(row.old_start)),
)


class AffectedAppointmentsModel(PagedTableModel[AffectedAppointment]):
    def __init__(self) -> None:
        super().__init__(COLUMNS)
