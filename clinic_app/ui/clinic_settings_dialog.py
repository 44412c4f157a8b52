"""Clinic settings: one form for every clinic-wide setting, built from its declaration.

The form has no list of its own: each setting's label, help, unit and range come from
``domain.clinic_settings.SETTINGS``, so a setting declared there appears here. Every
change is saved in one go by ``change_settings`` on the worker thread: checked as a
whole, written in one transaction with an audit row per changed setting, or refused
with each bad field named beside it and nothing saved.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.clinic_settings import SETTINGS, ClinicSettings, Setting
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.services.commands.settings import SettingsSaved, change_settings
from clinic_app.services.queries.settings import load_settings
from clinic_app.ui.field_row import field_with_error, hint_label
from clinic_app.ui.ops import Ops

#: A spin box needs a top; a declaration without a maximum gets the largest Qt allows.
_NO_MAXIMUM = 2_147_483_647
#: Numbers and short codes need a few characters; stretched across the dialog they
#: look empty and the eye loses the row.
_SHORT_WIDTH = 180


class SettingInput(ABC):
    """The input for one declared setting, read and written as the setting's value."""

    def __init__(self, declared: Setting, widget: QWidget) -> None:
        self.declared = declared
        self.widget = widget
        widget.setObjectName(declared.name)
        widget.setToolTip(declared.help)

    @abstractmethod
    def value(self) -> object:
        """What the input holds now, as the setting's type."""

    @abstractmethod
    def set_value(self, value: object) -> None:
        """Show a stored value."""


class _TextInput(SettingInput):
    def __init__(self, declared: Setting) -> None:
        self.edit = QLineEdit()
        if declared.max_length:
            self.edit.setMaxLength(declared.max_length)
            self.edit.setMaximumWidth(_SHORT_WIDTH)
        super().__init__(declared, self.edit)

    def value(self) -> object:
        return self.edit.text()

    def set_value(self, value: object) -> None:
        self.edit.setText(str(value))


class _WholeNumberInput(SettingInput):
    def __init__(self, declared: Setting) -> None:
        self.spin = QSpinBox()
        self.spin.setRange(
            int(declared.minimum if declared.minimum is not None else -_NO_MAXIMUM),
            int(declared.maximum if declared.maximum is not None else _NO_MAXIMUM),
        )
        _number_look(self.spin, declared)
        super().__init__(declared, self.spin)

    def value(self) -> object:
        return self.spin.value()

    def set_value(self, value: object) -> None:
        if isinstance(value, int):
            self.spin.setValue(value)


class _DecimalInput(SettingInput):
    def __init__(self, declared: Setting) -> None:
        self.spin = QDoubleSpinBox()
        self.spin.setDecimals(declared.decimals)
        self.spin.setSingleStep(10.0**-declared.decimals)
        self.spin.setRange(
            float(declared.minimum if declared.minimum is not None else -_NO_MAXIMUM),
            float(declared.maximum if declared.maximum is not None else _NO_MAXIMUM),
        )
        _number_look(self.spin, declared)
        super().__init__(declared, self.spin)

    def value(self) -> object:
        return round(self.spin.value(), self.declared.decimals)

    def set_value(self, value: object) -> None:
        if isinstance(value, int | float):
            self.spin.setValue(float(value))


class _ChoicesInput(SettingInput):
    """Several of a fixed list (the open days): one check box per choice."""

    def __init__(self, declared: Setting) -> None:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for choice in declared.choices:
            box = QCheckBox(choice.capitalize())
            box.setObjectName(f"{declared.name}_{choice}")
            self.boxes[choice] = box
            layout.addWidget(box)
        layout.addStretch(1)
        super().__init__(declared, row)

    def value(self) -> object:
        return tuple(choice for choice, box in self.boxes.items() if box.isChecked())

    def set_value(self, value: object) -> None:
        chosen = set(value) if isinstance(value, tuple | list) else set()
        for choice, box in self.boxes.items():
            box.setChecked(choice in chosen)


def _number_look(spin: QSpinBox | QDoubleSpinBox, declared: Setting) -> None:
    if declared.unit:
        spin.setSuffix(f" {declared.unit}")
    if declared.minimum_means:
        spin.setSpecialValueText(declared.minimum_means)
    spin.setMaximumWidth(_SHORT_WIDTH)


def input_for(declared: Setting) -> SettingInput:
    """The input that suits the declared type."""
    if declared.type is tuple:
        return _ChoicesInput(declared)
    if declared.type is int:
        return _WholeNumberInput(declared)
    if declared.type is float:
        return _DecimalInput(declared)
    return _TextInput(declared)


class _FormScroll(QScrollArea):
    """A scroll area that asks for the whole form, so the dialog opens with every field
    showing when the screen has room and scrolls only when it has not; and never
    narrower than the form, so no field is cut off at the side."""

    def sizeHint(self) -> QSize:
        form = self.widget()
        if form is None:
            return super().sizeHint()
        hint = form.sizeHint()
        frame = 2 * self.frameWidth()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(hint.width() + bar + frame, hint.height() + frame)

    def minimumSizeHint(self) -> QSize:
        form = self.widget()
        if form is None:
            return super().minimumSizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        width = form.minimumSizeHint().width() + bar + 2 * self.frameWidth()
        return QSize(width, super().minimumSizeHint().height())


