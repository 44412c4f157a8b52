"""The prescriber's decision that lifts a refusal: a platelet hold, a high INR, an SC route.

Shown only while such a refusal stands. A decision counts once it is complete and
dated no earlier than the result it answers; then the refusal turns into a box to
tick, naming the prescriber, in the safety checks.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from clinic_app.domain.administration_checks import Choice, DecisionFacts, DecisionTopic
from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.domain.recording_rules import DecisionInput, validate_decision
from clinic_app.services.queries.recording import AdministrationContext
from clinic_app.ui.form_section import FormSection

#: Refusals a recorded prescriber decision can lift, and the topic it is recorded under.
_UNLOCKED_BY = {
    "platelets_hold": DecisionTopic.PLATELET_HOLD,
    "inr_above_ceiling": DecisionTopic.INR,
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
    def __init__(self, context: AdministrationContext, parent: QWidget | None = None) -> None:
        super().__init__("Prescriber decision", parent)
        self._context = context
        self.setObjectName("decisionBox")
        self.setStyleSheet("QGroupBox#decisionBox { color: #7a1710; }")
        self._intro = QLabel("")
        self._intro.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("decisionName")
        self.name_edit.setPlaceholderText("e.g. Dr Helen Morgan")
        self.date_edit = QLineEdit(format_date(context.today))
        self.date_edit.setObjectName("decisionDate")
        self.date_edit.setPlaceholderText("DD/MM/YYYY")
        self.date_edit.setMaximumWidth(140)
        self.decision_edit = QLineEdit()
        self.decision_edit.setObjectName("decisionText")
        self.decision_edit.setPlaceholderText(
            "What was decided, e.g. give IM, 25G, 10 minutes pressure"
        )
        grid = QGridLayout(self)
        grid.addWidget(self._intro, 0, 0, 1, 4)
        grid.addWidget(QLabel("Prescriber"), 1, 0)
        grid.addWidget(self.field_row("decision_prescriber_name", self.name_edit), 1, 1)
        grid.addWidget(QLabel("Date"), 1, 2)
        grid.addWidget(self.field_row("decision_decided_on", self.date_edit), 1, 3)
        grid.addWidget(QLabel("Decision"), 2, 0)
        grid.addWidget(self.field_row("decision_decision", self.decision_edit), 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        self.hide()
        for edit, field in (
            (self.name_edit, "decision_prescriber_name"),
            (self.date_edit, "decision_decided_on"),
            (self.decision_edit, "decision_decision"),
        ):
            edit.textEdited.connect(lambda _t, name=field: self.edited.emit(name))

    def show_needed(self, topics: tuple[DecisionTopic, ...]) -> None:
        self.setVisible(bool(topics))
        if topics:
            named = "; ".join(topic.label.lower() for topic in topics)
            self._intro.setText(
                f"Required before this dose can be recorded as given ({named}). Record who "
                "decided, when, and what they decided."
            )

    def inputs(self, topics: tuple[DecisionTopic, ...]) -> tuple[DecisionInput, ...]:
        """One decision as typed for each topic that needs one."""
        decided_on = parse_date(self.date_edit.text())
        return tuple(
            DecisionInput(
                topic=topic.value,
                decision=self.decision_edit.text(),
                prescriber_name=self.name_edit.text(),
                decided_on=decided_on,
            )
            for topic in topics
        )

    def pending_facts(self, topics: tuple[DecisionTopic, ...]) -> tuple[DecisionFacts, ...]:
        """Decisions typed here that would be saved: only complete, valid ones count."""
        facts = []
        for decision in self.inputs(topics):
            problems = validate_decision(
                decision.topic,
                decision.decision,
                decision.prescriber_name,
                decision.decided_on,
                decision.valid_until,
                today=self._context.today,
            )
            problems.update(self._date_problems(decision))
            made = decision.as_facts(self._context.target.course_id)
            if not problems and made is not None:
                facts.append(made)
        return tuple(facts)

    def problems(self, topics: tuple[DecisionTopic, ...]) -> dict[str, str]:
        """The dates the form can refuse before the service does."""
        problems: dict[str, str] = {}
        for decision in self.inputs(topics):
            problems.update(self._date_problems(decision))
        text = self.date_edit.text().strip()
        if topics and text and parse_date(text) is None:
            problems["decision_decided_on"] = "is not a date: use DD/MM/YYYY"
        return problems

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
