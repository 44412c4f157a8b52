"""Platelet bands and what they tell the nurse at the moment of the injection.

The thresholds and every word shown are data (``resources/thresholds/platelets.toml``)
that a clinic reviews and may change; this module checks that data strictly (a typo
must not silently move a threshold) and turns the patient's LATEST dated count into
the band and its instructions. Counts change with treatment, so a band is never
stored: it is computed again every time from the latest count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

Severity = Literal["info", "warn", "hold"]
SEVERITIES: tuple[Severity, ...] = ("info", "warn", "hold")

_MAX_COUNT = 2000.0  # x10^9/L: no real count reaches it; a typo (an extra zero) does
_TOP_KEYS = {"version", "unit", "source", "bands", "stale", "anticoagulant"}
_BAND_KEYS = {
    "id", "above", "at_least", "up_to", "below", "severity", "hold", "needle_gauge",
    "pressure_minutes", "title", "instructions", "source",
}  # fmt: skip
_STALE_KEYS = {"title", "missing", "stale", "warn_when_never_counted", "never_counted"}
_ANTICOAGULANT_KEYS = {"title", "source", "class_unknown", "vka", "doac", "heparin"}
_VKA_KEYS = {
    "check", "ceiling", "latest_inr", "no_inr", "stale_inr", "when_inr_missing",
    "missing_hold", "above_ceiling", "pressure_minutes",
}  # fmt: skip
_TIMING_KEYS = {"check", "pressure_minutes"}
#: What a missing or too-old INR does for a vitamin K antagonist.
INR_MISSING_CHOICES = ("hold", "acknowledge")


class ThresholdError(ValueError):
    """A malformed threshold file: names the file, the field and the problem."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class PlateletBand:
    """Counts from ``lower`` up to the band above; ``inclusive`` says whether ``lower``
    itself belongs to this band (``at_least``) or to the one below (``above``).

    The file states the upper edge too (``up_to`` or ``below``); the parser checks it
    meets the band above exactly, so ``upper`` only repeats what ``lower`` of the band
    above says, as a person reads the file."""

    id: str
    lower: float
    inclusive: bool
    severity: Severity
    hold: bool
    title: str
    instructions: tuple[str, ...]
    needle_gauge: int | None
    pressure_minutes: int | None
    source: str
    upper: float | None = None
    upper_inclusive: bool = False

    def contains(self, value: float) -> bool:
        """Both edges, as stated in the file."""
        if not self.contains_from_below(value):
            return False
        if self.upper is None:
            return True
        return value <= self.upper if self.upper_inclusive else value < self.upper

    def contains_from_below(self, value: float) -> bool:
        return value >= self.lower if self.inclusive else value > self.lower

    def range_text(self, upper: PlateletBand | None) -> str:
        """ "25-50", "over 50", "under 10": how a person names the band."""
        if upper is None:
            return f"over {self.lower:g}" if not self.inclusive else f"{self.lower:g} or more"
        if self.lower <= 0:
            return f"under {upper.lower:g}" if upper.inclusive else f"{upper.lower:g} or under"
        return f"{self.lower:g}-{upper.lower:g}"


@dataclass(frozen=True, slots=True)
class StaleRule:
    title: str
    missing: str
    stale: str
    warn_when_never_counted: bool
    never_counted: str


@dataclass(frozen=True, slots=True)
class VkaWording:
    """A vitamin K antagonist: the INR is checked, recent and under the ceiling."""

    check: str
    ceiling: str
    latest_inr: str
    no_inr: str
    stale_inr: str
    #: "hold" or "acknowledge" (INR_MISSING_CHOICES).
    when_inr_missing: str
    missing_hold: str
    above_ceiling: str
    pressure_minutes: int


@dataclass(frozen=True, slots=True)
class TimingWording:
    """A DOAC or a heparin: no INR; timing relative to the anticoagulant dose, pressure."""

    check: str
    pressure_minutes: int


@dataclass(frozen=True, slots=True)
class AnticoagulantWording:
    title: str
    source: str
    class_unknown: str
    vka: VkaWording
    doac: TimingWording
    heparin: TimingWording


