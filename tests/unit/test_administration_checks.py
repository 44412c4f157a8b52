"""The safety checks before a dose is recorded, one rule at a time (pure, no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic_app.domain.administration_checks import (
    CheckFacts,
    Choice,
    DecisionFacts,
    FindingCode,
    Findings,
    LotFacts,
    PatientFlags,
    Severity,
    check_administration,
    default_pressure_minutes,
)
from clinic_app.domain.codes import AnticoagulantClass, LotStatus, Side, Site
from clinic_app.domain.platelet_bands import assess_platelets
from clinic_app.domain.site_rotation import SiteChoice
from clinic_app.services.library.thresholds import platelet_rules

TODAY = dt.date(2026, 11, 24)
RULES = platelet_rules()
LOT = LotFacts(
    lot_id=1,
    lot_number="CH26B310",
    expiry=TODAY + dt.timedelta(days=400),
    status=LotStatus.AVAILABLE,
    remaining=40,
    drug="hydroxocobalamin",
    product_label="Cobalin-H ampoule",
    strength_micrograms_per_ml=1000,
    container_volume_ml=1.0,
    multi_dose=False,
    licensed_routes=("IM",),
)
LEFT_DELTOID = SiteChoice(Site.DELTOID, Side.LEFT)
YESTERDAY = TODAY - dt.timedelta(days=1)


def decided(
    topic: str, text: str, name: str, on: dt.date, until: dt.date | None = None, **more: object
) -> DecisionFacts:
    """A decision naming a prescriber from the clinic's list (id 1)."""
    more.setdefault("prescriber_id", 1)
    return DecisionFacts(topic, text, name, on, until, **more)  # type: ignore[arg-type]


