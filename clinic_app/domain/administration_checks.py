"""Every safety check made before a dose is recorded as given, as named findings.

Pure: the service gathers the facts (patient flags, latest counts, lots, recorded
prescriber decisions) and the dialog re-runs the same checks as the nurse changes the
lot, route or site, so what the nurse sees is exactly what the service enforces.

Each finding has a code (stored with an acknowledgement), a severity and a message a
nurse understands:

- ``refuse``: the dose cannot be recorded as given (expired lot, platelet hold with no
  prescriber decision...). The message says why and what would unlock it.
- ``acknowledge``: it can be given once the nurse ticks that they have seen it; the
  acknowledgement is stored as evidence.
- ``warn`` and ``info``: shown, nothing to tick.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from clinic_app.domain.codes import AnticoagulantClass, LotStatus, Route
from clinic_app.domain.dose_volume import dose_volume, volume_problem
from clinic_app.domain.platelet_bands import AnticoagulantWording, PlateletAssessment
from clinic_app.domain.site_rotation import DORSOGLUTEAL_WARNING, SiteChoice


class Severity(StrEnum):
    REFUSE = "refuse"
    ACKNOWLEDGE = "acknowledge"
    WARN = "warn"
    INFO = "info"


class FindingCode(StrEnum):
    LOT_EXPIRED = "lot_expired"
    LOT_EXPIRES_SOON = "lot_expires_soon"
    LOT_IN_USE_EXPIRED = "lot_in_use_expired"
    LOT_IN_USE_ENDS_TODAY = "lot_in_use_ends_today"
    LOT_VIAL_OPENED_NOW = "lot_vial_opened_now"
    LOT_RECALLED = "lot_recalled"
    LOT_QUARANTINED = "lot_quarantined"
    LOT_EMPTY = "lot_empty"
    LOT_WRONG_DRUG = "lot_wrong_drug"
    VOLUME_IMPLAUSIBLE = "volume_implausible"
    ROUTE_IV = "route_iv"
    ROUTE_NOT_ALLOWED = "route_not_allowed"
    ROUTE_OUTSIDE_TEMPLATE = "route_outside_template"
    ROUTE_OFF_LICENCE = "route_off_licence"
    SITE_DORSOGLUTEAL_NO_REASON = "site_dorsogluteal_no_reason"
    SITE_OUTSIDE_TEMPLATE = "site_outside_template"
    SITE_NOT_ROTATED = "site_not_rotated"
    RENAL_CYANOCOBALAMIN = "renal_cyanocobalamin"
    FOLIC_ACID_BEFORE_B12 = "folic_acid_before_b12"
    PLATELETS_HOLD = "platelets_hold"
    PLATELETS_HOLD_AUTHORISED = "platelets_hold_authorised"
    PLATELETS_LOW = "platelets_low"
    PLATELETS_CHECK = "platelets_check"
    REVIEW_OVERDUE = "review_overdue"
    PLATELETS_NONE = "platelets_none"
    ANTICOAGULANT_CHECK_INR = "anticoagulant_check_inr"
    ANTICOAGULANT_TIMING = "anticoagulant_timing"  # DOAC or heparin: no INR
    ANTICOAGULANT_CLASS_UNKNOWN = "anticoagulant_class_unknown"
    INR_MISSING = "inr_missing"
    INR_MISSING_AUTHORISED = "inr_missing_authorised"
    INR_ABOVE_CEILING = "inr_above_ceiling"
    INR_ABOVE_CEILING_AUTHORISED = "inr_above_ceiling_authorised"
    ALREADY_GIVEN_TODAY = "already_given_today"
    BEFORE_COURSE_START = "before_course_start"
    EARLY_DOSE = "early_dose"


#: Warnings a nurse acknowledges once per course, not at every dose (CLINICAL_RULES
#: section 4: "each shown once and recorded as acknowledged"). Course start (step 2)
#: records the same codes, so a warning acknowledged there is not asked again here.
ONCE_PER_COURSE: frozenset[FindingCode] = frozenset(
    {FindingCode.RENAL_CYANOCOBALAMIN, FindingCode.FOLIC_ACID_BEFORE_B12}
)


class DecisionTopic(StrEnum):
    """What a recorded prescriber decision authorises (PrescriberDecision.topic)."""

    PLATELET_HOLD = "platelet_hold"
    SC_ROUTE = "sc_route"
    INR = "inr"

    @property
    def label(self) -> str:
        return {
            "platelet_hold": "Give despite a platelet hold",
            "sc_route": "Deep SC route (prescriber override)",
            "inr": "Give IM despite an INR above the ceiling or no recent INR",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    code: FindingCode
    severity: Severity
    message: str
    #: The part of the form it concerns: lot, route, site, platelets, inr, patient, dose.
    field: str = ""

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.REFUSE

    @property
    def needs_acknowledgement(self) -> bool:
        return self.severity is Severity.ACKNOWLEDGE


@dataclass(frozen=True, slots=True)
class LotFacts:
    lot_id: int
    lot_number: str
    expiry: dt.date
    status: LotStatus
    remaining: int
    drug: str
    product_label: str
    strength_micrograms_per_ml: int
    container_volume_ml: float
    multi_dose: bool
    licensed_routes: tuple[str, ...]
    #: When the multi-dose vial in use was first opened, and for how many days an
    #: opened vial may be used (from the product information); None when not known.
    opened_on: dt.date | None = None
    in_use_days: int | None = None

    @property
    def in_use_expiry(self) -> dt.date | None:
        """The last day the opened vial may be used, like a printed expiry."""
        if not self.multi_dose or self.opened_on is None or self.in_use_days is None:
            return None
        return self.opened_on + dt.timedelta(days=self.in_use_days)


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    """A recorded prescriber decision (who, when, what) that may unlock a refusal.

    Only a decision naming a prescriber from the clinic's list (``prescriber_id``)
    unlocks anything: rows from before the list, with a typed name only, are shown in
    the record but no longer lift a hold.
    """

    topic: str
    decision: str
    prescriber_name: str
    decided_on: dt.date
    valid_until: dt.date | None = None
    course_id: int | None = None
    prescriber_id: int | None = None
    #: True when the prescriber signed in and recorded it themselves.
    by_prescriber: bool = False
    #: Who typed it in, when that was not the prescriber ("" while being typed).
    recorded_by: str = ""

    def describe(self) -> str:
        """ "Dr Helen Morgan on 24/11/2026 (recorded by the prescriber): give IM, 25G"."""
        return f"{self.prescriber_name} on {self.decided_on:%d/%m/%Y}{self.who()}: {self.decision}"

    def who(self) -> str:
        if self.by_prescriber:
            return " (recorded by the prescriber)"
        if self.recorded_by:
            return f" (recorded by {self.recorded_by} on the prescriber's instruction)"
        return ""


@dataclass(frozen=True, slots=True)
class PatientFlags:
    renal_impairment: bool = False
    on_folic_acid: bool = False
    anticoagulant: bool = False
    anticoagulant_name: str = ""
    #: Only a vitamin K antagonist is measured by the INR; None when not recorded.
    anticoagulant_class: AnticoagulantClass | None = None
    #: The patient's own INR target range (VKA only); its top is their ceiling.
    inr_target_low: float | None = None
    inr_target_high: float | None = None

    @property
    def inr_checked(self) -> bool:
        """The INR check applies: a VKA, or an anticoagulant whose class is unknown
        (the cautious reading, until the record says which kind)."""
        return self.anticoagulant and self.anticoagulant_class in (AnticoagulantClass.VKA, None)


@dataclass(frozen=True, slots=True)
class CheckFacts:
    """Everything the checks need that does not depend on the nurse's choices."""

    today: dt.date
    drug: str
    template_routes: tuple[str, ...]
    dose_micrograms: int
    platelets: PlateletAssessment
    anticoagulant_wording: AnticoagulantWording
    patient: PatientFlags = PatientFlags()
    course_id: int | None = None
    course_start: dt.date | None = None
    b12_given_before: bool = True
    given_today: bool = False
    window_earliest: dt.date | None = None
    latest_inr: tuple[float, dt.date] | None = None
    decisions: tuple[DecisionFacts, ...] = ()
    acknowledged_once: frozenset[str] = frozenset()
    last_site: SiteChoice | None = None
    last_site_on: dt.date | None = None
    expiry_warning_days: int = 30
    inr_ceiling: float = 3.0
    #: The last day of a clinician review's window that passed with no decision recorded.
    overdue_review: dt.date | None = None
    #: An INR older than this counts as missing (clinic setting inr_max_age_days).
    inr_max_age_days: int = 7


