"""The day's upkeep in a process of its own, so the window never competes with it.

The upkeep re-plans every course and books maintenance: tens of seconds of Python at
100,000 patients. On a thread of the app it held the interpreter lock for most of that
time and a receptionist's keystrokes waited behind it (p99 458 ms on a 20,000-patient
demo). As a child process (``clinic-app upkeep``, the same command a practice can
schedule) it shares nothing with the window but the database, whose short write
transactions and WAL reads keep both moving.

The database URL goes to the child in its environment, never on its command line,
where any local user could read a server password with ``ps``.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from clinic_app.settings import ENV_PREFIX


class DailyUpkeepProcess(QObject):
    #: The one-line summary the command printed (sessions, courses, doses).
    finished = Signal(str)
    #: What went wrong, in words for the status bar.
    failed = Signal(str)

    def __init__(self, database_url: str, username: str, *, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert(f"{ENV_PREFIX}DATABASE_URL", database_url)
        self._process.setProcessEnvironment(environment)
        self._process.setProgram(sys.executable)
        self._process.setArguments(["-m", "clinic_app", "upkeep", "--as-user", username])
        self._process.finished.connect(self._finished)
        self._process.errorOccurred.connect(self._error)

    def start(self) -> None:
        self._process.start()

    def wait(self, msecs: int = 120_000) -> bool:
        return self._process.waitForFinished(msecs)

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        output = bytes(self._process.readAllStandardOutput().data()).decode(errors="replace")
        errors = bytes(self._process.readAllStandardError().data()).decode(errors="replace")
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            lines = [line for line in output.splitlines() if line.strip()]
            self.finished.emit(lines[-1] if lines else "Daily upkeep done.")
            return
        last = [line for line in errors.splitlines() if line.strip()]
        self.failed.emit(last[-1] if last else f"the upkeep stopped (exit code {code})")

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.failed.emit("the upkeep could not be started")
