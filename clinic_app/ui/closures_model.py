"""Days the clinic is shut, still to come or under way."""

from __future__ import annotations

from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.timetable import ClosureRecord
from clinic_app.ui.paged_table_model import Column, PagedTableModel

COLUMNS: tuple[Column[ClosureRecord], ...] = (
    Column("From", lambda row: format_date(row.first_day)),
    Column("To", lambda row: format_date(row.last_day)),
    Column("Reason", lambda row: row.reason),
    Column("Location", lambda row: row.location or "Whole clinic"),
)


class ClosuresModel(PagedTableModel[ClosureRecord]):
    def __init__(self) -> None:
        super().__init__(COLUMNS)