@dataclass(frozen=True, slots=True)
class Choice:
    """What the nurse chose in the dialog."""

    lot: LotFacts | None
    route: str
    site: SiteChoice | None
    site_reason: str = ""
    #: The nurse opened a new vial of a multi-dose lot for this dose.
    new_vial: bool = False


@dataclass(frozen=True)
class Findings:
    items: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def refusals(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.items if f.severity is Severity.REFUSE)

    @property
    def to_acknowledge(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.items if f.severity is Severity.ACKNOWLEDGE)

    def codes(self) -> frozenset[FindingCode]:
        return frozenset(f.code for f in self.items)

    @property
    def verdict(self) -> Finding | None:
        """The one strongest finding (refuse, then acknowledge, warn, info): what the
        banner says first, so "give as usual" can never sit above a refusal."""
        order = list(Severity)
        return min(self.items, key=lambda f: order.index(f.severity), default=None)

    def missing_acknowledgements(self, acknowledged: frozenset[str]) -> tuple[Finding, ...]:
        return tuple(f for f in self.to_acknowledge if f.code.value not in acknowledged)


def check_administration(facts: CheckFacts, choice: Choice) -> Findings:
    """All findings for giving this dose with these choices, most serious first."""
    found: list[Finding] = []
    found += patient_findings(facts)
    if choice.lot is not None:
        found += lot_findings(
            choice.lot,
            facts.drug,
            facts.today,
            facts.expiry_warning_days,
            facts.dose_micrograms,
            new_vial=choice.new_vial,
        )
    found += route_findings(facts, choice)
    found += site_findings(facts, choice)
    order = list(Severity)
    found.sort(key=lambda f: order.index(f.severity))
    return Findings(tuple(found))


