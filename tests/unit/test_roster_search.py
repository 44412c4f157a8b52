"""What the roster search box understands."""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.name_keys import name_key
from clinic_app.domain.roster_search import interpret


def test_a_date_searches_date_of_birth() -> None:
    assert interpret("03/04/1950").date_of_birth == dt.date(1950, 4, 3)
    assert interpret("1950-04-03").date_of_birth == dt.date(1950, 4, 3)


def test_digits_search_nhs_number_prefix_ignoring_spaces() -> None:
    assert interpret("943 476").nhs_prefix == "943476"


def test_one_word_matches_either_name() -> None:
    assert interpret("Smi").name_prefixes == (("smi", ""), ("", "smi"))


def test_two_words_match_family_and_given_in_either_order() -> None:
    prefixes = interpret("smith jo").name_prefixes
    assert ("smith", "jo") in prefixes and ("jo", "smith") in prefixes


def test_comma_means_family_then_given() -> None:
    assert interpret("Smith, J").name_prefixes == (("smith", "j"),)


def test_name_keys_fold_accents_apostrophes_and_case() -> None:
    assert name_key("O'Brien") == name_key("obrien") == "obrien"
    assert name_key("Zoë") == "zoe"
    assert name_key("  Da   Silva ") == "da silva"
