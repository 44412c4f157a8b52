"""Site rotation: never the same site twice running; the buttock only with its wording."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clinic_app.domain.codes import Side, Site
from clinic_app.domain.site_rotation import (
    DORSOGLUTEAL_WARNING,
    ROTATION,
    SiteChoice,
    site_label,
    suggest_site,
)


def test_first_injection_goes_in_the_left_deltoid() -> None:
    assert suggest_site(None) == SiteChoice(Site.DELTOID, Side.LEFT)


def test_the_other_side_of_the_same_muscle_is_suggested() -> None:
    assert suggest_site(SiteChoice(Site.DELTOID, Side.LEFT)) == SiteChoice(Site.DELTOID, Side.RIGHT)
    assert suggest_site(SiteChoice(Site.VASTUS_LATERALIS, Side.RIGHT)) == SiteChoice(
        Site.VASTUS_LATERALIS, Side.LEFT
    )


def test_after_the_buttock_the_suggestion_returns_to_a_deltoid() -> None:
    assert suggest_site(SiteChoice(Site.DORSOGLUTEAL, Side.LEFT)) == SiteChoice(
        Site.DELTOID, Side.RIGHT
    )


@given(st.sampled_from(list(Site)), st.sampled_from(list(Side)))
def test_the_suggestion_always_differs_from_the_last_site(site: Site, side: Side) -> None:
    last = SiteChoice(site, side)
    suggestion = suggest_site(last)
    assert suggestion != last
    assert not suggestion.needs_reason


def test_labels_read_as_a_nurse_says_them() -> None:
    assert SiteChoice(Site.DELTOID, Side.LEFT).label() == "Left deltoid"
    assert site_label("vastus_lateralis", "right") == "Right vastus lateralis (thigh)"
    assert "upper outer quadrant" in site_label(Site.DORSOGLUTEAL, Side.LEFT)
    assert site_label(None, None) == ""
    assert "sciatic nerve" in DORSOGLUTEAL_WARNING
    assert "needle directed anteriorly" in DORSOGLUTEAL_WARNING
    assert all(not choice.needs_reason for choice in ROTATION)
