"""A patient's lab results as the Results tab shows them: every entry (a corrected one
marked, never hidden from the history), the latest valid value of each test beside the
band it falls in, and the monitoring blood tests that are due or overdue.

Only results with status ``final`` count for anything: a result marked entered-in-error
stays in the history, struck out, and no check, band or monitoring step reads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_app.domain.codes import (
    AnticoagulantClass,
    AppointmentStatus,
    LabResultStatus,
    LabTest,
    Phase,
)
from clinic_app.domain.errors import NotFound, UserError
from clinic_app.domain.lab_tests import LabTestRules
from clinic_app.domain.platelet_bands import PlateletRules, ThresholdError, assess_platelets
from clinic_app.persistence.models import Appointment, LabResult, Patient, User
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.library.thresholds import lab_test_rules, platelet_rules

#: Only these count: the checks, the bands, the trend and the monitoring read them.
VALID = LabResult.status == LabResultStatus.FINAL
#: Monitoring appointments a result can still complete.
OPEN_MONITORING = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


@dataclass(frozen=True)
class LabRecord:
    """One entry in the results record, as entered; ``in_error`` entries are kept."""

    id: int
    patient_id: int
    test: LabTest
    value: float
    unit: str
    taken_on: dt.date
    source: str = ""
    status: LabResultStatus = LabResultStatus.FINAL
    recorded_by: str = ""
    recorded_at: dt.datetime | None = None
    note: str = ""
    error_reason: str = ""
    error_marked_by: str = ""
    error_marked_at: dt.datetime | None = None
    corrected_by_id: int | None = None
    version: int = 1

    @property
    def in_error(self) -> bool:
        return self.status is LabResultStatus.ENTERED_IN_ERROR

    @property
    def value_text(self) -> str:
        """ "38 x10^9/L", "2.4" (an INR has no unit)."""
        return f"{self.value:g} {self.unit}".strip()


@dataclass(frozen=True)
class LatestResult:
    """The latest valid value of one test and what it means."""

    test: LabTest
    value: float
    unit: str
    taken_on: dt.date
    #: "25-50: Low platelets: small needle and firm pressure", "within target 2-3".
    band: str
    #: "info", "warn" or "hold": how the tab colours it.
    severity: str
    #: Stale count, above the INR ceiling...: said in words beside the band.
    warnings: tuple[str, ...] = ()

    @property
    def value_text(self) -> str:
        return f"{self.value:g} {self.unit}".strip()


@dataclass(frozen=True)
class MonitoringTest:
    """One blood test of a monitoring appointment, and the result that did it, if any."""

    name: str
    done_on: dt.date | None
    #: The results that count for it ("FBC": platelets, Hb or MCV); none when no test the
    #: app records does (a template's own word): it cannot be completed here.
    counted_by: tuple[LabTest, ...] = ()

    @property
    def recordable(self) -> bool:
        return bool(self.counted_by)

    @property
    def done(self) -> bool:
        return self.done_on is not None


@dataclass(frozen=True)
class MonitoringBloods:
    """A monitoring appointment whose window has opened and that no result has completed."""

    appointment_id: int
    course_id: int | None
    planned_date: dt.date
    window_earliest: dt.date
    window_latest: dt.date
    status: AppointmentStatus
    tests: tuple[MonitoringTest, ...]
    overdue: bool

    @property
    def progress(self) -> str:
        """ "1 of 3 done (FBC)"; "none done yet"."""
        done = [test.name for test in self.tests if test.done]
        if not done:
            return "none done yet"
        return f"{len(done)} of {len(self.tests)} done ({', '.join(done)})"

    @property
    def outstanding(self) -> tuple[str, ...]:
        return tuple(test.name for test in self.tests if not test.done)

    @property
    def next_test(self) -> LabTest | None:
        """The result to enter first: one that counts for the first test not done."""
        return next((t.counted_by[0] for t in self.tests if not t.done and t.counted_by), None)


@dataclass(frozen=True)
class LabTestChoice:
    """A test as the entry form offers it: its name, its unit and what is plausible."""

    test: LabTest
    label: str
    unit: str
    range_text: str


@dataclass(frozen=True)
class ReferenceLine:
    """A threshold drawn across a trend chart: a platelet band edge, an INR target."""

    value: float
    label: str


@dataclass(frozen=True)
class ResultsOverview:
    patient_id: int
    #: Every entry, newest sample first (entered-in-error ones included, marked).
    history: tuple[LabRecord, ...]
    #: The latest valid value of each test that has one, in the data file's order.
    latest: tuple[LatestResult, ...]
    monitoring: tuple[MonitoringBloods, ...]
    choices: tuple[LabTestChoice, ...] = ()
    #: Lines for the trend chart of a test (the platelet bands' edges, the INR ceiling).
    reference_lines: tuple[tuple[LabTest, tuple[ReferenceLine, ...]], ...] = ()

    def lines_for(self, test: LabTest) -> tuple[ReferenceLine, ...]:
        return next((lines for t, lines in self.reference_lines if t is test), ())

    def history_of(self, test: LabTest) -> tuple[LabRecord, ...]:
        return tuple(row for row in self.history if row.test is test)

    def trend(self, test: LabTest) -> tuple[tuple[dt.date, float], ...]:
        """The valid values of one test, oldest first, for the chart."""
        rows = reversed(self.history_of(test))
        return tuple((row.taken_on, row.value) for row in rows if not row.in_error)

    def latest_of(self, test: LabTest) -> LatestResult | None:
        return next((row for row in self.latest if row.test is test), None)


# -- public ---------------------------------------------------------------------------


def results_overview(uow: UnitOfWork, patient_id: int, *, today: dt.date) -> ResultsOverview:
    """Everything the Results tab shows for one patient, read in one transaction."""
    rules = checked_rules()
    bands = _platelet_rules()
    with uow.read() as session:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise NotFound(f"No patient with id {patient_id}: they may have been removed.")
        history = results_history(session, patient_id)
        return ResultsOverview(
            patient_id=patient_id,
            history=history,
            latest=_latest(session, patient, history, today, rules, bands),
            monitoring=monitoring_due(session, patient_id, today, rules),
            choices=choices_from(rules),
            reference_lines=(
                (LabTest.PLATELETS, _band_lines(bands)),
                (LabTest.INR, _inr_lines(patient, read_settings(session).inr_ceiling)),
            ),
        )


def lab_test_choices() -> tuple[LabTestChoice, ...]:
    """The tests the entry form offers (no database: the clinic's lab tests file)."""
    return choices_from(checked_rules())


def choices_from(rules: LabTestRules) -> tuple[LabTestChoice, ...]:
    return tuple(
        LabTestChoice(rule.test, rule.test.label, rule.unit, rule.range_text)
        for rule in rules.tests.values()
    )


def results_history(
    session: Session, patient_id: int, test: LabTest | None = None
) -> tuple[LabRecord, ...]:
    """A patient's results (of one test, or all), newest sample first, errors included."""
    recorder = User.__table__.alias("recorder")
    marker = User.__table__.alias("marker")
    statement = (
        select(LabResult, recorder.c.display_name, marker.c.display_name)
        .outerjoin(recorder, recorder.c.id == LabResult.recorded_by)
        .outerjoin(marker, marker.c.id == LabResult.error_marked_by)
        .where(LabResult.patient_id == patient_id)
        .order_by(LabResult.taken_on.desc(), LabResult.recorded_at.desc(), LabResult.id.desc())
    )
    if test is not None:
        statement = statement.where(LabResult.test == test)
    return tuple(
        as_record(row, recorded_by or "", marked_by or "")
        for row, recorded_by, marked_by in session.execute(statement)
    )


def monitoring_due(
    session: Session, patient_id: int, today: dt.date, rules: LabTestRules
) -> tuple[MonitoringBloods, ...]:
    """Monitoring appointments whose window has opened and that are not yet complete."""
    rows = session.scalars(
        select(Appointment)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.phase == Phase.MONITORING,
            Appointment.status.in_(OPEN_MONITORING),
            Appointment.window_earliest <= today,
        )
        .order_by(Appointment.planned_date, Appointment.id)
    ).all()
    if not rows:
        return ()
    taken = _valid_dates(session, patient_id)
    return tuple(
        MonitoringBloods(
            appointment_id=row.id,
            course_id=row.course_id,
            planned_date=row.planned_date,
            window_earliest=row.window_earliest,
            window_latest=row.window_latest,
            status=row.status,
            tests=monitoring_progress(row.tests_due, row.window_earliest, taken, rules),
            overdue=row.window_latest < today,
        )
        for row in rows
    )


