"""A patient's demographics and clinical flags, edited with validation beside each field.

The same domain rules the service enforces run as the user types; Save stays
disabled until the form is valid, and a message names the field and the problem
right under it, so nothing invalid is ever half-saved.
"""

from __future__ import annotations

import math
from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain import patient_details
from clinic_app.domain.codes import AnticoagulantClass, ContactPreference, PatientStatus, Sex
from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.domain.errors import Conflict
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.domain.patient_details import WEEKDAY_CODES, PatientDetails
from clinic_app.services.commands.patients import create_patient, update_patient
from clinic_app.services.queries.patients import PatientRecord
from clinic_app.ui.field_row import field_with_error
from clinic_app.ui.ops import Ops

#: Saves details: (patient id or None for a new patient, details, expected version).

_TEXT_FIELDS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "phone",
    "email",
    "anticoagulant_name",
)
_FLAGS = (
    ("neuro_involvement", "Neurological involvement"),
    ("renal_impairment", "Renal impairment"),
    ("anticoagulant", "Takes an anticoagulant"),
    ("on_folic_acid", "On folic acid"),
    ("bariatric_surgery", "Bariatric surgery"),
    ("ileal_resection", "Ileal resection (> 20 cm)"),
)

#: Changing one field can make another wrong (ticking "anticoagulant" needs the drug
#: named), so its problem is shown at once rather than only after Save.
_ALSO_CHECKS = {
    "anticoagulant": ("anticoagulant_name", "anticoagulant_class"),
    "anticoagulant_class": ("inr_target_low", "inr_target_high"),
    "inr_target_low": ("inr_target_high",),
    "contact_preference": ("phone", "email"),
}


