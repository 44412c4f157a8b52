"""Under what authority the dose is given, the patient's consent, and what happened.

Who gives it is not asked: it is the person signed in, shown here so the record's
author is never in doubt.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import Authority
from clinic_app.ui.form_section import FormSection


class AuthoritySection(FormSection):
    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("Authority, consent and reaction", parent)
        self.authority_combo = QComboBox()
        self.authority_combo.setObjectName("authorityCombo")
        self.authority_combo.addItem("Choose…", None)
        for authority in Authority:
            self.authority_combo.addItem(authority.label, authority.value)
        self.consent_box = QCheckBox("The patient consented to this injection")
        self.consent_box.setObjectName("consent")
        self.reaction_edit = QLineEdit()
        self.reaction_edit.setObjectName("reaction")
        self.reaction_edit.setPlaceholderText("Immediate reaction, if any (e.g. none; felt faint)")
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setObjectName("notes")
        self.notes_edit.setFixedHeight(46)
        given_by = QLabel(f"Given by {actor.display_name} (signed in)")
        given_by.setStyleSheet("color: #52606d;")
        grid = QGridLayout(self)
        grid.addWidget(QLabel("Authority"), 0, 0)
        grid.addWidget(self.field_row("authority", self.authority_combo), 0, 1)
        grid.addWidget(self.field_row("consent", self.consent_box), 0, 2)
        grid.addWidget(given_by, 0, 3, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(QLabel("Reaction"), 1, 0)
        grid.addWidget(self.field_row("reaction", self.reaction_edit), 1, 1, 1, 3)
        grid.addWidget(QLabel("Notes"), 2, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.field_row("notes", self.notes_edit), 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.authority_combo.currentIndexChanged.connect(lambda _i: self.edited.emit("authority"))
        self.consent_box.toggled.connect(lambda _on: self.edited.emit("consent"))
        self.reaction_edit.textEdited.connect(lambda _t: self.edited.emit("reaction"))
        self.notes_edit.textChanged.connect(lambda: self.edited.emit("notes"))

    def authority(self) -> str | None:
        return str(self.authority_combo.currentData() or "") or None

    def consented(self) -> bool:
        return self.consent_box.isChecked()

    def reaction(self) -> str:
        return self.reaction_edit.text()

    def notes(self) -> str:
        return self.notes_edit.toPlainText()