def monitoring_progress(
    tests_due: str,
    window_earliest: dt.date,
    taken: dict[LabTest, list[dt.date]],
    rules: LabTestRules,
) -> tuple[MonitoringTest, ...]:
    """Each test due and the first valid sample taken for it since the window opened."""
    progress = []
    for name in (part.strip() for part in tests_due.split(",")):
        if not name:
            continue
        counts = rules.tests_for(name)
        dates = sorted(d for test in counts for d in taken.get(test, ()) if d >= window_earliest)
        order = tuple(test for test in rules.tests if test in counts)
        progress.append(MonitoringTest(name, dates[0] if dates else None, order))
    return tuple(progress)


def monitoring_tests_for(tests_due: str, rules: LabTestRules) -> frozenset[LabTest]:
    """Which results count towards a monitoring appointment (for the entry form's combo)."""
    return frozenset(
        test for name in tests_due.split(",") if name.strip() for test in rules.tests_for(name)
    )


def as_record(row: LabResult, recorded_by: str = "", marked_by: str = "") -> LabRecord:
    return LabRecord(
        id=row.id,
        patient_id=row.patient_id,
        test=row.test,
        value=row.value,
        unit=row.unit,
        taken_on=row.taken_on,
        source=row.source,
        status=row.status,
        recorded_by=recorded_by,
        recorded_at=row.recorded_at,
        note=row.note,
        error_reason=row.error_reason,
        error_marked_by=marked_by,
        error_marked_at=row.error_marked_at,
        corrected_by_id=row.corrected_by_id,
        version=row.version,
    )


