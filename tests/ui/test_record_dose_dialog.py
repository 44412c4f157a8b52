"""Recording a dose through the real dialog, as a nurse does at the injection."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, update

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import AdministrationStatus, AnticoagulantClass, LabTest, Role
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.models import (
    Administration,
    Lot,
    PrescriberDecision,
    Product,
    SafetyAcknowledgement,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.recording import record_administration
from clinic_app.services.queries.recording import AdministrationRecord
from clinic_app.services.queries.users import list_active_users
from clinic_app.ui.ops import Ops
from clinic_app.ui.record_dose_dialog import RecordDoseDialog, prepare
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    add_lab,
    add_session,
    book_into,
    build_clinic,
    clinic_patient,
    due_appointment,
    given_input,
    start_dose_course,
)

Field = TypeVar("Field", bound=QWidget)


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
    patient = clinic_patient(clinic)
    appointment = due_appointment(clinic.uow, start_dose_course(clinic.uow, patient))
    yield Scene(clinic, patient, appointment)
    engine.dispose()


def open_dialog(qtbot: QtBot, scene: Scene, appointment: int | None = -1) -> RecordDoseDialog:
    """The dialog as the window opens it: what it shows is read first (here, directly)."""
    chosen = scene.appointment if appointment == -1 else appointment
    ops = Ops(scene.clinic.uow, scene.clinic.nurse, today=lambda: TODAY)
    prepared = prepare(scene.clinic.uow, scene.patient, chosen, TODAY)
    dialog = RecordDoseDialog(ops, scene.patient, chosen, prepared)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def field(dialog: RecordDoseDialog, kind: type[Field], name: str) -> Field:
    """A field of the form by its object name, as the stylesheet and a screen reader know it."""
    found = dialog.findChild(kind, name)
    assert found is not None, f"the dialog has no {kind.__name__} {name!r}"
    return found


def label_text(dialog: RecordDoseDialog, name: str) -> str:
    return field(dialog, QLabel, name).text()


def needle_and_pressure(dialog: RecordDoseDialog) -> tuple[int, int]:
    return (
        field(dialog, QSpinBox, "needleGauge").value(),
        field(dialog, QSpinBox, "pressureMinutes").value(),
    )


def choose(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{data!r} not offered"
    combo.setCurrentIndex(index)


def complete(qtbot: QtBot, dialog: RecordDoseDialog) -> None:
    """What the nurse always does: the authority and the patient's consent."""
    choose(field(dialog, QComboBox, "authorityCombo"), "psd")
    qtbot.mouseClick(field(dialog, QCheckBox, "consent"), Qt.MouseButton.LeftButton)


def administrations(scene: Scene) -> int:
    with scene.clinic.uow.read() as session:
        return session.scalar(select(func.count()).select_from(Administration)) or 0


def test_a_dose_is_recorded_through_the_dialog(qtbot: QtBot, scene: Scene) -> None:
    dialog = open_dialog(qtbot, scene)
    assert label_text(dialog, "bannerName") == "SMITH, Margaret"
    assert label_text(dialog, "bannerNhs").startswith("NHS 999 000 ")
    assert label_text(dialog, "bannerBorn") == "Born 03/04/1950 (76 years)"
    assert "Dose 1 (maintenance), hydroxocobalamin 1 mg" in label_text(dialog, "doseLine")
    assert label_text(dialog, "doseVolume") == "1 mg = 1 mL"
    assert field(dialog, QComboBox, "siteCombo").currentData() == "deltoid"
    assert field(dialog, QComboBox, "sideCombo").currentData() == "left"
    assert not dialog.record_button.isEnabled()  # authority and consent still to do
    assert "authority, consent" in dialog.problem_summary.text()

    complete(qtbot, dialog)
    qtbot.keyClicks(field(dialog, QLineEdit, "reaction"), "none")
    assert dialog.record_button.isEnabled()
    with qtbot.waitSignal(dialog.recorded, timeout=10_000) as saved:
        qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)

    record: AdministrationRecord = saved.args[0]
    assert record.status is AdministrationStatus.COMPLETED
    assert record.lot_number == "CH25C052"  # the soonest-expiring usable lot, preselected
    assert (record.dose_text, record.site_text, record.reaction) == (
        "1 mg = 1 mL",
        "Left deltoid",
        "none",
    )
    assert record.performer == "Amira Patel (RN)"
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert administrations(scene) == 1


