"""The warnings a nurse must see when a course starts (CLINICAL_RULES.md section 4)."""

from __future__ import annotations

from clinic_app.domain.course_warnings import (
    FOLIC_ACID_BEFORE_B12,
    RENAL_CYANOCOBALAMIN,
    course_start_warnings,
)


def _codes(**flags: object) -> list[str]:
    arguments = {
        "drug": "hydroxocobalamin",
        "renal_impairment": False,
        "on_folic_acid": False,
        "b12_doses_given": 0,
        **flags,
    }
    return [w.code for w in course_start_warnings(**arguments)]  # type: ignore[arg-type]


def test_no_flags_no_warnings() -> None:
    assert _codes() == []
    assert _codes(drug="cyanocobalamin") == []


def test_cyanocobalamin_for_renal_impairment_warns_and_says_why() -> None:
    (warning,) = course_start_warnings(
        drug="cyanocobalamin", renal_impairment=True, on_folic_acid=False, b12_doses_given=3
    )
    assert warning.code == RENAL_CYANOCOBALAMIN
    assert "renal impairment" in warning.message
    assert "prefers hydroxocobalamin" in warning.message
    assert "seed 002" in warning.message


def test_hydroxocobalamin_is_the_preferred_choice_for_renal_impairment() -> None:
    assert _codes(renal_impairment=True) == []


def test_folic_acid_before_any_b12_dose_warns_and_says_why() -> None:
    (warning,) = course_start_warnings(
        drug="hydroxocobalamin", renal_impairment=False, on_folic_acid=True, b12_doses_given=0
    )
    assert warning.code == FOLIC_ACID_BEFORE_B12
    assert "not had a B12 injection yet" in warning.message
    assert "nerve damage" in warning.message


def test_folic_acid_is_fine_once_b12_is_under_way() -> None:
    assert _codes(on_folic_acid=True, b12_doses_given=1) == []


def test_both_warnings_together_in_a_stable_order() -> None:
    assert _codes(drug="cyanocobalamin", renal_impairment=True, on_folic_acid=True) == [
        RENAL_CYANOCOBALAMIN,
        FOLIC_ACID_BEFORE_B12,
    ]
