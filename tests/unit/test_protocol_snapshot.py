"""A course's snapshot reads back as exactly the template that was prescribed."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from clinic_app.domain.protocol import Dose, Interval, LoadingStep, Maintenance, Protocol
from clinic_app.domain.protocol_snapshot import SnapshotError, protocol_from_json, protocol_to_json
from clinic_app.services.library.protocols import load_protocol_library

SHIPPED = load_protocol_library().all()


@pytest.mark.parametrize("protocol", SHIPPED, ids=[p.id for p in SHIPPED])
def test_every_shipped_template_round_trips_exactly(protocol: Protocol) -> None:
    back = protocol_from_json(protocol_to_json(protocol))
    assert back == protocol
    assert repr(back) == repr(protocol)  # same types too: tuples stay tuples, ints ints
    assert isinstance(back.routes, tuple) and isinstance(back.loading.steps, tuple)


def test_all_eight_regimens_are_covered() -> None:
    assert len(SHIPPED) >= 8


def test_nested_optional_values_survive() -> None:
    base = next(p for p in SHIPPED if p.id == "hydroxo-smpc")
    edited = replace(
        base,
        loading=replace(
            base.loading,
            steps=(
                LoadingStep(2, 4),
                LoadingStep(7, None, per_week=1, dose=Dose(250, "microgram")),
            ),
            review_every=Interval(2, "weeks"),
        ),
        maintenance=Maintenance(Interval(10, "weeks"), Dose(1000, "microgram"), doses=6),
        disagreements=(),
    )
    assert protocol_from_json(protocol_to_json(edited)) == edited


def test_a_snapshot_written_before_a_field_existed_still_loads() -> None:
    data = json.loads(protocol_to_json(SHIPPED[0]))
    del data["disagreements"], data["origin"]
    back = protocol_from_json(json.dumps(data))
    assert back.disagreements == () and back.origin == ""
    assert back.maintenance == SHIPPED[0].maintenance


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.pop("drug"), "protocol.drug: is missing"),
        (lambda d: d.update(drug="methylcobalamin"), "protocol.drug"),
        (
            lambda d: d["maintenance"]["every"].update(amount="three"),
            "protocol.maintenance.every.amount",
        ),
        (lambda d: d.update(routes="IM"), "protocol.routes"),
    ],
)
def test_a_damaged_snapshot_names_the_field(change: object, where: str) -> None:
    data = json.loads(protocol_to_json(SHIPPED[0]))
    change(data)  # type: ignore[operator]
    with pytest.raises(SnapshotError, match=where.replace(".", r"\.")):
        protocol_from_json(json.dumps(data))


def test_text_that_is_not_json_is_refused_clearly() -> None:
    with pytest.raises(SnapshotError, match="not valid JSON"):
        protocol_from_json("{broken")
