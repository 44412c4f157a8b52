"""The hazard log names real tests: a control whose test disappears fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "HAZARD_LOG.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def test_every_test_named_in_the_hazard_log_exists() -> None:
    references = REFERENCE.findall(LOG.read_text(encoding="utf-8"))
    assert len(references) > 40
    missing = []
    for path, name in sorted(set(references)):
        source = ROOT / path
        if not source.is_file():
            missing.append(f"{path} (no such file)")
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        if name not in names:
            missing.append(f"{path}::{name}")
    assert not missing, "the hazard log names tests that do not exist:\n" + "\n".join(missing)


def test_every_hazard_has_causes_effects_risk_and_a_tested_control() -> None:
    sections = re.split(r"^## ", LOG.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]
    assert len(sections) >= 20
    for section in sections:
        title = section.splitlines()[0]
        for part in ("**Cause:**", "**Effect:**", "**Initial risk:**", "**Residual risk:**"):
            assert part in section, f"{title}: missing {part}"
        assert REFERENCE.search(section), f"{title}: no control proved by a named test"


SAFETY_CASE = ROOT / "docs" / "SAFETY_CASE.md"
HAZARD = re.compile(
    r"^## (H\d\d) (.+?)$.*?\*\*Residual risk:\*\* ([^=]+)= (\d)", re.MULTILINE | re.DOTALL
)


def test_the_safety_case_summarises_every_hazard_with_its_residual_risk() -> None:
    """DCB0129's report points to the log and its summary cannot drift from it."""
    case = SAFETY_CASE.read_text(encoding="utf-8")
    assert "](HAZARD_LOG.md)" in case
    hazards = HAZARD.findall(LOG.read_text(encoding="utf-8"))
    assert len(hazards) >= 20
    for number, title, residual, score in hazards:
        row = f"| {number} | {title.strip()} | {residual.strip()} = {score} |"
        assert row in case, f"SAFETY_CASE.md's summary lacks or misstates: {row}"