@dataclass(frozen=True, slots=True)
class PlateletRules:
    version: str
    unit: str
    source: str
    #: Highest band first; the last one reaches down to zero.
    bands: tuple[PlateletBand, ...]
    stale: StaleRule
    anticoagulant: AnticoagulantWording
    origin: str = ""

    def band_for(self, value: float) -> PlateletBand:
        for band in self.bands:
            if band.contains_from_below(value):
                return band
        return self.bands[-1]

    def is_low(self, value: float) -> bool:
        """Anything outside the first (standard) band counts as a low count seen."""
        return self.band_for(value) is not self.bands[0]

    def range_text(self, band: PlateletBand) -> str:
        index = self.bands.index(band)
        return band.range_text(self.bands[index - 1] if index else None)


@dataclass(frozen=True, slots=True)
class PlateletAssessment:
    """What the nurse must see before confirming: band, instructions, prefills, warnings.

    ``band`` is None when there is no count on record. ``warnings`` holds the stale or
    missing-count messages; ``note`` a quiet remark shown when nothing is wrong.
    """

    band: PlateletBand | None
    title: str
    instructions: tuple[str, ...]
    needle_gauge: int | None
    pressure_minutes: int | None
    hold: bool
    warnings: tuple[str, ...]
    value: float | None = None
    taken_on: dt.date | None = None
    unit: str = ""
    range_text: str = ""
    note: str = ""

    @property
    def severity(self) -> Severity:
        if self.band is not None:
            if self.warnings and self.band.severity == "info":
                return "warn"
            return self.band.severity
        return "warn" if self.warnings else "info"

    @property
    def stale_or_missing(self) -> bool:
        return bool(self.warnings)

    def headline(self) -> str:
        """One line for the banner: "Platelets 38 x10^9/L on 01/10/2026 (25-50)"."""
        if self.value is None or self.taken_on is None:
            return "Platelets: no count on record"
        return (
            f"Platelets {self.value:g} {self.unit} on {self.taken_on:%d/%m/%Y}"
            f" ({self.range_text}): {self.title}"
        )


def assess_platelets(
    latest: tuple[float, dt.date] | None,
    ever_low: bool,
    today: dt.date,
    stale_days: int,
    rules: PlateletRules,
) -> PlateletAssessment:
    """The band of the latest count, plus a warning when that count cannot be trusted.

    A missing count, or one older than ``stale_days``, is warned only once a low
    count has been seen (``ever_low``): that is when an old normal result no longer
    says anything about today's bleeding risk.
    """
    warnings: list[str] = []
    if latest is None:
        if ever_low:
            warnings.append(rules.stale.missing)
        elif rules.stale.warn_when_never_counted:
            warnings.append(rules.stale.never_counted)
        return PlateletAssessment(
            band=None,
            title=rules.stale.title if warnings else rules.stale.never_counted,
            instructions=(),
            needle_gauge=rules.bands[0].needle_gauge,
            pressure_minutes=rules.bands[0].pressure_minutes,
            hold=False,
            warnings=tuple(warnings),
            unit=rules.unit,
            note="" if warnings else rules.stale.never_counted,
        )
    value, taken_on = latest
    band = rules.band_for(value)
    age = (today - taken_on).days
    if (ever_low or rules.is_low(value)) and age > stale_days:
        warnings.append(rules.stale.stale.format(age_days=age, date=f"{taken_on:%d/%m/%Y}"))
    return PlateletAssessment(
        band=band,
        title=band.title,
        instructions=band.instructions,
        needle_gauge=band.needle_gauge,
        pressure_minutes=band.pressure_minutes,
        hold=band.hold,
        warnings=tuple(warnings),
        value=value,
        taken_on=taken_on,
        unit=rules.unit,
        range_text=rules.range_text(band),
    )


# -- parsing --------------------------------------------------------------------------


def parse_platelet_rules(data: Mapping[str, object], source: str) -> PlateletRules:
    """Check a decoded threshold file; raise ThresholdError on the first problem."""
    top = _Table(data, source, "")
    top.only(_TOP_KEYS)
    bands = _bands(top, source)
    stale = top.table("stale")
    stale.only(_STALE_KEYS)
    wording = _anticoagulant(top.table("anticoagulant"))
    return PlateletRules(
        version=top.text("version"),
        unit=top.text("unit"),
        source=" ".join(top.text("source").split()),
        bands=bands,
        stale=StaleRule(
            title=stale.text("title"),
            missing=stale.text("missing"),
            stale=stale.template("stale", {"age_days", "date"}),
            warn_when_never_counted=stale.boolean("warn_when_never_counted"),
            never_counted=stale.text("never_counted"),
        ),
        anticoagulant=wording,
        origin=source,
    )


