"""What a newcomer meets setting the project up on a bare machine (issue step 7, item 7).

Each test reproduces one fault found on a bare Debian 12 root: a PATH without
/usr/sbin, no sudo, no display, setuptools warnings, a network failure in pip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from clinic_app.cli.display_check import missing_display
from tests.pg_server import APT_INSTALL, find_program

ROOT = Path(__file__).resolve().parents[2]
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"  # root's PATH after a plain `su`


def test_system_programs_are_found_without_sbin_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", BARE_PATH)
    runuser = find_program("runuser")
    assert runuser is not None, "runuser (util-linux) is on every Debian machine"
    assert runuser.is_absolute() and os.access(runuser, os.X_OK)


def test_the_postgresql_install_hint_has_both_forms_with_update_first() -> None:
    assert "sudo sh -c 'apt-get update && apt-get install" in APT_INSTALL
    assert "su -c 'apt-get update && apt-get install" in APT_INSTALL


def _as_someone_else(command: list[str]) -> list[str]:
    """Run as an ordinary user: the message for missing packages is for non-root."""
    if os.geteuid() != 0:
        return command
    runuser = find_program("runuser")
    assert runuser is not None
    return [str(runuser), "-u", "nobody", "--", *command]


def test_missing_packages_print_both_sudo_and_su_lines() -> None:
    # The script's text, not its path: the checkout may be in a folder nobody can read.
    setup = (ROOT / "scripts/lib/setup.sh").read_text()
    script = (
        "set -euo pipefail\nSYSTEM_PACKAGES=(clinic-app-no-such-package)\n"
        f"{setup}\nensure_system_packages"
    )
    result = subprocess.run(
        _as_someone_else(["bash", "-c", script]),
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    apt = "apt-get update && apt-get install -y --no-install-recommends clinic-app-no-such-package"
    assert f"    sudo sh -c '{apt}'" in lines
    assert f"    su -c '{apt}'" in lines


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "DISPLAY is not set"),
        ({"DISPLAY": ":9473"}, "cannot reach the display :9473"),
        ({"QT_QPA_PLATFORM": "xcb"}, "DISPLAY is not set"),
        ({"QT_QPA_PLATFORM": "offscreen"}, None),
        ({"WAYLAND_DISPLAY": "wayland-0"}, None),
    ],
)
def test_a_missing_display_is_named(environ: dict[str, str], expected: str | None) -> None:
    problem = missing_display(environ)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem
        assert "clinic-app --help" in problem


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 displays are Linux's")
def test_starting_the_app_with_no_display_says_so_in_one_line(tmp_path: Path) -> None:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    }
    result = subprocess.run(
        [sys.executable, "-m", "clinic_app", "--database", f"sqlite:///{tmp_path / 'c.sqlite'}"],
        capture_output=True,
        text=True,
        check=False,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "no display" in result.stderr
    assert "xcb-cursor0" not in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "c.sqlite").exists()


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_licence_is_an_spdx_string_and_the_build_requirement_is_bounded() -> None:
    project = _pyproject()
    assert isinstance(project["project"], dict)
    assert project["project"]["license"] == "MIT"
    assert isinstance(project["build-system"], dict)
    (setuptools,) = (r for r in project["build-system"]["requires"] if "setuptools" in r)
    assert ">=77" in setuptools and "<" in setuptools


def test_every_shipped_data_folder_is_a_declared_package() -> None:
    """setuptools warns (and will stop building) for data folders not in ``packages``."""
    tool = _pyproject()["tool"]
    assert isinstance(tool, dict)
    packages = set(tool["setuptools"]["packages"])
    for package, folder in tool["setuptools"]["package-dir"].items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_dir() and path.name != "__pycache__" and any(path.iterdir()):
                relative = path.relative_to(ROOT / folder).parts
                assert ".".join((package, *relative)) in packages, path
