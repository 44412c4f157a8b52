"""The clinic-wide settings, read for a screen."""

from __future__ import annotations

from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.unit_of_work import UnitOfWork


def load_settings(uow: UnitOfWork) -> ClinicSettings:
    with uow.read() as session:
        return read_settings(session)
