"""Plan the loading doses still owed, and the reviews of an open-ended loading phase.

Every loading kind is a list of steps (see ``LoadingPattern``), so one rule covers
them all: each dose is planned on the first open day that keeps the step's spacing
(at least ``every_days`` after the previous dose and, for "N times a week", never
more than N in any 7 consecutive days). Because the spacing rules only ever push a
dose later, a loading dose never moves earlier; a missed dose is re-planned from the
re-planning day with the full count kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.protocol import LoadingStep, Protocol
from clinic_app.domain.schedule_dates import add_interval, place_nearest
from clinic_app.domain.schedule_types import PlannedDose, new_row

#: How far ahead review appointments are listed while loading is open-ended.
REVIEW_LOOKAHEAD_DAYS = 56


@dataclass(frozen=True, slots=True)
class LoadingOutcome:
    doses: list[PlannedDose]
    reviews: list[PlannedDose]
    #: Loading is open-ended and no clinician has ended it: no maintenance yet.
    awaiting_review: bool
    #: The last loading dose, given or planned (None if there is none).
    last_day: int | None


class _Planner:
    """The loading doses so far (given, then planned), and how to add the next."""

    def __init__(
        self,
        protocol: Protocol,
        given: list[int],
        replan: int,
        calendar: ClinicCalendar,
        until: int | None,
        reviews_held: int = 0,
    ) -> None:
        self.protocol = protocol
        self.reviews_held = reviews_held
        self.until = until
        self.history = list(given)
        self.replan = replan
        self.calendar = calendar
        self.late = protocol.windows.loading.late_days
        self.rows: list[PlannedDose] = []
        #: Reviews before a conditional step (``LoadingStep.review_before``).
        self.step_reviews: list[PlannedDose] = []
        self.number = len(given) + 1

    def ideal_next(self, step: LoadingStep, step_first: int) -> int:
        """The first day the spacing rules allow: never before the re-planning day."""
        history = self.history
        ideal = max(history[-1] + step.every_days, self.replan) if history else self.replan
        if step.per_week is not None and len(history) - step_first >= step.per_week:
            ideal = max(ideal, history[-step.per_week] + 7)
        return ideal

    def fits(self, ideal: int) -> bool:
        """False once a dose would fall after the day loading was recorded as ending."""
        return self.until is None or self.calendar.next_open_ordinal(ideal) <= self.until

    def add(self, step: LoadingStep, ideal: int) -> None:
        day = self.calendar.next_open_ordinal(ideal)
        latest = ideal + self.late
        dose = step.dose or self.protocol.dose
        self.rows.append(
            new_row(
                self.number,
                "loading",
                day=day,
                earliest=ideal,
                latest=latest,
                moved=day > latest,
                dose=dose,
            )
        )
        self.number += 1
        self.history.append(day)

    def review_before(self, number: int) -> None:
        """A clinician review on the day of the dose just added, before it is given."""
        dose = self.rows[-1]
        day = dose.date.toordinal()
        self.step_reviews.append(
            new_row(number, "review", day=day, earliest=day, latest=day, moved=False, dose=None)
        )


def plan_loading(
    protocol: Protocol,
    start: int,
    given: list[int],
    replan: int,
    calendar: ClinicCalendar,
    until: int | None = None,
    reviews_held: int = 0,
) -> LoadingOutcome:
    """Plan the loading doses after the ``given`` ones (all of which were loading doses).

    ``until`` is the last day a loading dose may fall on, when a clinician has recorded
    (ahead of time) the day loading ends; the plan then holds no reviews.
    ``reviews_held`` is the number of the last review at which a clinician recorded a
    decision: passed reviews after it are listed as overdue.
    """
    steps = protocol.loading.steps
    planner = _Planner(protocol, given, replan, calendar, until, reviews_held)
    step_index, into_step = _position(protocol, len(given))
    while step_index < len(steps) and steps[step_index].count is not None:
        step = steps[step_index]
        step_first = len(planner.history) - into_step
        for position in range(into_step, step.count or 0):
            ideal = planner.ideal_next(step, step_first)
            if not planner.fits(ideal):
                return _finished(planner)
            planner.add(step, ideal)
            if position == 0 and step.review_before:
                planner.review_before(_reviews_before(steps, step_index))
        step_index += 1
        into_step = 0
    if step_index == len(steps):
        return _finished(planner)
    step_first = len(planner.history) - into_step
    if until is not None:
        step = steps[-1]
        while planner.fits(ideal := planner.ideal_next(step, step_first)):
            planner.add(step, ideal)
        return _finished(planner)
    return _plan_open_ended(planner, start, step_first)


def _finished(planner: _Planner) -> LoadingOutcome:
    last = planner.history[-1] if planner.history else None
    return LoadingOutcome(planner.rows, planner.step_reviews, awaiting_review=False, last_day=last)


def _reviews_before(steps: tuple[LoadingStep, ...], index: int) -> int:
    """The review's number: how many conditional steps come up to and with this one."""
    return sum(1 for step in steps[: index + 1] if step.review_before)


