"""The prescriber's decision that lifts a refusal: a platelet hold, a high INR, an SC route.

Shown only while such a refusal stands. The prescriber is chosen from the clinic's
list. A decision counts once it is complete and dated no earlier than the result it
answers; then the refusal turns into a box to
tick, naming the prescriber, in the safety checks.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from clinic_app.domain.actor import Actor
from clinic_app.domain.administration_checks import (
    DECISION_DEFAULT_DAYS,
    Choice,
    DecisionFacts,
    DecisionTopic,
)
from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.domain.recording_rules import DecisionInput, validate_decision
from clinic_app.services.queries.prescribers import PrescriberSummary
from clinic_app.services.queries.recording import AdministrationContext
from clinic_app.ui.form_section import FormSection

#: Refusals a recorded prescriber decision can lift, and the topic it is recorded under.
_UNLOCKED_BY = {
    "platelets_hold": DecisionTopic.PLATELET_HOLD,
    "inr_above_ceiling": DecisionTopic.INR,
    "inr_missing": DecisionTopic.INR,
    "route_not_allowed": DecisionTopic.SC_ROUTE,
}


def needed_topics(context: AdministrationContext, choice: Choice) -> tuple[DecisionTopic, ...]:
    """Topics whose refusal (without any decision typed here) a decision would lift."""
    topics: list[DecisionTopic] = []
    for finding in context.check(choice).refusals:
        topic = _UNLOCKED_BY.get(finding.code.value)
        if topic is not None and topic not in topics:
            topics.append(topic)
    return tuple(topics)


class DecisionSection(FormSection):
    """The prescriber is chosen from the clinic's list (never typed); when the person
    signed in is that prescriber, the decision is recorded as theirs."""

    def __init__(
        self, context: AdministrationContext, actor: Actor, parent: QWidget | None = None
    ) -> None:
        super().__init__("Prescriber decision", parent)
        self._context = context
        self._actor = actor
        self.setObjectName("decisionBox")
        self.setStyleSheet("QGroupBox#decisionBox { color: #7a1710; }")
        self._intro = QLabel("")
        self._intro.setWordWrap(True)
        self.prescriber_combo = QComboBox()
        self.prescriber_combo.setObjectName("decisionPrescriber")
        self.prescriber_combo.addItem("Choose the prescriber who decided…", None)
        for prescriber in context.prescribers:
            self.prescriber_combo.addItem(prescriber.label(), prescriber.id)
        own = next((p for p in context.prescribers if p.user_id == actor.user_id), None)
        if own is not None:
            self.prescriber_combo.setCurrentIndex(self.prescriber_combo.findData(own.id))
        self.who = QLabel("")
        self.who.setObjectName("decisionWho")
        self.who.setStyleSheet("color: #52606d;")
        self.who.setWordWrap(True)
        self.date_edit = QLineEdit(format_date(context.today))
        self.date_edit.setObjectName("decisionDate")
        self.date_edit.setPlaceholderText("DD/MM/YYYY")
        self.date_edit.setMaximumWidth(140)
        self.until_edit = QLineEdit(
            format_date(context.today + dt.timedelta(days=DECISION_DEFAULT_DAYS))
        )
        self.until_edit.setObjectName("decisionUntil")
        self.until_edit.setPlaceholderText("DD/MM/YYYY")
        self.until_edit.setMaximumWidth(140)
        self.until_edit.setToolTip(
            f"The last day the decision covers; left empty, it lapses "
            f"{DECISION_DEFAULT_DAYS} days after the decision date."
        )
        self.decision_edit = QLineEdit()
        self.decision_edit.setObjectName("decisionText")
        self.decision_edit.setPlaceholderText(
            "What was decided, e.g. give IM, 25G, 10 minutes pressure"
        )
        grid = QGridLayout(self)
        grid.addWidget(self._intro, 0, 0, 1, 6)
        grid.addWidget(QLabel("Prescriber"), 1, 0)
        grid.addWidget(
            self.field_row("decision_prescriber_id", self.prescriber_combo, self.who), 1, 1
        )
        grid.addWidget(QLabel("Decided on"), 1, 2)
        grid.addWidget(self.field_row("decision_decided_on", self.date_edit), 1, 3)
        grid.addWidget(QLabel("Until"), 1, 4)
        grid.addWidget(self.field_row("decision_valid_until", self.until_edit), 1, 5)
        grid.addWidget(QLabel("Decision"), 2, 0)
        grid.addWidget(self.field_row("decision_decision", self.decision_edit), 2, 1, 1, 5)
        grid.setColumnStretch(1, 1)
        self.hide()
        self._show_who()
        self.prescriber_combo.currentIndexChanged.connect(lambda _i: self._prescriber_changed())
        for edit, field in (
            (self.date_edit, "decision_decided_on"),
            (self.until_edit, "decision_valid_until"),
            (self.decision_edit, "decision_decision"),
        ):
            edit.textEdited.connect(lambda _t, name=field: self.edited.emit(name))

    def show_needed(self, topics: tuple[DecisionTopic, ...]) -> None:
        self.setVisible(bool(topics))
        if topics:
            named = "; ".join(topic.label[:1].lower() + topic.label[1:] for topic in topics)
            text = (
                f"Required before this dose can be recorded as given ({named}). Choose the "
                "prescriber from the clinic's list, and record when they decided, what, and "
                "until when."
            )
            if not self._context.prescribers:
                text += (
                    " The clinic's list of prescribers is empty: the practice manager adds "
                    "them (Clinic > Prescribers…)."
                )
            self._intro.setText(text)

    def prescriber(self) -> PrescriberSummary | None:
        chosen = self.prescriber_combo.currentData()
        return next((p for p in self._context.prescribers if p.id == chosen), None)

    def by_prescriber(self) -> bool:
        """The person signed in is the chosen prescriber: it is recorded as theirs."""
        chosen = self.prescriber()
        return chosen is not None and chosen.user_id == self._actor.user_id

    def inputs(self, topics: tuple[DecisionTopic, ...]) -> tuple[DecisionInput, ...]:
        """One decision as entered for each topic that needs one."""
        decided_on = parse_date(self.date_edit.text())
        until = self.until_edit.text().strip()
        chosen = self.prescriber()
        return tuple(
            DecisionInput(
                topic=topic.value,
                decision=self.decision_edit.text(),
                prescriber_id=chosen.id if chosen else None,
                decided_on=decided_on,
                valid_until=parse_date(until) if until else None,
            )
            for topic in topics
        )

    def pending_facts(self, topics: tuple[DecisionTopic, ...]) -> tuple[DecisionFacts, ...]:
        """Decisions entered here that would be saved: only complete, valid ones count."""
        facts = []
        chosen = self.prescriber()
        for decision in self.inputs(topics):
            problems = validate_decision(
                decision.topic,
                decision.decision,
                decision.prescriber_id,
                decision.decided_on,
                decision.valid_until,
                today=self._context.today,
            )
            problems.update(self._date_problems(decision))
            made = decision.as_facts(
                self._context.target.course_id,
                chosen.name if chosen else "",
                by_prescriber=self.by_prescriber(),
                recorded_by="" if self.by_prescriber() else self._actor.display_name,
            )
            if not problems and made is not None:
                facts.append(made)
        return tuple(facts)

    def problems(self, topics: tuple[DecisionTopic, ...]) -> dict[str, str]:
        """The dates the form can refuse before the service does."""
        problems: dict[str, str] = {}
        for decision in self.inputs(topics):
            problems.update(self._date_problems(decision))
        for edit, field in (
            (self.date_edit, "decision_decided_on"),
            (self.until_edit, "decision_valid_until"),
        ):
            text = edit.text().strip()
            if topics and text and parse_date(text) is None:
                problems[field] = "is not a date: use DD/MM/YYYY"
        return problems

    def _prescriber_changed(self) -> None:
        self._show_who()
        self.edited.emit("decision_prescriber_id")

    def _show_who(self) -> None:
        if self.prescriber() is None:
            self.who.setText("")
        elif self.by_prescriber():
            self.who.setText("Recorded by the prescriber (you are signed in as them).")
        else:
            self.who.setText(
                f"Recorded by {self._actor.display_name} on the prescriber's instruction."
            )
        self.who.setVisible(bool(self.who.text()))

    def _date_problems(self, decision: DecisionInput) -> dict[str, str]:
        """A decision must answer the current result, so it cannot predate it."""
        decided = decision.decided_on
        if decided is None:
            return {}
        context = self._context
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