def test_an_expired_lot_is_refused_with_its_expiry(qtbot: QtBot, scene: Scene) -> None:
    dialog = open_dialog(qtbot, scene)
    complete(qtbot, dialog)
    expired = scene.clinic.stock.expired
    lots = field(dialog, QComboBox, "lotCombo")
    index = lots.findData(expired)
    assert lots.itemText(index).startswith("EXPIRED: CH24A117 - exp 23/11/2026")
    lots.setCurrentIndex(index)

    assert "Lot CH24A117 expired on 23/11/2026: do not use it." in label_text(dialog, "lotStatus")
    refusal = dialog.findChild(QLabel, "finding_lot_expired")
    assert refusal is not None and refusal.text().startswith("✖ Cannot give: Lot CH24A117")
    assert not dialog.record_button.isEnabled()
    assert dialog.problem_summary.text() == "Cannot be recorded as given: see the safety checks."
    assert dialog.record_given() is False
    assert administrations(scene) == 0

    choose(lots, scene.clinic.stock.lot)
    assert dialog.record_button.isEnabled()


def test_a_platelet_hold_needs_a_prescriber_decision(qtbot: QtBot, scene: Scene) -> None:
    add_lab(scene.clinic.uow, scene.patient, LabTest.PLATELETS, 18, TODAY - dt.timedelta(days=2))
    dialog = open_dialog(qtbot, scene)
    assert field(dialog, QFrame, "plateletPanel").property("severity") == "hold"
    assert label_text(dialog, "plateletTitle") == "Hold the IM injection until a prescriber decides"
    assert (
        label_text(dialog, "plateletCount") == "Latest count 18 x10^9/L on 22/11/2026 (band 10-25)"
    )
    assert "off-licence prescriber decision" in label_text(dialog, "plateletInstructions")
    assert needle_and_pressure(dialog) == (25, 10)
    complete(qtbot, dialog)
    assert field(dialog, QGroupBox, "decisionBox").isVisible()
    assert not dialog.record_button.isEnabled()

    prescriber = field(dialog, QComboBox, "decisionPrescriber")
    assert [prescriber.itemText(i) for i in range(prescriber.count())] == [
        "Choose the prescriber who decided…",
        "Dr Helen Morgan (GMC 4512345)",
    ]  # from the clinic's list: nobody can be typed in
    choose(prescriber, scene.clinic.prescriber)
    assert label_text(dialog, "decisionWho") == (
        "Recorded by Amira Patel (RN) on the prescriber's instruction."
    )
    assert field(dialog, QLineEdit, "decisionUntil").text() == "08/12/2026"  # 14 days
    assert not dialog.record_button.isEnabled()  # the decision itself is still missing
    decision_text = field(dialog, QLineEdit, "decisionText")
    qtbot.keyClicks(decision_text, "Give IM, 25G, 10 minutes firm pressure")
    box = dialog.ack_boxes["platelets_hold_authorised"]
    assert "Prescriber decision by Dr Helen Morgan on 24/11/2026" in box.accessibleName()
    assert not dialog.record_button.isEnabled()  # seen, but not yet ticked
    qtbot.waitUntil(box.isVisible)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert dialog.record_button.isEnabled()

    with qtbot.waitSignal(dialog.recorded, timeout=10_000):
        dialog.record_button.click()
    with scene.clinic.uow.read() as session:
        decision = session.scalars(select(PrescriberDecision)).one()
        assert (decision.prescriber_name, decision.decided_on, decision.valid_until) == (
            "Dr Helen Morgan",
            TODAY,
            TODAY + dt.timedelta(days=14),
        )
        assert (decision.prescriber_id, decision.by_prescriber) == (scene.clinic.prescriber, False)
        codes = session.scalars(select(SafetyAcknowledgement.check_code)).all()
        assert codes == ["platelets_hold_authorised"]


