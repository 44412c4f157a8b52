"""Load the clinic's threshold files (platelet bands, INR wording, lab tests) from package data.

Unlike a protocol template, a broken threshold file cannot simply be left out: the
platelet bands are a safety control, so a malformed file is refused with a message
naming the file, the field and the problem, and nothing is recorded until it is fixed.
The shipped file is read once per process (it never changes while the app runs).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from clinic_app.domain.lab_tests import LabTestRules, parse_lab_test_rules
from clinic_app.domain.platelet_bands import PlateletRules, ThresholdError, parse_platelet_rules

PLATELETS_FILE = "platelets.toml"
LAB_TESTS_FILE = "lab_tests.toml"


def shipped_thresholds_dir() -> Traversable:
    try:
        return resources.files("clinic_app.resources") / "thresholds"
    except ModuleNotFoundError:
        # Source checkout on PYTHONPATH without an install: resources/ sits beside
        # the package, where setuptools' package-dir mapping takes it from.
        return Path(__file__).resolve().parents[2] / "resources" / "thresholds"


@lru_cache(maxsize=1)
def platelet_rules() -> PlateletRules:
    """The shipped platelet rules (cached): raises ThresholdError if the file is broken."""
    return load_platelet_rules(shipped_thresholds_dir() / PLATELETS_FILE)


@lru_cache(maxsize=1)
def lab_test_rules() -> LabTestRules:
    """The shipped lab tests (cached): units and plausible ranges; raises ThresholdError."""
    return load_lab_test_rules(shipped_thresholds_dir() / LAB_TESTS_FILE)


def load_platelet_rules(entry: Traversable) -> PlateletRules:
    return parse_platelet_rules(*_read(entry))


def load_lab_test_rules(entry: Traversable) -> LabTestRules:
    return parse_lab_test_rules(*_read(entry))


def _read(entry: Traversable) -> tuple[dict[str, Any], str]:
    source = str(entry) if isinstance(entry, Path) else f"thresholds/{entry.name}"
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ThresholdError(source, "", f"cannot be read: {error}") from None
    try:
        return tomllib.loads(text), source
    except tomllib.TOMLDecodeError as error:
        raise ThresholdError(source, "", f"is not valid TOML: {error}") from None
