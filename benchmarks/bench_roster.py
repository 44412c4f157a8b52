"""Roster figures on a 100,000-patient demo clinic (issue: foundation).

Targets: demo --patients 100000 under 2 min; start to a usable roster under 1.5 s;
a search keystroke to updated results under 50 ms; peak memory under 300 MB.

    python -m benchmarks.bench_roster [--patients N] [--database URL] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.machine import describe


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--database", help="reuse an existing demo database URL")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(describe())
    database = args.database
    if database is None:
        folder = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
        database = f"sqlite:///{folder / 'clinic.sqlite'}"
        begin = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "clinic_app",
                "--database",
                database,
                "demo",
                "--patients",
                str(args.patients),
            ],
            check=True,
        )
        print(f"demo --patients {args.patients}: {time.perf_counter() - begin:.1f} s")
    results = []
    for _ in range(args.runs):
        launched = time.time()
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.roster_probe", database, repr(launched)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    last = results[-1]
    print(f"database: {database} ({last['patients']})")
    print(
        f"start to usable roster: median {statistics.median(r['startup_s'] for r in results):.2f} s"
        f" over {len(results)} runs (first page {last['rows_at_start']} rows)"
    )
    print(
        f"search keystroke to updated results: median {last['keystroke_median_ms']:.1f} ms,"
        f" p95 {last['keystroke_p95_ms']:.1f} ms, max {last['keystroke_max_ms']:.1f} ms"
        f" over {last['keystrokes']} keystrokes"
    )
    print(
        f"scroll 50 pages: {last['fetch_50_pages_s'] * 1000:.0f} ms"
        f" ({last['rows_after_scroll']} rows held)"
    )
    print(f"peak memory: {max(r['peak_rss_mb'] for r in results):.0f} MB")


if __name__ == "__main__":
    main()