def _anticoagulant(coag: _Table) -> AnticoagulantWording:
    coag.only(_ANTICOAGULANT_KEYS)
    vka = coag.table("vka")
    vka.only(_VKA_KEYS)
    missing = vka.text("when_inr_missing")
    if missing not in INR_MISSING_CHOICES:
        raise vka.error("when_inr_missing", "must be one of " + ", ".join(INR_MISSING_CHOICES))
    return AnticoagulantWording(
        title=coag.text("title"),
        source=coag.text("source"),
        class_unknown=coag.template("class_unknown", {"drug"}),
        vka=VkaWording(
            check=vka.template("check", {"drug", "pressure_minutes"}),
            ceiling=vka.template("ceiling", {"ceiling", "whose"}),
            latest_inr=vka.template("latest_inr", {"value", "date"}),
            no_inr=vka.template("no_inr", {"max_age_days"}),
            stale_inr=vka.template("stale_inr", {"value", "date", "age_days", "max_age_days"}),
            when_inr_missing=missing,
            missing_hold=vka.text("missing_hold"),
            above_ceiling=vka.template("above_ceiling", {"value", "date", "ceiling", "whose"}),
            pressure_minutes=vka.required_int("pressure_minutes", 1, 30),
        ),
        doac=_timing(coag.table("doac")),
        heparin=_timing(coag.table("heparin")),
    )


def _timing(table: _Table) -> TimingWording:
    table.only(_TIMING_KEYS)
    return TimingWording(
        check=table.template("check", {"drug", "pressure_minutes"}),
        pressure_minutes=table.required_int("pressure_minutes", 1, 30),
    )


def _bands(top: _Table, source: str) -> tuple[PlateletBand, ...]:
    raw = top.value("bands")
    if not isinstance(raw, list) or not raw:
        raise top.error("bands", "must be a list of [[bands]] tables (at least one)")
    bands: list[PlateletBand] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = f"bands[{index}]"
        if not isinstance(item, Mapping):
            raise ThresholdError(source, path, "must be a table")
        table = _Table(item, source, path + ".")
        table.only(_BAND_KEYS)
        band_id = table.text("id")
        if band_id in seen:
            raise table.error("id", f"{band_id!r} is used by another band")
        seen.add(band_id)
        has_above, has_at_least = "above" in item, "at_least" in item
        if has_above == has_at_least:
            raise table.error("above", "give exactly one of 'above' or 'at_least'")
        key = "above" if has_above else "at_least"
        lower = table.number(key, 0, _MAX_COUNT)
        severity = table.text("severity")
        if severity not in SEVERITIES:
            raise table.error("severity", f"must be one of {', '.join(SEVERITIES)}")
        hold = table.boolean("hold")
        if hold and severity != "hold":
            raise table.error("severity", "a band that holds the dose must have severity 'hold'")
        band = PlateletBand(
            id=band_id,
            lower=lower,
            inclusive=has_at_least,
            severity=severity,
            hold=hold,
            title=table.text("title"),
            instructions=table.text_list("instructions"),
            needle_gauge=table.optional_int("needle_gauge", 18, 30),
            pressure_minutes=table.optional_int("pressure_minutes", 1, 30),
            source=table.text("source"),
        )
        if bands and not _below(band, bands[-1]):
            raise table.error(key, f"must be below the band before it ({bands[-1].id!r})")
        band = _with_upper_edge(table, band, bands[-1] if bands else None)
        bands.append(band)
    last = bands[-1]
    if not (last.lower == 0 and last.inclusive):
        raise ThresholdError(
            source,
            f"bands[{len(bands) - 1}].at_least",
            "the last band must start at 'at_least = 0' so every count has a band",
        )
    return tuple(bands)


