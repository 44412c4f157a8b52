"""Load the clinic's threshold files (platelet bands, INR wording) from package data.

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

from clinic_app.domain.platelet_bands import PlateletRules, ThresholdError, parse_platelet_rules

PLATELETS_FILE = "platelets.toml"


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


def load_platelet_rules(entry: Traversable) -> PlateletRules:
    source = str(entry) if isinstance(entry, Path) else f"thresholds/{entry.name}"
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ThresholdError(source, "", f"cannot be read: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ThresholdError(source, "", f"is not valid TOML: {error}") from None
    return parse_platelet_rules(data, source)