def test_a_decision_dated_before_the_count_is_refused_beside_its_field(
    qtbot: QtBot, scene: Scene
) -> None:
    add_lab(scene.clinic.uow, scene.patient, LabTest.PLATELETS, 6, TODAY - dt.timedelta(days=2))
    dialog = open_dialog(qtbot, scene)
    complete(qtbot, dialog)
    choose(field(dialog, QComboBox, "decisionPrescriber"), scene.clinic.prescriber)
    qtbot.keyClicks(field(dialog, QLineEdit, "decisionText"), "Give after transfusion")
    decided_on = field(dialog, QLineEdit, "decisionDate")
    decided_on.selectAll()
    qtbot.keyClicks(decided_on, "01/11/2026")
    error = dialog.errors["decision_decided_on"]
    assert error.isVisible()
    assert error.text().startswith("Date is before the result it answers (22/11/2026)")
    assert not dialog.record_button.isEnabled()
    assert "platelets_hold_authorised" not in dialog.ack_boxes


def test_the_small_needle_band_is_shown_and_prefilled(qtbot: QtBot, scene: Scene) -> None:
    add_lab(scene.clinic.uow, scene.patient, LabTest.PLATELETS, 38, TODAY - dt.timedelta(days=5))
    dialog = open_dialog(qtbot, scene)
    assert field(dialog, QFrame, "plateletPanel").property("severity") == "warn"
    assert "25-27G" in label_text(dialog, "plateletInstructions")
    assert needle_and_pressure(dialog) == (25, 10)
    complete(qtbot, dialog)
    assert dialog.record_button.isEnabled()
    field(dialog, QSpinBox, "needleGauge").setValue(21)
    assert dialog.errors["needle_gauge"].text().startswith("Needle use a 25G or finer needle")
    assert not dialog.record_button.isEnabled()


def test_the_buttock_needs_a_reason_and_a_tick(qtbot: QtBot, scene: Scene) -> None:
    dialog = open_dialog(qtbot, scene)
    complete(qtbot, dialog)
    reason = field(dialog, QLineEdit, "siteReason")
    assert not reason.isVisible()
    choose(field(dialog, QComboBox, "siteCombo"), "dorsogluteal")
    assert reason.isVisible()
    assert dialog.errors["site_reason"].isVisible()
    assert not dialog.record_button.isEnabled()
    qtbot.keyClicks(reason, "both deltoids bruised")
    assert not dialog.record_button.isEnabled()
    box = dialog.ack_boxes["site_outside_template"]
    qtbot.waitUntil(box.isVisible)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert dialog.record_button.isEnabled()


def test_not_given_records_the_reason(qtbot: QtBot, scene: Scene) -> None:
    dialog = open_dialog(qtbot, scene)
    sub = dialog.open_not_given()
    assert not sub.ok_button.isEnabled()
    choose(sub.reason_combo, "other")
    assert not sub.ok_button.isEnabled() and sub.problem.isVisible()
    qtbot.keyClicks(sub.note, "fainted in the waiting room")
    with qtbot.waitSignal(dialog.recorded, timeout=10_000) as saved:
        qtbot.mouseClick(sub.ok_button, Qt.MouseButton.LeftButton)
    record: AdministrationRecord = saved.args[0]
    assert record.status is AdministrationStatus.NOT_DONE
    assert record.notes == "fainted in the waiting room"


def test_a_refusal_from_the_service_is_shown_and_nothing_is_saved(
    qtbot: QtBot, scene: Scene
) -> None:
    dialog = open_dialog(qtbot, scene)
    complete(qtbot, dialog)
    with scene.clinic.uow.write() as session:  # another workstation used the last ampoules
        session.execute(update(Lot).values(quantity_remaining=0))
    assert dialog.record_given()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.error_banner.isVisible(), timeout=10_000)
    assert dialog.error_banner.text().startswith("Not saved: Lot CH25C052 has no doses left")
    assert dialog.isVisible() and administrations(scene) == 0


def test_a_dose_already_given_opens_as_a_message(qtbot: QtBot, scene: Scene) -> None:
    record_administration(
        scene.clinic.uow,
        scene.clinic.nurse,
        given_input(scene.patient, scene.appointment, scene.clinic.stock.lot),
        today=TODAY,
    )
    dialog = open_dialog(qtbot, scene)
    assert dialog.context is None
    assert "Dose 1 was already recorded as given" in dialog.error_banner.text()
    assert dialog.record_given() is False


