"""The clinic calendar: a week or a day of sessions, and the chosen patient's doses beside it.

How a receptionist books: choose the patient (the roster calls ``set_patient``), pick a
dose to book on the right (the free slots in its window turn green), then double-click
a slot, press Enter on it, drag the dose onto it, or press "Book here". "Book whole
course…" proposes every dose at once. A booked appointment is moved by dragging it to
a free slot or with "Move…"; the right-click menu (or the buttons above the grid)
cancels it with a reason, marks the patient arrived or did-not-attend.

Keyboard: arrows move between slots, PgUp/PgDn or Ctrl+Left/Right change week (day in
the day view), T goes to today, Enter books the chosen dose into the slot, M moves,
Delete cancels, A marks arrived, D did-not-attend, F5 reloads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.appointment_text import describe_start
from clinic_app.domain.codes import AppointmentStatus
from clinic_app.domain.date_text import format_date
from clinic_app.services.commands.booking import (
    book_appointment,
    cancel_appointment,
    mark_arrived,
    mark_did_not_attend,
    move_appointment,
)
from clinic_app.services.queries.booking_context import SlotChoice
from clinic_app.services.queries.booking_options import slot_options
from clinic_app.services.queries.calendar import (
    BookedPatient,
    PatientTimeline,
    SessionDay,
    SlotOccupancy,
    TimelineEntry,
    patient_timeline,
    slot_occupancy,
)
from clinic_app.services.queries.rebooking import AffectedAppointment, rebooking_list
from clinic_app.ui.appointment_dialogs import ReasonDialog, SlotPickerDialog
from clinic_app.ui.booking_dialog import BookingDialog, error_text
from clinic_app.ui.day_model import DayModel
from clinic_app.ui.dose_panel import DosePanel
from clinic_app.ui.ops import Ops
from clinic_app.ui.week_model import (
    CANCELLED,
    FITS,
    FREE,
    FULL,
    MINE,
    SlotGridModel,
    WeekModel,
)

CANCEL_REASONS = (
    "Patient asked to rearrange",
    "Patient unwell",
    "Patient on holiday",
    "Clinic rearranged the session",
)
NOSHOW_REASONS = (
    "Did not attend: no contact",
    "Did not attend: phoned after the appointment",
    "Did not attend: left before being seen",
)
WEEK, DAY = 0, 1


class CalendarView(QWidget):
    #: Emitted after any booking action changed an appointment.
    changed = Signal()
    #: Emitted when the week or day asked for is on screen.
    shown = Signal()

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarView")
        self._ops = ops
        self._actor = ops.actor
        self._today = ops.today
        self._day = self._today()
        #: Bumped per read of the grid / the patient's doses: a late answer is dropped.
        self._grid_request = 0
        self._timeline_request = 0
        self._patient_id: int | None = None
        self._dialog: QWidget | None = None

        self.week_model = WeekModel(self)
        self.day_model = DayModel(self)
        self.week_table = self._grid(self.week_model, "weekTable")
        self.week_table.verticalHeader().hide()
        self.day_table = self._grid(self.day_model, "dayTable")
        self.day_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("calendarTabs")
        self.tabs.addTab(self.week_table, "&Week")
        self.tabs.addTab(self.day_table, "&Day")

        self.previous_button = QPushButton("\u25c0 Previous")
        self.today_button = QPushButton("Today")
        self.next_button = QPushButton("Next \u25b6")
        self.range_label = QLabel()
        self.range_label.setObjectName("calendarRange")
        self.message = QLabel()
        self.message.setObjectName("calendarMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.legend = _legend()

        self.book_button = QPushButton("&Book here")
        self.move_button = QPushButton("&Move\u2026")
        self.cancel_button = QPushButton("&Cancel appointment\u2026")
        self.arrived_button = QPushButton("Arri&ved")
        self.noshow_button = QPushButton("Did &not attend\u2026")

        self.panel = DosePanel()
        # The panel's widgets, by the names a test or the main window reaches for.
        self.timeline = self.panel.timeline
        self.course_button = self.panel.course_button
        self.patient_heading = self.panel.heading
        self.rebooking = self.panel.rebooking
        self.rebooking_title = self.panel.rebooking_title

        self._layout()
        self._actions()
        self._connect()
        self.go_to(self._day)
        self._load_rebooking()
        self._update_buttons()

    # -- building -------------------------------------------------------------------------
    def _grid(self, model: SlotGridModel, name: str) -> QTableView:
        table = QTableView()
        table.setObjectName(name)
        table.setModel(model)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setDragEnabled(True)
        table.setAcceptDrops(True)
        table.setDropIndicatorShown(True)
        table.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        table.setDefaultDropAction(Qt.DropAction.MoveAction)
        # Always "on the item": a drop between two slots would mean nothing here.
        table.setDragDropOverwriteMode(True)
        table.setWordWrap(True)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.verticalHeader().setDefaultSectionSize(28)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setMinimumSectionSize(150)
        table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        return table

    def _layout(self) -> None:
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.today_button)
        navigation.addWidget(self.next_button)
        navigation.addSpacing(12)
        navigation.addWidget(self.range_label, 1)
        navigation.addWidget(self.legend)
        actions = QHBoxLayout()
        for button in (
            self.book_button,
            self.move_button,
            self.cancel_button,
            self.arrived_button,
            self.noshow_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(navigation)
        left_layout.addLayout(actions)
        left_layout.addWidget(self.message)
        left_layout.addWidget(self.tabs, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    def _shortcut(
        self, text: str, keys: Sequence[QKeySequence | str], slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) if isinstance(k, str) else k for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _actions(self) -> None:
        self.previous_action = self._shortcut(
            "Previous", ["PgUp", "Ctrl+Left"], lambda: self.step(-1)
        )
        self.next_action = self._shortcut("Next", ["PgDown", "Ctrl+Right"], lambda: self.step(1))
        self.today_action = self._shortcut("Today", ["T"], self.go_today)
        self.refresh_action = self._shortcut("Reload", ["F5"], self.refresh)
        self.move_action = self._shortcut("Move\u2026", ["M"], self._move_current)
        self.cancel_action = self._shortcut(
            "Cancel appointment\u2026", ["Delete"], self._cancel_current
        )
        self.arrived_action = self._shortcut("Arrived", ["A"], self._arrived_current)
        self.noshow_action = self._shortcut("Did not attend\u2026", ["D"], self._noshow_current)

    def _connect(self) -> None:
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.tabs.currentChanged.connect(lambda _index: self.go_to(self._day))
        for table, model in ((self.week_table, self.week_model), (self.day_table, self.day_model)):
            table.activated.connect(self._activated)
            table.customContextMenuRequested.connect(self._context_menu)
            selection = table.selectionModel()
            selection.currentChanged.connect(lambda *_args: self._update_buttons())
            selection.selectionChanged.connect(lambda *_args: self._update_buttons())
            model.move_requested.connect(self.move_appointment, Qt.ConnectionType.QueuedConnection)
            model.book_requested.connect(self.book_dose, Qt.ConnectionType.QueuedConnection)
        self.book_button.clicked.connect(self.book_selected_dose_here)
        self.move_button.clicked.connect(self._move_current)
        self.cancel_button.clicked.connect(self._cancel_current)
        self.arrived_button.clicked.connect(self._arrived_current)
        self.noshow_button.clicked.connect(self._noshow_current)
        self.panel.book_course.connect(self._book_course)
        self.panel.dose_chosen.connect(self._dose_chosen)
        self.panel.rebooking_chosen.connect(self._rebooking_chosen)

    # -- where the calendar is ------------------------------------------------------------------
    @property
    def day(self) -> dt.date:
        return self._day

    def current_table(self) -> QTableView:
        return self.day_table if self.tabs.currentIndex() == DAY else self.week_table

    def current_model(self) -> SlotGridModel:
        return self.day_model if self.tabs.currentIndex() == DAY else self.week_model

    def show_week_view(self) -> None:
        self.tabs.setCurrentIndex(WEEK)

    def show_day_view(self) -> None:
        self.tabs.setCurrentIndex(DAY)

    @property
    def busy(self) -> bool:
        """True while something the calendar asked for is still being read or saved."""
        return self._ops.busy

    def go_to(self, day: dt.date, *, then: Callable[[], None] | None = None) -> None:
        """Show the week (or day) containing ``day``; keep the chosen slot if still shown."""
        table, model = self.current_table(), self.current_model()
        kept = model.slot_at(self.chosen_index())
        self._day = day
        first, last = model.range_of(day)
        self._grid_request += 1
        request = self._grid_request

        def arrived(days: list[SessionDay]) -> None:
            if request != self._grid_request:
                return
            model.show_days(first, last, days)
            self._grid_shown(table, model, day, kept)
            if then is not None:
                then()

        self._ops.read(
            lambda uow: slot_occupancy(uow, first, last),
            arrived,
            failed=lambda error: self.show_message(error_text(error), error=True),
        )

    def _grid_shown(
        self,
        table: QTableView,
        model: SlotGridModel,
        day: dt.date,
        kept: SlotOccupancy | None,
    ) -> None:
        if model is self.day_model:
            self.range_label.setText(f"{day:%A %d %B %Y}")
        else:
            monday = self.week_model.first_day
            self.range_label.setText(f"Week of {monday:%A %d %B %Y}")
        if not model.sessions:
            self.range_label.setText(self.range_label.text() + "  \u2014  no sessions")
        self._apply_focus()
        index = model.index_of_slot(kept.slot_id) if kept else QModelIndex()
        if index.isValid():
            table.setCurrentIndex(index)
        else:
            # The keyboard starts here; nothing is highlighted until a person picks.
            table.selectionModel().setCurrentIndex(
                model.first_slot_index(), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        self._update_buttons()
        self.shown.emit()

    def step(self, direction: int) -> None:
        days = 1 if self.tabs.currentIndex() == DAY else 7
        self.go_to(self._day + dt.timedelta(days=days * direction))

    def go_today(self) -> None:
        self.go_to(self._today())

    def refresh(self, *, then: Callable[[], None] | None = None) -> None:
        """Read the grid, the patient's doses and the rebooking list again; ``then`` runs
        once all three are on screen."""
        waiting = [3]

        def one_done() -> None:
            waiting[0] -= 1
            if waiting[0] == 0 and then is not None:
                then()

        self._load_timeline(one_done)
        self._load_rebooking(one_done)
        self.go_to(self._day, then=one_done)

    def select_slot(self, slot_id: int) -> bool:
        index = self.current_model().index_of_slot(slot_id)
        if index.isValid():
            self.current_table().setCurrentIndex(index)
        return index.isValid()

    def chosen_index(self) -> QModelIndex:
        """The slot a person picked (clicked or moved to with the keyboard), if any."""
        table = self.current_table()
        index = table.currentIndex()
        return index if table.selectionModel().isSelected(index) else QModelIndex()

    def current_slot_id(self) -> int | None:
        slot = self.current_model().slot_at(self.chosen_index())
        return slot.slot_id if slot else None

    def current_appointment(self) -> BookedPatient | None:
        return self.current_model().target_appointment(self.chosen_index())

    # -- the patient -------------------------------------------------------------------------
    def set_patient(
        self, patient_id: int | None, *, then: Callable[[], None] | None = None
    ) -> None:
        """Show this patient's doses beside the calendar (the roster's selection)."""
        self._patient_id = patient_id
        self._load_timeline(then)

    @property
    def patient_id(self) -> int | None:
        return self._patient_id

    def _load_timeline(self, then: Callable[[], None] | None = None) -> None:
        self._timeline_request += 1
        request, patient_id, today = self._timeline_request, self._patient_id, self._today()

        def arrived(timeline: PatientTimeline | None) -> None:
            if request != self._timeline_request:
                return
            self.panel.show_timeline(timeline)
            self._apply_focus()
            self._update_buttons()
            if then is not None:
                then()

        if patient_id is None:
            arrived(None)
            return
        self._ops.read(
            lambda uow: patient_timeline(uow, patient_id, today=today),
            arrived,
            failed=lambda error: self.show_message(error_text(error), error=True),
        )

    def selected_dose(self) -> TimelineEntry | None:
        return self.panel.selected_dose()

    def choose_dose(self, appointment_id: int) -> bool:
        return self.panel.choose_dose(appointment_id)

    def _dose_chosen(self) -> None:
        entry = self.selected_dose()
        self._apply_focus()
        self._update_buttons()
        if entry is None:
            return
        shown = self.current_model()
        if entry.slot_start is not None and entry.status in (
            AppointmentStatus.BOOKED,
            AppointmentStatus.ARRIVED,
        ):
            if not shown.first_day <= entry.slot_start.date() <= shown.last_day:
                self.go_to(entry.slot_start.date())
            return
        if entry.bookable:
            start = max(entry.window_earliest, self._today())
            if not shown.first_day <= start <= shown.last_day:
                self.go_to(start)

    def _apply_focus(self) -> None:
        """Light up the slots the chosen dose may go into (the service's own rules)."""
        entry = self.selected_dose()
        patient_id = self._patient_id
        if entry is None or not entry.bookable:
            for model in (self.week_model, self.day_model):
                model.set_focus(patient_id, frozenset())
            return
        today = self._today()

        def arrived(options: Sequence[SlotChoice]) -> None:
            if self.selected_dose() != entry:
                return  # another dose was chosen meanwhile
            if not options:
                self.show_message(
                    f"No free slot fits {entry.label} between "
                    f"{format_date(entry.window_earliest)} and "
                    f"{format_date(entry.window_latest)}: the days are full, taken by the "
                    "patient's other doses, or too close to them. Add a session or ask the "
                    "prescriber.",
                    error=True,
                )
            fits = frozenset(option.slot_id for option in options)
            for model in (self.week_model, self.day_model):
                model.set_focus(patient_id, fits)

        self._ops.read(
            lambda uow: slot_options(uow, entry.appointment_id, today=today),
            arrived,
            failed=lambda error: self.show_message(error_text(error), error=True),
        )

    # -- booking -----------------------------------------------------------------------------
    def book_selected_dose_here(self) -> None:
        entry, slot_id = self.selected_dose(), self.current_slot_id()
        if entry is None or not entry.bookable or slot_id is None:
            self.show_message("Choose a dose to book on the right, then a free slot.", error=True)
            return
        self.book_dose(entry.appointment_id, slot_id)

    def book_dose(self, appointment_id: int, slot_id: int) -> None:
        self._ops.write(
            book_appointment.bind(appointment_id, slot_id, today=self._today()),
            lambda booked: self._after_change(
                f"Booked {booked.label} for {describe_start(booked.start)}.", slot_id
            ),
            failed=self._refused_and_reload,
        )

    def move_appointment(self, appointment_id: int, slot_id: int) -> None:
        self._ops.write(
            move_appointment.bind(appointment_id, slot_id, today=self._today()),
            lambda moved: self._after_change(
                f"Moved {moved.label} to {describe_start(moved.start)}.", slot_id
            ),
            failed=self._refused_and_reload,
        )

    def _book_course(self) -> None:
        self.open_booking_dialog()

    def open_booking_dialog(self, course_id: int | None = None) -> BookingDialog | None:
        if course_id is None:
            entry = self.selected_dose()
            if entry is not None and entry.course_id is not None:
                course_id = entry.course_id
            elif self.panel.timeline_data is not None and self.panel.timeline_data.course_ids:
                course_id = self.panel.timeline_data.course_ids[0]
        if course_id is None:
            self.show_message("Choose a patient with an active course first.", error=True)
            return None
        dialog = BookingDialog(self._ops, course_id, self._today(), self)
        dialog.booked.connect(
            lambda result: self._after_change(
                f"Booked {len(result.booked)} dose" + ("" if len(result.booked) == 1 else "s") + "."
            )
        )
        self._show_dialog(dialog)
        return dialog

    # -- actions on a booked appointment ----------------------------------------------------------
    def appointment_actions(self, appointment: BookedPatient) -> list[QAction]:
        """The actions offered for one appointment (the context menu shows these)."""
        booked = appointment.status is AppointmentStatus.BOOKED
        waiting = appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
        entries = [
            ("Move\u2026", booked, lambda: self.open_move_dialog(appointment)),
            ("Cancel appointment\u2026", booked, lambda: self.open_cancel_dialog(appointment)),
            ("Mark arrived", booked, lambda: self.mark_arrived(appointment)),
            ("Did not attend\u2026", waiting, lambda: self.open_noshow_dialog(appointment)),
            ("Show patient", True, lambda: self.set_patient(appointment.patient_id)),
        ]
        actions = []
        for text, enabled, run in entries:
            action = QAction(text, self)
            action.setEnabled(enabled)
            action.triggered.connect(lambda _checked=False, run=run: run())
            actions.append(action)
        return actions

    def _context_menu(self, position: QPoint) -> None:
        table = self.current_table()
        index = table.indexAt(position)
        slot = self.current_model().slot_at(index)
        if slot is None:
            return
        table.setCurrentIndex(index)
        menu = QMenu(self)
        entry = self.selected_dose()
        if entry is not None and entry.bookable and slot.free:
            book = menu.addAction(f"Book {entry.label} here")
            book.triggered.connect(self.book_selected_dose_here)
        if len(slot.patients) == 1:
            (patient,) = slot.patients
            menu.addSection(f"{patient.name} \u00b7 {patient.label}")
            menu.addActions(self.appointment_actions(patient))
        else:
            for patient in slot.patients:
                submenu = menu.addMenu(f"{patient.name} \u00b7 {patient.label}")
                submenu.addActions(self.appointment_actions(patient))
        if menu.actions():
            menu.exec(table.viewport().mapToGlobal(position))

    def open_move_dialog(self, appointment: BookedPatient) -> None:
        """Offer the free slots the appointment may move to (read first, then shown)."""
        today = self._today()
        self._ops.read(
            lambda uow: slot_options(uow, appointment.appointment_id, today=today),
            lambda options: self._show_move_dialog(appointment, options),
            failed=lambda error: self.show_message(error_text(error), error=True),
        )

    def _show_move_dialog(self, appointment: BookedPatient, options: Sequence[SlotChoice]) -> None:
        dialog = SlotPickerDialog(
            f"Move {appointment.name}",
            f"Choose a new slot for {appointment.name}'s {appointment.label}. "
            "Only free slots inside the dose's window are listed; you can also drag the "
            "appointment onto a free slot in the calendar.",
            options,
            self,
        )

        def chosen() -> None:
            slot_id = dialog.chosen_slot()
            if slot_id is not None:
                self.move_appointment(appointment.appointment_id, slot_id)

        dialog.accepted.connect(chosen)
        self._show_dialog(dialog)

    def open_cancel_dialog(self, appointment: BookedPatient) -> ReasonDialog:
        dialog = ReasonDialog(
            f"Cancel {appointment.name}'s appointment",
            f"Why is {appointment.name}'s {appointment.label} cancelled? The dose goes back "
            "on their list to book again.",
            CANCEL_REASONS,
            accept_text="Cancel appointment",
            parent=self,
        )

        def confirmed() -> None:
            self._ops.write(
                cancel_appointment.bind(
                    appointment.appointment_id, dialog.text(), today=self._today()
                ),
                lambda _none: self._after_change(
                    f"Cancelled {appointment.name}'s {appointment.label}."
                ),
                failed=self._refused_and_reload,
            )

        dialog.accepted.connect(confirmed)
        self._show_dialog(dialog)
        return dialog

    def mark_arrived(self, appointment: BookedPatient) -> None:
        self._ops.write(
            mark_arrived.bind(appointment.appointment_id, today=self._today()),
            lambda _none: self._after_change(f"{appointment.name} has arrived."),
            failed=lambda error: self.show_message(error_text(error), error=True),
        )

    def open_noshow_dialog(self, appointment: BookedPatient) -> ReasonDialog:
        dialog = ReasonDialog(
            f"{appointment.name} did not attend",
            f"Record why {appointment.name} missed their {appointment.label}. The dose is "
            "planned again and the patient goes on the recall list.",
            NOSHOW_REASONS,
            accept_text="Record did not attend",
            parent=self,
        )
        dialog.reason.setCurrentIndex(0)

        def confirmed() -> None:
            self._ops.write(
                mark_did_not_attend.bind(
                    appointment.appointment_id, today=self._today(), reason=dialog.text()
                ),
                lambda _none: self._after_change(
                    f"Recorded that {appointment.name} did not attend."
                ),
                failed=lambda error: self.show_message(error_text(error), error=True),
            )

        dialog.accepted.connect(confirmed)
        self._show_dialog(dialog)
        return dialog

    def _move_current(self) -> None:
        appointment = self._current_or_explain()
        if appointment is not None:
            self.open_move_dialog(appointment)

    def _cancel_current(self) -> None:
        appointment = self._current_or_explain()
        if appointment is not None:
            self.open_cancel_dialog(appointment)

    def _arrived_current(self) -> None:
        appointment = self._current_or_explain()
        if appointment is not None:
            self.mark_arrived(appointment)

    def _noshow_current(self) -> None:
        appointment = self._current_or_explain()
        if appointment is not None:
            self.open_noshow_dialog(appointment)

    def _current_or_explain(self) -> BookedPatient | None:
        appointment = self.current_appointment()
        if appointment is None:
            slot = self.current_model().slot_at(self.chosen_index())
            if slot is not None and len(slot.patients) > 1:
                self.show_message(
                    "Several patients are in this slot: right-click it to choose one, "
                    "or choose the patient on the roster first.",
                    error=True,
                )
            else:
                self.show_message("Select a booked appointment first.", error=True)
        return appointment

    # -- internals ----------------------------------------------------------------------------
    def _activated(self, index: QModelIndex) -> None:
        """Double-click or Enter: book the chosen dose into a free slot."""
        slot = self.current_model().slot_at(index)
        entry = self.selected_dose()
        if slot is None:
            return
        if entry is not None and entry.bookable and slot.free:
            self.book_dose(entry.appointment_id, slot.slot_id)
            return
        appointment = self.current_model().target_appointment(index)
        if appointment is not None and appointment.patient_id != self._patient_id:
            self.set_patient(appointment.patient_id)

    def _after_change(self, text: str, slot_id: int | None = None) -> None:
        def reloaded() -> None:
            if slot_id is not None:
                self.select_slot(slot_id)
            self.show_message(text)
            self.changed.emit()

        self.refresh(then=reloaded)

    def _refused_and_reload(self, error: Exception) -> None:
        """A booking the database refused (a slot just taken): say so, show it as it is."""
        self.refresh(then=lambda: self.show_message(error_text(error), error=True))

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("problem", error)
        colour = "#b42318" if error else "#1b6e3a"
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _show_dialog(self, dialog: QWidget) -> None:
        self._dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_args: self._forget_dialog(dialog))
        open_dialog = getattr(dialog, "open", None)
        if callable(open_dialog):
            open_dialog()

    def _forget_dialog(self, dialog: QWidget) -> None:
        if self._dialog is dialog:
            self._dialog = None

    @property
    def open_dialog(self) -> QWidget | None:
        """The dialog the calendar has open (move, cancel, did not attend, course)."""
        return self._dialog

    def _load_rebooking(self, then: Callable[[], None] | None = None) -> None:
        today = self._today()

        def arrived(rows: list[AffectedAppointment]) -> None:
            self.panel.show_rebooking(rows)
            if then is not None:
                then()

        self._ops.read(
            lambda uow: rebooking_list(uow, today=today),
            arrived,
            failed=lambda error: self.show_message(error_text(error), error=True),
        )

    def _rebooking_chosen(self, patient_id: int, appointment_id: int) -> None:
        if patient_id != self._patient_id:
            self.set_patient(patient_id, then=lambda: self._choose(appointment_id))
        else:
            self.choose_dose(appointment_id)

    def _choose(self, appointment_id: int) -> None:
        self.choose_dose(appointment_id)

    def _update_buttons(self) -> None:
        entry = self.selected_dose()
        slot = self.current_model().slot_at(self.chosen_index())
        appointment = self.current_appointment()
        bookable = entry is not None and entry.bookable
        self.book_button.setEnabled(bool(bookable and slot is not None and slot.free))
        if bookable and entry is not None:
            self.book_button.setText(f"&Book {entry.label} here")
        else:
            self.book_button.setText("&Book here")
        booked = appointment is not None and appointment.status is AppointmentStatus.BOOKED
        self.move_button.setEnabled(booked)
        self.cancel_button.setEnabled(booked)
        self.arrived_button.setEnabled(booked)
        self.noshow_button.setEnabled(
            appointment is not None
            and appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
        )


def _legend() -> QWidget:
    """Coloured chips saying what each cell colour means."""
    keys = (
        (FREE, "free"),
        (FITS, "fits the chosen dose"),
        (MINE, "this patient"),
        (FULL, "full"),
        (CANCELLED, "cancelled"),
    )
    legend = QWidget()
    legend.setObjectName("calendarLegend")
    row = QHBoxLayout(legend)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for colour, text in keys:
        chip = QLabel(text)
        chip.setStyleSheet(
            f"background: {colour.name()}; border: 1px solid #9aa5b1; border-radius: 3px;"
            " padding: 1px 6px; font-size: 9pt;"
        )
        row.addWidget(chip)
    return legend
