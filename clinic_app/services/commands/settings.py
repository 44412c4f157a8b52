"""Changing the clinic-wide settings that every workstation shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from clinic_app.domain.changes import Change
from clinic_app.domain.clinic_settings import SETTINGS, ClinicSettings, validate_settings
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.persistence.store.settings_store import read_settings, write_settings
from clinic_app.services.envelope import Work, command


@dataclass(frozen=True)
class SettingsSaved:
    settings: ClinicSettings
    #: Names of the settings whose stored value changed, in declaration order.
    changed: tuple[str, ...]


@command(Action.CHANGE_SETTINGS, Change.SETTINGS)
def change_settings(work: Work, values: Mapping[str, object]) -> SettingsSaved:
    """Save ``values`` together, or none of them.

    The settings are checked as the whole they will become, not one by one: a move to
    another country comes with that country's region, and neither is valid alone with
    the other's old value. Every bad field is named at once, before anything is written.
    Each changed setting keeps its own audit row, with its value before and after.
    """
    unknown = {name: "is not a clinic setting" for name in values if name not in SETTINGS}
    if unknown:
        raise ValidationFailed(unknown)
    current = read_settings(work.session)
    tidied: dict[str, Any] = {name: SETTINGS[name].tidy(value) for name, value in values.items()}
    wanted = replace(current, **tidied)
    problems = validate_settings(wanted)
    if problems:
        raise ValidationFailed(problems)
    changed = tuple(name for name in SETTINGS if getattr(wanted, name) != getattr(current, name))
    if not changed:
        work.unchanged()
        return SettingsSaved(current, ())
    write_settings(work.session, work.actor, {name: getattr(wanted, name) for name in changed})
    for name in changed:
        work.audit(
            "clinic_setting",
            None,
            {"name": name},
            before=getattr(current, name),
            after=getattr(wanted, name),
        )
    return SettingsSaved(wanted, changed)
