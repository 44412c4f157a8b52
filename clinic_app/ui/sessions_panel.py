"""The practice manager's timetable: weekly sessions, the sessions coming up, closures.

Everything that takes slots away (cancelling, ending early, a closure) ends with the
list of patients who lost their appointment, because the receptionist has to ring
them; the same patients wait under "Needs rebooking" in the clinic calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.date_text import format_date
from clinic_app.services.commands.rebooking import (
    ClosureResult,
    add_closure,
    cancel_session,
    shorten_session,
)
from clinic_app.services.commands.sessions import (
    SessionDetails,
    TemplateChange,
    create_session,
    create_template,
    deactivate_template,
    generate_sessions,
    update_template,
)
from clinic_app.services.queries import timetable
from clinic_app.services.queries.rebooking import AffectedAppointment
from clinic_app.services.queries.session_templates import (
    SessionTemplateRecord,
    TemplateDetails,
    list_templates,
)
from clinic_app.services.queries.settings import load_settings
from clinic_app.services.queries.timetable import ClosureRecord, Nurse, UpcomingSession
from clinic_app.ui.closures_model import ClosuresModel
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.ops import Bound, Ops, also
from clinic_app.ui.row_table import row_table, select_row, selected_row
from clinic_app.ui.session_dialogs import (
    AffectedAppointmentsDialog,
    CancelSessionDialog,
    ClosureDialog,
    ConfirmDialog,
    OneOffSessionDialog,
    ShortenSessionDialog,
    TemplateDialog,
    describe_session,
)
from clinic_app.ui.session_templates_model import SessionTemplatesModel
from clinic_app.ui.upcoming_sessions_model import UpcomingSessionsModel


@dataclass(frozen=True)
class _Timetable:
    """What the screen shows, read together on the worker."""

    horizon: int
    until: dt.date
    templates: Sequence[SessionTemplateRecord]
    upcoming: Sequence[UpcomingSession]
    closures: Sequence[ClosureRecord]
    nurses: Sequence[Nurse]


class SessionsPanel(QWidget):
    #: Emitted after any change to the timetable (the calendar views redraw).
    changed = Signal()

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionsPanel")
        self._ops = ops
        self._today = ops.today
        #: The nurses a session can be given to, read with the timetable.
        self._nurses: list[Nurse] = []
        #: What to do once the timetable being read is on screen (after a change).
        self._then: Callable[[], None] | None = None
        self.dialog: QDialog | None = None
        self.affected_dialog: AffectedAppointmentsDialog | None = None

        self.templates_model = SessionTemplatesModel()
        self.templates_table = row_table(
            self.templates_model, (190, 90, 100, 60, 65, 160, 140, 130, 90, 90)
        )
        self.templates_table.setObjectName("templatesTable")
        self.new_template_button = QPushButton("New weekly session…")
        self.new_template_button.setObjectName("newTemplate")
        self.edit_template_button = QPushButton("Edit…")
        self.edit_template_button.setObjectName("editTemplate")
        self.deactivate_button = QPushButton("Stop weekly session…")
        self.deactivate_button.setObjectName("deactivateTemplate")

        self.upcoming_model = UpcomingSessionsModel()
        self.upcoming_table = row_table(self.upcoming_model, (130, 170, 160, 140, 140, 80))
        self.upcoming_table.setObjectName("upcomingTable")
        self.upcoming_summary = QLabel("")
        self.upcoming_summary.setObjectName("upcomingSummary")
        self.add_session_button = QPushButton("Add one-off session…")
        self.add_session_button.setObjectName("addSession")
        self.cancel_session_button = QPushButton("Cancel session…")
        self.cancel_session_button.setObjectName("cancelSession")
        self.shorten_button = QPushButton("End session early…")
        self.shorten_button.setObjectName("shortenSession")
        self.generate_button = QPushButton("Generate sessions now")
        self.generate_button.setObjectName("generateSessions")
        self.generate_button.setToolTip(
            "Create the sessions of every weekly session up to the booking horizon "
            "(the daily upkeep does this too)"
        )

        self.closures_model = ClosuresModel()
        self.closures_table = row_table(self.closures_model, (100, 100, 320))
        self.closures_table.setObjectName("closuresTable")
        self.add_closure_button = QPushButton("Add closure…")
        self.add_closure_button.setObjectName("addClosure")

        self.message = QLabel("")
        self.message.setObjectName("sessionsMessage")
        self.message.setWordWrap(True)
        self.message.setContentsMargins(8, 4, 8, 0)

        self.new_template_button.clicked.connect(self.open_new_template)
        self.edit_template_button.clicked.connect(self.open_edit_template)
        self.deactivate_button.clicked.connect(self.open_deactivate_template)
        self.add_session_button.clicked.connect(self.open_add_session)
        self.cancel_session_button.clicked.connect(self.open_cancel_session)
        self.shorten_button.clicked.connect(self.open_shorten_session)
        self.generate_button.clicked.connect(self.generate)
        self.add_closure_button.clicked.connect(self.open_add_closure)
        for table in (self.templates_table, self.upcoming_table):
            table.selectionModel().selectionChanged.connect(lambda *_a: self._selection())

        self._build()
        self.refresh()

    # -- public -------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._ops.busy

    def refresh(self) -> None:
        """Read the timetable on the worker and show it, keeping what was chosen."""
        today = self._today()

        def read(uow: Any) -> _Timetable:
            horizon = load_settings(uow).booking_horizon_weeks
            until = today + dt.timedelta(weeks=horizon)
            return _Timetable(
                horizon,
                until,
                list_templates(uow, include_inactive=True),
                timetable.upcoming_sessions(uow, today, until),
                timetable.list_closures(uow, ending_on_or_after=today),
                timetable.active_nurses(uow),
            )

        self._ops.read(read, self._show_timetable)

    def _show_timetable(self, read: _Timetable) -> None:
        then, self._then = self._then, None
        today, horizon, until, rows = self._today(), read.horizon, read.until, read.upcoming
        template = self.selected_template()
        upcoming = self.selected_session()
        self._nurses = list(read.nurses)
        self.templates_model.set_rows(read.templates)
        self.upcoming_model.set_rows(rows)
        self.closures_model.set_rows(read.closures)
        live = [row for row in rows if not row.cancelled]
        booked = sum(row.booked for row in live)
        places = sum(row.places for row in live)
        self.upcoming_summary.setText(
            f"{len(live)} session{'s' if len(live) != 1 else ''} from {format_date(today)} to "
            f"{format_date(until)} (the {horizon}-week booking horizon): {booked} of {places} "
            "places booked."
        )
        if template is not None:
            select_row(self.templates_table, self.templates_model, lambda r: r.id == template.id)
        if upcoming is not None:
            select_row(
                self.upcoming_table,
                self.upcoming_model,
                lambda r: r.session_id == upcoming.session_id,
            )
        self._selection()
        if then is not None:
            then()

    def selected_template(self) -> SessionTemplateRecord | None:
        return selected_row(self.templates_table, self.templates_model)

    def selected_session(self) -> UpcomingSession | None:
        return selected_row(self.upcoming_table, self.upcoming_model)

    def select_session(self, session_id: int) -> bool:
        return select_row(
            self.upcoming_table, self.upcoming_model, lambda r: r.session_id == session_id
        )

    def select_template(self, template_id: int) -> bool:
        return select_row(self.templates_table, self.templates_model, lambda r: r.id == template_id)

    # -- weekly sessions ----------------------------------------------------------
    def open_new_template(self) -> TemplateDialog:
        today = self._today()
        dialog = TemplateDialog(
            self._nurses,
            self._ops,
            lambda details: create_template.bind(details, today=today),
            today=today,
            parent=self,
        )
        dialog.saved.connect(lambda change: self._template_changed(change, "added"))
        self._show(dialog)
        return dialog

    def open_edit_template(self) -> TemplateDialog | None:
        record = self.selected_template()
        if record is None or not record.active:
            return None
        today = self._today()

        def save(details: TemplateDetails) -> Bound[TemplateChange]:
            return update_template.bind(record.id, details, today=today)

        dialog = TemplateDialog(
            self._nurses,
            self._ops,
            save,
            today=today,
            initial=record.details,
            parent=self,
        )
        dialog.saved.connect(lambda change: self._template_changed(change, "changed"))
        self._show(dialog)
        return dialog

    def open_deactivate_template(self) -> ConfirmDialog | None:
        record = self.selected_template()
        if record is None or not record.active:
            return None
        today = self._today()
        dialog = ConfirmDialog(
            f"Stop {record.details.name}",
            f"Stop “{record.details.name}” from today. Future sessions nobody is booked "
            "into are removed; sessions with bookings stay and are listed so you can "
            "cancel them (which lists their patients for rebooking).",
            "Stop weekly session",
            self._ops,
            deactivate_template.bind(record.id, today=today),
            parent=self,
        )
        dialog.saved.connect(lambda change: self._template_changed(change, "stopped"))
        self._show(dialog)
        return dialog

    # -- sessions -----------------------------------------------------------------
    def open_add_session(self) -> OneOffSessionDialog:
        today = self._today()

        def save(details: SessionDetails) -> Bound[tuple[int, SessionDetails]]:
            return also(create_session.bind(details, today=today), details)

        dialog = OneOffSessionDialog(self._nurses, self._ops, save, today=today, parent=self)
        dialog.saved.connect(self._session_added)
        self._show(dialog)
        return dialog

    def open_cancel_session(self) -> CancelSessionDialog | None:
        row = self._changeable_session()
        if row is None:
            return None
        dialog = CancelSessionDialog(
            row,
            self._ops,
            lambda reason: cancel_session.bind(row.session_id, reason),
            parent=self,
        )
        dialog.saved.connect(
            lambda affected: self._slots_taken(
                affected, f"Cancelled the session on {describe_session(row)}."
            )
        )
        self._show(dialog)
        return dialog

    def open_shorten_session(self) -> ShortenSessionDialog | None:
        row = self._changeable_session()
        if row is None:
            return None
        dialog = ShortenSessionDialog(
            row,
            self._ops,
            lambda new_end: shorten_session.bind(row.session_id, new_end),
            parent=self,
        )
        dialog.saved.connect(
            lambda affected: self._slots_taken(
                affected,
                f"The session on {describe_session(row)} now ends at "
                f"{dialog.new_end.time().toString('HH:mm')}.",
            )
        )
        self._show(dialog)
        return dialog

    def generate(self) -> None:
        today = self._today()
        self.generate_button.setEnabled(False)
        self._say("Generating sessions…")
        self._ops.write(
            generate_sessions.bind(today=today), self._generated, failed=self._generate_failed
        )

    # -- closures -----------------------------------------------------------------
    def open_add_closure(self) -> ClosureDialog:

        def save(first: dt.date, last: dt.date, reason: str, location: str) -> Bound[ClosureResult]:
            return add_closure.bind(
                first_day=first, last_day=last, reason=reason, location=location
            )

        dialog = ClosureDialog(self._ops, save, today=self._today(), parent=self)
        dialog.saved.connect(self._closure_added)
        self._show(dialog)
        return dialog

    # -- building -----------------------------------------------------------------
    def _build(self) -> None:
        templates = QGroupBox("Weekly sessions")
        templates_layout = QVBoxLayout(templates)
        templates_layout.addWidget(self.templates_table, 1)
        templates_layout.addLayout(
            _buttons(self.new_template_button, self.edit_template_button, self.deactivate_button)
        )

        upcoming = QGroupBox("Sessions coming up")
        upcoming_layout = QVBoxLayout(upcoming)
        upcoming_layout.addWidget(self.upcoming_summary)
        upcoming_layout.addWidget(self.upcoming_table, 1)
        row = _buttons(self.add_session_button, self.cancel_session_button, self.shorten_button)
        row.addWidget(self.generate_button)
        upcoming_layout.addLayout(row)

        closures = QGroupBox("Closures")
        closures_layout = QVBoxLayout(closures)
        closures_layout.addWidget(self.closures_table, 1)
        closures_layout.addLayout(_buttons(self.add_closure_button))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(templates)
        splitter.addWidget(upcoming)
        splitter.addWidget(closures)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

    # -- outcomes -----------------------------------------------------------------
    def _selection(self) -> None:
        template = self.selected_template()
        active = template is not None and template.active
        self.edit_template_button.setEnabled(active)
        self.deactivate_button.setEnabled(active)
        changeable = self._changeable_session() is not None
        self.cancel_session_button.setEnabled(changeable)
        self.shorten_button.setEnabled(changeable)

    def _changeable_session(self) -> UpcomingSession | None:
        row = self.selected_session()
        if row is None or row.cancelled or row.session_date < self._today():
            return None
        return row

    def _template_changed(self, change: TemplateChange, verb: str) -> None:
        name = change.template.details.name
        text = f"Weekly session “{name}” {verb}"
        if change.sessions_created:
            text += f"; {_sessions(change.sessions_created)} created"
        text += "."
        if change.kept_sessions:
            kept = ", ".join(
                f"{format_date(k.session_date)} ({k.booked} booked)" for k in change.kept_sessions
            )
            text += (
                f" Kept as they were because patients are booked: {kept}. End them early or "
                "cancel them below to list those patients for rebooking."
            )
        self._done(text, then=lambda: self.select_template(change.template.id))

    def _session_added(self, result: tuple[int, SessionDetails]) -> None:
        session_id, details = result
        self._done(
            f"One-off session added on {format_date(details.session_date)}, "
            f"{details.start_time:%H:%M}–{details.end_time:%H:%M}.",
            then=lambda: self.select_session(session_id),
        )

    def _slots_taken(self, affected: Sequence[AffectedAppointment], headline: str) -> None:
        if affected:
            count = len(affected)
            self._done(
                f"{headline} {count} patient{'s' if count != 1 else ''} to rebook: they are "
                "under “Needs rebooking” in the clinic calendar."
            )
            self._show_affected(headline, affected)
        else:
            self._done(f"{headline} Nobody was booked into the slots that went.")

    def _closure_added(self, result: ClosureResult) -> None:
        headline = f"Closure added; {_sessions(result.sessions_cancelled)} cancelled."
        self._slots_taken(result.affected, headline)

    def _generated(self, created: int) -> None:
        self.generate_button.setEnabled(True)
        if created:
            self._done(f"{_sessions(created)} added up to the booking horizon.")
        else:
            self._done("Every session up to the booking horizon already exists; none added.")

    def _generate_failed(self, error: Exception) -> None:
        self.generate_button.setEnabled(True)
        self._say(f"Not done: {error}", error=True)

    def _show_affected(self, headline: str, affected: Sequence[AffectedAppointment]) -> None:
        dialog = AffectedAppointmentsDialog(headline, affected, self)
        self.affected_dialog = dialog
        dialog.open()

    def _done(self, text: str, then: Callable[[], object] | None = None) -> None:
        """Say what was done; once the timetable shows it, choose what changed (``then``)
        and tell the other screens."""
        self._say(text)

        def shown() -> None:
            if then is not None:
                then()
            self.changed.emit()

        self._then = shown
        self.refresh()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b42318;" if error else "color: #2e7d32;")

    def _show(self, dialog: FormDialog) -> None:
        self.dialog = dialog
        dialog.open()


def _sessions(count: int) -> str:
    return f"{count} session{'s' if count != 1 else ''}"


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row