def patient_findings(facts: CheckFacts) -> list[Finding]:
    """Findings that do not depend on lot, route or site: shown as soon as the dialog opens."""
    found: list[Finding] = []
    found += _timing_findings(facts)
    found += _platelet_findings(facts)
    found += _inr_findings(facts)
    patient = facts.patient
    if patient.renal_impairment and facts.drug == "cyanocobalamin":
        found.append(
            _once(
                facts,
                Finding(
                    FindingCode.RENAL_CYANOCOBALAMIN,
                    Severity.ACKNOWLEDGE,
                    "Renal impairment is recorded and this course is cyanocobalamin: the clinic's "
                    "protocol prefers hydroxocobalamin. Check the prescriber knows.",
                    "patient",
                ),
            )
        )
    if patient.on_folic_acid and not facts.b12_given_before:
        found.append(
            _once(
                facts,
                Finding(
                    FindingCode.FOLIC_ACID_BEFORE_B12,
                    Severity.ACKNOWLEDGE,
                    "The patient is recorded as taking folic acid and has had no B12 dose yet: "
                    "folic acid before B12 is under way can mask anaemia while nerve damage "
                    "progresses. Check the prescriber knows.",
                    "patient",
                ),
            )
        )
    return found


def lot_findings(
    lot: LotFacts,
    drug: str,
    today: dt.date,
    warning_days: int,
    dose_micrograms: int,
    *,
    new_vial: bool = False,
) -> list[Finding]:
    """Why a lot cannot be used, or what to know about it (also used to list lots)."""
    found: list[Finding] = []
    number = lot.lot_number
    found += _in_use_findings(lot, today, new_vial)
    if lot.expiry < today:
        found.append(
            Finding(
                FindingCode.LOT_EXPIRED,
                Severity.REFUSE,
                f"Lot {number} expired on {lot.expiry:%d/%m/%Y}: do not use it. Choose an "
                "in-date lot and set the expired stock aside for disposal.",
                "lot",
            )
        )
    elif (lot.expiry - today).days <= warning_days:
        days = (lot.expiry - today).days
        when = "today" if days == 0 else f"in {days} day" + ("" if days == 1 else "s")
        found.append(
            Finding(
                FindingCode.LOT_EXPIRES_SOON,
                Severity.WARN,
                f"Lot {number} expires {when} ({lot.expiry:%d/%m/%Y}): check the date on the "
                "ampoule before drawing up.",
                "lot",
            )
        )
    if lot.status is LotStatus.RECALLED:
        found.append(
            Finding(
                FindingCode.LOT_RECALLED,
                Severity.REFUSE,
                f"Lot {number} has been recalled: do not use it. Return it as the recall says.",
                "lot",
            )
        )
    elif lot.status is LotStatus.QUARANTINED:
        found.append(
            Finding(
                FindingCode.LOT_QUARANTINED,
                Severity.REFUSE,
                f"Lot {number} is quarantined: do not use it until it is released.",
                "lot",
            )
        )
    if lot.remaining <= 0:
        found.append(
            Finding(
                FindingCode.LOT_EMPTY,
                Severity.REFUSE,
                f"Lot {number} has no doses left in stock: choose another lot, or correct the "
                "stock count first.",
                "lot",
            )
        )
    if lot.drug != drug:
        found.append(
            Finding(
                FindingCode.LOT_WRONG_DRUG,
                Severity.REFUSE,
                f"Lot {number} is {lot.drug} ({lot.product_label}); this course is {drug}.",
                "lot",
            )
        )
    else:
        volume = dose_volume(dose_micrograms, lot.strength_micrograms_per_ml)
        problem = volume_problem(volume, lot.container_volume_ml, lot.multi_dose)
        if problem is not None:
            found.append(
                Finding(FindingCode.VOLUME_IMPLAUSIBLE, Severity.REFUSE, _sentence(problem), "lot")
            )
    return found


