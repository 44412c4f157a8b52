"""Wall time of one ``clinic-app plan`` call, start of the interpreter to exit.

Target: under 0.5 s. The command runs in a fresh process each time (as a script or a
person would run it), so the figure includes Python start-up and every import on the
path; the median of several runs is printed with the machine it ran on.

Run: python -m benchmarks.bench_plan_cli
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from benchmarks.machine import describe

RUNS = 11
COMMAND = (
    sys.executable, "-m", "clinic_app", "plan",
    "--protocol", "hydroxo-standard", "--start", "2026-01-05",
    "--given", "2026-01-05", "2026-01-07", "--as-of", "2026-01-12",
    "--closed", "2026-12-29..2026-12-31", "--json",
)  # fmt: skip


def main() -> None:
    subprocess.run(COMMAND, check=True, capture_output=True)  # warm the file cache
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        subprocess.run(COMMAND, check=True, capture_output=True)
        timings.append(time.perf_counter() - began)
    print(
        f"clinic-app plan: median {statistics.median(timings):.3f} s wall, "
        f"min {min(timings):.3f} s, max {max(timings):.3f} s over {RUNS} runs (target < 0.5 s)"
    )
    print(describe())


if __name__ == "__main__":
    main()