class ClinicSettingsDialog(QDialog):
    #: Emitted after a save with the names of the settings that changed.
    saved = Signal(object)
    #: Emitted once the stored settings are in the form (it stays disabled until then).
    loaded = Signal()

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clinicSettingsDialog")
        self.setWindowTitle("Clinic settings")
        self.setMinimumWidth(640)
        self._ops = ops
        self._saving = False
        self._stored: ClinicSettings | None = None
        self.errors: dict[str, QLabel] = {}
        self.inputs: dict[str, SettingInput] = {name: input_for(s) for name, s in SETTINGS.items()}

        form_widget = QWidget()
        form_widget.setObjectName("settingsForm")
        form = QFormLayout(form_widget)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        for name, field in self.inputs.items():
            label = QLabel(field.declared.label)
            label.setObjectName(f"label_{name}")
            label.setBuddy(field.widget)
            holder = field_with_error(
                name, self.errors, field.widget, hint_label(field.declared.help), bottom_margin=6
            )
            form.addRow(label, holder)
        scroll = _FormScroll()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(form_widget)

        self.status = QLabel("Loading the clinic settings…")
        self.status.setObjectName("settingsStatus")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeButton")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        note = QLabel(
            "Settings are shared by every workstation. A change to the open days or the "
            "holidays re-plans every course at the next daily upkeep."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

        self._fit_to_screen()
        self._set_editable(False)
        ops.read(load_settings, self._loaded, failed=self._load_failed)

    # -- public ---------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._stored is None or self._saving

    @property
    def ready(self) -> bool:
        """The stored settings are in the form and no save is under way."""
        return self._stored is not None and not self.busy

    def values(self) -> dict[str, object]:
        """What the form says now, setting by setting."""
        return {name: field.value() for name, field in self.inputs.items()}

    def changed_values(self) -> dict[str, object]:
        """The settings the form would change, tidied as the command will store them."""
        stored = self._stored
        if stored is None:
            return {}
        return {
            name: value
            for name, value in self.values().items()
            if SETTINGS[name].tidy(value) != getattr(stored, name)
        }

    def save(self) -> None:
        """Send every change to the command at once, off the GUI thread."""
        if not self.ready:
            return
        changed = self.changed_values()
        self._show_problems({})
        if not changed:
            self._say("Nothing has changed.")
            return
        self._set_editable(False)
        self._say("Saving…")
        self._saving = True
        self._ops.write(change_settings.bind(changed), self._saved, failed=self._save_failed)

    # -- results --------------------------------------------------------------------
    def _loaded(self, stored: ClinicSettings) -> None:
        self._show(stored)
        self.status.clear()
        self._set_editable(True)
        self.loaded.emit()

    def _load_failed(self, error: Exception) -> None:
        self._say(f"The settings could not be read: {error}", error=True)

    def _saved(self, result: SettingsSaved) -> None:
        self._saving = False
        self._show(result.settings)
        self._set_editable(True)
        if not result.changed:
            self._say("Nothing has changed.")
            return
        text = "Saved: " + ", ".join(SETTINGS[n].label for n in result.changed) + "."
        if any(SETTINGS[name].calendar for name in result.changed):
            text += (
                " Open days or holidays changed: every course is re-planned at the next "
                "daily upkeep, and new sessions follow the new open days."
            )
        self._say(text)
        self.saved.emit(list(result.changed))

    def _save_failed(self, error: Exception) -> None:
        self._saving = False
        self._set_editable(True)
        if isinstance(error, ValidationFailed):
            self._show_problems(error.errors)
            named = ", ".join(
                [SETTINGS[name].label for name in SETTINGS if name in error.errors]
                + [name for name in error.errors if name not in SETTINGS]
            )
            self._say(f"Nothing saved: correct {named}.", error=True)
        else:
            self._say(f"Nothing saved: {error}", error=True)

    # -- helpers --------------------------------------------------------------------
    def _fit_to_screen(self) -> None:
        """Open tall enough for every field when the screen allows it: left to itself Qt
        caps a new window at two thirds of the screen, which on a 700-pixel laptop
        screen hides half the form behind a scroll bar for no reason."""
        hint = self.sizeHint()
        room = self.screen().availableGeometry()
        self.resize(min(hint.width(), room.width()), min(hint.height(), room.height()))

    def _show(self, stored: ClinicSettings) -> None:
        self._stored = stored
        for name, field in self.inputs.items():
            field.set_value(getattr(stored, name))

    def _set_editable(self, editable: bool) -> None:
        for field in self.inputs.values():
            field.widget.setEnabled(editable)
        self.save_button.setEnabled(editable)

    def _show_problems(self, problems: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.setText(problems.get(name, ""))
            label.setVisible(name in problems)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b42318;" if error else "color: #2e7d32;")
