"""Fixtures the service tests share: the recording clinic and the timetable clinic's nurse."""

from __future__ import annotations

import pytest

from clinic_app.domain.actor import Actor
from clinic_app.persistence.unit_of_work import UnitOfWork
from tests.builders import Clinic, build_clinic, nurse


@pytest.fixture
def clinic(uow: UnitOfWork) -> Clinic:
    return build_clinic(uow)


@pytest.fixture
def amira(uow: UnitOfWork) -> Actor:
    return nurse(uow)