def facts(count: float | None = 200, **changes: object) -> CheckFacts:
    latest = None if count is None else (count, TODAY - dt.timedelta(days=5))
    ever_low = changes.pop("ever_low", False)
    base = CheckFacts(
        today=TODAY,
        drug="hydroxocobalamin",
        template_routes=("IM",),
        dose_micrograms=1000,
        platelets=assess_platelets(latest, bool(ever_low), TODAY, 90, RULES),
        anticoagulant_wording=RULES.anticoagulant,
        course_id=7,
        course_start=TODAY - dt.timedelta(days=100),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def check(base: CheckFacts | None = None, **choice: object) -> Findings:
    chosen = Choice(lot=LOT, route="IM", site=LEFT_DELTOID)
    return check_administration(base or facts(), replace(chosen, **choice))  # type: ignore[arg-type]


def codes(found: Findings, severity: Severity | None = None) -> set[str]:
    return {f.code.value for f in found.items if severity is None or f.severity is severity}


def test_an_ordinary_dose_has_nothing_to_stop_it() -> None:
    found = check()
    assert found.refusals == ()
    assert found.to_acknowledge == ()


def test_an_expired_lot_is_refused_naming_its_expiry() -> None:
    expired = replace(LOT, expiry=TODAY - dt.timedelta(days=1))
    found = check(lot=expired)
    (refusal,) = found.refusals
    assert refusal.code is FindingCode.LOT_EXPIRED
    assert refusal.message.startswith("Lot CH26B310 expired on 23/11/2026: do not use it.")


def test_a_lot_expiring_today_is_still_usable_but_flagged() -> None:
    found = check(lot=replace(LOT, expiry=TODAY))
    assert found.refusals == ()
    assert "expires today" in next(
        f.message for f in found.items if f.code.value == "lot_expires_soon"
    )


def test_a_lot_expiring_within_the_warning_period_is_flagged() -> None:
    found = check(lot=replace(LOT, expiry=TODAY + dt.timedelta(days=30)))
    assert codes(found, Severity.WARN) == {"lot_expires_soon"}
    assert "expires in 30 days (24/12/2026)" in found.items[0].message
    assert "lot_expires_soon" not in codes(check(lot=replace(LOT, expiry=TODAY + dt.timedelta(31))))


@pytest.mark.parametrize(
    ("status", "code"),
    [(LotStatus.RECALLED, "lot_recalled"), (LotStatus.QUARANTINED, "lot_quarantined")],
)
def test_recalled_or_quarantined_lots_are_refused(status: LotStatus, code: str) -> None:
    assert codes(check(lot=replace(LOT, status=status)), Severity.REFUSE) == {code}


def test_an_empty_lot_or_another_drug_is_refused() -> None:
    assert codes(check(lot=replace(LOT, remaining=0)), Severity.REFUSE) == {"lot_empty"}
    wrong = replace(LOT, drug="cyanocobalamin", product_label="Cyanocobalamin vial")
    found = check(lot=wrong)
    assert codes(found, Severity.REFUSE) == {"lot_wrong_drug"}
    assert "this course is hydroxocobalamin" in found.refusals[0].message


def test_a_mistyped_strength_is_refused_before_the_volume_is_drawn() -> None:
    found = check(lot=replace(LOT, strength_micrograms_per_ml=100))
    assert codes(found, Severity.REFUSE) == {"volume_implausible"}
    assert "per mL, not per ampoule" in found.refusals[0].message


def test_iv_is_never_allowed() -> None:
    found = check(route="IV")
    assert codes(found, Severity.REFUSE) == {"route_iv"}
    assert "never given intravenously" in found.refusals[0].message


def test_sc_outside_the_template_needs_a_prescriber_decision() -> None:
    found = check(route="SC")
    assert "route_not_allowed" in codes(found, Severity.REFUSE)
    assert "prescriber decision" in found.refusals[0].message
    decision = decided("sc_route", "Deep SC: bleeding risk", "Dr Helen Morgan", TODAY)
    allowed = check(facts(decisions=(decision,)), route="SC")
    assert allowed.refusals == ()
    assert codes(allowed, Severity.ACKNOWLEDGE) == {"route_outside_template", "route_off_licence"}
    assert "Dr Helen Morgan on 24/11/2026" in allowed.to_acknowledge[0].message


def test_sc_allowed_by_the_template_and_licence_needs_nothing() -> None:
    cyano = replace(
        LOT, drug="cyanocobalamin", licensed_routes=("IM", "SC"), product_label="Cyano vial"
    )
    base = facts(drug="cyanocobalamin", template_routes=("IM", "SC"), dose_micrograms=100)
    found = check(base, lot=cyano, route="SC")
    assert found.refusals == () and found.to_acknowledge == ()


@pytest.mark.parametrize(
    ("decision", "usable"),
    [
        (decided("sc_route", "SC", "Dr A", TODAY), True),
        (decided("sc_route", "SC", "Dr A", TODAY + dt.timedelta(days=1)), False),
        (decided("sc_route", "SC", "Dr A", TODAY - dt.timedelta(30), TODAY), True),
        (
            decided("sc_route", "SC", "Dr A", TODAY - dt.timedelta(30), TODAY - dt.timedelta(1)),
            False,
        ),
        (decided("sc_route", "SC", "Dr A", TODAY, course_id=8), False),
        (decided("platelet_hold", "give", "Dr A", TODAY), False),
        # No end date: in force for two weeks from the day it was made, not for life.
        (decided("sc_route", "SC", "Dr A", TODAY - dt.timedelta(days=14)), True),
        (decided("sc_route", "SC", "Dr A", TODAY - dt.timedelta(days=15)), False),
    ],
    ids=[
        "today",
        "future",
        "valid-until-today",
        "lapsed",
        "other-course",
        "other-topic",
        "open-ended-within-two-weeks",
        "open-ended-older",
    ],
)
def test_a_decision_counts_only_when_in_force_for_this_course(
    decision: DecisionFacts, usable: bool
) -> None:
    found = check(facts(decisions=(decision,)), route="SC")
    assert ("route_not_allowed" not in codes(found)) is usable


def test_a_decision_with_a_typed_name_only_no_longer_lifts_a_hold() -> None:
    """Rows from before the list of prescribers name nobody the clinic can check."""
    typed = decided("platelet_hold", "Give IM", "Dr Anybody", TODAY, prescriber_id=None)
    assert codes(check(facts(18, decisions=(typed,))), Severity.REFUSE) == {"platelets_hold"}
    listed = replace(typed, prescriber_id=3)
    assert codes(check(facts(18, decisions=(listed,))), Severity.REFUSE) == set()


@pytest.mark.parametrize(
    ("by_prescriber", "recorded_by", "said"),
    [
        (True, "", "Dr H Morgan on 24/11/2026 (recorded by the prescriber): Give IM"),
        (
            False,
            "Amira Patel",
            "Dr H Morgan on 24/11/2026 (recorded by Amira Patel on the prescriber's "
            "instruction): Give IM",
        ),
    ],
)
def test_the_acknowledgement_says_who_recorded_the_decision(
    by_prescriber: bool, recorded_by: str, said: str
) -> None:
    decision = decided(
        "platelet_hold",
        "Give IM",
        "Dr H Morgan",
        TODAY,
        by_prescriber=by_prescriber,
        recorded_by=recorded_by,
    )
    (finding,) = check(facts(18, decisions=(decision,))).to_acknowledge
    assert said in finding.message


def test_dorsogluteal_needs_a_reason_and_is_then_acknowledged() -> None:
    buttock = SiteChoice(Site.DORSOGLUTEAL, Side.LEFT)
    refused = check(site=buttock)
    assert codes(refused, Severity.REFUSE) == {"site_dorsogluteal_no_reason"}
    assert "upper outer quadrant" in refused.refusals[0].message
    with_reason = check(site=buttock, site_reason="both deltoids bruised")
    assert codes(with_reason, Severity.ACKNOWLEDGE) == {"site_outside_template"}


def test_the_same_site_as_last_time_is_warned() -> None:
    base = facts(last_site=LEFT_DELTOID, last_site_on=TODAY - dt.timedelta(days=90))
    found = check(base)
    assert codes(found, Severity.WARN) == {"site_not_rotated"}
    assert "Left deltoid was also used last time on 26/08/2026" in found.items[0].message
    assert codes(check(base, site=SiteChoice(Site.DELTOID, Side.RIGHT))) == set()


def test_cyanocobalamin_with_renal_impairment_is_acknowledged_once_per_course() -> None:
    cyano = replace(LOT, drug="cyanocobalamin", licensed_routes=("IM", "SC"))
    base = facts(
        drug="cyanocobalamin",
        dose_micrograms=1000,
        patient=PatientFlags(renal_impairment=True),
    )
    assert codes(check(base, lot=cyano), Severity.ACKNOWLEDGE) == {"renal_cyanocobalamin"}
    seen = replace(base, acknowledged_once=frozenset({"renal_cyanocobalamin"}))
    found = check(seen, lot=cyano)
    assert codes(found, Severity.ACKNOWLEDGE) == set()
    assert codes(found, Severity.INFO) == {"renal_cyanocobalamin"}
    assert "hydroxocobalamin" not in codes(
        check(facts(patient=PatientFlags(renal_impairment=True)))
    )


def test_folic_acid_before_any_b12_is_acknowledged() -> None:
    base = facts(patient=PatientFlags(on_folic_acid=True), b12_given_before=False)
    found = check(base)
    assert codes(found, Severity.ACKNOWLEDGE) == {"folic_acid_before_b12"}
    assert "mask anaemia" in found.to_acknowledge[0].message
    assert codes(check(replace(base, b12_given_before=True))) == set()


@pytest.mark.parametrize("count", [24, 10, 9, 0.5])
def test_hold_bands_refuse_without_a_prescriber_decision(count: float) -> None:
    found = check(facts(count))
    assert codes(found, Severity.REFUSE) == {"platelets_hold"}
    assert "prescriber decision" in found.refusals[0].message
    assert found.refusals[0].message.startswith(f"Platelets {count:g} x10^9/L on 19/11/2026")


def test_a_prescriber_decision_made_after_the_count_unlocks_the_hold() -> None:
    decision = decided("platelet_hold", "Give IM, 25G, 10 min", "Dr H Morgan", TODAY)
    found = check(facts(18, decisions=(decision,)))
    assert found.refusals == ()
    assert codes(found, Severity.ACKNOWLEDGE) == {"platelets_hold_authorised"}
    assert "Dr H Morgan on 24/11/2026: Give IM, 25G, 10 min" in found.to_acknowledge[0].message
    older = replace(decision, decided_on=TODAY - dt.timedelta(days=6))  # before the count
    assert codes(check(facts(18, decisions=(older,))), Severity.REFUSE) == {"platelets_hold"}


def test_the_small_needle_band_warns_with_its_instructions() -> None:
    found = check(facts(38))
    assert found.refusals == () and found.to_acknowledge == ()
    (warning,) = found.items
    assert warning.code is FindingCode.PLATELETS_LOW
    assert "25-27G" in warning.message and "5-10 minutes" in warning.message


def test_missing_or_stale_count_after_a_low_one_warns() -> None:
    assert codes(check(facts(None, ever_low=True)), Severity.WARN) == {"platelets_check"}
    old = replace(
        facts(),
        platelets=assess_platelets((200, TODAY - dt.timedelta(days=200)), True, TODAY, 90, RULES),
    )
    assert codes(check(old), Severity.WARN) == {"platelets_check"}
    # No count at all is a warning too (CLINICAL_RULES section 3), not a quiet note.
    assert codes(check(facts(None)), Severity.WARN) == {"platelets_check"}


WARFARIN = PatientFlags(
    anticoagulant=True, anticoagulant_name="warfarin", anticoagulant_class=AnticoagulantClass.VKA
)


def test_anticoagulated_patients_are_told_to_check_inr() -> None:
    base = facts(patient=WARFARIN, latest_inr=(2.6, TODAY - dt.timedelta(days=2)))
    (finding,) = check(base).items
    assert finding.code is FindingCode.ANTICOAGULANT_CHECK_INR
    assert finding.severity is Severity.WARN
    assert "Takes a vitamin K antagonist (warfarin): check the INR" in finding.message
    assert "above an INR of 3 (the clinic's ceiling)" in finding.message
    assert "Latest INR 2.6 on 22/11/2026." in finding.message


@pytest.mark.parametrize(
    ("age_days", "held"), [(0, False), (7, False), (8, True), (40, True)], ids=str
)
def test_an_inr_older_than_the_clinic_limit_counts_as_missing(age_days: int, held: bool) -> None:
    base = facts(patient=WARFARIN, latest_inr=(2.4, TODAY - dt.timedelta(days=age_days)))
    found = check(base)
    assert (codes(found, Severity.REFUSE) == {"inr_missing"}) is held
    if held:
        assert f"is {age_days} days old, older than the clinic's limit of 7 days" in (
            found.refusals[0].message
        )
    # The limit is the clinic's: 60 days makes a 40-day-old INR recent again.
    assert codes(check(replace(base, inr_max_age_days=60)), Severity.REFUSE) == set()


def test_no_inr_at_all_holds_until_a_prescriber_decides() -> None:
    base = facts(patient=WARFARIN)
    found = check(base)
    assert codes(found, Severity.REFUSE) == {"inr_missing"}
    assert "No INR from the last 7 days on record: it counts as missing." in (
        found.refusals[0].message
    )
    decision = decided("inr", "Give IM, INR due next week", "Dr A", TODAY)
    allowed = check(replace(base, decisions=(decision,)))
    assert codes(allowed, Severity.ACKNOWLEDGE) == {"inr_missing_authorised"}


def test_a_clinic_may_make_a_missing_inr_an_acknowledgement() -> None:
    wording = RULES.anticoagulant
    softer = replace(wording, vka=replace(wording.vka, when_inr_missing="acknowledge"))
    found = check(facts(patient=WARFARIN, anticoagulant_wording=softer))
    assert found.refusals == ()
    assert codes(found, Severity.ACKNOWLEDGE) == {"inr_missing"}


def test_an_inr_above_the_ceiling_refuses_until_a_prescriber_decides() -> None:
    base = facts(patient=WARFARIN, latest_inr=(3.4, TODAY - dt.timedelta(days=1)))
    found = check(base)
    assert codes(found, Severity.REFUSE) == {"inr_above_ceiling"}
    assert "INR 3.4 on 23/11/2026 is above the clinic's ceiling (3)" in found.refusals[0].message
    decision = decided("inr", "Give, apply pressure 10 min", "Dr A", TODAY)
    allowed = check(replace(base, decisions=(decision,)))
    assert codes(allowed, Severity.ACKNOWLEDGE) == {"inr_above_ceiling_authorised"}
    no_ceiling = check(replace(base, inr_ceiling=0))
    assert no_ceiling.refusals == ()


@pytest.mark.parametrize(
    ("inr", "target_high", "refused"),
    [(3.4, 3.5, False), (3.5, 3.5, False), (3.6, 3.5, True), (2.6, 2.5, True), (2.5, 2.5, False)],
)
def test_the_patients_target_high_is_their_ceiling(
    inr: float, target_high: float, refused: bool
) -> None:
    flags = replace(WARFARIN, inr_target_low=target_high - 1, inr_target_high=target_high)
    found = check(facts(patient=flags, latest_inr=(inr, YESTERDAY)))
    assert (codes(found, Severity.REFUSE) == {"inr_above_ceiling"}) is refused
    if refused:
        assert f"above the patient's target range ({target_high - 1:g}-{target_high:g})" in (
            found.refusals[0].message
        )


@pytest.mark.parametrize(
    ("kind", "drug", "said"),
    [
        (AnticoagulantClass.DOAC, "apixaban", "Takes a DOAC (apixaban): the INR does not measure"),
        (AnticoagulantClass.HEPARIN, "enoxaparin", "Takes a heparin (enoxaparin): the INR does"),
    ],
)
def test_a_doac_or_heparin_gets_its_timing_note_and_no_inr_check(
    kind: AnticoagulantClass, drug: str, said: str
) -> None:
    flags = PatientFlags(anticoagulant=True, anticoagulant_name=drug, anticoagulant_class=kind)
    # An INR far above any ceiling says nothing about a DOAC or a heparin.
    found = check(facts(patient=flags, latest_inr=(6.0, YESTERDAY)))
    (finding,) = found.items
    assert finding.code is FindingCode.ANTICOAGULANT_TIMING
    assert finding.severity is Severity.WARN
    assert said in finding.message
    assert "firm pressure for at least 5 minutes" in finding.message
    assert "before the next" in finding.message
    assert found.refusals == ()


def test_an_anticoagulant_of_unknown_class_is_treated_as_a_vka() -> None:
    flags = PatientFlags(anticoagulant=True, anticoagulant_name="warfarin")
    found = check(facts(patient=flags, latest_inr=(3.6, YESTERDAY)))
    assert codes(found, Severity.REFUSE) == {"inr_above_ceiling"}
    assert "anticoagulant_class_unknown" in codes(found, Severity.WARN)


@pytest.mark.parametrize(
    ("count", "kind", "minutes"),
    [
        (200, None, None),
        (200, AnticoagulantClass.DOAC, 5),
        (38, AnticoagulantClass.VKA, 10),  # the platelet band asks for more
        (38, None, 10),
    ],
)
def test_the_pressure_default_follows_the_strongest_need(
    count: float, kind: AnticoagulantClass | None, minutes: int | None
) -> None:
    flags = (
        PatientFlags(anticoagulant=True, anticoagulant_name="x", anticoagulant_class=kind)
        if kind
        else PatientFlags()
    )
    assert default_pressure_minutes(facts(count, patient=flags)) == minutes


def test_a_second_dose_the_same_day_is_refused() -> None:
    found = check(facts(given_today=True))
    assert codes(found, Severity.REFUSE) == {"already_given_today"}


def test_a_dose_before_its_window_must_be_acknowledged() -> None:
    found = check(facts(window_earliest=TODAY + dt.timedelta(days=12)))
    assert codes(found, Severity.ACKNOWLEDGE) == {"early_dose"}
    assert "12 days early" in found.to_acknowledge[0].message
    assert codes(check(facts(course_start=TODAY + dt.timedelta(3))), Severity.REFUSE) == {
        "before_course_start"
    }


def test_findings_come_most_serious_first_and_list_missing_acknowledgements() -> None:
    base = facts(
        18,
        patient=PatientFlags(on_folic_acid=True),
        b12_given_before=False,
        last_site=LEFT_DELTOID,
    )
    found = check(base, lot=replace(LOT, expiry=TODAY + dt.timedelta(days=3)))
    severities = [f.severity for f in found.items]
    assert severities == sorted(severities, key=list(Severity).index)
    assert [f.code.value for f in found.missing_acknowledgements(frozenset())] == [
        "folic_acid_before_b12"
    ]
    assert found.missing_acknowledgements(frozenset({"folic_acid_before_b12"})) == ()


@given(
    count=st.one_of(st.none(), st.floats(min_value=0, max_value=600, allow_nan=False)),
    route=st.sampled_from(["IM", "SC", "IV", "im", ""]),
    site=st.sampled_from(list(Site)),
    side=st.sampled_from(list(Side)),
    reason=st.sampled_from(["", "  ", "deltoids bruised"]),
    expiry_days=st.integers(min_value=-30, max_value=400),
    remaining=st.integers(min_value=0, max_value=3),
    status=st.sampled_from(list(LotStatus)),
)
def test_any_combination_gives_findings_with_messages(
    count: float | None,
    route: str,
    site: Site,
    side: Side,
    reason: str,
    expiry_days: int,
    remaining: int,
    status: LotStatus,
) -> None:
    lot = replace(
        LOT, expiry=TODAY + dt.timedelta(days=expiry_days), remaining=remaining, status=status
    )
    found = check(
        facts(count), lot=lot, route=route, site=SiteChoice(site, side), site_reason=reason
    )
    assert all(f.message.strip() for f in found.items)
    usable = expiry_days >= 0 and remaining > 0 and status is LotStatus.AVAILABLE
    held = count is not None and count <= 25
    dorsogluteal_unexplained = site is Site.DORSOGLUTEAL and not reason.strip()
    allowed = usable and not held and route.upper() == "IM" and not dorsogluteal_unexplained
    assert (found.refusals == ()) is allowed


def test_an_overdue_clinician_review_is_a_warning_in_the_recording_dialog() -> None:
    found = check(facts(overdue_review=TODAY - dt.timedelta(days=4)))
    warning = next(f for f in found.items if f.code is FindingCode.REVIEW_OVERDUE)
    assert warning.severity is Severity.WARN and not warning.blocks
    assert "review of this loading course is overdue" in warning.message
    assert "20/11/2026" in warning.message
    assert FindingCode.REVIEW_OVERDUE not in check().codes()