def _in_use_findings(lot: LotFacts, today: dt.date, new_vial: bool) -> list[Finding]:
    """An opened multi-dose vial has its own expiry, checked like the printed one."""
    if not lot.multi_dose or lot.in_use_days is None:
        return []
    days = lot.in_use_days
    if new_vial or lot.opened_on is None:
        until = today + dt.timedelta(days=days)
        return [
            Finding(
                FindingCode.LOT_VIAL_OPENED_NOW,
                Severity.INFO,
                f"A new vial of lot {lot.lot_number} is recorded as opened today: write the "
                f"date on it; it may be used until {until:%d/%m/%Y} ({days} days once opened).",
                "lot",
            )
        ]
    expiry = lot.in_use_expiry
    assert expiry is not None and lot.opened_on is not None
    opened = f"{lot.opened_on:%d/%m/%Y}"
    if expiry < today:
        return [
            Finding(
                FindingCode.LOT_IN_USE_EXPIRED,
                Severity.REFUSE,
                f"The open vial of lot {lot.lot_number} was opened on {opened} and could be "
                f"used for {days} days, until {expiry:%d/%m/%Y}: discard it. To use this lot, "
                "open a new vial and tick 'New vial opened'.",
                "lot",
            )
        ]
    if expiry == today:
        return [
            Finding(
                FindingCode.LOT_IN_USE_ENDS_TODAY,
                Severity.WARN,
                f"The open vial of lot {lot.lot_number} (opened {opened}) may be used today only: "
                "discard it after this dose.",
                "lot",
            )
        ]
    return []


