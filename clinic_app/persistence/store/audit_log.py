"""Writes audit rows inside the caller's transaction (never on their own)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from clinic_app.domain.actor import Actor
from clinic_app.persistence.models import AuditEvent

#: The audit action that puts an appointment on the rebooking list: written when a
#: session is cancelled or shortened, a closure added, or a re-plan moves a booked
#: dose's window away from its slot; the rebooking list reads these rows.
UNBOOKED = "appointment.unbooked"


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            user_id=actor.user_id if actor else None,
            workstation=actor.workstation if actor else "",
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=json.dumps(detail or {}, default=_jsonable, sort_keys=True),
        )
    )


def _jsonable(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)
