"""The weekly session templates, as the Sessions screen lists and edits them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

from sqlalchemy import select

from clinic_app.persistence.models import (
    SessionTemplate,
    User,
)
from clinic_app.persistence.unit_of_work import UnitOfWork

WEEKDAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# -- templates -------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateDetails:
    """What a person fills in for a weekly session."""

    name: str
    weekday: int
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    capacity: int
    nurse_id: int | None
    valid_from: dt.date
    room: str = ""
    location: str = ""
    valid_until: dt.date | None = None

    def normalised(self) -> TemplateDetails:
        return replace(
            self,
            name=" ".join(self.name.split()),
            room=self.room.strip(),
            location=" ".join(self.location.split()),
        )


@dataclass(frozen=True)
class SessionTemplateRecord:
    id: int
    details: TemplateDetails
    active: bool
    nurse_name: str


def list_templates(
    uow: UnitOfWork, *, include_inactive: bool = False
) -> list[SessionTemplateRecord]:
    with uow.read() as session:
        query = select(SessionTemplate, User.display_name).outerjoin(
            User, User.id == SessionTemplate.nurse_id
        )
        if not include_inactive:
            query = query.where(SessionTemplate.active.is_(True))
        rows = session.execute(
            query.order_by(SessionTemplate.weekday, SessionTemplate.start_time)
        ).all()
        return [_template_record(template, name or "") for template, name in rows]


def _template_record(template: SessionTemplate, nurse_name: str) -> SessionTemplateRecord:
    return SessionTemplateRecord(
        template.id, _template_details(template), template.active, nurse_name
    )


def _template_details(template: SessionTemplate) -> TemplateDetails:
    return TemplateDetails(**{name: getattr(template, name) for name in _TEMPLATE_FIELDS})


_TEMPLATE_FIELDS = tuple(f.name for f in fields(TemplateDetails))
