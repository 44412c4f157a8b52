"""A small line chart of one test's valid results over time, with its thresholds.

Platelets change with treatment, so the trend matters as much as the latest count: the
chart draws the band edges (50, 25, 10 x10^9/L) as dashed reference lines, and the
INR chart the patient's target range or the clinic's ceiling. Entries marked entered
in error are not drawn: they are not results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDate, QDateTime, QMargins, Qt, QTime
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from clinic_app.services.queries.lab_results import ReferenceLine

_LINE = QColor("#1f5fa8")
_REFERENCE = QColor("#b7791f")


def _moment(day: dt.date, hour: int = 12, minute: int = 0) -> QDateTime:
    return QDateTime(QDate(day.year, day.month, day.day), QTime(hour, minute))


def _msecs(day: dt.date) -> float:
    return float(_moment(day).toMSecsSinceEpoch())


class LabTrendChart(QChartView):
    """``show_trend(points, lines, title)``; ``points`` oldest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labTrendChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(180)
        chart = QChart()
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        self.setChart(chart)
        #: The points on screen (for tests and for a screen reader's summary).
        self.points: tuple[tuple[dt.date, float], ...] = ()
        self.reference_values: tuple[float, ...] = ()

    def show_trend(
        self,
        points: Sequence[tuple[dt.date, float]],
        lines: Sequence[ReferenceLine] = (),
        title: str = "",
    ) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self.points = tuple(points)
        chart.setTitle(title)
        if not points:
            self.reference_values = ()
            chart.setTitle(f"{title}: no results yet" if title else "No results yet")
            return
        series = QLineSeries()
        series.setName(title)
        series.setPointsVisible(True)
        series.setPen(QPen(_LINE, 2))
        for day, value in points:
            series.append(_msecs(day), value)
        chart.addSeries(series)
        first, last = points[0][0], points[-1][0]
        if first == last:  # one result: give the axis a week either side
            first, last = first - dt.timedelta(days=7), last + dt.timedelta(days=7)
        x_axis = QDateTimeAxis()
        x_axis.setFormat("dd/MM/yy")
        x_axis.setTickCount(min(6, max(2, len(points))))
        x_axis.setRange(_moment(first, 0), _moment(last, 23, 59))
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x_axis)
        values = [value for _day, value in points]
        top = max(values)
        shown = [line for line in lines if line.value <= max(top * 1.5, top + 10)]
        self.reference_values = tuple(line.value for line in shown)
        if shown:
            labels = ", ".join(line.label for line in shown)
            chart.setTitle(f"{title} · dashed lines at {labels}")
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%g")
        low = min([*values, *self.reference_values])
        high = max([*values, *self.reference_values])
        pad = max((high - low) * 0.1, 1.0 if high > 5 else 0.2)
        y_axis.setRange(max(0.0, low - pad), high + pad)
        y_axis.applyNiceNumbers()
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y_axis)
        pen = QPen(_REFERENCE, 1, Qt.PenStyle.DashLine)
        for line in shown:
            reference = QLineSeries()
            reference.setName(line.label)
            reference.setPen(pen)
            reference.append(_msecs(first - dt.timedelta(days=1)), line.value)
            reference.append(_msecs(last + dt.timedelta(days=1)), line.value)
            chart.addSeries(reference)
            reference.attachAxis(x_axis)
            reference.attachAxis(y_axis)
