"""Injection sites, their wording, and the rotation suggestion.

Deltoid and vastus lateralis are preferred, ventrogluteal is an acceptable IM site,
and the dorsogluteal (buttock) site is avoided because of the sciatic nerve: it is
offered only with a reason and the upper-outer-quadrant wording (CLINICAL_RULES.md
section 4). The suggestion is always a different site from the last one given, so
repeated injections do not land in the same muscle.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic_app.domain.codes import Side, Site

#: Sites a nurse may choose without a reason, in the order they are offered.
PREFERRED_SITES: tuple[Site, ...] = (Site.DELTOID, Site.VASTUS_LATERALIS, Site.VENTROGLUTEAL)
#: The site that needs a reason recorded before it can be used.
AVOIDED_SITES: frozenset[Site] = frozenset({Site.DORSOGLUTEAL})

DORSOGLUTEAL_WARNING = (
    "Dorsogluteal (buttock) is avoided because of the sciatic nerve. If it must be used: "
    "upper outer quadrant only, needle directed anteriorly, and record why."
)

_SITE_NAMES = {
    Site.DELTOID: "deltoid",
    Site.VASTUS_LATERALIS: "vastus lateralis (thigh)",
    Site.VENTROGLUTEAL: "ventrogluteal (hip)",
    Site.DORSOGLUTEAL: "dorsogluteal (buttock, upper outer quadrant)",
}


@dataclass(frozen=True, slots=True)
class SiteChoice:
    site: Site
    side: Side

    def label(self) -> str:
        """ "Left deltoid", "Right vastus lateralis (thigh)"."""
        return f"{self.side.label} {_SITE_NAMES[self.site]}"

    @property
    def needs_reason(self) -> bool:
        return self.site in AVOIDED_SITES


#: The rotation offered: both deltoids first (the usual B12 site), then thighs, then hips.
ROTATION: tuple[SiteChoice, ...] = tuple(
    SiteChoice(site, side) for site in PREFERRED_SITES for side in (Side.LEFT, Side.RIGHT)
)


def site_label(site: Site | str | None, side: Side | str | None) -> str:
    if site is None:
        return ""
    site = Site(site)
    if side is None or side == "":
        return _SITE_NAMES[site].capitalize()
    return SiteChoice(site, Side(side)).label()


def suggest_site(last: SiteChoice | None) -> SiteChoice:
    """A site different from the last one used.

    The same muscle on the other side is suggested (left deltoid after right deltoid),
    so a patient keeps the site they are used to while each arm rests between doses.
    After an avoided site (dorsogluteal) the suggestion returns to a deltoid. With no
    history, the left deltoid (usually the non-dominant arm).
    """
    if last is None:
        return ROTATION[0]
    other_side = Side.RIGHT if last.side is Side.LEFT else Side.LEFT
    if last.site in AVOIDED_SITES:
        return SiteChoice(Site.DELTOID, other_side)
    return SiteChoice(last.site, other_side)