def test_a_walk_in_says_so(qtbot: QtBot, scene: Scene) -> None:
    dialog = open_dialog(qtbot, scene, appointment=None)
    assert "walk-in" in field(dialog, QLabel, "doseLine").text()
    complete(qtbot, dialog)
    with qtbot.waitSignal(dialog.recorded, timeout=10_000) as saved:
        dialog.record_button.click()
    assert saved.args[0].walk_in


# -- any input: no crash, and invalid input never saves ------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dose-template") / "clinic.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    upgrade_database(engine, backup=False)
    clinic = build_clinic(UnitOfWork(engine))
    patient = clinic_patient(
        clinic,
        anticoagulant=True,
        anticoagulant_name="warfarin",
        anticoagulant_class=AnticoagulantClass.VKA,
    )
    start_dose_course(clinic.uow, patient)
    engine.dispose()
    return path


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)

#: A valid value for each input, and what a careless or hostile hand might put there.
FORM_INPUTS: dict[str, tuple[object, st.SearchStrategy[object]]] = {
    "lot": (2, st.integers(min_value=0, max_value=3)),
    "route": (0, st.integers(min_value=0, max_value=1)),
    "site": (0, st.integers(min_value=0, max_value=3)),
    "side": (1, st.integers(min_value=0, max_value=1)),
    "reason": ("", text),
    "needle": (25, st.integers(min_value=18, max_value=30)),
    "pressure": (10, st.integers(min_value=0, max_value=30)),
    "authority": (1, st.integers(min_value=0, max_value=2)),
    "consent": (True, st.booleans()),
    "reaction": ("none", st.one_of(text, st.just("r" * 1001))),
    "notes": ("", st.one_of(text, st.just("n" * 2001))),
    "tick": (True, st.booleans()),
    "prescriber": (1, st.integers(min_value=0, max_value=1)),
    "until": ("08/12/2026", st.one_of(text, st.sampled_from(["", "20/11/2026", "31/02/2026"]))),
    "decided": ("24/11/2026", st.one_of(text, st.sampled_from(["20/11/2026", "31/02/2026"]))),
    "decision": ("Give IM, 25G, 10 minutes pressure", text),
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    platelets=st.sampled_from([None, 200.0, 38.0, 25.0, 18.0, 4.0]),
    inr=st.sampled_from([None, 2.1, 3.8]),
    changed=st.sets(st.sampled_from(sorted(FORM_INPUTS)), max_size=4),
    data=st.data(),
)
def test_no_input_crashes_the_form_and_invalid_input_never_saves(
    qtbot: QtBot,
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    platelets: float | None,
    inr: float | None,
    changed: set[str],
    data: st.DataObject,
) -> None:
    value = {
        name: data.draw(strategy, label=name) if name in changed else valid
        for name, (valid, strategy) in FORM_INPUTS.items()
    }
    path = tmp_path_factory.mktemp("dose") / "clinic.sqlite"
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    engine = create_engine(f"sqlite:///{path}")
    try:
        uow = UnitOfWork(engine)
        if platelets is not None:
            add_lab(uow, 1, LabTest.PLATELETS, platelets, TODAY - dt.timedelta(days=3))
        if inr is not None:
            add_lab(uow, 1, LabTest.INR, inr, TODAY - dt.timedelta(days=1))
        ops = Ops(uow, build_actor(uow), today=lambda: TODAY)
        dialog = RecordDoseDialog(ops, 1, None, prepare(uow, 1, None, TODAY))
        qtbot.addWidget(dialog)
        dialog.show()
        fill(dialog, value)
        valid = dialog.can_record()
        event("saved" if valid else "refused")
        assert dialog.record_button.isEnabled() is valid
        assert dialog.record_given() is valid
        qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
        with uow.read() as session:
            saved = session.scalar(select(func.count()).select_from(Administration))
        # The form's own verdict and the service's agree: valid saves, invalid never does.
        assert saved == (1 if valid else 0), dialog.error_banner.text()
        dialog.close()
    finally:
        engine.dispose()


