"""Editing a patient: problems named beside their fields, nothing saved until valid."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import AnticoagulantClass
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.patients import get_patient
from clinic_app.ui.ops import Ops
from clinic_app.ui.patient_form import PatientForm
from tests.builders import valid_nhs_number
from tests.ui.conftest import TODAY


def _form(qtbot: QtBot, clinic: UnitOfWork, actor: Actor) -> PatientForm:
    form = PatientForm(Ops(clinic, actor, today=lambda: TODAY))
    qtbot.addWidget(form)
    form.show()
    return form


def _type(qtbot: QtBot, form: PatientForm, field: str, text: str) -> None:
    edit = form.inputs[field]
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def test_bad_input_is_named_next_to_its_field_and_save_stays_off(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor
) -> None:
    form = _form(qtbot, clinic, actor)
    _type(qtbot, form, "nhs_number", "943 476 5918")
    _type(qtbot, form, "given_name", "Margaret")
    _type(qtbot, form, "family_name", "x")
    _type(qtbot, form, "family_name", "")
    _type(qtbot, form, "date_of_birth", "01/01/2030")
    assert form.errors["nhs_number"].isVisible()
    assert "NHS number is not a valid NHS number" in form.errors["nhs_number"].text()
    assert form.errors["family_name"].text() == "Family name is required"
    assert form.errors["date_of_birth"].text() == "Date of birth cannot be in the future"
    assert not form.errors["given_name"].isVisible()
    assert not form.save_button.isEnabled()
    assert "Fix the 3 problems" in form.problem_summary.text()
    assert form.save() is False
    assert get_patient.__name__  # the service exists; nothing was written:
    from sqlalchemy import func, select

    from clinic_app.persistence.models import Patient

    with clinic.read() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 0


def test_a_date_that_is_not_a_date_says_how_to_write_it(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor
) -> None:
    form = _form(qtbot, clinic, actor)
    _type(qtbot, form, "date_of_birth", "31/02/1950")
    assert form.errors["date_of_birth"].text() == "Date of birth is not a date: use DD/MM/YYYY"


def test_fixing_the_form_enables_save_and_saves_once(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor
) -> None:
    form = _form(qtbot, clinic, actor)
    _type(qtbot, form, "nhs_number", valid_nhs_number(3))
    _type(qtbot, form, "given_name", "Margaret")
    _type(qtbot, form, "family_name", "Smith")
    _type(qtbot, form, "date_of_birth", "03/04/1950")
    _type(qtbot, form, "phone", "07700 900123")
    assert form.save_button.isEnabled()
    with qtbot.waitSignal(form.saved) as saved:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    record = saved.args[0]
    assert get_patient(clinic, record.id).details.family_name == "Smith"
    assert form.heading.text() == "SMITH, Margaret"
    assert not form.save_button.isEnabled()  # nothing left unsaved


def test_a_duplicate_nhs_number_from_the_service_shows_beside_the_field(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    existing = get_patient(clinic, roster_of_five[0]).details
    form = _form(qtbot, clinic, actor)
    _type(qtbot, form, "nhs_number", existing.nhs_number)
    _type(qtbot, form, "given_name", "Someone")
    _type(qtbot, form, "family_name", "Else")
    _type(qtbot, form, "date_of_birth", "01/01/1960")
    _type(qtbot, form, "phone", "07700 900321")
    with qtbot.waitSignal(form.save_finished) as finished:
        assert form.save()  # valid as typed: the command refuses it
    assert finished.args == [False]
    assert "already belongs to Margaret Smith" in form.errors["nhs_number"].text()
    assert form.errors["nhs_number"].isVisible()


def test_flags_and_preferences_round_trip(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    form = _form(qtbot, clinic, actor)
    form.load(get_patient(clinic, roster_of_five[0]))
    form.flags["anticoagulant"].setChecked(True)
    assert not form.save_button.isEnabled()  # the drug must be named
    assert form.errors["anticoagulant_name"].isVisible()
    _type(qtbot, form, "anticoagulant_name", "warfarin")
    assert form.errors["anticoagulant_class"].isVisible()  # which kind: only a VKA has an INR
    assert not form.save_button.isEnabled()
    target_low = form.inr_target["inr_target_low"]
    assert not target_low.isEnabled()  # an INR target only once the kind is a VKA
    form.anticoagulant_class.setCurrentIndex(form.anticoagulant_class.findData("vka"))
    assert target_low.isEnabled()
    qtbot.keyClicks(target_low, "2.5")
    qtbot.keyClicks(form.inr_target["inr_target_high"], "35")  # a slip for 3.5
    assert form.errors["inr_target_high"].text() == (
        "INR target to must be between 1.5 and 4.5: check the decimal point"
    )
    assert not form.save_button.isEnabled()
    form.inr_target["inr_target_high"].clear()
    qtbot.keyClicks(form.inr_target["inr_target_high"], "3.5")
    form.day_boxes["tue"].setChecked(True)
    form.day_boxes["thu"].setChecked(True)
    with qtbot.waitSignal(form.save_finished) as finished:
        assert form.save()
    assert finished.args == [True]
    saved = get_patient(clinic, roster_of_five[0]).details
    assert saved.anticoagulant and saved.anticoagulant_name == "warfarin"
    assert saved.anticoagulant_class is AnticoagulantClass.VKA
    assert (saved.inr_target_low, saved.inr_target_high) == (2.5, 3.5)
    assert saved.preferred_days == "tue,thu"