def route_findings(facts: CheckFacts, choice: Choice) -> list[Finding]:
    route = choice.route.strip().upper()
    if route == "IV":
        return [
            Finding(
                FindingCode.ROUTE_IV,
                Severity.REFUSE,
                "Vitamin B12 injections are never given intravenously (IV) here: use IM.",
                "route",
            )
        ]
    found: list[Finding] = []
    if route not in facts.template_routes:
        decision = _decision(facts, DecisionTopic.SC_ROUTE, None) if route == Route.SC else None
        allowed = " or ".join(facts.template_routes)
        if decision is None:
            found.append(
                Finding(
                    FindingCode.ROUTE_NOT_ALLOWED,
                    Severity.REFUSE,
                    f"This course's template allows {allowed} only. {route} needs a recorded "
                    "prescriber decision (name and date) first.",
                    "route",
                )
            )
        else:
            found.append(
                Finding(
                    FindingCode.ROUTE_OUTSIDE_TEMPLATE,
                    Severity.ACKNOWLEDGE,
                    f"{route} is outside this course's template ({allowed}); prescriber "
                    f"decision by {decision.describe()}.",
                    "route",
                )
            )
    lot = choice.lot
    if lot is not None and lot.licensed_routes and route not in lot.licensed_routes:
        found.append(
            Finding(
                FindingCode.ROUTE_OFF_LICENCE,
                Severity.ACKNOWLEDGE,
                f"{lot.product_label} is licensed for {' or '.join(lot.licensed_routes)} only: "
                f"{route} is off-licence.",
                "route",
            )
        )
    return found


def site_findings(facts: CheckFacts, choice: Choice) -> list[Finding]:
    site = choice.site
    if site is None:
        return []
    found: list[Finding] = []
    if site.needs_reason:
        if not choice.site_reason.strip():
            found.append(
                Finding(
                    FindingCode.SITE_DORSOGLUTEAL_NO_REASON,
                    Severity.REFUSE,
                    f"{DORSOGLUTEAL_WARNING} Give the reason for using it.",
                    "site",
                )
            )
        else:
            found.append(
                Finding(
                    FindingCode.SITE_OUTSIDE_TEMPLATE,
                    Severity.ACKNOWLEDGE,
                    DORSOGLUTEAL_WARNING,
                    "site",
                )
            )
    if facts.last_site is not None and facts.last_site == site:
        when = f" on {facts.last_site_on:%d/%m/%Y}" if facts.last_site_on else ""
        found.append(
            Finding(
                FindingCode.SITE_NOT_ROTATED,
                Severity.WARN,
                f"{site.label()} was also used last time{when}: rotate sites if you can.",
                "site",
            )
        )
    return found


def _timing_findings(facts: CheckFacts) -> list[Finding]:
    found: list[Finding] = []
    if facts.overdue_review is not None:
        found.append(
            Finding(
                FindingCode.REVIEW_OVERDUE,
                Severity.WARN,
                "A clinician review of this loading course is overdue (due by "
                f"{facts.overdue_review:%d/%m/%Y}, no decision recorded): ask a clinician "
                "whether loading continues before the next loading dose.",
                "dose",
            )
        )
    if facts.given_today:
        found.append(
            Finding(
                FindingCode.ALREADY_GIVEN_TODAY,
                Severity.REFUSE,
                "A B12 dose has already been recorded as given to this patient today: a second "
                "dose on the same day is never planned.",
                "dose",
            )
        )
    if facts.course_start is not None and facts.today < facts.course_start:
        found.append(
            Finding(
                FindingCode.BEFORE_COURSE_START,
                Severity.REFUSE,
                f"This course starts on {facts.course_start:%d/%m/%Y}: no dose can be given "
                "before its start. Ask the prescriber to change the start date.",
                "dose",
            )
        )
    elif facts.window_earliest is not None and facts.today < facts.window_earliest:
        days = (facts.window_earliest - facts.today).days
        found.append(
            Finding(
                FindingCode.EARLY_DOSE,
                Severity.ACKNOWLEDGE,
                f"This dose is {days} day{'s' if days != 1 else ''} early: its window opens on "
                f"{facts.window_earliest:%d/%m/%Y}. Check this is the right appointment.",
                "dose",
            )
        )
    return found