def number(value: object) -> int:
    assert isinstance(value, int)
    return value


def fill(dialog: RecordDoseDialog, value: dict[str, object]) -> None:
    """Set every input as a person could, edits signalled as if typed."""
    field(dialog, QComboBox, "lotCombo").setCurrentIndex(number(value["lot"]))
    field(dialog, QComboBox, "routeCombo").setCurrentIndex(number(value["route"]))
    field(dialog, QComboBox, "siteCombo").setCurrentIndex(number(value["site"]))
    field(dialog, QComboBox, "sideCombo").setCurrentIndex(number(value["side"]))
    field(dialog, QSpinBox, "needleGauge").setValue(number(value["needle"]))
    field(dialog, QSpinBox, "pressureMinutes").setValue(number(value["pressure"]))
    field(dialog, QComboBox, "authorityCombo").setCurrentIndex(number(value["authority"]))
    field(dialog, QComboBox, "decisionPrescriber").setCurrentIndex(number(value["prescriber"]))
    field(dialog, QCheckBox, "consent").setChecked(bool(value["consent"]))
    field(dialog, QPlainTextEdit, "notes").setPlainText(str(value["notes"]))
    for edit, key in (
        (field(dialog, QLineEdit, "siteReason"), "reason"),
        (field(dialog, QLineEdit, "reaction"), "reaction"),
        (field(dialog, QLineEdit, "decisionUntil"), "until"),
        (field(dialog, QLineEdit, "decisionDate"), "decided"),
        (field(dialog, QLineEdit, "decisionText"), "decision"),
    ):
        edit.setText(str(value[key]))
        edit.textEdited.emit(str(value[key]))
    if value["tick"]:
        for box in list(dialog.ack_boxes.values()):
            box.setChecked(True)
        for box in list(dialog.ack_boxes.values()):  # ticking may reveal the next one
            box.setChecked(True)


def build_actor(uow: UnitOfWork) -> Actor:
    (nurse,) = [user for user in list_active_users(uow) if user.role is Role.NURSE]
    return nurse.as_actor()


def test_the_dialog_names_the_booked_slot_time_and_location(qtbot: QtBot, scene: Scene) -> None:
    uow = scene.clinic.uow
    book_into(uow, scene.appointment, add_session(uow, TODAY)[3])
    dialog = open_dialog(qtbot, scene)
    line = label_text(dialog, "doseLine")
    assert f"booked {TODAY:%a} {TODAY:%d/%m/%Y} 09:30 at Main surgery, Room 3" in line


def test_the_time_given_defaults_to_now_and_can_be_corrected_earlier(
    qtbot: QtBot, scene: Scene
) -> None:
    dialog = open_dialog(qtbot, scene)
    given_at = field(dialog, QTimeEdit, "givenAt")
    now = dt.datetime.now()
    assert (
        abs(given_at.time().hour() * 60 + given_at.time().minute() - (now.hour * 60 + now.minute))
        <= 1
    )
    assert dialog.current_input().given_at is None  # untouched: saved as the moment of saving
    given_at.setTime(QTime(0, 1))
    complete(qtbot, dialog)
    assert dialog.current_input().given_at == dt.time(0, 1)
    with qtbot.waitSignal(dialog.recorded) as saved:
        assert dialog.record_given()
    record = saved.args[0]
    assert record.occurred_at.astimezone().time().replace(second=0, microsecond=0) == dt.time(0, 1)