def _position(protocol: Protocol, done: int) -> tuple[int, int]:
    """Which step the next dose belongs to, and how many of that step are done."""
    steps = protocol.loading.steps
    index = 0
    while index < len(steps):
        count = steps[index].count
        if count is None or done < count:
            return index, done
        done -= count
        index += 1
    return index, 0


def _plan_open_ended(planner: _Planner, start: int, step_first: int) -> LoadingOutcome:
    """Doses up to the first review on or after the next open-ended dose, plus reviews.

    Planning further would book appointments a review may cancel; planning less could
    leave a patient with no next dose. Reviews run every ``review_every`` from the
    course start and are listed ``REVIEW_LOOKAHEAD_DAYS`` ahead.
    """
    protocol = planner.protocol
    step = protocol.loading.steps[-1]
    first = planner.calendar.next_open_ordinal(planner.ideal_next(step, step_first))
    must_reach = max(planner.replan + 1, first)
    reviews = _reviews(
        protocol, start, planner.replan, planner.calendar, must_reach, planner.reviews_held
    )
    limit = next(
        review.date
        for review in reviews
        if not review.overdue and review.date.toordinal() >= must_reach
    )
    limit_day = limit.toordinal()
    while True:
        planner.add(step, planner.ideal_next(step, step_first))
        ideal = planner.ideal_next(step, step_first)
        if planner.calendar.next_open_ordinal(ideal) > limit_day:
            break
    last = planner.history[-1]
    return LoadingOutcome(planner.rows, reviews, awaiting_review=True, last_day=last)


def _reviews(
    protocol: Protocol,
    start: int,
    replan: int,
    calendar: ClinicCalendar,
    must_reach: int,
    reviews_held: int = 0,
) -> list[PlannedDose]:
    """Reviews through the lookahead and at least ``must_reach``, counted from the start.

    Reviews keep their spacing: each comes ``review_every`` after the one before it as
    planned, never closer than half of that; when a closure leaves no open day in a
    review's window it goes to the nearest open day before it within the review's early
    limit, else after it (flagged), and the ones after it count from its new day.

    A review whose window closed before the re-planning day with no decision recorded
    (its number above ``reviews_held``) stays in the plan flagged ``overdue``: loading
    that should have been looked at is never rolled on silently.
    """
    review_every = protocol.loading.review_every
    if review_every is None:  # the parser requires it; guard hand-built protocols
        raise ValueError(f"protocol {protocol.id}: open-ended loading needs review_every")
    window = protocol.windows.review
    early, late, limit = window.early_days, window.late_days, window.early_limit
    until = replan + REVIEW_LOOKAHEAD_DAYS
    reviews: list[PlannedDose] = []
    anchor, times, number = start, 1, 0
    previous: int | None = None
    reached = False
    while True:
        ideal = add_interval(anchor, review_every, times)
        spacing = ideal - add_interval(anchor, review_every, times - 1)
        number += 1
        low = start + 1 if previous is None else previous + (spacing + 1) // 2
        earliest = max(ideal - early, low)
        latest = max(ideal + late, earliest)
        floor = max(ideal - limit, low)
        day, moved = place_nearest(calendar, ideal, earliest, latest, floor)
        if day < replan <= latest:  # its window is still open: from the re-planning day
            earliest, floor = max(earliest, replan), max(floor, replan)
            day, moved = place_nearest(calendar, ideal, earliest, latest, floor)
        elif earliest < replan <= latest:  # nothing is offered before the re-planning day
            earliest = replan
        if day < replan:
            # Its window has passed: overdue unless a decision was recorded there or later.
            if number > reviews_held:
                row = new_row(
                    number,
                    "review",
                    day=day,
                    earliest=earliest,
                    latest=latest,
                    moved=moved,
                    dose=None,
                    overdue=True,
                )
                reviews.append(row)
        else:
            if day > until and reached:
                return reviews
            reviews.append(
                new_row(
                    number,
                    "review",
                    day=day,
                    earliest=earliest,
                    latest=latest,
                    moved=moved,
                    dose=None,
                )
            )
            reached = reached or day >= must_reach
        previous = day
        if moved:
            anchor, times = day, 1
        else:
            times += 1
