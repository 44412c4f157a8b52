"""One day of the clinic in full: a column per session, every booked patient named."""

from __future__ import annotations

from clinic_app.services.queries.calendar import SessionDay, SlotOccupancy
from clinic_app.ui.week_model import SlotGridModel, patient_text, room_and_load

#: A big clinic books dozens into one slot: the cell names the first few.
NAMES_SHOWN = 6


class DayModel(SlotGridModel):
    """The week grid for one day, with room for each patient's name and dose."""

    def column_title(self, day: SessionDay) -> str:
        nurse = day.nurse_name or "No nurse assigned"
        times = f"{day.start_time:%H:%M}-{day.end_time:%H:%M}"
        if day.cancelled:
            return f"{times}  CANCELLED\n{nurse}\n{day.cancel_reason}"
        return f"{times}  {day.location}\n{nurse}\n{room_and_load(day)}"

    def cell_text(self, day: SessionDay, slot: SlotOccupancy) -> str:
        if day.cancelled:
            return "Cancelled"
        lines = [f"{patient_text(p)} · {p.label}" for p in slot.patients[:NAMES_SHOWN]]
        if len(slot.patients) > NAMES_SHOWN:
            lines.append(f"+{len(slot.patients) - NAMES_SHOWN} more (see the tooltip)")
        if slot.capacity == 1 and not lines:
            lines.append("Free")
        elif slot.capacity > 1:
            lines.append(f"{slot.free} of {slot.capacity} free" if slot.free else "Full")
        return "\n".join(lines)