def test_a_multi_dose_vial_past_its_in_use_days_needs_a_new_vial(
    qtbot: QtBot, scene: Scene
) -> None:
    clinic = scene.clinic
    with clinic.uow.write() as session:
        session.execute(
            update(Product).where(Product.id == clinic.stock.cyano).values(in_use_days=28)
        )
        session.execute(
            update(Lot)
            .where(Lot.id == clinic.stock.cyano_lot)
            .values(opened_on=TODAY - dt.timedelta(days=40))
        )
    patient = clinic_patient(clinic, seed=2)
    appointment = due_appointment(
        clinic.uow, start_dose_course(clinic.uow, patient, "cyano-us-1000")
    )
    dialog = open_dialog(qtbot, Scene(clinic, patient, appointment))
    new_vial = field(dialog, QCheckBox, "newVial")
    choose(field(dialog, QComboBox, "lotCombo"), clinic.stock.cyano_lot)
    complete(qtbot, dialog)
    assert new_vial.isVisible() and not new_vial.isChecked()
    assert "discard it" in label_text(dialog, "lotStatus")
    assert not dialog.record_button.isEnabled()

    qtbot.waitUntil(lambda: new_vial.height() > 0 and new_vial.width() > 0)  # laid out
    # On its box (the row is wider than the box and its words, which take the click).
    qtbot.mouseClick(new_vial, Qt.MouseButton.LeftButton, pos=QPoint(8, new_vial.height() // 2))

    assert "opened today" in label_text(dialog, "lotStatus")
    assert dialog.current_input().new_vial
    assert dialog.current_findings().refusals == ()


def _anticoagulated(scene: Scene, drug: str, kind: AnticoagulantClass) -> Scene:
    patient = clinic_patient(
        scene.clinic, 2, anticoagulant=True, anticoagulant_name=drug, anticoagulant_class=kind
    )
    appointment = due_appointment(scene.clinic.uow, start_dose_course(scene.clinic.uow, patient))
    return Scene(scene.clinic, patient, appointment)


def test_a_warfarin_inr_above_range_is_the_one_verdict_never_give_as_usual(
    qtbot: QtBot, scene: Scene
) -> None:
    warfarin = _anticoagulated(scene, "warfarin", AnticoagulantClass.VKA)
    uow = scene.clinic.uow
    add_lab(uow, warfarin.patient, LabTest.PLATELETS, 230, TODAY - dt.timedelta(days=4))
    add_lab(uow, warfarin.patient, LabTest.INR, 3.8, TODAY - dt.timedelta(days=1))
    dialog = open_dialog(qtbot, warfarin)
    verdict = field(dialog, QLabel, "verdict")
    assert verdict.property("severity") == "refuse"
    assert verdict.text().startswith(
        "DO NOT GIVE: INR 3.8 on 23/11/2026 is above the clinic's ceiling (3)"
    )
    # The platelet count is normal, but its "as usual" line must not contradict that.
    instructions = label_text(dialog, "plateletInstructions")
    assert "Give the injection as usual" not in instructions
    assert "see the verdict above" in instructions
    assert field(dialog, QSpinBox, "pressureMinutes").value() == 5  # anticoagulated
    complete(qtbot, dialog)
    assert not dialog.record_button.isEnabled()


def test_an_apixaban_patient_gets_the_timing_note_and_no_inr_check(
    qtbot: QtBot, scene: Scene
) -> None:
    apixaban = _anticoagulated(scene, "apixaban", AnticoagulantClass.DOAC)
    add_lab(
        scene.clinic.uow, apixaban.patient, LabTest.PLATELETS, 230, TODAY - dt.timedelta(days=4)
    )
    dialog = open_dialog(qtbot, apixaban)
    verdict = field(dialog, QLabel, "verdict")
    assert verdict.property("severity") == "warn"
    assert "Takes a DOAC (apixaban): the INR does not measure it" in verdict.text()
    assert "Give the injection as usual." in label_text(dialog, "plateletInstructions")
    assert field(dialog, QSpinBox, "pressureMinutes").value() == 5
    complete(qtbot, dialog)
    assert dialog.record_button.isEnabled()  # no INR is asked for
    assert dialog.findChild(QPushButton, "enterInrButton") is None  # nor offered


def test_a_normal_count_and_nothing_else_says_give_as_usual(qtbot: QtBot, scene: Scene) -> None:
    add_lab(scene.clinic.uow, scene.patient, LabTest.PLATELETS, 230, TODAY - dt.timedelta(days=4))
    dialog = open_dialog(qtbot, scene)
    verdict = field(dialog, QLabel, "verdict")
    assert verdict.text().startswith("GIVE WITH CARE: Lot CH25C052 expires in 20 days")
    choose(field(dialog, QComboBox, "lotCombo"), scene.clinic.stock.lot)  # a long-dated lot
    assert verdict.property("severity") == "info"
    assert verdict.text() == "No safety finding for this dose: give as usual."