def _with_upper_edge(table: _Table, band: PlateletBand, above: PlateletBand | None) -> PlateletBand:
    """The stated upper edge must meet the band above exactly: ``up_to = 50`` under
    ``above = 50``, ``below = 25`` under ``at_least = 25``. The first band has none."""
    has_up_to, has_below = "up_to" in table.data, "below" in table.data
    if above is None:
        if has_up_to or has_below:
            raise table.error("up_to" if has_up_to else "below", "the first band has no upper edge")
        return band
    want_key = "below" if above.inclusive else "up_to"
    wrong_key = "up_to" if above.inclusive else "below"
    meets = f"'{want_key} = {above.lower:g}'"
    if wrong_key in table.data or want_key not in table.data:
        raise table.error(
            want_key,
            f"give {meets} so this band meets the band above ({above.id!r} starts "
            f"{'at' if above.inclusive else 'above'} {above.lower:g})",
        )
    upper = table.number(want_key, 0, _MAX_COUNT)
    if upper != above.lower:
        raise table.error(
            want_key, f"must be {above.lower:g} to meet the band above ({above.id!r})"
        )
    return replace(band, upper=upper, upper_inclusive=want_key == "up_to")


def _below(band: PlateletBand, above: PlateletBand) -> bool:
    if band.lower < above.lower:
        return True
    # Same number: "above 25" then "at least 25" splits at 25 cleanly.
    return band.lower == above.lower and band.inclusive and not above.inclusive


class _Table:
    """A TOML table with strict, field-naming accessors."""

    def __init__(self, data: Mapping[str, object], source: str, prefix: str) -> None:
        self.data = data
        self.source = source
        self.prefix = prefix

    def error(self, key: str, problem: str) -> ThresholdError:
        return ThresholdError(self.source, self.prefix + key, problem)

    def only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"is not a known field (known: {', '.join(sorted(allowed))})")

    def value(self, key: str) -> object:
        if key not in self.data:
            raise self.error(key, "is missing")
        return self.data[key]

    def table(self, key: str) -> _Table:
        found = self.value(key)
        if not isinstance(found, Mapping):
            raise self.error(key, "must be a table")
        return _Table(found, self.source, f"{self.prefix}{key}.")

    def text(self, key: str) -> str:
        found = self.value(key)
        if not isinstance(found, str) or not found.strip():
            raise self.error(key, "must be non-empty text")
        return found.strip()

    def template(self, key: str, names: set[str]) -> str:
        """Text with {placeholders}; an unknown or misspelt one is refused at load."""
        found = self.text(key)
        try:
            found.format(**{name: "" for name in names})
        except (KeyError, IndexError, ValueError) as error:
            allowed = ", ".join("{" + name + "}" for name in sorted(names))
            raise self.error(key, f"has a bad placeholder ({error}); allowed: {allowed}") from None
        return found

    def text_list(self, key: str) -> tuple[str, ...]:
        found = self.value(key)
        if not isinstance(found, Sequence) or isinstance(found, str) or not found:
            raise self.error(key, "must be a list of text lines (at least one)")
        lines = []
        for index, line in enumerate(found):
            if not isinstance(line, str) or not line.strip():
                raise self.error(f"{key}[{index}]", "must be non-empty text")
            lines.append(" ".join(line.split()))
        return tuple(lines)

    def boolean(self, key: str) -> bool:
        found = self.value(key)
        if not isinstance(found, bool):
            raise self.error(key, "must be true or false")
        return found

    def number(self, key: str, low: float, high: float) -> float:
        found = self.value(key)
        if isinstance(found, bool) or not isinstance(found, int | float):
            raise self.error(key, "must be a number")
        if not low <= found <= high:
            raise self.error(key, f"must be between {low:g} and {high:g}, got {found}")
        return float(found)

    def required_int(self, key: str, low: int, high: int) -> int:
        found = self.optional_int(key, low, high)
        if found is None:
            raise self.error(key, "is missing")
        return found

    def optional_int(self, key: str, low: int, high: int) -> int | None:
        if key not in self.data:
            return None
        found = self.data[key]
        if isinstance(found, bool) or not isinstance(found, int):
            raise self.error(key, "must be a whole number")
        if not low <= found <= high:
            raise self.error(key, f"must be between {low} and {high}, got {found}")
        return found
