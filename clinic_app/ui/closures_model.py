"""Days the clinic is shut, still to come or under way."""

from __future__ import annotations

from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.timetable import ClosureRecord
from clinic_app.ui.rows_model import RowsTableModel


class ClosuresModel(RowsTableModel[ClosureRecord]):
    HEADERS = ("From", "To", "Reason", "Location")

    def __init__(self) -> None:
        super().__init__(self.HEADERS, _cells)


def _cells(row: ClosureRecord) -> tuple[str, ...]:
    return (
        format_date(row.first_day),
        format_date(row.last_day),
        row.reason,
        row.location or "Whole clinic",
    )