def checked_rules() -> LabTestRules:
    """The lab test file is a safety control: with a broken file no result is recorded."""
    try:
        return lab_test_rules()
    except ThresholdError as error:
        raise UserError(
            f"The clinic's lab test file cannot be used ({error}). No result can be recorded "
            "until it is fixed: ask the practice manager."
        ) from error


# -- internals ------------------------------------------------------------------------


def _valid_dates(session: Session, patient_id: int) -> dict[LabTest, list[dt.date]]:
    taken: dict[LabTest, list[dt.date]] = {}
    for test, day in session.execute(
        select(LabResult.test, LabResult.taken_on).where(LabResult.patient_id == patient_id, VALID)
    ):
        taken.setdefault(test, []).append(day)
    return taken


def _platelet_rules() -> PlateletRules:
    try:
        return platelet_rules()
    except ThresholdError as error:
        raise UserError(
            f"The clinic's platelet threshold file cannot be used ({error}): ask the practice "
            "manager."
        ) from error


def _latest(
    session: Session,
    patient: Patient,
    history: Sequence[LabRecord],
    today: dt.date,
    rules: LabTestRules,
    bands: PlateletRules,
) -> tuple[LatestResult, ...]:
    valid = [row for row in history if not row.in_error]  # newest first already
    newest: dict[LabTest, LabRecord] = {}
    for entry in valid:
        newest.setdefault(entry.test, entry)
    settings = read_settings(session)
    found = []
    for test in rules.tests:
        row = newest.get(test)
        if row is None:
            continue
        if test is LabTest.PLATELETS:
            ever_low = any(bands.is_low(r.value) for r in valid if r.test is LabTest.PLATELETS)
            assessment = assess_platelets(
                (row.value, row.taken_on), ever_low, today, settings.platelet_stale_days, bands
            )
            found.append(
                LatestResult(
                    test,
                    row.value,
                    row.unit,
                    row.taken_on,
                    f"{assessment.range_text}: {assessment.title}",
                    assessment.severity,
                    assessment.warnings,
                )
            )
        elif test is LabTest.INR:
            found.append(_inr(patient, row, today, settings.inr_ceiling))
        else:
            found.append(LatestResult(test, row.value, row.unit, row.taken_on, "", "info"))
    return tuple(found)


def _inr(patient: Patient, row: LabRecord, today: dt.date, clinic_ceiling: float) -> LatestResult:
    """Against the patient's target range when one is set, else the clinic's ceiling."""
    low, high = patient.inr_target_low, patient.inr_target_high
    ceiling = high if high is not None else clinic_ceiling
    age = (today - row.taken_on).days
    warnings: list[str] = []
    if patient.anticoagulant and patient.anticoagulant_class not in (
        None,
        AnticoagulantClass.VKA,
    ):
        band, severity = "not used for this anticoagulant (the INR does not measure it)", "info"
    elif row.value > ceiling:
        where = "the target range" if high is not None else "the clinic's ceiling"
        band, severity = f"above {where} ({_target(low, ceiling)})", "hold"
    elif low is not None and row.value < low:
        band, severity = f"below the target range ({_target(low, ceiling)})", "warn"
    elif low is not None:
        band, severity = f"within the target range ({_target(low, ceiling)})", "info"
    else:
        band, severity = f"not above the clinic's ceiling ({ceiling:g})", "info"
    if age > 0:
        warnings.append(f"{age} day{'s' if age != 1 else ''} old")
    return LatestResult(
        LabTest.INR, row.value, row.unit, row.taken_on, band, severity, tuple(warnings)
    )


def _band_lines(bands: PlateletRules) -> tuple[ReferenceLine, ...]:
    return tuple(
        ReferenceLine(band.lower, f"{band.lower:g}") for band in bands.bands if band.lower > 0
    )


def _inr_lines(patient: Patient, clinic_ceiling: float) -> tuple[ReferenceLine, ...]:
    if patient.inr_target_high is None:
        return (ReferenceLine(clinic_ceiling, f"ceiling {clinic_ceiling:g}"),)
    lines = [ReferenceLine(patient.inr_target_high, f"target {patient.inr_target_high:g}")]
    if patient.inr_target_low is not None:
        lines.append(ReferenceLine(patient.inr_target_low, f"target {patient.inr_target_low:g}"))
    return tuple(lines)


def _target(low: float | None, high: float) -> str:
    return f"{low:g}-{high:g}" if low is not None else f"up to {high:g}"
