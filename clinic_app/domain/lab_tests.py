"""The lab tests the clinic records: unit, plausible range and the names a monitoring plan
uses for them, all read from ``resources/thresholds/lab_tests.toml``.

A plausible range is not a reference range: it refuses what no patient can have (an
extra zero, a missing decimal point) before it moves a platelet band or lifts an INR
hold. The file is checked strictly, like the platelet bands: a typo must not silently
widen a range, and every test the app knows must be in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clinic_app.domain.codes import LabTest

# One strict TOML reader for every threshold file (the platelet bands' own).
from clinic_app.domain.platelet_bands import ThresholdError
from clinic_app.domain.platelet_bands import _Table as Table

_TOP_KEYS = {"version", "source", "tests"}
_TEST_KEYS = {
    "id", "name", "unit", "also_written", "low", "high", "monitoring_names", "source",
}  # fmt: skip
#: No lab value the app records comes near this; a file saying so has a typo.
_MAX_LIMIT = 1_000_000.0


@dataclass(frozen=True, slots=True)
class LabTestRule:
    test: LabTest
    #: How a sentence names the result: "a plausible {name}" ("platelet count").
    name: str
    unit: str
    also_written: tuple[str, ...]
    low: float
    high: float
    monitoring_names: tuple[str, ...]
    source: str

    @property
    def range_text(self) -> str:
        """ "0-2000 x10^9/L", "0.5-15"."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.low:g}-{self.high:g}{unit}"

    def plausible(self, value: float) -> bool:
        return self.low <= value <= self.high

    def canonical_unit(self, written: str) -> str | None:
        """The stored unit for what was typed ("" means the usual one); None: another unit."""
        typed = "".join(written.split()).casefold()
        if not typed:
            return self.unit
        spellings = (self.unit, *self.also_written)
        if any(typed == "".join(s.split()).casefold() for s in spellings):
            return self.unit
        return None


@dataclass(frozen=True, slots=True)
class LabTestRules:
    version: str
    source: str
    tests: Mapping[LabTest, LabTestRule]
    origin: str = ""

    def rule(self, test: LabTest) -> LabTestRule:
        return self.tests[test]

    def tests_for(self, monitoring_name: str) -> frozenset[LabTest]:
        """The results that count towards a blood test due as ``monitoring_name`` ("FBC")."""
        wanted = monitoring_name.strip().casefold()
        return frozenset(
            rule.test
            for rule in self.tests.values()
            if any(wanted == name.casefold() for name in rule.monitoring_names)
        )


def parse_lab_test_rules(data: Mapping[str, object], source: str) -> LabTestRules:
    """Check a decoded ``lab_tests.toml``; raise ThresholdError on the first problem."""
    top = Table(data, source, "")
    top.only(_TOP_KEYS)
    raw = top.value("tests")
    if not isinstance(raw, list) or not raw:
        raise top.error("tests", "must be a list of [[tests]] tables (at least one)")
    tests: dict[LabTest, LabTestRule] = {}
    for index, item in enumerate(raw):
        path = f"tests[{index}]"
        if not isinstance(item, Mapping):
            raise ThresholdError(source, path, "must be a table")
        table = Table(item, source, path + ".")
        table.only(_TEST_KEYS)
        test_id = table.text("id")
        try:
            test = LabTest(test_id)
        except ValueError:
            known = ", ".join(t.value for t in LabTest)
            raise table.error("id", f"{test_id!r} is not a test the app knows ({known})") from None
        if test in tests:
            raise table.error("id", f"{test_id!r} is listed twice")
        unit = item.get("unit", None)
        if not isinstance(unit, str):
            raise table.error("unit", "must be text (empty for a ratio such as the INR)")
        low = table.number("low", -_MAX_LIMIT, _MAX_LIMIT)
        high = table.number("high", -_MAX_LIMIT, _MAX_LIMIT)
        if not low < high:
            raise table.error("high", f"must be above low ({low:g}), got {high:g}")
        also = table.text_list("also_written") if "also_written" in item else ()
        tests[test] = LabTestRule(
            test=test,
            name=table.text("name"),
            unit=unit.strip(),
            also_written=also,
            low=low,
            high=high,
            monitoring_names=table.text_list("monitoring_names"),
            source=table.text("source"),
        )
    missing = [t.value for t in LabTest if t not in tests]
    if missing:
        raise ThresholdError(source, "tests", f"has no entry for {', '.join(missing)}")
    return LabTestRules(
        version=top.text("version"),
        source=" ".join(top.text("source").split()),
        tests=tests,
        origin=source,
    )
