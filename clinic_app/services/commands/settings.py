"""Changing a clinic-wide setting that every workstation shares."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from clinic_app.domain.actor import Actor
from clinic_app.domain.clinic_settings import ClinicSettings, validate_settings
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import ClinicSetting
from clinic_app.persistence.store import audit_log as audit
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.unit_of_work import UnitOfWork


def change_setting(uow: UnitOfWork, actor: Actor, name: str, value: Any) -> ClinicSettings:
    known = {f.name: f for f in fields(ClinicSettings)}
    if name not in known:
        raise ValidationFailed({name: "is not a clinic setting"})
    with uow.write() as session:
        current = read_settings(session)
        candidate = ClinicSettings(**{**current.__dict__, name: value})
        problems = validate_settings(candidate)
        if problems:
            raise ValidationFailed(problems)
        row = session.get(ClinicSetting, name)
        encoded = json.dumps(list(value) if isinstance(value, tuple) else value)
        if row is None:
            session.add(ClinicSetting(key=name, value=encoded, updated_by=actor.user_id))
        else:
            row.value = encoded
            row.updated_by = actor.user_id
            row.updated_at = utcnow()
        audit.record(
            session,
            actor,
            "setting.change",
            "clinic_setting",
            None,
            {"name": name, "from": getattr(current, name), "to": value},
        )
        return candidate
