"""Where and how the injection goes in: route, site and side, needle and pressure.

The site rotation's suggestion is preselected and the last site named beside it;
the dorsogluteal site is offered but asks for a reason (the sciatic nerve), and only
then is the reason field shown.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from clinic_app.domain.administration_checks import default_pressure_minutes
from clinic_app.domain.codes import Route, Side, Site
from clinic_app.domain.date_text import format_date
from clinic_app.domain.recording_rules import MAX_PRESSURE_MINUTES, NEEDLE_GAUGES
from clinic_app.domain.site_rotation import AVOIDED_SITES, PREFERRED_SITES, SiteChoice
from clinic_app.services.queries.recording import AdministrationContext
from clinic_app.ui.form_section import FormSection


class InjectionSection(FormSection):
    def __init__(self, context: AdministrationContext, parent: QWidget | None = None) -> None:
        super().__init__("Injection", parent)
        routes = context.target.template_routes
        self.route_combo = QComboBox()
        self.route_combo.setObjectName("routeCombo")
        for route in Route:
            allowed = route.value in routes
            label = route.label if allowed else f"{route.label}: prescriber decision needed"
            self.route_combo.addItem(label, route.value)
        self.route_combo.setCurrentIndex(
            self.route_combo.findData("IM" if "IM" in routes else routes[0])
        )
        self.site_combo = QComboBox()
        self.site_combo.setObjectName("siteCombo")
        for site in PREFERRED_SITES:
            self.site_combo.addItem(site.label, site.value)
        for site in sorted(AVOIDED_SITES):
            self.site_combo.addItem(f"{site.label}: avoid, reason needed", site.value)
        self.side_combo = QComboBox()
        self.side_combo.setObjectName("sideCombo")
        for side in Side:
            self.side_combo.addItem(side.label, side.value)
        suggested = context.suggested_site
        self.site_combo.setCurrentIndex(self.site_combo.findData(suggested.site.value))
        self.side_combo.setCurrentIndex(self.side_combo.findData(suggested.side.value))
        last = context.last_site
        last_text = (
            f"Last time: {last.label()}"
            + (f" on {format_date(context.last_site_on)}" if context.last_site_on else "")
            if last
            else "No earlier site recorded"
        )
        hint = QLabel(f"Suggested: {suggested.label()} · {last_text}")
        hint.setObjectName("siteHint")
        hint.setStyleSheet("color: #52606d;")
        hint.setWordWrap(True)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("siteReason")
        self.reason_edit.setPlaceholderText("Why the dorsogluteal site (upper outer quadrant only)")
        self.gauge_spin = QSpinBox()
        self.gauge_spin.setObjectName("needleGauge")
        self.gauge_spin.setRange(NEEDLE_GAUGES.start, NEEDLE_GAUGES.stop - 1)
        self.gauge_spin.setSuffix(" G")
        self.gauge_spin.setValue(context.platelets.needle_gauge or 23)
        self.pressure_spin = QSpinBox()
        self.pressure_spin.setObjectName("pressureMinutes")
        self.pressure_spin.setRange(0, MAX_PRESSURE_MINUTES)
        self.pressure_spin.setSpecialValueText("none")
        self.pressure_spin.setSuffix(" min")
        self.pressure_spin.setValue(default_pressure_minutes(context.facts) or 0)

        self.given_at_edit = QTimeEdit()
        self.given_at_edit.setObjectName("givenAt")
        self.given_at_edit.setDisplayFormat("HH:mm")
        self.given_at_edit.setAccessibleName("Time given")
        self.given_at_edit.setMaximumWidth(110)
        self.given_at_edit.setToolTip(
            "Now, unless you are recording a dose given earlier today: correct the time."
        )
        now = dt.datetime.now().time()
        self.given_at_edit.setTime(QTime(now.hour, now.minute))
        self._given_at_default = self.given_at_edit.time()

        site_row = QWidget()
        sites = QHBoxLayout(site_row)
        sites.setContentsMargins(0, 0, 0, 0)
        sites.addWidget(self.site_combo, 2)
        sites.addWidget(self.side_combo, 1)
        technique = QWidget()
        needles = QHBoxLayout(technique)
        needles.setContentsMargins(0, 0, 0, 0)
        needles.addWidget(self.field_row("needle_gauge", self.gauge_spin))
        needles.addWidget(QLabel("Pressure"))
        needles.addWidget(self.field_row("pressure_minutes", self.pressure_spin))
        form = QFormLayout(self)
        form.addRow("Time given", self.field_row("given_at", self.given_at_edit))
        form.addRow("Route", self.field_row("route", self.route_combo))
        form.addRow("Site", self.field_row("site", site_row, hint))
        self._reason_row = self.field_row("site_reason", self.reason_edit)
        form.addRow("Reason", self._reason_row)
        self._reason_label = form.labelForField(self._reason_row)
        form.addRow("Needle", technique)
        self._show_reason()

        self.given_at_edit.timeChanged.connect(lambda _t: self.edited.emit("given_at"))
        self.route_combo.currentIndexChanged.connect(lambda _i: self.edited.emit("route"))
        self.site_combo.currentIndexChanged.connect(lambda _i: self._site_changed())
        self.side_combo.currentIndexChanged.connect(lambda _i: self.edited.emit("side"))
        self.reason_edit.textEdited.connect(lambda _t: self.edited.emit("site_reason"))
        self.gauge_spin.valueChanged.connect(lambda _v: self.edited.emit("needle_gauge"))
        self.pressure_spin.valueChanged.connect(lambda _v: self.edited.emit("pressure_minutes"))

    # -- what the nurse chose ---------------------------------------------------------
    def given_at(self) -> dt.time | None:
        """None (now, as saved) unless the nurse changed the time shown."""
        chosen = self.given_at_edit.time()
        if chosen == self._given_at_default:
            return None
        return dt.time(chosen.hour(), chosen.minute())

    def route(self) -> str:
        return str(self.route_combo.currentData() or "")

    def site(self) -> str | None:
        return str(self.site_combo.currentData() or "") or None

    def side(self) -> str | None:
        return str(self.side_combo.currentData() or "") or None

    def site_choice(self) -> SiteChoice | None:
        site, side = self.site(), self.side()
        return SiteChoice(Site(site), Side(side)) if site and side else None

    def site_reason(self) -> str:
        return self.reason_edit.text()

    def needle_gauge(self) -> int:
        return self.gauge_spin.value()

    def pressure_minutes(self) -> int | None:
        return self.pressure_spin.value() or None

    # -- internals --------------------------------------------------------------------

    def _site_changed(self) -> None:
        self._show_reason()
        self.edited.emit("site")

    def _show_reason(self) -> None:
        dorsogluteal = self.site() == Site.DORSOGLUTEAL.value
        self._reason_row.setVisible(dorsogluteal)
        if self._reason_label is not None:
            self._reason_label.setVisible(dorsogluteal)
