"""NHS number checks: the guard against filing a record under the wrong patient."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic_app.domain import nhs_number


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_numbers_are_accepted_however_typed(number: str) -> None:
    assert nhs_number.problem(number) is None


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("", "is required"),
        ("943476591", "must be 10 digits (got 9)"),
        ("94347659190", "must be 10 digits (got 11)"),
        ("94347X5919", "must contain digits only"),
        ("9434765918", "is not a valid NHS number"),
        ("9434765991", "is not a valid NHS number"),  # two digits swapped
    ],
)
def test_invalid_numbers_say_what_is_wrong(number: str, problem: str) -> None:
    message = nhs_number.problem(number)
    assert message is not None and message.startswith(problem)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8))
def test_any_single_digit_typo_is_caught(first_nine: str, position: int) -> None:
    digit = nhs_number.check_digit(first_nine)
    if digit is None:
        return
    number = first_nine + str(digit)
    assert nhs_number.is_valid(number)
    wrong = str((int(number[position]) + 1) % 10)
    typo = number[:position] + wrong + number[position + 1 :]
    assert not nhs_number.is_valid(typo)


def test_display_uses_three_three_four_grouping() -> None:
    assert nhs_number.format_for_display("9434765919") == "943 476 5919"
