"""The dialog a nurse uses at the injection: who, which dose, which lot, where, and why not.

Everything the nurse must see comes first and cannot be missed: the patient banner
(name, NHS number, date of birth: the wrong-patient check) and the platelet band with
its instructions, coloured by severity. The form re-runs the service's own safety
checks as the nurse changes the lot, route or site, so a refusal (an expired lot, a
platelet hold without a prescriber decision) is shown beside the choice that causes
it and "Record as given" stays disabled until every problem is fixed and every
warning that needs it is ticked. Nothing is saved until then, and saving runs off
the GUI thread, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.actor import Actor
from clinic_app.domain.administration_checks import (
    Choice,
    DecisionFacts,
    DecisionTopic,
    Finding,
    Findings,
    Severity,
)
from clinic_app.domain.codes import Authority, NotGivenReason, Route, Side, Site
from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.domain.recording_rules import (
    MAX_PRESSURE_MINUTES,
    NEEDLE_GAUGES,
    AdministrationInput,
    DecisionInput,
    NotGivenInput,
    validate_administration_input,
    validate_decision,
    validate_not_given,
)
from clinic_app.domain.site_rotation import AVOIDED_SITES, PREFERRED_SITES, SiteChoice
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.recording import record_administration, record_not_given
from clinic_app.services.queries.recording import (
    AdministrationContext,
    AdministrationRecord,
    band_prefill_problems,
    prepare_administration,
)
from clinic_app.ui.field_row import field_with_error
from clinic_app.ui.task_runner import TaskRunner

#: Refusals a recorded prescriber decision can lift, and the topic it is recorded under.
_UNLOCKED_BY = {
    "platelets_hold": DecisionTopic.PLATELET_HOLD,
    "inr_above_ceiling": DecisionTopic.INR,
    "route_not_allowed": DecisionTopic.SC_ROUTE,
}
#: Changing one field can make another wrong (choosing the buttock needs a reason), so
#: that field's problem is shown at once rather than only after "Record".
_ALSO_CHECKS = {"site": ("site_reason",)}
_SEVERITY_STYLE = {
    # background, border, text
    "info": ("#edf7ee", "#2e7d32", "#1b4d20"),
    "warn": ("#fff4e0", "#b26a00", "#5c3700"),
    "hold": ("#fdecea", "#b42318", "#7a1710"),
}
_SEVERITY_BADGE = {"info": "PLATELETS", "warn": "LOW PLATELETS", "hold": "HOLD"}
_FINDING_COLOURS = {
    Severity.REFUSE: "#b42318",
    Severity.ACKNOWLEDGE: "#5c3700",
    Severity.WARN: "#8a5300",
    Severity.INFO: "#52606d",
}
_FIELD_LABELS = {
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
    "decision_prescriber_name": "Prescriber",
    "decision_decided_on": "Date",
    "decision_decision": "Decision",
    "decision_valid_until": "Valid until",
    "decision_topic": "Topic",
    "acknowledged": "Safety checks",
}


class RecordDoseDialog(QDialog):
    #: Emitted with the AdministrationRecord once a dose (given or not) is saved.
    recorded = Signal(object)

    def __init__(
        self,
        uow: UnitOfWork,
        actor: Actor,
        patient_id: int,
        appointment_id: int | None,
        today: Callable[[], dt.date] = dt.date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recordDoseDialog")
        self.setWindowTitle("Record injection")
        self._uow = uow
        self._actor = actor
        self._patient_id = patient_id
        self._appointment_id = appointment_id
        self._today = today
        self._runner = TaskRunner(parent=self)
        self._touched: set[str] = set()
        self._server_errors: dict[str, str] = {}
        self._loading = True
        self.ack_boxes: dict[str, QCheckBox] = {}
        self._shown_findings: tuple[Finding, ...] | None = None
        self.errors: dict[str, QLabel] = {}
        self.context: AdministrationContext | None = None
        self.record: AdministrationRecord | None = None
        self._not_given: NotGivenDialog | None = None

        self.error_banner = QLabel("")
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setWordWrap(True)
        self.error_banner.setStyleSheet(
            "QLabel#errorBanner { background: #fdecea; color: #7a1710; border: 1px solid "
            "#b42318; border-radius: 4px; padding: 6px; }"
        )
        self.error_banner.hide()
        try:
            self.context = prepare_administration(uow, appointment_id, patient_id, today=today())
        except UserError as error:
            self._build_unavailable(str(error))
            return
        self._build()
        self._loading = False
        self._refresh()
        self._fit_to_content()

    # -- public ---------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._runner.busy

    def current_input(self) -> AdministrationInput:
        context = self._require_context()
        return AdministrationInput(
            patient_id=self._patient_id,
            appointment_id=self._appointment_id,
            lot_id=_int_or_none(self.lot_combo.currentData()),
            route=str(self.route_combo.currentData() or ""),
            site=str(self.site_combo.currentData() or "") or None,
            side=str(self.side_combo.currentData() or "") or None,
            needle_gauge=self.needle_gauge.value(),
            pressure_minutes=self.pressure_minutes.value() or None,
            authority=str(self.authority_combo.currentData() or "") or None,
            consent=self.consent.isChecked(),
            site_reason=self.site_reason.text(),
            reaction=self.reaction.text(),
            notes=self.notes.toPlainText(),
            acknowledged=frozenset(code for code, box in self.ack_boxes.items() if box.isChecked()),
            decisions=self._decision_inputs(context),
        )

    def current_findings(self) -> Findings:
        context = self._require_context()
        return context.check(self._choice(context), self._pending_facts(context))

    def current_errors(self) -> dict[str, str]:
        """Every problem with the form as it stands (shown or not yet)."""
        context = self._require_context()
        form = self.current_input()
        errors = dict(self._server_errors)
        errors.update(validate_administration_input(form))
        errors.update(
            band_prefill_problems(context.platelets, form.needle_gauge, form.pressure_minutes)
        )
        for decision in form.decisions:
            errors.update(self._decision_date_problems(context, decision))
        if self._needed_topics(context):
            text = self.decision_date.text().strip()
            if text and parse_date(text) is None:
                errors["decision_decided_on"] = "is not a date: use DD/MM/YYYY"
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
        self._start(lambda: record_administration(self._uow, self._actor, form, today=today))
        return True

    def open_not_given(self) -> NotGivenDialog:
        """The "Not given…" path: a reason (and a note for "other"), then save."""
        dialog = NotGivenDialog(self)
        dialog.accepted.connect(lambda: self._record_not_given(dialog))
        self._not_given = dialog
        dialog.open()
        return dialog

    # -- building -------------------------------------------------------------------
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

    def _build(self) -> None:
        context = self._require_context()
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        columns = QHBoxLayout()
        columns.setSpacing(10)
        columns.addWidget(self._product_box(context), 1)
        columns.addWidget(self._injection_box(context), 1)
        column.addLayout(columns)
        column.addWidget(self._authority_box())
        column.addWidget(self._decision_section(context))
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)

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
        layout = QVBoxLayout(self)
        layout.addWidget(self._banner(context))
        layout.addWidget(self._dose_line(context))
        layout.addWidget(self._platelet_panel(context))
        layout.addWidget(scroll, 1)
        layout.addWidget(self._findings_box())
        layout.addWidget(self.error_banner)
        layout.addLayout(buttons)
        self._scroll, self._body = scroll, body

    def _fit_to_content(self) -> None:
        """Tall enough for the whole form when it fits the screen; the middle scrolls
        rather than push the banner, the platelet band or the buttons out of sight."""
        width = 1100
        self._scroll.setMinimumHeight(min(self._body.sizeHint().height(), 560))
        layout = self.layout()
        height = (
            layout.totalHeightForWidth(width)
            if layout is not None and layout.hasHeightForWidth()
            else self.sizeHint().height()
        )
        screen = self.screen().availableGeometry().height() if self.screen() else height
        self.resize(width, min(height, max(480, screen - 60)))

    def _banner(self, context: AdministrationContext) -> QWidget:
        patient = context.patient
        frame = QFrame()
        frame.setObjectName("patientBanner")
        frame.setStyleSheet(
            "QFrame#patientBanner { background: #1f2d3d; border-radius: 6px; }"
            "QFrame#patientBanner QLabel { color: white; }"
        )
        self.patient_name = QLabel(patient.display_name)
        self.patient_name.setObjectName("bannerName")
        self.patient_name.setStyleSheet("font-size: 17pt; font-weight: 700;")
        self.patient_nhs = QLabel(f"NHS {format_for_display(patient.nhs_number)}")
        self.patient_dob = QLabel(
            f"Born {format_date(patient.date_of_birth)} "
            f"({_age(patient.date_of_birth, context.today)} years)"
        )
        for label in (self.patient_nhs, self.patient_dob):
            label.setStyleSheet("font-size: 13pt; font-weight: 600;")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        check = QLabel("Check name, date of birth and NHS number with the patient before you give.")
        check.setStyleSheet("color: #d9e2ec;")
        grid = QGridLayout(frame)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.addWidget(self.patient_name, 0, 0)
        grid.addWidget(self.patient_nhs, 0, 1, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.patient_dob, 0, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(check, 1, 0, 1, 3)
        grid.setColumnStretch(0, 1)
        grid.setHorizontalSpacing(24)
        return frame

    def _dose_line(self, context: AdministrationContext) -> QLabel:
        target = context.target
        if target.walk_in:
            when = "walk-in (no appointment: one is created for this dose)"
        else:
            planned = target.planned_date
            when = f"appointment {planned:%a} {format_date(planned)}" if planned else "appointment"
        label = QLabel(
            f"<b>{target.describe()}</b> &nbsp;·&nbsp; {when} &nbsp;·&nbsp; "
            f"regimen {target.protocol_id}"
        )
        label.setObjectName("doseLine")
        label.setStyleSheet("font-size: 11pt; color: #1f2d3d;")
        label.setWordWrap(True)
        self.dose_line = label
        return label

    def _platelet_panel(self, context: AdministrationContext) -> QFrame:
        platelets = context.platelets
        severity = platelets.severity
        background, border, text = _SEVERITY_STYLE[severity]
        panel = QFrame()
        panel.setObjectName("plateletPanel")
        panel.setProperty("severity", severity)
        panel.setStyleSheet(
            f"QFrame#plateletPanel {{ background: {background}; border: 2px solid {border}; "
            f"border-radius: 6px; }} QFrame#plateletPanel QLabel {{ color: {text}; }}"
        )
        badge = QLabel(_SEVERITY_BADGE[severity] if platelets.band else "PLATELETS")
        badge.setObjectName("plateletBadge")
        badge.setStyleSheet(
            f"QLabel#plateletBadge {{ background: {border}; color: white; font-weight: 700; "
            "border-radius: 3px; padding: 2px 8px; }"
        )
        self.platelet_title = QLabel(platelets.title)
        self.platelet_title.setObjectName("plateletTitle")
        self.platelet_title.setStyleSheet("font-size: 13pt; font-weight: 700;")
        self.platelet_title.setWordWrap(True)
        if platelets.value is not None and platelets.taken_on is not None:
            count = (
                f"Latest count {platelets.value:g} {platelets.unit} on "
                f"{format_date(platelets.taken_on)} (band {platelets.range_text})"
            )
        else:
            count = "No platelet count on record"
        self.platelet_count = QLabel(count)
        self.platelet_count.setStyleSheet("font-size: 11pt; font-weight: 600;")
        lines = [f"• {line}" for line in platelets.instructions]
        lines += [f"⚠ {warning}" for warning in platelets.warnings]
        self.platelet_instructions = QLabel("\n".join(lines))
        self.platelet_instructions.setObjectName("plateletInstructions")
        self.platelet_instructions.setWordWrap(True)
        self.platelet_instructions.setStyleSheet("font-size: 11pt;")
        self.platelet_instructions.setVisible(bool(lines))
        head = QHBoxLayout()
        head.addWidget(badge)
        head.addWidget(self.platelet_title, 1)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.platelet_count)
        layout.addWidget(self.platelet_instructions)
        self.platelet_panel = panel
        return panel

    def _product_box(self, context: AdministrationContext) -> QGroupBox:
        box = QGroupBox("Product and dose")
        self.lot_combo = QComboBox()
        self.lot_combo.setObjectName("lotCombo")
        self.lot_combo.setAccessibleName("Product and lot")
        self.lot_combo.addItem("Choose the lot you are using…", None)
        for option in context.lots:
            self.lot_combo.addItem(option.label(), option.facts.lot_id)
            index = self.lot_combo.count() - 1
            self.lot_combo.setItemData(index, option.refusal or None, Qt.ItemDataRole.ToolTipRole)
            if not option.usable:
                colour = QColor("#b42318")
            elif option.expiring_soon:
                colour = QColor("#8a5300")
            else:
                colour = QColor("#1f2d3d")
            self.lot_combo.setItemData(index, colour, Qt.ItemDataRole.ForegroundRole)
        if context.preselected_lot_id is not None:
            self.lot_combo.setCurrentIndex(self.lot_combo.findData(context.preselected_lot_id))
        if not context.lots:
            self.lot_combo.setItemText(0, f"No {context.target.drug} in stock")
        self.lot_combo.currentIndexChanged.connect(lambda _i: self._edited("lot_id"))
        self.lot_status = QLabel("")
        self.lot_status.setObjectName("lotStatus")
        self.lot_status.setWordWrap(True)
        self.dose_volume = QLabel("")
        self.dose_volume.setObjectName("doseVolume")
        self.dose_volume.setStyleSheet("font-size: 18pt; font-weight: 700; color: #1f2d3d;")
        self.strength = QLabel("")
        self.strength.setObjectName("strength")
        self.strength.setStyleSheet("color: #52606d;")
        self.strength.setWordWrap(True)
        form = QFormLayout(box)
        form.addRow("Lot", self._row("lot_id", self.lot_combo, self.lot_status))
        form.addRow("Dose", self.dose_volume)
        form.addRow("", self.strength)
        return box

    def _injection_box(self, context: AdministrationContext) -> QGroupBox:
        box = QGroupBox("Injection")
        self.route_combo = QComboBox()
        self.route_combo.setObjectName("routeCombo")
        for route in Route:
            allowed = route.value in context.target.template_routes
            label = route.label if allowed else f"{route.label}: prescriber decision needed"
            self.route_combo.addItem(label, route.value)
        self.route_combo.setCurrentIndex(
            self.route_combo.findData(
                "IM"
                if "IM" in context.target.template_routes
                else context.target.template_routes[0]
            )
        )
        self.route_combo.currentIndexChanged.connect(lambda _i: self._edited("route"))
        self.site_combo = QComboBox()
        self.site_combo.setObjectName("siteCombo")
        for site in PREFERRED_SITES:
            self.site_combo.addItem(site.label, site.value)
        for site in sorted(AVOIDED_SITES):
            self.site_combo.addItem(f"{site.label}: avoid, reason needed", site.value)
        self.side_combo = QComboBox()
        self.side_combo.setObjectName("sideCombo")
        for side in Side:
            self.side_combo.addItem(side.label, side.value)
        suggested = context.suggested_site
        self.site_combo.setCurrentIndex(self.site_combo.findData(suggested.site.value))
        self.side_combo.setCurrentIndex(self.side_combo.findData(suggested.side.value))
        self.site_combo.currentIndexChanged.connect(lambda _i: self._edited("site"))
        self.side_combo.currentIndexChanged.connect(lambda _i: self._edited("side"))
        last = context.last_site
        last_text = (
            f"Last time: {last.label()}"
            + (f" on {format_date(context.last_site_on)}" if context.last_site_on else "")
            if last
            else "No earlier site recorded"
        )
        self.site_hint = QLabel(f"Suggested: {suggested.label()} · {last_text}")
        self.site_hint.setObjectName("siteHint")
        self.site_hint.setStyleSheet("color: #52606d;")
        self.site_hint.setWordWrap(True)
        self.site_reason = QLineEdit()
        self.site_reason.setObjectName("siteReason")
        self.site_reason.setPlaceholderText("Why the dorsogluteal site (upper outer quadrant only)")
        self.site_reason.textEdited.connect(lambda _t: self._edited("site_reason"))
        self.needle_gauge = QSpinBox()
        self.needle_gauge.setObjectName("needleGauge")
        self.needle_gauge.setRange(NEEDLE_GAUGES.start, NEEDLE_GAUGES.stop - 1)
        self.needle_gauge.setSuffix(" G")
        self.needle_gauge.setValue(context.platelets.needle_gauge or 23)
        self.needle_gauge.valueChanged.connect(lambda _v: self._edited("needle_gauge"))
        self.pressure_minutes = QSpinBox()
        self.pressure_minutes.setObjectName("pressureMinutes")
        self.pressure_minutes.setRange(0, MAX_PRESSURE_MINUTES)
        self.pressure_minutes.setSpecialValueText("none")
        self.pressure_minutes.setSuffix(" min")
        self.pressure_minutes.setValue(context.platelets.pressure_minutes or 0)
        self.pressure_minutes.valueChanged.connect(lambda _v: self._edited("pressure_minutes"))

        site_row = QWidget()
        sites = QHBoxLayout(site_row)
        sites.setContentsMargins(0, 0, 0, 0)
        sites.addWidget(self.site_combo, 2)
        sites.addWidget(self.side_combo, 1)
        technique = QWidget()
        needles = QHBoxLayout(technique)
        needles.setContentsMargins(0, 0, 0, 0)
        needles.addWidget(self._row("needle_gauge", self.needle_gauge))
        needles.addWidget(QLabel("Pressure"))
        needles.addWidget(self._row("pressure_minutes", self.pressure_minutes))
        form = QFormLayout(box)
        form.addRow("Route", self._row("route", self.route_combo))
        form.addRow("Site", self._row("site", site_row, self.site_hint))
        self.site_reason_row = self._row("site_reason", self.site_reason)
        form.addRow("Reason", self.site_reason_row)
        self._site_reason_label = form.labelForField(self.site_reason_row)
        form.addRow("Needle", technique)
        return box

    def _authority_box(self) -> QGroupBox:
        box = QGroupBox("Authority, consent and reaction")
        self.authority_combo = QComboBox()
        self.authority_combo.setObjectName("authorityCombo")
        self.authority_combo.addItem("Choose…", None)
        for authority in Authority:
            self.authority_combo.addItem(authority.label, authority.value)
        self.authority_combo.currentIndexChanged.connect(lambda _i: self._edited("authority"))
        self.consent = QCheckBox("The patient consented to this injection")
        self.consent.setObjectName("consent")
        self.consent.toggled.connect(lambda _on: self._edited("consent"))
        self.reaction = QLineEdit()
        self.reaction.setObjectName("reaction")
        self.reaction.setPlaceholderText("Immediate reaction, if any (e.g. none; felt faint)")
        self.reaction.textEdited.connect(lambda _t: self._edited("reaction"))
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(46)
        self.notes.textChanged.connect(lambda: self._edited("notes"))
        given_by = QLabel(f"Given by {self._actor.display_name} (signed in)")
        given_by.setStyleSheet("color: #52606d;")
        grid = QGridLayout(box)
        grid.addWidget(QLabel("Authority"), 0, 0)
        grid.addWidget(self._row("authority", self.authority_combo), 0, 1)
        grid.addWidget(self._row("consent", self.consent), 0, 2)
        grid.addWidget(given_by, 0, 3, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(QLabel("Reaction"), 1, 0)
        grid.addWidget(self._row("reaction", self.reaction), 1, 1, 1, 3)
        grid.addWidget(QLabel("Notes"), 2, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self._row("notes", self.notes), 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _decision_section(self, context: AdministrationContext) -> QGroupBox:
        box = QGroupBox("Prescriber decision")
        box.setObjectName("decisionBox")
        box.setStyleSheet("QGroupBox#decisionBox { color: #7a1710; }")
        self.decision_intro = QLabel("")
        self.decision_intro.setWordWrap(True)
        self.decision_name = QLineEdit()
        self.decision_name.setObjectName("decisionName")
        self.decision_name.setPlaceholderText("e.g. Dr Helen Morgan")
        self.decision_name.textEdited.connect(lambda _t: self._edited("decision_prescriber_name"))
        self.decision_date = QLineEdit(format_date(context.today))
        self.decision_date.setObjectName("decisionDate")
        self.decision_date.setPlaceholderText("DD/MM/YYYY")
        self.decision_date.setMaximumWidth(140)
        self.decision_date.textEdited.connect(lambda _t: self._edited("decision_decided_on"))
        self.decision_text = QLineEdit()
        self.decision_text.setObjectName("decisionText")
        self.decision_text.setPlaceholderText(
            "What was decided, e.g. give IM, 25G, 10 minutes pressure"
        )
        self.decision_text.textEdited.connect(lambda _t: self._edited("decision_decision"))
        grid = QGridLayout(box)
        grid.addWidget(self.decision_intro, 0, 0, 1, 4)
        grid.addWidget(QLabel("Prescriber"), 1, 0)
        grid.addWidget(self._row("decision_prescriber_name", self.decision_name), 1, 1)
        grid.addWidget(QLabel("Date"), 1, 2)
        grid.addWidget(self._row("decision_decided_on", self.decision_date), 1, 3)
        grid.addWidget(QLabel("Decision"), 2, 0)
        grid.addWidget(self._row("decision_decision", self.decision_text), 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        self.decision_box = box
        box.hide()
        return box

    def _findings_box(self) -> QGroupBox:
        box = QGroupBox("Safety checks")
        box.setObjectName("findingsBox")
        self.findings_layout = QVBoxLayout(box)
        self.findings_layout.setSpacing(6)
        self.findings_box = box
        return box

    def _row(self, name: str, widget: QWidget, extra: QWidget | None = None) -> QWidget:
        widgets = (widget,) if extra is None else (widget, extra)
        return field_with_error(name, self.errors, *widgets)

    # -- state ----------------------------------------------------------------------
    def _edited(self, field: str) -> None:
        if self._loading:
            return
        self._touched.add(field)
        self._touched.update(_ALSO_CHECKS.get(field, ()))
        self._server_errors.pop(field, None)
        self.error_banner.hide()
        self._refresh()

    def _refresh(self) -> None:
        context = self._require_context()
        needed = self._needed_topics(context)
        self._show_decision_section(needed)
        findings = self.current_findings()
        self._show_lot(context, findings)
        dorsogluteal = self.site_combo.currentData() == Site.DORSOGLUTEAL.value
        self.site_reason_row.setVisible(dorsogluteal)
        if self._site_reason_label is not None:
            self._site_reason_label.setVisible(dorsogluteal)
        self._show_findings(findings)
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

    def _show_lot(self, context: AdministrationContext, findings: Findings) -> None:
        option = context.lot(_int_or_none(self.lot_combo.currentData()))
        if option is None:
            self.dose_volume.setText(context.target.dose_text)
            self.strength.setText("Choose a lot to see the volume to draw up.")
            self.lot_status.setText("")
            return
        self.dose_volume.setText(option.volume.text())
        self.strength.setText(
            f"From {option.facts.product_label}, strength {option.volume.strength_text()}. "
            "Draw up the volume shown."
        )
        lot_findings = [f for f in findings.items if f.field == "lot"]
        if lot_findings:
            worst = lot_findings[0]
            colour = _FINDING_COLOURS[worst.severity]
            self.lot_status.setText(" ".join(f.message for f in lot_findings))
            self.lot_status.setStyleSheet(f"color: {colour}; font-weight: 600;")
        else:
            self.lot_status.setText(
                f"In date until {format_date(option.facts.expiry)} · "
                f"{option.facts.remaining} in stock"
            )
            self.lot_status.setStyleSheet("color: #2e7d32;")

    def _show_findings(self, findings: Findings) -> None:
        """Refusals, tick-boxes and warnings; lot and platelet notes live beside their fields.

        Rebuilt only when the findings change, so a tick-box keeps its focus and state
        while the nurse types elsewhere.
        """
        shown = tuple(
            finding
            for finding in findings.items
            if not (finding.field == "lot" and finding.severity is not Severity.REFUSE)
            and not (
                finding.field == "platelets" and finding.severity in (Severity.WARN, Severity.INFO)
            )
        )
        if shown == self._shown_findings:
            return
        self._shown_findings = shown
        while self.findings_layout.count():
            item = self.findings_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        checked = {code for code, box in self.ack_boxes.items() if box.isChecked()}
        self.ack_boxes = {}
        for finding in shown:
            if finding.severity is Severity.ACKNOWLEDGE:
                self.findings_layout.addWidget(
                    self._ack_row(finding, finding.code.value in checked)
                )
            else:
                self.findings_layout.addWidget(self._finding_label(finding))
        if not shown:
            self.findings_layout.addWidget(self._finding_label(None))

    def _ack_row(self, finding: Finding, checked: bool) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        box = QCheckBox("Seen")
        box.setObjectName(f"ack_{finding.code.value}")
        box.setAccessibleName(finding.message)
        box.setChecked(checked)
        box.toggled.connect(lambda _on: self._edited("acknowledged"))
        text = QLabel(finding.message)
        text.setWordWrap(True)
        text.setStyleSheet(f"color: {_FINDING_COLOURS[finding.severity]}; font-weight: 600;")
        text.setBuddy(box)
        line.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(text, 1)
        self.ack_boxes[finding.code.value] = box
        return row

    def _finding_label(self, finding: Finding | None) -> QLabel:
        if finding is None:
            label = QLabel("Nothing else to check for this dose.")
            label.setStyleSheet("color: #2e7d32;")
            return label
        prefix = {
            Severity.REFUSE: "✖ Cannot give: ",
            Severity.WARN: "⚠ ",
            Severity.INFO: "",
        }.get(finding.severity, "")
        label = QLabel(prefix + finding.message)
        label.setObjectName(f"finding_{finding.code.value}")
        label.setWordWrap(True)
        weight = "700" if finding.severity is Severity.REFUSE else "400"
        label.setStyleSheet(f"color: {_FINDING_COLOURS[finding.severity]}; font-weight: {weight};")
        return label

    def _show_decision_section(self, needed: tuple[DecisionTopic, ...]) -> None:
        self.decision_box.setVisible(bool(needed))
        if needed:
            topics = "; ".join(topic.label.lower() for topic in needed)
            self.decision_intro.setText(
                f"Required before this dose can be recorded as given ({topics}). Record who "
                "decided, when, and what they decided."
            )

    # -- the parts of the form ------------------------------------------------------------
    def _choice(self, context: AdministrationContext) -> Choice:
        option = context.lot(_int_or_none(self.lot_combo.currentData()))
        site = self.site_combo.currentData()
        side = self.side_combo.currentData()
        return Choice(
            lot=option.facts if option else None,
            route=str(self.route_combo.currentData() or ""),
            site=SiteChoice(Site(site), Side(side)) if site and side else None,
            site_reason=self.site_reason.text(),
        )

    def _needed_topics(self, context: AdministrationContext) -> tuple[DecisionTopic, ...]:
        """Topics whose refusal (without any decision typed here) a decision would lift."""
        findings = context.check(self._choice(context))
        topics = []
        for finding in findings.refusals:
            topic = _UNLOCKED_BY.get(finding.code.value)
            if topic is not None and topic not in topics:
                topics.append(topic)
        return tuple(topics)

    def _decision_inputs(self, context: AdministrationContext) -> tuple[DecisionInput, ...]:
        decided_on = parse_date(self.decision_date.text())
        return tuple(
            DecisionInput(
                topic=topic.value,
                decision=self.decision_text.text(),
                prescriber_name=self.decision_name.text(),
                decided_on=decided_on,
            )
            for topic in self._needed_topics(context)
        )

    def _pending_facts(self, context: AdministrationContext) -> tuple[DecisionFacts, ...]:
        """Decisions typed here that would be saved: only complete, valid ones count."""
        facts = []
        for decision in self._decision_inputs(context):
            problems = validate_decision(
                decision.topic,
                decision.decision,
                decision.prescriber_name,
                decision.decided_on,
                decision.valid_until,
                today=context.today,
            )
            problems.update(self._decision_date_problems(context, decision))
            made = decision.as_facts(context.target.course_id)
            if not problems and made is not None:
                facts.append(made)
        return tuple(facts)

    def _decision_date_problems(
        self, context: AdministrationContext, decision: DecisionInput
    ) -> dict[str, str]:
        """A decision must answer the current result, so it cannot predate it."""
        decided = decision.decided_on
        if decided is None:
            return {}
        if decided > context.today:
            return {"decision_decided_on": "cannot be in the future"}
        about = {
            DecisionTopic.PLATELET_HOLD.value: context.platelets.taken_on,
            DecisionTopic.INR.value: context.latest_inr[1] if context.latest_inr else None,
        }.get(decision.topic)
        if about is not None and decided < about:
            return {
                "decision_decided_on": f"is before the result it answers ({format_date(about)}): "
                "the decision must be about the latest result"
            }
        return {}

    # -- saving -------------------------------------------------------------------------
    def _start(self, work: Callable[[], AdministrationRecord]) -> None:
        self.error_banner.hide()
        self._set_inputs_enabled(False)
        self._runner.run(work, self._saved, self._failed)
        self._refresh()

    def _record_not_given(self, dialog: NotGivenDialog) -> None:
        data = NotGivenInput(
            patient_id=self._patient_id,
            appointment_id=self._appointment_id,
            reason=str(dialog.reason_combo.currentData() or ""),
            note=dialog.note.text(),
        )
        today = self._today()
        self._start(lambda: record_not_given(self._uow, self._actor, data, today=today))

    def _saved(self, record: AdministrationRecord) -> None:
        self.record = record
        self._set_inputs_enabled(True)
        self.recorded.emit(record)
        self.accept()

    def _failed(self, error: BaseException, _trace: str) -> None:
        self._set_inputs_enabled(True)
        if isinstance(error, ValidationFailed):
            self._server_errors = dict(error.errors)
            self._touched.update(error.errors)
            self.error_banner.setText("Not saved: " + str(error))
        elif isinstance(error, UserError):
            self.error_banner.setText(f"Not saved: {error}")
        else:
            self._refresh()
            raise error  # a bug: the crash dialog and the log take it from here
        self.error_banner.show()
        self._refresh()

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in self.findChildren(QWidget):
            if isinstance(widget, QComboBox | QLineEdit | QSpinBox | QCheckBox | QPlainTextEdit):
                widget.setEnabled(enabled)

    def _require_context(self) -> AdministrationContext:
        assert self.context is not None
        return self.context


class NotGivenDialog(QDialog):
    """Why a due dose was not given: a reason, and a note (required for "other")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dose not given")
        self.reason_combo = QComboBox()
        self.reason_combo.setObjectName("notGivenReason")
        self.reason_combo.addItem("Choose a reason…", None)
        for reason in NotGivenReason:
            self.reason_combo.addItem(reason.label, reason.value)
        self.note = QLineEdit()
        self.note.setObjectName("notGivenNote")
        self.note.setPlaceholderText("Note (required for 'Other')")
        self.problem = QLabel("")
        self.problem.setProperty("role", "fieldError")
        self.problem.setWordWrap(True)
        self.ok_button = QPushButton("Record as not given")
        self.ok_button.setObjectName("notGivenOk")
        self.ok_button.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("Reason", self.reason_combo)
        form.addRow("Note", self.note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        self.reason_combo.currentIndexChanged.connect(lambda _i: self._refresh())
        self.note.textEdited.connect(lambda _t: self._refresh())
        self._refresh()

    def problems(self) -> dict[str, str]:
        return validate_not_given(
            NotGivenInput(0, None, str(self.reason_combo.currentData() or ""), self.note.text())
        )

    def accept(self) -> None:
        if self.problems():
            self._refresh()
            return
        super().accept()

    def _refresh(self) -> None:
        problems = self.problems()
        touched = self.reason_combo.currentIndex() > 0
        self.problem.setText("; ".join(f"{k.capitalize()}: {v}" for k, v in problems.items()))
        self.problem.setVisible(bool(problems) and touched)
        self.ok_button.setEnabled(not problems)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
