"""The dialog a nurse uses at the injection: who, which dose, which lot, where, and why not.

Everything the nurse must see comes first and cannot be missed: the patient banner
(name, NHS number, date of birth: the wrong-patient check) and the platelet band with
its instructions, coloured by severity. The form re-runs the service's own safety
checks as the nurse changes the lot, route or site, so a refusal (an expired lot, a
platelet hold without a prescriber decision) is shown beside the choice that causes
it and "Record as given" stays disabled until every problem is fixed and every
warning that needs it is ticked. Nothing is saved until then, and saving runs off
the GUI thread, in one transaction.

Each part is its own widget: the banner, the platelet band, the form that scrolls
(``DoseForm``: lot, injection, authority, prescriber decision) and the safety checks.
This dialog puts them together, says what is still to do, and saves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.administration_checks import Finding, Findings
from clinic_app.domain.codes import LabTest
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.recording_rules import AdministrationInput
from clinic_app.services.commands.recording import record_administration, record_not_given
from clinic_app.services.envelope import Done
from clinic_app.services.queries.lab_results import LabTestChoice, lab_test_choices
from clinic_app.services.queries.recording import (
    AdministrationContext,
    AdministrationRecord,
    prepare_administration,
)
from clinic_app.ui.dose_form import DoseForm
from clinic_app.ui.lab_result_dialogs import LabResultDialog
from clinic_app.ui.not_given_dialog import NotGivenDialog
from clinic_app.ui.ops import Ops
from clinic_app.ui.patient_dose_banner import PatientDoseBanner
from clinic_app.ui.platelet_band import PlateletBand
from clinic_app.ui.result_links import ResultLinks
from clinic_app.ui.safety_checks import SafetyChecks
from clinic_app.ui.verdict_banner import VerdictBanner

#: Changing one field can make another wrong (choosing the buttock needs a reason), so
#: that field's problem is shown at once rather than only after "Record".
_ALSO_CHECKS = {"site": ("site_reason",)}
_FIELD_LABELS = {
    "given_at": "Time given",
    "lot_id": "Lot",
    "route": "Route",
    "site": "Site",
    "side": "Side",
    "site_reason": "Reason",
    "needle_gauge": "Needle",
    "pressure_minutes": "Pressure",
    "authority": "Authority",
    "consent": "Consent",
    "reaction": "Reaction",
    "notes": "Notes",
    "decision_prescriber_id": "Prescriber",
    "decision_decided_on": "Date",
    "decision_decision": "Decision",
    "decision_valid_until": "Valid until",
    "decision_topic": "Topic",
    "acknowledged": "Safety checks",
}


def prepare(
    uow: Any, patient_id: int, appointment_id: int | None, today: dt.date
) -> AdministrationContext | str:
    """On the worker: what the dialog shows, or why the dose cannot be recorded now."""
    try:
        return prepare_administration(uow, appointment_id, patient_id, today=today)
    except UserError as error:
        return str(error)


class RecordDoseDialog(QDialog):
    """Built from what ``prepare`` read (the window reads it on the worker first)."""

    #: Emitted with the AdministrationRecord once a dose (given or not) is saved.
    recorded = Signal(object)
    #: The checks ran again after a result was entered from the dialog.
    reprepared = Signal()

    def __init__(
        self,
        ops: Ops,
        patient_id: int,
        appointment_id: int | None,
        prepared: AdministrationContext | str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recordDoseDialog")
        self.setWindowTitle("Record injection")
        self._ops = ops
        self._actor = ops.actor
        self._patient_id = patient_id
        self._appointment_id = appointment_id
        self._today = ops.today
        self._saving = False
        self._touched: set[str] = set()
        self._server_errors: dict[str, str] = {}
        #: The error label under each field, by field name (``error_<field>`` objects).
        self.errors: dict[str, QLabel] = {}
        self.context: AdministrationContext | None = None
        self.record: AdministrationRecord | None = None
        self._not_given: NotGivenDialog | None = None
        #: The result entry opened from "Enter today's count…", while it is open.
        self.result_dialog: QDialog | None = None

        self.error_banner = QLabel("")
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setWordWrap(True)
        self.error_banner.setStyleSheet(
            "QLabel#errorBanner { background: #fdecea; color: #7a1710; border: 1px solid "
            "#b42318; border-radius: 4px; padding: 6px; }"
        )
        self.error_banner.hide()
        if isinstance(prepared, str):
            self._build_unavailable(prepared)
            return
        self.context = prepared
        self._build(self.context)
        self._refresh()
        self._fit_to_content()

    # -- public ---------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A save is under way."""
        return self._saving

    @property
    def ack_boxes(self) -> dict[str, QCheckBox]:
        """The safety checks' boxes to tick, by finding code (none when unavailable)."""
        return self.safety.ack_boxes if self.context is not None else {}

    def current_input(self) -> AdministrationInput:
        self._require_context()
        return self.form.administration_input(
            self._patient_id, self._appointment_id, self.safety.acknowledged()
        )

    def current_findings(self) -> Findings:
        context = self._require_context()
        return context.check(self.form.choice(), self.form.pending_decisions())

    def current_errors(self) -> dict[str, str]:
        """Every problem with the form as it stands (shown or not yet)."""
        errors = dict(self._server_errors)
        errors.update(self.form.problems(self.current_input()))
        return errors

    def can_record(self) -> bool:
        if self.context is None or self.busy:
            return False
        findings = self.current_findings()
        if findings.refusals:
            return False
        if findings.missing_acknowledgements(self.current_input().acknowledged):
            return False
        return not self.current_errors()

    def record_given(self) -> bool:
        """Save the dose as given if the form is complete; False (nothing saved) if not."""
        if self.context is None or self.busy:
            return False
        self._touched.update(self.errors)
        self._refresh()
        if not self.can_record():
            return False
        form = self.current_input()
        today = self._today()
        self._start(record_administration.bind(form, today=today))
        return True

    def open_not_given(self) -> NotGivenDialog:
        """The "Not given…" path: a reason (and a note for "other"), then save."""
        dialog = NotGivenDialog(self)
        dialog.accepted.connect(lambda: self._record_not_given(dialog))
        self._not_given = dialog
        dialog.open()
        return dialog

    def open_result_entry(self, test: LabTest) -> None:
        """The Results tab's entry form; once saved, the checks run again on the result."""

        def opened(choices: tuple[LabTestChoice, ...]) -> None:
            dialog = LabResultDialog(
                self._ops,
                self._patient_id,
                choices,
                test=test,
                intro="Enter the result as reported, with the date the sample was taken. "
                "The checks for this injection run again on it.",
                parent=self,
            )
            dialog.saved.connect(lambda _entry: self._prepare_again())
            dialog.finished.connect(lambda _r: setattr(self, "result_dialog", None))
            self.result_dialog = dialog
            dialog.open()

        self._ops.read(lambda _uow: lab_test_choices(), opened, failed=self._failed)

    # -- building -------------------------------------------------------------------
    def _prepare_again(self) -> None:
        patient_id, appointment_id, today = self._patient_id, self._appointment_id, self._today()
        self._ops.read(
            lambda uow: prepare(uow, patient_id, appointment_id, today),
            self._rebuild,
            failed=self._failed,
        )

    def _rebuild(self, prepared: AdministrationContext | str) -> None:
        """Everything shown again from the new reading; the choices made start afresh,
        because the band's needle and pressure may have changed with the count."""
        old = self.layout()
        if old is not None:
            _empty(old, keep=self.error_banner)
            QWidget().setLayout(old)  # the old layout goes with the throwaway widget
        self._touched, self._server_errors = set(), {}
        self.error_banner.hide()
        if isinstance(prepared, str):
            self.context = None
            self._build_unavailable(prepared)
        else:
            self.context = prepared
            self._build(prepared)
            self._refresh()
        self.reprepared.emit()

    def _build_unavailable(self, message: str) -> None:
        self.error_banner.setText(message)
        self.error_banner.show()
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error_banner)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)

    def _build(self, context: AdministrationContext) -> None:
        self.form = DoseForm(context, self._actor)
        self.safety = SafetyChecks()
        self.errors = self.form.errors
        self.form.edited.connect(self._edited)
        self.safety.edited.connect(self._edited)
        self.problem_summary = QLabel("")
        self.problem_summary.setObjectName("problemSummary")
        self.problem_summary.setWordWrap(True)
        self.not_given_button = QPushButton("Not given…")
        self.not_given_button.setObjectName("notGivenButton")
        self.not_given_button.setToolTip("Record that this dose was not given, and why")
        self.not_given_button.clicked.connect(self.open_not_given)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.record_button = QPushButton("Record as given")
        self.record_button.setObjectName("saveButton")
        self.record_button.setDefault(True)
        self.record_button.clicked.connect(self.record_given)
        buttons = QHBoxLayout()
        buttons.addWidget(self.not_given_button)
        buttons.addWidget(self.problem_summary, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.record_button)

        # What must be seen before confirming stays in view however the form scrolls:
        # who the patient is and the platelet band above, the safety checks below.
        self.verdict = VerdictBanner()
        self.platelet_band = PlateletBand(context.platelets)
        layout = QVBoxLayout(self)
        layout.addWidget(PatientDoseBanner(context))
        layout.addWidget(self.verdict)
        layout.addWidget(self.platelet_band)
        self.result_links = ResultLinks(context)
        self.result_links.enter.connect(self.open_result_entry)
        layout.addWidget(self.result_links)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.safety)
        layout.addWidget(self.error_banner)
        layout.addLayout(buttons)

    def _fit_to_content(self) -> None:
        """Tall enough for the whole form when it fits the screen; the middle scrolls
        rather than push the banner, the platelet band or the buttons out of sight."""
        available = self.screen().availableGeometry() if self.screen() else None
        width = min(1100, available.width() - 40) if available is not None else 1100
        self.form.fit_height()
        layout = self.layout()
        height = (
            layout.totalHeightForWidth(width)
            if layout is not None and layout.hasHeightForWidth()
            else self.sizeHint().height()
        )
        screen = available.height() if available is not None else height
        fits = min(height, max(480, screen - 60))
        if height > fits:
            # Too tall for the screen: the form scrolls rather than squeeze the safety
            # checks over it (the verdict and the platelet band stay in full view).
            overflow = height - fits + 24  # and room for the group titles below it
            self.form.setMinimumHeight(max(160, self.form.minimumHeight() - overflow))
        self.resize(width, fits)

    # -- state ----------------------------------------------------------------------
    def _edited(self, field: str) -> None:
        self._touched.add(field)
        self._touched.update(_ALSO_CHECKS.get(field, ()))
        self._server_errors.pop(field, None)
        self.error_banner.hide()
        self._refresh()

    def _refresh(self) -> None:
        findings = self.current_findings()
        self.verdict.show_verdict(findings)
        self.platelet_band.show_refused(bool(findings.refusals))
        self.form.show_findings(findings)
        self.safety.show_findings(findings)
        errors = self.current_errors()
        for name, label in self.errors.items():
            message = errors.get(name)
            if message and (name in self._touched or name in self._server_errors):
                label.setText(f"{_FIELD_LABELS.get(name, name)} {message}")
                label.show()
            else:
                label.hide()
        missing = findings.missing_acknowledgements(self.current_input().acknowledged)
        ready = not errors and not findings.refusals and not missing and not self.busy
        self.record_button.setEnabled(ready)
        self.not_given_button.setEnabled(not self.busy)
        self.problem_summary.setText(self._summary(errors, findings, missing))

    def _summary(
        self, errors: dict[str, str], findings: Findings, missing: tuple[Finding, ...]
    ) -> str:
        if self.busy:
            return "Recording…"
        if findings.refusals:
            return "Cannot be recorded as given: see the safety checks."
        parts = []
        if errors:
            names = dict.fromkeys(_FIELD_LABELS.get(name, name).lower() for name in errors)
            parts.append(", ".join(names))
        if missing:
            parts.append(f"{len(missing)} safety check{'s' if len(missing) != 1 else ''} to tick")
        return ("Still to do: " + "; ".join(parts) + ".") if parts else "Ready to record."

    # -- saving -------------------------------------------------------------------------
    def _start(self, command: Callable[[Any, Any], Done[AdministrationRecord]]) -> None:
        self.error_banner.hide()
        self._set_inputs_enabled(False)
        self._saving = True
        self._ops.write(command, self._saved, failed=self._failed)
        self._refresh()

    def _record_not_given(self, dialog: NotGivenDialog) -> None:
        data = dialog.as_input(self._patient_id, self._appointment_id)
        today = self._today()
        self._start(record_not_given.bind(data, today=today))

    def _saved(self, record: AdministrationRecord) -> None:
        self._saving = False
        self.record = record
        self._set_inputs_enabled(True)
        self.recorded.emit(record)
        self.accept()

    def _failed(self, error: Exception) -> None:
        self._saving = False
        self._set_inputs_enabled(True)
        if isinstance(error, ValidationFailed):
            self._server_errors = dict(error.errors)
            self._touched.update(error.errors)
            self.error_banner.setText("Not saved: " + str(error))
        else:
            self.error_banner.setText(f"Not saved: {error}")
        self.error_banner.show()
        self._refresh()

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in self.findChildren(QWidget):
            if isinstance(
                widget, QComboBox | QLineEdit | QSpinBox | QCheckBox | QPlainTextEdit | QTimeEdit
            ):
                widget.setEnabled(enabled)

    def _require_context(self) -> AdministrationContext:
        assert self.context is not None
        return self.context


def _empty(layout: QLayout, *, keep: QWidget) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            continue
        widget, inner = item.widget(), item.layout()
        if widget is not None and widget is not keep:
            widget.setParent(None)
            widget.deleteLater()
        elif inner is not None:
            _empty(inner, keep=keep)
