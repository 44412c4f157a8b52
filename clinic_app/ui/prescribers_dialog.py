"""The clinic's list of prescribers, kept by the practice manager (Clinic > Prescribers…).

Only a decision naming someone on this list lifts a platelet or INR hold, and a course
names its prescriber from it, so the list shows who is active and who has left
(inactive, never deleted: what they decided still names them). Add and Edit open a
small form whose registration number is checked against its register as typed;
Deactivate asks nothing more (it can be undone with Reactivate).
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.changes import Change, Changes
from clinic_app.domain.codes import Profession, Role
from clinic_app.domain.permissions import Action, allowed, refusal
from clinic_app.domain.prescriber_details import PrescriberDetails, validate_prescriber
from clinic_app.services.commands.prescribers import (
    add_prescriber,
    deactivate_prescriber,
    reactivate_prescriber,
    update_prescriber,
)
from clinic_app.services.queries.prescribers import (
    PrescriberSummary,
    PrescriberUser,
    list_prescribers,
    prescriber_users,
)
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.ops import Bound, Ops
from clinic_app.ui.paged_table_model import Column, PagedTableModel
from clinic_app.ui.row_table import row_table, selected_row

_GREY = QColor("#7b8794")

COLUMNS: tuple[Column[PrescriberSummary], ...] = (
    Column("Name", lambda row: row.name),
    Column("Profession", lambda row: row.profession.label),
    Column("Registration", lambda row: row.registration),
    Column("Signs in as", lambda row: row.user_name or "—"),
    Column("Status", lambda row: "Active" if row.active else "Inactive"),
)


class PrescribersModel(PagedTableModel[PrescriberSummary]):
    """A short list, given whole; inactive prescribers stay listed, greyed."""

    def __init__(self) -> None:
        super().__init__(COLUMNS)

    def role_data(self, row: PrescriberSummary, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return QBrush(_GREY)
        return None


class PrescribersDialog(QDialog):
    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prescribersDialog")
        self.setWindowTitle("Prescribers")
        self._ops = ops
        self.model = PrescribersModel()
        self.table = row_table(self.model, (200, 230, 130, 160))
        self.table.setObjectName("prescribersTable")
        self.message = QLabel("")
        self.message.setObjectName("prescribersMessage")
        self.message.setWordWrap(True)
        self.add_button = QPushButton("Add…")
        self.add_button.setObjectName("addPrescriber")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setObjectName("editPrescriber")
        self.active_button = QPushButton("Deactivate")
        self.active_button.setObjectName("deactivatePrescriber")
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        self.add_button.clicked.connect(self.open_add)
        self.edit_button.clicked.connect(self.open_edit)
        self.active_button.clicked.connect(self.toggle_active)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _index: self.open_edit())
        intro = QLabel(
            "Only a decision naming a prescriber from this list can lift a platelet or INR "
            "hold, and every new course names its prescriber from it. Someone who leaves is "
            "made inactive, never deleted: what they decided still names them."
        )
        intro.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.active_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._may_manage = allowed(ops.actor.role, Action.MANAGE_PRESCRIBERS)
        if not self._may_manage:
            self.message.setText(refusal(ops.actor.role, Action.MANAGE_PRESCRIBERS))
        self._users: list[PrescriberUser] = []
        self.form: PrescriberForm | None = None
        ops.changed.connect(self._changed)
        self.resize(900, 420)
        self._update_buttons()
        self.reload()

    # -- public ---------------------------------------------------------------------
    def reload(self) -> None:
        self._ops.read(lambda uow: (list_prescribers(uow), prescriber_users(uow)), self._shown)

    def selected(self) -> PrescriberSummary | None:
        return selected_row(self.table, self.model)

    def open_add(self) -> PrescriberForm:
        return self._open_form(None)

    def open_edit(self) -> PrescriberForm | None:
        chosen = self.selected()
        return self._open_form(chosen) if chosen is not None and self._may_manage else None

    def toggle_active(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        command = deactivate_prescriber if chosen.active else reactivate_prescriber
        self._ops.write(
            command.bind(chosen.id, expected_version=chosen.version),
            lambda _done: None,
            failed=lambda error: self.message.setText(f"Not changed: {error}"),
        )

    # -- internals ------------------------------------------------------------------
    def _open_form(self, prescriber: PrescriberSummary | None) -> PrescriberForm:
        self.form = PrescriberForm(self._ops, self._users, prescriber, parent=self)
        self.form.open()
        return self.form

    def _changed(self, changes: Changes) -> None:
        if changes.touches(Change.PRESCRIBERS, Change.USERS) and self.isVisible():
            self.reload()

    def _shown(self, found: tuple[list[PrescriberSummary], list[PrescriberUser]]) -> None:
        prescribers, users = found
        chosen = self.selected()
        self._users = users
        self.model.set_rows(prescribers)
        if chosen is not None:
            number = self.model.find_row(lambda row: row.id == chosen.id)
            if number is not None:
                self.table.selectRow(number)
        if self._may_manage:
            active = sum(1 for p in prescribers if p.active)
            self.message.setText(
                f"{active} active, {len(prescribers) - active} inactive."
                if prescribers
                else "No prescribers yet: add the clinic's doctors and non-medical prescribers."
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.add_button.setEnabled(self._may_manage)
        self.edit_button.setEnabled(self._may_manage and chosen is not None)
        self.active_button.setEnabled(self._may_manage and chosen is not None)
        self.active_button.setText(
            "Reactivate" if chosen is not None and not chosen.active else "Deactivate"
        )


class PrescriberForm(FormDialog):
    """Add or correct one prescriber: the number is checked against its register."""

    FIELD_LABELS: ClassVar[dict[str, str]] = {
        "name": "Name",
        "profession": "Profession",
        "registration_number": "Number",
        "user_id": "Signs in as",
    }

    def __init__(
        self,
        ops: Ops,
        users: list[PrescriberUser],
        prescriber: PrescriberSummary | None,
        parent: QWidget | None = None,
    ) -> None:
        title = "Add a prescriber" if prescriber is None else f"Edit {prescriber.name}"
        super().__init__(title, "Save", ops, parent, cancel="Cancel", width=520)
        self.setObjectName("prescriberForm")
        self._prescriber = prescriber
        self.name = QLineEdit(prescriber.name if prescriber else "")
        self.name.setObjectName("prescriberName")
        self.name.setPlaceholderText("As on the register, e.g. Dr Helen Morgan")
        self.profession = QComboBox()
        self.profession.setObjectName("prescriberProfession")
        for profession in Profession:
            self.profession.addItem(profession.label, profession.value)
        if prescriber is not None:
            self.profession.setCurrentIndex(self.profession.findData(prescriber.profession.value))
        self.number = QLineEdit(prescriber.registration_number if prescriber else "")
        self.number.setObjectName("prescriberNumber")
        self.user = QComboBox()
        self.user.setObjectName("prescriberUser")
        self.user.addItem("Does not sign in to the app", None)
        for user in users:
            self.user.addItem(user.display_name, user.id)
        if prescriber is not None and prescriber.user_id is not None:
            index = self.user.findData(prescriber.user_id)
            if index < 0:  # linked to someone no longer listed as a prescriber user
                self.user.addItem(prescriber.user_name or "(linked user)", prescriber.user_id)
                index = self.user.count() - 1
            self.user.setCurrentIndex(index)
        self.add_field("Name", "name", self.name)
        self.add_field("Profession", "profession", self.profession)
        self.add_field(
            "Number", "registration_number", self.number, "GMC: 7 digits · NMC: 12A3456E · GPhC: 7"
        )
        self.add_field(
            "Signs in as",
            "user_id",
            self.user,
            f"An app user with the {Role.PRESCRIBER.label.lower()} role: their decisions are "
            "then recorded as their own.",
        )
        self.finish_layout()
        self.number.textEdited.connect(lambda _t: self._check_number())
        self.profession.currentIndexChanged.connect(lambda _i: self._check_number())

    def details(self) -> PrescriberDetails:
        return PrescriberDetails(
            name=self.name.text(),
            profession=str(self.profession.currentData()),
            registration_number=self.number.text(),
            user_id=self.user.currentData(),
        )

    def local_problems(self) -> dict[str, str]:
        return validate_prescriber(self.details())

    def work(self) -> Bound[PrescriberSummary]:
        details = self.details()
        if self._prescriber is None:
            return add_prescriber.bind(details)
        return update_prescriber.bind(
            self._prescriber.id, details, expected_version=self._prescriber.version
        )

    def _check_number(self) -> None:
        """The number's shape is told as it is typed, once there is something to judge."""
        if not self.number.text().strip():
            return
        problem = validate_prescriber(self.details()).get("registration_number")
        self.show_problems({"registration_number": problem} if problem else {})