def _platelet_findings(facts: CheckFacts) -> list[Finding]:
    assessment = facts.platelets
    found: list[Finding] = []
    band = assessment.band
    if band is not None and band.hold:
        decision = _decision(facts, DecisionTopic.PLATELET_HOLD, assessment.taken_on)
        if decision is None:
            found.append(
                Finding(
                    FindingCode.PLATELETS_HOLD,
                    Severity.REFUSE,
                    f"{assessment.headline()}. The dose cannot be recorded as given until a "
                    "prescriber decision is recorded with the prescriber's name and the date.",
                    "platelets",
                )
            )
        else:
            found.append(
                Finding(
                    FindingCode.PLATELETS_HOLD_AUTHORISED,
                    Severity.ACKNOWLEDGE,
                    f"{assessment.headline()}. Prescriber decision by {decision.describe()}. "
                    "Give only as decided, with the needle and pressure the band asks for.",
                    "platelets",
                )
            )
    elif band is not None and band.severity != "info":
        found.append(
            Finding(
                FindingCode.PLATELETS_LOW,
                Severity.WARN,
                f"{assessment.headline()}. " + " ".join(assessment.instructions),
                "platelets",
            )
        )
    for warning in assessment.warnings:
        found.append(Finding(FindingCode.PLATELETS_CHECK, Severity.WARN, warning, "platelets"))
    if band is None and not assessment.warnings and assessment.note:
        found.append(
            Finding(FindingCode.PLATELETS_NONE, Severity.INFO, assessment.note, "platelets")
        )
    return found


def _inr_findings(facts: CheckFacts) -> list[Finding]:
    """Anticoagulants: a VKA's INR must be recent and not above the ceiling; a DOAC or a
    heparin gets its timing and pressure note (the INR does not measure them)."""
    patient = facts.patient
    if not patient.anticoagulant:
        return []
    wording = facts.anticoagulant_wording
    drug = patient.anticoagulant_name.strip() or "not named"
    kind = patient.anticoagulant_class
    if kind in (AnticoagulantClass.DOAC, AnticoagulantClass.HEPARIN):
        note = wording.doac if kind is AnticoagulantClass.DOAC else wording.heparin
        text = note.check.format(drug=drug, pressure_minutes=note.pressure_minutes)
        return [Finding(FindingCode.ANTICOAGULANT_TIMING, Severity.WARN, text, "inr")]
    found: list[Finding] = []
    if kind is None:
        found.append(
            Finding(
                FindingCode.ANTICOAGULANT_CLASS_UNKNOWN,
                Severity.WARN,
                wording.class_unknown.format(drug=drug),
                "inr",
            )
        )
    vka = wording.vka
    ceiling, whose = inr_ceiling(facts)
    parts = [vka.check.format(drug=drug, pressure_minutes=vka.pressure_minutes)]
    if ceiling > 0:
        parts.append(vka.ceiling.format(ceiling=f"{ceiling:g}", whose=whose))
    inr = facts.latest_inr
    recent = inr is not None and (facts.today - inr[1]).days <= facts.inr_max_age_days
    if inr is None:
        parts.append(vka.no_inr.format(max_age_days=facts.inr_max_age_days))
    elif not recent:
        parts.append(
            vka.stale_inr.format(
                value=f"{inr[0]:g}",
                date=f"{inr[1]:%d/%m/%Y}",
                age_days=(facts.today - inr[1]).days,
                max_age_days=facts.inr_max_age_days,
            )
        )
    else:
        parts.append(vka.latest_inr.format(value=f"{inr[0]:g}", date=f"{inr[1]:%d/%m/%Y}"))
    found.append(
        Finding(FindingCode.ANTICOAGULANT_CHECK_INR, Severity.WARN, " ".join(parts), "inr")
    )
    if not recent:
        found.append(_missing_inr(facts, f"{parts[-1]} {vka.missing_hold}"))
    elif inr is not None and ceiling > 0 and inr[0] > ceiling:
        text = vka.above_ceiling.format(
            value=f"{inr[0]:g}", date=f"{inr[1]:%d/%m/%Y}", ceiling=f"{ceiling:g}", whose=whose
        )
        decision = _decision(facts, DecisionTopic.INR, inr[1])
        if decision is None:
            found.append(Finding(FindingCode.INR_ABOVE_CEILING, Severity.REFUSE, text, "inr"))
        else:
            found.append(
                Finding(
                    FindingCode.INR_ABOVE_CEILING_AUTHORISED,
                    Severity.ACKNOWLEDGE,
                    f"{text} Prescriber decision by {decision.describe()}.",
                    "inr",
                )
            )
    return found