class PatientForm(QWidget):
    saved = Signal(object)  # PatientRecord
    #: A save that was started has ended: True saved, False refused (errors shown).
    save_finished = Signal(bool)

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._today = ops.today
        self._saving = False
        self._record: PatientRecord | None = None
        self._loaded: PatientDetails | None = None
        self._touched: set[str] = set()
        self._server_errors: dict[str, str] = {}
        self._loading = False

        self.heading = QLabel("New patient")
        self.heading.setObjectName("patientHeading")
        self.subheading = QLabel("")
        self.subheading.setObjectName("patientSubheading")

        self.inputs: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        for name in _TEXT_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.textEdited.connect(lambda _text, field=name: self._edited(field))
            self.inputs[name] = edit
        self.inputs["date_of_birth"].setPlaceholderText("DD/MM/YYYY")
        self.inputs["nhs_number"].setPlaceholderText("10 digits, e.g. 943 476 5919")
        self.inputs["nhs_number"].setMaxLength(14)
        self.inputs["postcode"].setMaxLength(10)
        self.inputs["anticoagulant_name"].setPlaceholderText("e.g. warfarin, apixaban")
        self.anticoagulant_class = self._combo(
            "anticoagulant_class",
            [("Choose the kind…", ""), *((kind.label, kind) for kind in AnticoagulantClass)],
        )
        #: The patient's INR target range (warfarin): typed as numbers, e.g. 2 and 3.
        self.inr_target: dict[str, QLineEdit] = {}
        for name, hint in (("inr_target_low", "from, e.g. 2"), ("inr_target_high", "to, e.g. 3")):
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setPlaceholderText(hint)
            edit.setMaximumWidth(110)
            edit.textEdited.connect(lambda _text, field=name: self._edited(field))
            self.inr_target[name] = edit

        self.sex = self._combo("sex", [(s.label, s) for s in Sex])
        self.status = self._combo("status", [(s.label, s) for s in PatientStatus])
        self.contact_preference = self._combo(
            "contact_preference", [(c.label, c) for c in ContactPreference]
        )
        self.preferred_time = self._combo(
            "preferred_time", [("Any time", ""), ("Mornings", "am"), ("Afternoons", "pm")]
        )
        self.day_boxes: dict[str, QCheckBox] = {}
        for code in WEEKDAY_CODES:
            box = QCheckBox(code.capitalize())
            box.toggled.connect(lambda _on: self._edited("preferred_days"))
            self.day_boxes[code] = box
        self.flags: dict[str, QCheckBox] = {}
        for name, label in _FLAGS:
            box = QCheckBox(label)
            box.setObjectName(name)
            box.toggled.connect(lambda _on, field=name: self._edited(field))
            self.flags[name] = box
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(70)
        self.notes.textChanged.connect(lambda: self._edited("notes"))

        self.problem_summary = QLabel("")
        self.problem_summary.setObjectName("problemSummary")
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip("Save changes (Ctrl+S)")
        self.revert_button = QPushButton("Revert")
        self.revert_button.setObjectName("revertButton")
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self._revert)

        self._build_layout()
        self.load(None)

    # -- public -------------------------------------------------------------------
    @property
    def record(self) -> PatientRecord | None:
        return self._record

    def is_dirty(self) -> bool:
        return self._loaded is None or self._details() != self._loaded

    def load(self, record: PatientRecord | None) -> None:
        """Show a patient (or an empty form for a new one), discarding unsaved edits."""
        self._record = record
        self._touched.clear()
        self._server_errors.clear()
        details = record.details if record else None
        self._loading = True
        try:
            self._fill(details)
        finally:
            self._loading = False
        self._loaded = details
        if record is None:
            self.heading.setText("New patient")
            self.subheading.setText("Fill in the details, then Save.")
        else:
            d = record.details
            self.heading.setText(f"{d.family_name.upper()}, {d.given_name}")
            when = record.updated_at.astimezone().strftime("%d/%m/%Y %H:%M")
            by = f" by {record.updated_by}" if record.updated_by else ""
            self.subheading.setText(
                f"NHS {format_for_display(d.nhs_number)} · born {format_date(d.date_of_birth)}"
                f" · last changed {when}{by}"
            )
        self._refresh_state()

    def current_errors(self) -> dict[str, str]:
        """Every problem with the form as it stands (shown or not yet)."""
        errors = dict(self._server_errors)
        dob_text = self.inputs["date_of_birth"].text().strip()
        details = self._details()
        errors.update(patient_details.validate(details, self._today()))
        if dob_text and details.date_of_birth is None:
            errors["date_of_birth"] = "is not a date: use DD/MM/YYYY"
        for name, edit in self.inr_target.items():
            if edit.text().strip() and _number(edit.text()) is None:
                errors[name] = "is not a number (e.g. 2.5)"
        return errors

    @property
    def busy(self) -> bool:
        """A save is under way."""
        return self._saving

    def save(self) -> bool:
        """Start saving if the form is valid (False: the problems are shown, nothing sent).

        The command runs on the worker; ``saved`` and ``save_finished`` say how it ended.
        """
        self._touched.update(self.errors)
        errors = self.current_errors()
        if errors or self._saving:
            self._refresh_state()
            return False
        record, details, today = self._record, self._details(), self._today()
        if record is None:
            command = create_patient.bind(details, today=today)
        else:
            command = update_patient.bind(
                record.id, details, expected_version=record.version, today=today
            )
        self._saving = True
        self.save_button.setEnabled(False)
        self._ops.write(command, self._saved, failed=self._refused)
        return True

    def _saved(self, saved: PatientRecord) -> None:
        self._saving = False
        self.load(saved)
        self.saved.emit(saved)
        self.save_finished.emit(True)

    def _refused(self, error: Exception) -> None:
        self._saving = False
        if isinstance(error, ValidationFailed):
            self._server_errors = dict(error.errors)
            self._refresh_state()
        elif isinstance(error, Conflict):
            QMessageBox.warning(self, "Changed elsewhere", str(error))
            self._refresh_state()
        else:
            QMessageBox.warning(self, "Could not save", str(error))
            self._refresh_state()
        self.save_finished.emit(False)

    # -- internals ----------------------------------------------------------------
    def _combo(self, name: str, items: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        for label, value in items:
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(lambda _i, field=name: self._edited(field))
        return combo

    def _row(self, name: str, widget: QWidget) -> QWidget:
        return field_with_error(name, self.errors, widget)

    def _build_layout(self) -> None:
        identity = QGroupBox("Identity")
        form = QFormLayout(identity)
        form.addRow("NHS number", self._row("nhs_number", self.inputs["nhs_number"]))
        form.addRow("Given name", self._row("given_name", self.inputs["given_name"]))
        form.addRow("Family name", self._row("family_name", self.inputs["family_name"]))
        form.addRow("Date of birth", self._row("date_of_birth", self.inputs["date_of_birth"]))
        form.addRow("Sex", self.sex)
        form.addRow("Status", self.status)

        contact = QGroupBox("Contact")
        cform = QFormLayout(contact)
        cform.addRow("Address", self.inputs["address_line1"])
        cform.addRow("", self.inputs["address_line2"])
        cform.addRow("Town", self.inputs["town"])
        cform.addRow("Postcode", self._row("postcode", self.inputs["postcode"]))
        cform.addRow("Phone", self._row("phone", self.inputs["phone"]))
        cform.addRow("Email", self._row("email", self.inputs["email"]))
        cform.addRow("Contact by", self._row("contact_preference", self.contact_preference))
        days = QWidget()
        day_grid = QGridLayout(days)
        day_grid.setContentsMargins(0, 0, 0, 0)
        for number, box in enumerate(self.day_boxes.values()):
            day_grid.addWidget(box, number // 4, number % 4)
        cform.addRow("Can attend", self._row("preferred_days", days))
        cform.addRow("Time of day", self._row("preferred_time", self.preferred_time))

        clinical = QGroupBox("Clinical flags")
        grid = QGridLayout(clinical)
        for number, box in enumerate(self.flags.values()):
            grid.addWidget(box, number // 2, number % 2)
        grid.addWidget(QLabel("Anticoagulant"), 3, 0)
        grid.addWidget(self._row("anticoagulant_name", self.inputs["anticoagulant_name"]), 3, 1)
        grid.addWidget(QLabel("Kind"), 4, 0)
        grid.addWidget(self._row("anticoagulant_class", self.anticoagulant_class), 4, 1)
        target = QWidget()
        target_row = QHBoxLayout(target)
        target_row.setContentsMargins(0, 0, 0, 0)
        target_row.addWidget(self._row("inr_target_low", self.inr_target["inr_target_low"]))
        target_row.addWidget(QLabel("to"), 0, Qt.AlignmentFlag.AlignTop)
        target_row.addWidget(self._row("inr_target_high", self.inr_target["inr_target_high"]))
        target_row.addStretch(1)
        self._target_label = QLabel("INR target")
        self._target_label.setToolTip(
            "Warfarin only: the patient's INR target range. Its top is their ceiling for an "
            "IM injection; without it the clinic's INR ceiling applies."
        )
        grid.addWidget(self._target_label, 5, 0)
        grid.addWidget(target, 5, 1)
        self._target_row = target
        grid.addWidget(QLabel("Notes"), 6, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.notes, 6, 1)

        body = QWidget()
        columns = QGridLayout(body)
        columns.addWidget(identity, 0, 0)
        columns.addWidget(contact, 0, 1, 2, 1)
        columns.addWidget(clinical, 1, 0)
        columns.setRowStretch(2, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        buttons = QHBoxLayout()
        buttons.addWidget(self.problem_summary, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def _fill(self, details: PatientDetails | None) -> None:
        for name, edit in self.inputs.items():
            value: object = getattr(details, name) if details else ""
            if name == "date_of_birth":
                value = format_date(details.date_of_birth) if details else ""
            elif name == "nhs_number" and isinstance(value, str) and value:
                value = format_for_display(value)
            edit.setText(str(value))
        _select(self.sex, details.sex if details else Sex.UNKNOWN)
        _select(self.status, details.status if details else PatientStatus.ACTIVE)
        _select(
            self.contact_preference,
            details.contact_preference if details else ContactPreference.PHONE,
        )
        _select(self.preferred_time, details.preferred_time if details else "")
        chosen = set((details.preferred_days if details else "").split(","))
        for code, box in self.day_boxes.items():
            box.setChecked(code in chosen)
        for name, box in self.flags.items():
            box.setChecked(bool(getattr(details, name)) if details else False)
        self.notes.setPlainText(details.notes if details else "")
        _select(
            self.anticoagulant_class,
            details.anticoagulant_class if details and details.anticoagulant_class else "",
        )
        for name, edit in self.inr_target.items():
            value = getattr(details, name) if details else None
            edit.setText("" if value is None else f"{value:g}")

    def _details(self) -> PatientDetails:
        text = {name: edit.text() for name, edit in self.inputs.items()}
        kind = self.anticoagulant_class.currentData()
        return PatientDetails(
            nhs_number=text["nhs_number"],
            given_name=text["given_name"],
            family_name=text["family_name"],
            date_of_birth=parse_date(text["date_of_birth"]),
            sex=Sex(self.sex.currentData()),
            address_line1=text["address_line1"].strip(),
            address_line2=text["address_line2"].strip(),
            town=text["town"].strip(),
            postcode=text["postcode"],
            phone=text["phone"],
            email=text["email"],
            contact_preference=ContactPreference(self.contact_preference.currentData()),
            preferred_days=",".join(c for c, box in self.day_boxes.items() if box.isChecked()),
            preferred_time=str(self.preferred_time.currentData()),
            anticoagulant_name=text["anticoagulant_name"].strip(),
            anticoagulant_class=AnticoagulantClass(kind) if kind else None,
            inr_target_low=_number(self.inr_target["inr_target_low"].text()),
            inr_target_high=_number(self.inr_target["inr_target_high"].text()),
            status=PatientStatus(self.status.currentData()),
            notes=self.notes.toPlainText(),
            **{name: box.isChecked() for name, box in self.flags.items()},
        ).normalised()

    def _edited(self, field: str) -> None:
        if self._loading:
            return
        self._touched.add(field)
        self._touched.update(_ALSO_CHECKS.get(field, ()))
        self._server_errors.pop(field, None)
        self._refresh_state()

    def _revert(self) -> None:
        self.load(self._record)

    def _refresh_state(self) -> None:
        anticoagulated = self.flags["anticoagulant"].isChecked()
        self.anticoagulant_class.setEnabled(anticoagulated)
        vka = self.anticoagulant_class.currentData() in (AnticoagulantClass.VKA, "vka")
        for edit in self.inr_target.values():
            edit.setEnabled(anticoagulated and vka)
        errors = self.current_errors()
        for name, label in self.errors.items():
            message = (
                errors.get(name) if name in self._touched or name in self._server_errors else None
            )
            if message:
                field_label = patient_details.FIELD_LABELS.get(name, name)
                label.setText(f"{field_label} {message}")
                label.show()
            else:
                label.hide()
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty and not errors and not self._saving)
        self.revert_button.setEnabled(dirty and self._record is not None)
        shown = [n for n in errors if n in self._touched]
        if shown:
            plural = "problem" if len(shown) == 1 else "problems"
            self.problem_summary.setText(f"Fix the {len(shown)} {plural} marked in red to save.")
        elif dirty and errors:
            self.problem_summary.setText("Fill in the required details to save.")
        elif dirty:
            self.problem_summary.setText("Unsaved changes.")
        else:
            self.problem_summary.setText("")


def _number(text: str) -> float | None:
    """A number as typed ("2.5", "2,5"); None when empty or not a number."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _select(combo: QComboBox, value: object) -> None:
    value = value.value if isinstance(value, StrEnum) else value
    for index in range(combo.count()):
        data = combo.itemData(index)
        data = data.value if isinstance(data, StrEnum) else data
        if data == value:
            combo.setCurrentIndex(index)
            return
