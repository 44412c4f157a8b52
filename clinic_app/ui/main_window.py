"""The window a clinic keeps open all day: the roster on the left, the patient on the right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QWidget,
)

from clinic_app import __version__
from clinic_app.domain.changes import Change, Changes
from clinic_app.services.library.protocols import ProtocolLibrary
from clinic_app.services.queries.patients import PatientRecord, get_patient
from clinic_app.services.queries.point_of_care import appointment_to_record
from clinic_app.services.queries.recording import AdministrationContext
from clinic_app.ui.course_panel import CoursePanel
from clinic_app.ui.ops import Ops
from clinic_app.ui.patient_form import PatientForm
from clinic_app.ui.results_panel import ResultsPanel
from clinic_app.ui.roster_model import RosterModel
from clinic_app.ui.roster_panel import RosterPanel

if TYPE_CHECKING:
    from clinic_app.ui.calendar_view import CalendarView
    from clinic_app.ui.clinic_settings_dialog import ClinicSettingsDialog
    from clinic_app.ui.prescribers_dialog import PrescribersDialog
    from clinic_app.ui.sessions_panel import SessionsPanel
    from clinic_app.ui.stock_panel import StockPanel

#: The sections after "Patients", built the first time they are shown: a receptionist
#: searching the roster at 08:00 should not wait for the week view and the stock list.
SECTION_TITLES = ("Patients", "Clinic calendar", "Stock", "Sessions")


class MainWindow(QMainWindow):
    #: A patient's record is on screen (after the roster selection was read).
    patient_shown = Signal(int)
    #: The recording dialog was opened (after today's appointment was looked up).
    recording_opened = Signal(object)

    def __init__(self, ops: Ops, *, library: ProtocolLibrary, database_description: str) -> None:
        super().__init__()
        self.ops = ops
        ops.setParent(self)
        actor, today = ops.actor, ops.today
        self._showing: int | None = None
        #: Where the person was going when they chose to save first (see below).
        self._after_save: Callable[[], None] | None = None
        self._actor = actor
        self._today = today
        self.setWindowTitle("B12 injection clinic")
        self.resize(1280, 800)
        regimens = [(protocol.id, protocol.title) for protocol in library.all()]

        self.roster_model = RosterModel(self.ops, regimen_titles=dict(regimens))
        self.roster = RosterPanel(self.roster_model, regimens)
        self.patient_form = PatientForm(self.ops)
        self.patient_tabs = QTabWidget()
        self.patient_tabs.setObjectName("patientTabs")
        self.patient_tabs.addTab(self.patient_form, "Details")
        self.course_panel = CoursePanel(self.ops, library)
        self.patient_tabs.addTab(self.course_panel, "Courses")
        self.results_panel = ResultsPanel(self.ops)
        self.patient_tabs.addTab(self.results_panel, "Results")

        self.empty_page = QLabel(
            "Select a patient on the left, or press Ctrl+N to add one.\n\n"
            "Search by name (\u201csmith jo\u201d), NHS number or date of birth."
        )
        self.empty_page.setObjectName("emptyPage")
        self.empty_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_page)
        self.pages.addWidget(self.patient_tabs)

        splitter = QSplitter()
        splitter.addWidget(self.roster)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([620, 660])

        self._calendar: CalendarView | None = None
        self._stock: StockPanel | None = None
        self._sessions: SessionsPanel | None = None
        self.sections = QTabWidget()
        self.sections.setObjectName("sections")
        self.sections.setDocumentMode(True)
        self.sections.addTab(splitter, SECTION_TITLES[0])
        for title in SECTION_TITLES[1:]:
            self.sections.addTab(QWidget(), title)  # replaced when first shown
        self.sections.currentChanged.connect(self._build_section)
        self.setCentralWidget(self.sections)

        self._build_actions()
        self.user_label = QLabel(f"Working as {actor.display_name} ({actor.role.label})")
        self.database_label = QLabel(f"Database: {database_description}")
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.database_label)

        self.roster.patient_selected.connect(self.show_patient)
        self.patient_form.saved.connect(self._patient_saved)
        self.patient_form.save_finished.connect(self._save_finished)
        # Every command goes through ops, which says what it changed.
        self.ops.changed.connect(self.apply_changes)
        self.roster.refresh()
        self.roster.search.setFocus()

    # -- actions -----------------------------------------------------------------
    def _build_actions(self) -> None:
        self.new_patient_action = QAction("&New patient", self)
        self.new_patient_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_patient_action.triggered.connect(self.new_patient)
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.roster.refresh)
        self.find_action = QAction("&Find patient", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self._focus_search)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        about_action = QAction("&About", self)
        about_action.triggered.connect(self._about)
        self.record_action = QAction("&Record injection…", self)
        self.record_action.setShortcut("Ctrl+I")
        self.record_action.setToolTip(
            "Record an injection for the selected patient (today's appointment, or a walk-in)"
        )
        self.record_action.setEnabled(False)
        self.record_action.triggered.connect(self.record_injection)
        section_actions = []
        for number, name in enumerate(("&Patients", "Clinic &calendar", "&Stock", "S&essions")):
            action = QAction(name, self)
            action.setShortcut(f"Ctrl+{number + 1}")
            action.triggered.connect(
                lambda _checked=False, n=number: self.sections.setCurrentIndex(n)
            )
            section_actions.append(action)

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.new_patient_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        self.calendar_file_action = QAction("Export patient's &calendar (.ics)…", self)
        self.calendar_file_action.setToolTip(
            "Save the selected patient's booked appointments as a calendar file for them"
        )
        self.calendar_file_action.setEnabled(False)
        self.calendar_file_action.triggered.connect(self.export_calendar_file)
        self.settings_action = QAction("Clinic &settings…", self)
        self.settings_action.triggered.connect(self.open_clinic_settings)
        self.prescribers_action = QAction("&Prescribers…", self)
        self.prescribers_action.setToolTip(
            "The clinic's list of prescribers (kept by the practice manager)"
        )
        self.prescribers_action.triggered.connect(self.open_prescribers)
        clinic_menu = self.menuBar().addMenu("&Clinic")
        clinic_menu.addAction(self.record_action)
        clinic_menu.addAction(self.calendar_file_action)
        clinic_menu.addSeparator()
        clinic_menu.addAction(self.settings_action)
        clinic_menu.addAction(self.prescribers_action)
        view_menu = self.menuBar().addMenu("&View")
        for action in section_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.find_action)
        view_menu.addAction(self.refresh_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(about_action)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.new_patient_action)
        toolbar.addAction(self.record_action)
        toolbar.addAction(self.find_action)
        toolbar.addAction(self.refresh_action)
        self.addToolBar(toolbar)

    def new_patient(self) -> None:
        if not self._may_leave_current(then=self.new_patient):
            return
        self.roster.table.clearSelection()
        self.patient_form.load(None)
        self._follow_patient(None)
        self.sections.setCurrentIndex(0)
        self.patient_tabs.setCurrentWidget(self.patient_form)
        self.pages.setCurrentWidget(self.patient_tabs)
        self.patient_form.inputs["nhs_number"].setFocus()

    def show_patient(self, patient_id: int) -> None:
        current = self.patient_form.record
        if current is not None and current.id == patient_id:
            return
        if not self._may_leave_current(then=lambda: self.show_patient(patient_id)):
            if current is not None:
                self.roster.select_patient(current.id)
            return
        self._showing = patient_id

        def shown(record: PatientRecord) -> None:
            if self._showing != patient_id:
                return  # another patient was chosen meanwhile
            self.patient_form.load(record)
            self._follow_patient(record.id)
            self.pages.setCurrentWidget(self.patient_tabs)
            self.patient_shown.emit(record.id)

        def missing(error: Exception) -> None:
            QMessageBox.warning(self, "Patient not found", str(error))
            self.roster.refresh()

        self.ops.read(lambda uow: get_patient(uow, patient_id), shown, failed=missing)

    # -- sections, built on first use -------------------------------------------------
    @property
    def calendar(self) -> CalendarView:
        if self._calendar is None:
            from clinic_app.ui.calendar_view import CalendarView

            self._calendar = CalendarView(self.ops)
            record = self.patient_form.record
            self._calendar.set_patient(record.id if record else None)
            self._install_section(1, self._calendar)
        return self._calendar

    @property
    def stock(self) -> StockPanel:
        if self._stock is None:
            from clinic_app.ui.stock_panel import StockPanel

            self._stock = StockPanel(self.ops)
            self._install_section(2, self._stock)
        return self._stock

    @property
    def sessions(self) -> SessionsPanel:
        if self._sessions is None:
            from clinic_app.ui.sessions_panel import SessionsPanel

            self._sessions = SessionsPanel(self.ops)
            self._install_section(3, self._sessions)
        return self._sessions

    def _build_section(self, index: int) -> None:
        builders: dict[int, Callable[[], QWidget]] = {
            1: lambda: self.calendar,
            2: lambda: self.stock,
            3: lambda: self.sessions,
        }
        if index in builders:
            builders[index]()

    def _install_section(
        self, index: int, panel: CalendarView | StockPanel | SessionsPanel
    ) -> None:
        current = self.sections.currentIndex()
        blocked = self.sections.blockSignals(True)
        placeholder = self.sections.widget(index)
        self.sections.removeTab(index)
        self.sections.insertTab(index, panel, SECTION_TITLES[index])
        if placeholder is not None:
            placeholder.deleteLater()
        self.sections.setCurrentIndex(current)
        self.sections.blockSignals(blocked)

    def open_clinic_settings(self) -> ClinicSettingsDialog:
        from clinic_app.ui.clinic_settings_dialog import ClinicSettingsDialog

        dialog = ClinicSettingsDialog(self.ops, parent=self)
        dialog.open()
        return dialog

    def open_prescribers(self) -> PrescribersDialog:
        from clinic_app.ui.prescribers_dialog import PrescribersDialog

        dialog = PrescribersDialog(self.ops, parent=self)
        dialog.open()
        return dialog

    def export_calendar_file(self) -> None:
        record = self.patient_form.record
        if record is None:
            return
        from clinic_app.services.exports.calendar import calendar_file_name
        from clinic_app.ui.calendar_file_action import export_patient_calendar, saved_message

        name = calendar_file_name(record.details.family_name, record.details.given_name)

        def saved(path: Path | None) -> None:
            if path is not None:
                self.statusBar().showMessage(saved_message(path), 10_000)

        export_patient_calendar(self, self.ops, record.id, name, done=saved)

    def record_injection(self) -> None:
        """Open the recording dialog for the selected patient's appointment today."""
        record = self.patient_form.record
        if record is None:
            return
        today = self._today()

        def read(uow: Any) -> tuple[int | None, AdministrationContext | str]:
            from clinic_app.ui.record_dose_dialog import prepare

            appointment_id = appointment_to_record(uow, record.id, today=today)
            return appointment_id, prepare(uow, record.id, appointment_id, today)

        def open_dialog(found: tuple[int | None, AdministrationContext | str]) -> None:
            from clinic_app.ui.record_dose_dialog import RecordDoseDialog

            appointment_id, prepared = found
            # What the saved dose changed reaches the screens through ops.changed.
            dialog = RecordDoseDialog(self.ops, record.id, appointment_id, prepared, self)
            dialog.open()
            self.recording_opened.emit(dialog)

        self.ops.read(
            read,
            open_dialog,
            failed=lambda error: self._warn("Record injection", error),
        )

    # -- internals ----------------------------------------------------------------
    def _follow_patient(self, patient_id: int | None) -> None:
        """Keep every view about "the patient in hand" on the same person."""
        self.course_panel.show_patient(patient_id)
        self.results_panel.show_patient(patient_id)
        if self._calendar is not None:
            self._calendar.set_patient(patient_id)
        self.record_action.setEnabled(patient_id is not None)
        self.calendar_file_action.setEnabled(patient_id is not None)

    def apply_changes(self, changes: Changes) -> None:
        """Refresh only the screens that show what changed."""
        if changes.touches(Change.PATIENTS, Change.COURSES, Change.BOOKINGS, Change.RECORDS):
            self.roster.refresh()  # the "next due" column
        record = self.patient_form.record
        if record is not None and changes.touches_patient(
            record.id, Change.COURSES, Change.BOOKINGS, Change.RECORDS, Change.SETTINGS
        ):
            self.course_panel.show_patient(record.id)
        if record is not None and changes.touches_patient(
            record.id, Change.RECORDS, Change.COURSES, Change.PATIENTS, Change.SETTINGS
        ):
            self.results_panel.show_patient(record.id)
        calendar = (Change.BOOKINGS, Change.SESSIONS, Change.COURSES, Change.SETTINGS)
        if self._calendar is not None and changes.touches(*calendar):
            self._calendar.refresh()
        if self._stock is not None and changes.touches(Change.STOCK, Change.SETTINGS):
            self._stock.refresh()
        sessions = (Change.SESSIONS, Change.BOOKINGS, Change.SETTINGS)
        if self._sessions is not None and changes.touches(*sessions):
            self._sessions.refresh()

    def _save_finished(self, saved: bool) -> None:
        then, self._after_save = self._after_save, None
        if saved and then is not None:
            then()

    def _patient_saved(self, record: PatientRecord) -> None:
        self._follow_patient(record.id)
        self.statusBar().showMessage(
            f"Saved {record.details.given_name} {record.details.family_name}.", 5000
        )
        self.roster.refresh(select=record.id)

    def _may_leave_current(self, then: Callable[[], None]) -> bool:
        """Ask before unsaved edits are lost; True when it is fine to move on now.

        "Save" starts the save; ``then`` (where the person was going) runs once it is
        saved, and not at all if the save is refused (the problems are shown).
        """
        if self.pages.currentWidget() is not self.patient_tabs or not self.patient_form.is_dirty():
            return True
        if self.patient_form.record is None and not any(
            edit.text().strip() for edit in self.patient_form.inputs.values()
        ):
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "You have unsaved changes to this patient. Save them?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            if self.patient_form.save():
                self._after_save = then
            return False
        return answer == QMessageBox.StandardButton.Discard

    def _warn(self, title: str, error: Exception) -> None:
        QMessageBox.warning(self, title, str(error))

    def _focus_search(self) -> None:
        self.roster.search.setFocus()
        self.roster.search.selectAll()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About",
            f"B12 injection clinic {__version__}\n\n"
            "Roster, regimens, booking and injection records for a GP practice's "
            "vitamin B12 clinic. The app does not prescribe: a prescriber chooses the "
            "regimen, the app plans, books, records and prints.",
        )

    def _close_again(self) -> None:
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_leave_current(then=self._close_again):
            event.accept()
        else:
            event.ignore()