def default_pressure_minutes(facts: CheckFacts) -> int | None:
    """The pressure the form starts with: the most any finding asks for (the platelet
    band's, or the anticoagulant's), so the default follows the verdict."""
    wanted = [facts.platelets.pressure_minutes or 0]
    patient = facts.patient
    if patient.anticoagulant:
        notes = facts.anticoagulant_wording
        kind = patient.anticoagulant_class
        note = {AnticoagulantClass.DOAC: notes.doac, AnticoagulantClass.HEPARIN: notes.heparin}
        wanted.append(note[kind].pressure_minutes if kind in note else notes.vka.pressure_minutes)
    return max(wanted) or None


def inr_ceiling(facts: CheckFacts) -> tuple[float, str]:
    """The INR above which IM is held, and whose it is: the patient's target high when
    recorded, else the clinic's ceiling (0: none)."""
    patient = facts.patient
    if patient.inr_target_high is not None:
        low = patient.inr_target_low
        span = f"{low:g}-{patient.inr_target_high:g}" if low is not None else ""
        return patient.inr_target_high, f"the patient's target range ({span})".replace(" ()", "")
    return facts.inr_ceiling, "the clinic's ceiling"


def _missing_inr(facts: CheckFacts, text: str) -> Finding:
    """No recent INR: held for a prescriber (or acknowledged, as the file says)."""
    if facts.anticoagulant_wording.vka.when_inr_missing == "acknowledge":
        return Finding(FindingCode.INR_MISSING, Severity.ACKNOWLEDGE, text, "inr")
    inr = facts.latest_inr
    # Decided after the newest INR there is: a decision about an older one does not count.
    decision = _decision(facts, DecisionTopic.INR, inr[1] if inr else None)
    if decision is None:
        return Finding(FindingCode.INR_MISSING, Severity.REFUSE, text, "inr")
    return Finding(
        FindingCode.INR_MISSING_AUTHORISED,
        Severity.ACKNOWLEDGE,
        f"{text} Prescriber decision by {decision.describe()}.",
        "inr",
    )


def _once(facts: CheckFacts, finding: Finding) -> Finding:
    """A once-per-course warning already acknowledged is shown as information only."""
    if finding.code in ONCE_PER_COURSE and finding.code.value in facts.acknowledged_once:
        return Finding(
            finding.code,
            Severity.INFO,
            f"{finding.message} (Acknowledged earlier in this course.)",
            finding.field,
        )
    return finding


def _decision(
    facts: CheckFacts, topic: DecisionTopic, not_before: dt.date | None
) -> DecisionFacts | None:
    """The newest recorded decision on ``topic`` that applies today.

    It must name a prescriber from the clinic's list, be in force today, belong to this
    course (or to the patient generally), and when it answers a result (a platelet
    count, an INR) it must postdate that result: a decision made about an older count
    says nothing about the current one.
    """
    usable = [
        decision
        for decision in facts.decisions
        if decision.topic == topic
        and decision.prescriber_id is not None
        and decision.decided_on <= facts.today
        and _in_force_until(decision) >= facts.today
        and (decision.course_id is None or decision.course_id == facts.course_id)
        and (not_before is None or decision.decided_on >= not_before)
    ]
    return max(usable, key=lambda d: d.decided_on) if usable else None


#: A decision recorded without an end date covers this long after the day it was made:
#: a prescriber's go-ahead in a hold band is for the dose in hand, not for life.
DECISION_DEFAULT_DAYS = 14


def _in_force_until(decision: DecisionFacts) -> dt.date:
    if decision.valid_until is not None:
        return decision.valid_until
    return decision.decided_on + dt.timedelta(days=DECISION_DEFAULT_DAYS)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
