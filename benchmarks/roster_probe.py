"""Runs in a fresh process for bench_roster.py: start the real window, type, scroll.

Started by the parent with the wall-clock time it launched us, so the start-up figure
includes interpreter start, imports, the database check and the first paint.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    gc.disable()  # as `clinic-app` does until its window is up (commands/gui.py, app.py)
    launched = float(sys.argv[2])
    database = sys.argv[1]
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from clinic_app.app import stylesheet
    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.services.library.protocols import load_protocol_library
    from clinic_app.services.queries.users import list_active_users
    from clinic_app.settings import load_settings
    from clinic_app.ui.main_window import MainWindow
    from clinic_app.ui.ops import Ops

    app = QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    settings = load_settings(database_url=database)
    clinic = open_clinic_database(settings)
    library = load_protocol_library(settings.protocols_dir)
    actor = list_active_users(clinic.uow)[0].as_actor()
    window = MainWindow(
        Ops(clinic.uow, actor),
        library=library,
        database_description=clinic.description,
    )
    window.show()
    QTest.qWaitForWindowExposed(window)
    app.processEvents()
    started = time.time() - launched
    gc.freeze()
    gc.enable()
    rows_at_start = window.roster_model.rowCount()

    search = window.roster.search
    timings: list[float] = []
    for text in ("smith jo", "o'b", "943", "03/04/1950", "patel a", "w"):
        search.clear()
        app.processEvents()
        for character in text:
            begin = time.perf_counter()
            QTest.keyClicks(search, character)
            app.processEvents()
            timings.append(time.perf_counter() - begin)
    search.clear()
    app.processEvents()
    scroll_begin = time.perf_counter()
    for _ in range(50):  # scroll through 10,000 rows the way the view asks for them
        window.roster_model.fetchMore(QModelIndex())
    scroll = time.perf_counter() - scroll_begin
    rows_after_scroll = window.roster_model.rowCount()
    window.roster.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    app.processEvents()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "startup_s": started,
                "rows_at_start": rows_at_start,
                "patients": window.roster.summary.text(),
                "keystrokes": len(timings),
                "keystroke_median_ms": statistics.median(timings) * 1000,
                "keystroke_p95_ms": sorted(timings)[int(len(timings) * 0.95)] * 1000,
                "keystroke_max_ms": max(timings) * 1000,
                "fetch_50_pages_s": scroll,
                "rows_after_scroll": rows_after_scroll,
                "peak_rss_mb": peak_mb,
            }
        )
    )


if __name__ == "__main__":
    main()
