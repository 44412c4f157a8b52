"""Dose to volume: "1 mg = 1 mL", and the per-mL vs per-ampoule mix-up refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic_app.domain.dose_volume import (
    dose_volume,
    format_dose,
    format_ml,
    format_strength,
    to_micrograms,
    volume_problem,
)


@pytest.mark.parametrize(
    ("micrograms", "strength", "text"),
    [
        (1000, 1000, "1 mg = 1 mL"),
        (250, 1000, "250 micrograms = 0.25 mL"),
        (100, 1000, "100 micrograms = 0.1 mL"),
        (1000, 500, "1 mg = 2 mL"),
        (1, 10, "1 microgram = 0.1 mL"),
    ],
)
def test_dose_is_shown_with_its_volume(micrograms: int, strength: int, text: str) -> None:
    assert dose_volume(micrograms, strength).text() == text


def test_template_doses_convert_to_micrograms() -> None:
    assert to_micrograms(1, "mg") == 1000
    assert to_micrograms(0.25, "mg") == 250
    assert to_micrograms(250, "microgram") == 250
    with pytest.raises(ValueError, match="unknown dose unit"):
        to_micrograms(1, "ml")
    with pytest.raises(ValueError, match="positive whole number"):
        to_micrograms(0.0001, "mg")


def test_volumes_have_no_trailing_zero_and_always_a_leading_zero() -> None:
    """ISMP's error-prone designations: "1.0 mL" read as 10 mL, ".25 mL" as 25 mL."""
    assert format_ml(1) == "1 mL"
    assert format_ml(1.0) == "1 mL"
    assert format_ml(Decimal("1.00")) == "1 mL"
    assert format_ml(Decimal("0.50")) == "0.5 mL"
    assert format_ml(0.25) == "0.25 mL"
    assert format_ml(Decimal(".25")) == "0.25 mL"
    assert format_ml(10.0) == "10 mL"
    assert format_ml(Decimal("2.50")) == "2.5 mL"
    assert format_dose(1000) == "1 mg"
    assert format_dose(1500) == "1500 micrograms"
    assert format_strength(1000) == "1000 micrograms/mL (1 mg/mL)"


def test_a_strength_entered_per_vial_is_refused() -> None:
    # A 10 mL vial of 1000 micrograms/mL entered as "10000 per mL": 0.1 mL would be drawn.
    wrong = dose_volume(100, 10_000)
    problem = volume_problem(wrong, container_volume_ml=10, multi_dose=True)
    assert problem is not None and "too small to draw up accurately" in problem
    assert "per mL, not per ampoule or vial" in problem


def test_a_dose_larger_than_the_ampoule_is_refused() -> None:
    # 1 mg from an ampoule recorded as 100 micrograms/mL would need 10 mL.
    problem = volume_problem(dose_volume(1000, 100), container_volume_ml=1, multi_dose=False)
    assert problem is not None and "more than any single injection" in problem
    two = volume_problem(dose_volume(1000, 500), container_volume_ml=1, multi_dose=False)
    assert two is not None and "needs 2 ampoules of 1 mL" in two


def test_a_volume_that_cannot_be_measured_is_refused() -> None:
    problem = volume_problem(dose_volume(1000, 3000), container_volume_ml=1, multi_dose=False)
    assert problem is not None and "0.01 mL steps" in problem


def test_the_usual_products_pass() -> None:
    assert volume_problem(dose_volume(1000, 1000), 1.0, False) is None
    assert volume_problem(dose_volume(100, 1000), 10.0, True) is None
    assert volume_problem(dose_volume(250, 1000), 1.0, False) is None


@given(
    st.integers(min_value=1, max_value=5000),
    st.sampled_from([100, 250, 500, 1000, 2000, 5000]),
)
def test_volume_is_dose_over_strength_to_the_hundredth(micrograms: int, strength: int) -> None:
    volume = dose_volume(micrograms, strength)
    exact = Decimal(micrograms) / Decimal(strength)
    assert abs(volume.volume_ml - exact) <= Decimal("0.005")
    assert volume.text().endswith(" mL")
