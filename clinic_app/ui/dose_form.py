"""The part of the record-dose dialog that scrolls: lot, injection, authority, decision.

It reads what the nurse entered as one ``AdministrationInput`` and finds what the
form itself can refuse (the same validation the service runs), so the dialog around
it only adds the service's answer and the safety checks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from clinic_app.domain.actor import Actor
from clinic_app.domain.administration_checks import Choice, DecisionFacts, DecisionTopic, Findings
from clinic_app.domain.recording_rules import AdministrationInput, validate_administration_input
from clinic_app.services.queries.recording import AdministrationContext, band_prefill_problems
from clinic_app.ui.authority_section import AuthoritySection
from clinic_app.ui.decision_section import DecisionSection, needed_topics
from clinic_app.ui.form_section import FormSection
from clinic_app.ui.injection_section import InjectionSection
from clinic_app.ui.lot_chooser import LotChooser

#: Taller than this, the form scrolls rather than push the dialog off the screen.
_MAX_HEIGHT = 560


class DoseForm(QScrollArea):
    #: The name of the field the nurse changed (as its section reports it).
    edited = Signal(str)

    def __init__(
        self, context: AdministrationContext, actor: Actor, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.lots = LotChooser(context)
        self.injection = InjectionSection(context)
        self.authority = AuthoritySection(actor)
        self.decision = DecisionSection(context, actor)
        #: The error label under each field, by field name.
        self.errors: dict[str, QLabel] = {}
        sections: tuple[FormSection, ...] = (
            self.lots,
            self.injection,
            self.authority,
            self.decision,
        )
        for section in sections:
            self.errors.update(section.errors)
            section.edited.connect(self.edited)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        columns = QHBoxLayout()
        columns.setSpacing(10)
        columns.addWidget(self.lots, 1)
        columns.addWidget(self.injection, 1)
        column.addLayout(columns)
        column.addWidget(self.authority)
        column.addWidget(self.decision)
        column.addStretch(1)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # On a small screen the two columns may not fit: scroll rather than clip them.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setWidget(body)

    def choice(self) -> Choice:
        """What the safety checks judge: the lot, the route and the site."""
        option = self.lots.chosen()
        return Choice(
            lot=option.facts if option else None,
            route=self.injection.route(),
            site=self.injection.site_choice(),
            site_reason=self.injection.site_reason(),
            new_vial=self.lots.opened_new_vial(),
        )

    def needed_topics(self) -> tuple[DecisionTopic, ...]:
        return needed_topics(self._context, self.choice())

    def pending_decisions(self) -> tuple[DecisionFacts, ...]:
        return self.decision.pending_facts(self.needed_topics())

    def administration_input(
        self, patient_id: int, appointment_id: int | None, acknowledged: frozenset[str]
    ) -> AdministrationInput:
        return AdministrationInput(
            patient_id=patient_id,
            appointment_id=appointment_id,
            lot_id=self.lots.lot_id(),
            route=self.injection.route(),
            site=self.injection.site(),
            side=self.injection.side(),
            needle_gauge=self.injection.needle_gauge(),
            pressure_minutes=self.injection.pressure_minutes(),
            authority=self.authority.authority(),
            consent=self.authority.consented(),
            site_reason=self.injection.site_reason(),
            reaction=self.authority.reaction(),
            notes=self.authority.notes(),
            acknowledged=acknowledged,
            decisions=self.decision.inputs(self.needed_topics()),
            given_at=self.injection.given_at(),
            new_vial=self.lots.opened_new_vial(),
        )

    def problems(self, form: AdministrationInput) -> dict[str, str]:
        """What is wrong with ``form`` (read from here) before any service is asked."""
        problems = validate_administration_input(form)
        problems.update(
            band_prefill_problems(self._context.platelets, form.needle_gauge, form.pressure_minutes)
        )
        problems.update(self.decision.problems(self.needed_topics()))
        return problems

    def show_findings(self, findings: Findings) -> None:
        self.decision.show_needed(self.needed_topics())
        self.lots.show_findings(findings)

    def fit_height(self) -> None:
        """Tall enough to show the whole form when it is short enough to."""
        body = self.widget()
        if body is not None:
            self.setMinimumHeight(min(body.sizeHint().height(), _MAX_HEIGHT))
