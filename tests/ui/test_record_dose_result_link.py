"""The recording dialog's "Enter today's count…": a missing or stale count is entered from
the dialog, and the checks run again on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from clinic_app.domain.codes import AnticoagulantClass, LabTest
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.ui.lab_result_dialogs import LabResultDialog
from clinic_app.ui.ops import Ops
from clinic_app.ui.record_dose_dialog import RecordDoseDialog, prepare
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    add_lab,
    build_clinic,
    clinic_patient,
    due_appointment,
    start_dose_course,
)
from tests.ui.conftest import finish_background_reads


@dataclass(frozen=True)
class Scene:
    clinic: Clinic
    patient: int
    appointment: int


@pytest.fixture
def scene(sqlite_url: str) -> Iterator[Scene]:
    engine = create_engine(sqlite_url)
    upgrade_database(engine, backup=False)
    clinic = build_clinic(UnitOfWork(engine))
    patient = clinic_patient(
        clinic,
        anticoagulant=True,
        anticoagulant_name="warfarin",
        anticoagulant_class=AnticoagulantClass.VKA,
    )
    appointment = due_appointment(clinic.uow, start_dose_course(clinic.uow, patient))
    yield Scene(clinic, patient, appointment)
    finish_background_reads()
    engine.dispose()


def open_dialog(qtbot: QtBot, scene: Scene) -> RecordDoseDialog:
    ops = Ops(scene.clinic.uow, scene.clinic.nurse, today=lambda: TODAY)
    prepared = prepare(scene.clinic.uow, scene.patient, scene.appointment, TODAY)
    dialog = RecordDoseDialog(ops, scene.patient, scene.appointment, prepared)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _button(dialog: QWidget, name: str) -> QPushButton | None:
    found = dialog.findChild(QPushButton, name)
    return found if found is not None and found.isVisibleTo(dialog) else None


def _enter(qtbot: QtBot, dialog: RecordDoseDialog, button: str, value: str) -> None:
    link = _button(dialog, button)
    assert link is not None
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_dialog is not None)
    entry = dialog.result_dialog
    assert isinstance(entry, LabResultDialog)
    qtbot.keyClicks(entry.value, value)
    with qtbot.waitSignal(dialog.reprepared, timeout=10_000):
        qtbot.mouseClick(entry.ok_button, Qt.MouseButton.LeftButton)


def test_a_stale_count_after_a_low_one_is_entered_from_the_dialog_and_rechecked(
    qtbot: QtBot, scene: Scene
) -> None:
    uow = scene.clinic.uow
    add_lab(uow, scene.patient, LabTest.PLATELETS, 40, TODAY - dt.timedelta(days=300))
    add_lab(uow, scene.patient, LabTest.PLATELETS, 170, TODAY - dt.timedelta(days=120))
    add_lab(uow, scene.patient, LabTest.INR, 2.2, TODAY)
    dialog = open_dialog(qtbot, scene)
    assert dialog.context is not None and dialog.context.platelets.stale_or_missing
    assert _button(dialog, "enterInrButton") is None  # today's INR is on record

    _enter(qtbot, dialog, "enterCountButton", "165")
    context = dialog.context
    assert context is not None
    assert (context.platelets.value, context.platelets.taken_on) == (165, TODAY)
    assert not context.platelets.stale_or_missing
    count = dialog.findChild(QLabel, "plateletCount")
    assert count is not None and count.text().startswith("Latest count 165 x10^9/L on 24/11/2026")
    assert _button(dialog, "enterCountButton") is None  # nothing more to enter


def test_a_hold_on_an_old_count_is_lifted_by_todays_count(qtbot: QtBot, scene: Scene) -> None:
    uow = scene.clinic.uow
    add_lab(uow, scene.patient, LabTest.PLATELETS, 18, TODAY - dt.timedelta(days=5))
    add_lab(uow, scene.patient, LabTest.INR, 2.2, TODAY)
    dialog = open_dialog(qtbot, scene)
    assert dialog.context is not None
    assert "platelets_hold" in {f.code.value for f in dialog.context.findings if f.blocks}
    _enter(qtbot, dialog, "enterCountButton", "88")
    assert dialog.context is not None
    assert not any(f.blocks for f in dialog.context.findings)
    assert dialog.context.platelets.band is not None
    assert dialog.context.platelets.band.id == "standard"


def test_a_missing_inr_is_entered_from_the_dialog(qtbot: QtBot, scene: Scene) -> None:
    uow = scene.clinic.uow
    add_lab(uow, scene.patient, LabTest.PLATELETS, 200, TODAY)
    dialog = open_dialog(qtbot, scene)
    assert dialog.context is not None and dialog.context.latest_inr is None
    assert _button(dialog, "enterCountButton") is None
    _enter(qtbot, dialog, "enterInrButton", "2.6")
    assert dialog.context is not None and dialog.context.latest_inr == (2.6, TODAY)
    assert _button(dialog, "enterInrButton") is None
