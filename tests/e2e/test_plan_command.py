"""``clinic-app plan`` end to end: the real command in a subprocess, as a script calls it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def clinic_app(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "clinic_app", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


def test_json_plan_for_a_standard_course(tmp_path: Path) -> None:
    result = clinic_app(
        "plan", "--protocol", "hydroxo-standard", "--start", "2026-01-05", "--json", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["protocol"] == "hydroxo-standard"
    assert plan["protocol_version"] == "2026.1"
    assert plan["start"] == "2026-01-05"
    assert plan["for_life"] is True
    loading = [dose for dose in plan["doses"] if dose["phase"] == "loading"]
    assert [dose["date"] for dose in loading] == [
        "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16",
    ]  # fmt: skip
    first = plan["doses"][6]
    assert first == first | {
        "number": 7,
        "phase": "maintenance",
        "date": "2026-04-16",
        "earliest": "2026-04-09",
        "latest": "2026-04-30",
        "status": "planned",
    }
    assert plan["doses"][-1]["date"] >= "2028-01-05"  # 24 months ahead by default
    for dose in plan["doses"]:
        assert set(dose) >= {"number", "phase", "date", "earliest", "latest", "status"}
    assert plan["monitoring"][0] == {"date": "2026-04-07", "tests": ["B12", "FBC", "homocysteine"]}


def test_a_history_closures_and_a_frequency_adjustment(tmp_path: Path) -> None:
    result = clinic_app(
        "plan", "--protocol", "hydroxo-standard", "--start", "2026-01-05",
        "--given", "2026-01-05", "2026-01-07", "--given", "2026-01-09",
        "--as-of", "2026-01-12", "--closed", "2026-01-12..2026-01-13", "2026-01-16",
        "--interval-factor", "1.5", "--horizon-months", "6", "--json",
        cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    doses = json.loads(result.stdout)["doses"]
    assert [(d["number"], d["status"]) for d in doses[:3]] == [(n, "given") for n in (1, 2, 3)]
    # Mon 12 and Tue 13 closed; Fri 16 closed: the 3 remaining loading doses move on.
    assert [d["date"] for d in doses if d["phase"] == "loading" and d["status"] == "planned"] == [
        "2026-01-14", "2026-01-19", "2026-01-21",
    ]  # fmt: skip
    # 3 months / 1.5 = 2 months, from Wed 21 January.
    assert [d["date"] for d in doses if d["phase"] == "maintenance"][:2] == [
        "2026-03-20", "2026-05-21",
    ]  # fmt: skip


def test_open_ended_loading_lists_reviews(tmp_path: Path) -> None:
    result = clinic_app(
        "plan", "--protocol", "hydroxo-neuro", "--start", "2026-01-05", "--json", cwd=tmp_path
    )
    plan = json.loads(result.stdout)
    assert next(d["date"] for d in plan["doses"] if d["phase"] == "review") == "2026-01-19"
    assert not [d for d in plan["doses"] if d["phase"] == "maintenance"]

    ended = clinic_app(
        "plan", "--protocol", "hydroxo-neuro", "--start", "2026-01-05",
        "--given", "2026-01-05", "2026-01-07", "--loading-ended", "2026-01-07", "--json",
        cwd=tmp_path,
    )  # fmt: skip
    doses = json.loads(ended.stdout)["doses"]
    assert next(d["date"] for d in doses if d["phase"] == "maintenance") == "2026-03-06"


def test_the_readable_table(tmp_path: Path) -> None:
    result = clinic_app(
        "plan", "--protocol", "post-bariatric", "--start", "2026-01-05", "--horizon-months", "6",
        cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("post-bariatric (version 2026.1): ")
    header = next(line for line in lines if line.lstrip().startswith("No"))
    rows = lines[lines.index(header) + 1 : lines.index(header) + 4]
    assert rows[0].split() == ["1", "maintenance", "Mon", "2026-01-05", "2026-01-05..2026-01-19",
                               "planned", "1", "mg"]  # fmt: skip
    assert rows[1].split()[2:4] == ["Tue", "2026-04-07"]
    # Columns line up: every date starts where the header's Date does.
    column = header.index("Date")
    assert all(row[column : column + 3] in ("Mon", "Tue", "Wed", "Thu", "Fri") for row in rows)
    assert "Monitoring" in lines
    assert "  Tue 2026-04-07  B12, FBC, homocysteine" in lines


def test_a_plan_for_every_shipped_template(tmp_path: Path) -> None:
    for protocol in (
        "hydroxo-standard", "hydroxo-standard-daily", "hydroxo-neuro", "hydroxo-smpc",
        "post-bariatric", "ileal-resection", "cyano-us-label", "cyano-us-1000",
    ):  # fmt: skip
        result = clinic_app("plan", "--protocol", protocol, "--start", "2026-03-02", cwd=tmp_path)
        assert result.returncode == 0, (protocol, result.stderr)
        assert "Monitoring" in result.stdout


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (["--protocol", "hydroxo-magic", "--start", "2026-01-05"], "--protocol"),
        (["--protocol", "hydroxo-standard", "--start", "2026-02-30"], "--start"),
        (["--protocol", "hydroxo-standard", "--start", "05/01/2026"], "--start"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--given", "2026-01-09", "2026-01-07"], "--given"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--given", "2026-01-01"], "--given"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05", "--as-of", "soon"], "--as-of"),
        (["--protocol", "hydroxo-neuro", "--start", "2026-01-05",
          "--loading-ended", "2025-12-01"], "--loading-ended"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--interval-factor", "0"], "--interval-factor"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--interval-factor", "-1.5"], "--interval-factor"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--interval-factor", "fast"], "--interval-factor"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--interval-factor", "1e308"], "--interval-factor"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--open-days", "mon,tue,funday"], "--open-days"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--closed", "2026-02-10..2026-02-01"], "--closed"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--closed", "2026-02-01..later"], "--closed"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05", "--country", "XX"],
         "--country"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--subdivision", "MORDOR"], "--subdivision"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--horizon-months", "0"], "--horizon-months"),
        # Slips that would plan lifelong 3-monthly maintenance every 20 months, or in 2034.
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--interval-factor", "0.15"], "--interval-factor"),
        (["--protocol", "ileal-resection", "--start", "2026-01-05",
          "--interval-factor", "0.01"], "--interval-factor"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--interval-factor", "1.6"], "--interval-factor"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--given", "2026-01-05", "2026-01-09", "--as-of", "2026-01-07"], "--given"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--subdivision", ""], "--subdivision"),
        (["--protocol", "hydroxo-standard", "--start", "2026-01-05",
          "--country", "ID", "--subdivision", "ENG"], "--subdivision"),
        (["--protocol", "hydroxo-standard"], "--start"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line_naming_the_argument(
    tmp_path: Path, args: list[str], argument: str
) -> None:
    result = clinic_app("plan", *args, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("clinic-app plan: error: ")
    assert argument in lines[0]


def test_plan_loads_neither_qt_nor_the_database_layer(tmp_path: Path) -> None:
    code = (
        "import contextlib, io, sys\n"
        "from clinic_app.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['plan', '--protocol', 'hydroxo-standard', '--start', '2026-01-05'])\n"
        "heavy = {'PySide6', 'sqlalchemy', 'reportlab', 'alembic'}\n"
        "print(code, sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 []"


def test_the_factor_range_and_the_region_are_explained_in_the_error(tmp_path: Path) -> None:
    slip = clinic_app(
        "plan", "--protocol", "hydroxo-standard", "--start", "2026-01-05",
        "--interval-factor", "0.15", cwd=tmp_path,
    )  # fmt: skip
    assert "between 0.75 (less often) and 1.5 (more often)" in slip.stderr
    assert "got 0.15" in slip.stderr and "Traceback" not in slip.stderr
    empty = clinic_app(
        "plan", "--protocol", "hydroxo-standard", "--start", "2026-01-05", "--subdivision", "",
        cwd=tmp_path,
    )  # fmt: skip
    assert "use one of ENG, NIR, SCT, WLS" in empty.stderr
    indonesia = clinic_app(
        "plan", "--protocol", "hydroxo-standard", "--start", "2026-01-05",
        "--country", "ID", "--subdivision", "ENG", cwd=tmp_path,
    )  # fmt: skip
    assert "'ENG' is not a region of ID" in indonesia.stderr
    assert "leave --subdivision out" in indonesia.stderr


def test_another_country_plans_without_the_english_region(tmp_path: Path) -> None:
    # The region defaulted to ENG for every country, so --country ID was refused with
    # "'ENG' is not a region of ID".
    result = clinic_app(
        "plan", "--protocol", "post-bariatric", "--start", "2026-01-05", "--country", "ID",
        "--horizon-months", "3", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_the_plan_states_the_effective_interval(tmp_path: Path) -> None:
    args = ("plan", "--protocol", "post-bariatric", "--start", "2026-01-05",
            "--interval-factor", "1.5", "--horizon-months", "6")  # fmt: skip
    table = clinic_app(*args, cwd=tmp_path)
    assert "Maintenance every 2 months (3 months × 1.5 more often)." in table.stdout
    plan = json.loads(clinic_app(*args, "--json", cwd=tmp_path).stdout)
    assert plan["maintenance_interval"] == "every 2 months (3 months × 1.5 more often)"
    second = [d for d in plan["doses"] if d["phase"] == "maintenance"][1]
    # The window scales with the interval: 7 days early and 14 late become 5 and 9.
    assert (second["date"], second["earliest"], second["latest"]) == (
        "2026-03-05", "2026-02-28", "2026-03-14",
    )  # fmt: skip
    less = clinic_app(
        "plan", "--protocol", "post-bariatric", "--start", "2026-01-05",
        "--interval-factor", "0.75", "--horizon-months", "6", cwd=tmp_path,
    )  # fmt: skip
    assert "Maintenance every 4 months (3 months × 0.75 less often)." in less.stdout


def test_a_closure_moves_the_dose_to_the_open_day_before_its_window(tmp_path: Path) -> None:
    result = clinic_app(
        "plan", "--protocol", "hydroxo-standard", "--start", "2026-01-05",
        "--closed", "2026-04-01..2026-05-10", "--horizon-months", "6", "--json", cwd=tmp_path,
    )  # fmt: skip
    first = next(d for d in json.loads(result.stdout)["doses"] if d["phase"] == "maintenance")
    assert (first["date"], first["moved_outside_window"]) == ("2026-03-31", True)


def test_an_undecided_review_shows_as_overdue(tmp_path: Path) -> None:
    result = clinic_app(
        "plan", "--protocol", "hydroxo-neuro", "--start", "2026-01-05", "--given", "2026-01-05",
        "--as-of", "2026-01-26", cwd=tmp_path,
    )  # fmt: skip
    row = next(line for line in result.stdout.splitlines() if "review" in line)
    assert row.split()[:5] == ["1", "review", "Mon", "2026-01-19", "2026-01-16..2026-01-22"]
    assert "overdue" in row
    assert "no decision recorded" in result.stdout
