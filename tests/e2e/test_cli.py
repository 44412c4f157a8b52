"""The `clinic-app` command as the README tells people to use it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def clinic_app(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clinic_app", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_demo_then_check_then_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    demo = clinic_app("--database", url, "demo", "--patients", "40")
    assert demo.returncode == 0, demo.stderr
    assert "patients: 40" in demo.stdout
    check = clinic_app("--database", url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "integrity: ok" in check.stdout
    assert "patients:        40" in check.stdout
    assert "protocols: 8 loaded" in check.stdout
    assert "platelet thresholds: 4 bands loaded" in check.stdout
    assert "lab tests: 9 tests loaded" in check.stdout
    backup = clinic_app("--database", url, "backup", str(tmp_path / "copy.sqlite"))
    assert backup.returncode == 0, backup.stderr
    assert (tmp_path / "copy.sqlite").stat().st_size > 0
    again = clinic_app("--database", url, "demo", "--patients", "5")
    assert again.returncode == 1
    assert "already has patients" in again.stdout


def test_default_database_lives_in_the_data_directory(tmp_path: Path) -> None:
    result = clinic_app("check", env={"CLINIC_APP_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "data" / "clinic.sqlite").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--patients", "0"], "argument --patients: must be at least 1"),
        (["demo", "--patients", "many"], "argument --patients: invalid int value: 'many'"),
        (["no-such-command"], "argument COMMAND: invalid choice: 'no-such-command'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = clinic_app("--database", f"sqlite:///{tmp_path / 'c.sqlite'}", *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


@pytest.mark.slow
def test_a_plain_install_carries_its_migrations_and_resources(tmp_path: Path) -> None:
    """A non-editable install must find migrations and templates inside the package."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("clinic_app-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "clinic_app/migrations/env.py",
        "clinic_app/migrations/script.py.mako",
        "clinic_app/migrations/versions/0001_initial_clinic_schema.py",
        "clinic_app/resources/protocols/hydroxo-standard.toml",
        "clinic_app/resources/style.qss",
    ):
        assert expected in names
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), wheel],
        check=True,
        timeout=600,
    )
    env = {"PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import clinic_app; print(clinic_app.__file__)"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=tmp_path,
        check=True,
    )
    assert where.stdout.startswith(str(target))
    url = f"sqlite:///{tmp_path / 'plain.sqlite'}"
    result = subprocess.run(
        [sys.executable, "-m", "clinic_app", "--database", url, "check"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "protocols: 8 loaded" in result.stdout
