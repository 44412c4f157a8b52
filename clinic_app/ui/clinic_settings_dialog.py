"""Clinic settings: one form for every clinic-wide setting, each with its help text.

Every field is checked together before anything is written, so a bad value never
leaves the clinic half-configured; then each changed field goes through
``change_setting``, which keeps its own audit row (who changed what, from what).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.actor import Actor
from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES
from clinic_app.domain.clinic_settings import SETTING_HELP, ClinicSettings, validate_settings
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.settings import change_setting
from clinic_app.services.queries.settings import load_settings
from clinic_app.ui.field_row import field_with_error, hint_label

#: Settings that decide which days are open: changing them re-plans every course.
CALENDAR_SETTINGS = frozenset({"country", "subdivision", "open_days"})
LABELS = {
    "country": "Country",
    "subdivision": "Region",
    "open_days": "Open days",
    "plan_horizon_months": "Plan ahead",
    "booking_horizon_weeks": "Keep booked ahead",
    "expiry_warning_days": "Expiry warning",
    "platelet_stale_days": "Platelet count stale after",
    "inr_ceiling": "INR ceiling",
    "low_stock_threshold": "Low stock at",
}
_SPINS = {
    "plan_horizon_months": (" months", 600),
    "booking_horizon_weeks": (" weeks", 520),
    "expiry_warning_days": (" days", 3650),
    "platelet_stale_days": (" days", 3650),
    "low_stock_threshold": (" doses", 100_000),
}


class ClinicSettingsDialog(QDialog):
    #: Emitted after a save with the names of the settings that changed.
    saved = Signal(object)

    def __init__(self, uow: UnitOfWork, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clinic settings")
        self.setMinimumWidth(560)
        self._uow = uow
        self._actor = actor
        self._stored = load_settings(uow)
        self.errors: dict[str, QLabel] = {}

        self.country = QLineEdit(self._stored.country)
        self.country.setObjectName("country")
        self.country.setMaxLength(3)
        self.subdivision = QLineEdit(self._stored.subdivision)
        self.subdivision.setObjectName("subdivision")
        self.subdivision.setMaxLength(10)
        self.open_days: dict[str, QCheckBox] = {}
        days = QWidget()
        days_row = QHBoxLayout(days)
        days_row.setContentsMargins(0, 0, 0, 0)
        for name in WEEKDAY_NAMES:
            box = QCheckBox(name.capitalize())
            box.setObjectName(f"open_{name}")
            box.setChecked(name in self._stored.open_days)
            self.open_days[name] = box
            days_row.addWidget(box)
        days_row.addStretch(1)
        self.spins: dict[str, QSpinBox] = {}
        for name, (suffix, top) in _SPINS.items():
            spin = QSpinBox()
            spin.setObjectName(name)
            spin.setRange(0, top)
            spin.setSuffix(suffix)
            spin.setValue(getattr(self._stored, name))
            self.spins[name] = spin
        self.inr_ceiling = QDoubleSpinBox()
        self.inr_ceiling.setObjectName("inr_ceiling")
        self.inr_ceiling.setRange(0.0, 20.0)
        self.inr_ceiling.setDecimals(1)
        self.inr_ceiling.setSingleStep(0.1)
        self.inr_ceiling.setSpecialValueText("No ceiling")
        self.inr_ceiling.setValue(self._stored.inr_ceiling)

        widgets: dict[str, QWidget] = {
            "country": self.country,
            "subdivision": self.subdivision,
            "open_days": days,
            **self.spins,
            "inr_ceiling": self.inr_ceiling,
        }
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for setting in fields(ClinicSettings):
            form.addRow(LABELS[setting.name], self._row(setting.name, widgets[setting.name]))

        self.status = QLabel("")
        self.status.setObjectName("settingsStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        note = QLabel(
            "Settings are shared by every workstation. A change to the open days or the "
            "holidays re-plans every course at the next daily upkeep."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def settings(self) -> ClinicSettings:
        """What the form says now."""
        return replace(
            self._stored,
            country=self.country.text().strip().upper(),
            subdivision=self.subdivision.text().strip().upper(),
            open_days=tuple(name for name, box in self.open_days.items() if box.isChecked()),
            inr_ceiling=round(self.inr_ceiling.value(), 1),
            **{name: spin.value() for name, spin in self.spins.items()},
        )

    def changed_names(self) -> list[str]:
        wanted = self.settings()
        return [
            f.name
            for f in fields(ClinicSettings)
            if getattr(wanted, f.name) != getattr(self._stored, f.name)
        ]

    def save(self) -> None:
        wanted = self.settings()
        problems = validate_settings(wanted)
        self._show_problems(problems)
        if problems:
            self._say("Nothing saved: correct the fields marked in red.", error=True)
            return
        changed = self.changed_names()
        if not changed:
            self._say("Nothing has changed.")
            return
        try:
            for name, value in self._steps(wanted, changed):
                self._stored = change_setting(self._uow, self._actor, name, value)
        except ValidationFailed as failure:
            self._show_problems(failure.errors)
            self._say("Not saved: " + str(failure), error=True)
            return
        except UserError as error:
            self._say(f"Not saved: {error}", error=True)
            return
        text = "Saved: " + ", ".join(LABELS[name].lower() for name in changed) + "."
        if CALENDAR_SETTINGS.intersection(changed):
            text += (
                " Open days or holidays changed: every course is re-planned at the next "
                "daily upkeep, and new sessions follow the new open days."
            )
        self._say(text)
        self.saved.emit(changed)

    def _steps(self, wanted: ClinicSettings, changed: list[str]) -> list[tuple[str, Any]]:
        """The order of writes: each one must leave a valid clinic, so a new country is
        written with no region first (England's ENG is no region of another country)."""
        steps = [(name, getattr(wanted, name)) for name in changed]
        if "country" in changed and self._stored.subdivision:
            steps = [("subdivision", "")] + [s for s in steps if s[0] != "subdivision"]
            if wanted.subdivision:
                steps.append(("subdivision", wanted.subdivision))
        return steps

    def _row(self, name: str, widget: QWidget) -> QWidget:
        help_text = SETTING_HELP[name]
        widget.setToolTip(help_text)
        return field_with_error(name, self.errors, widget, hint_label(help_text), bottom_margin=4)

    def _show_problems(self, problems: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.setText(problems.get(name, ""))
            label.setVisible(name in problems)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b42318;" if error else "color: #2e7d32;")
        self.status.show()
