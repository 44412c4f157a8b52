"""A protocol template frozen as JSON on the course it was prescribed for.

A clinic may edit or replace a template file at any time; a patient already on a
course must keep being planned from the regimen as it was prescribed. So the course
row carries the whole template, and the engine is always fed this snapshot, never
today's file.

The JSON is ``dataclasses.asdict`` with sorted keys (the shape the demo clinic and
earlier versions wrote). Reading it back is driven by the dataclasses' own type
hints, so a field added to a template class round-trips without touching this module,
and a snapshot written before a field existed still loads with that field's default.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import MISSING, asdict, fields, is_dataclass
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from clinic_app.domain.protocol import Protocol

T = TypeVar("T")


class SnapshotError(ValueError):
    """The stored snapshot cannot be read back into a template (names the field)."""


def protocol_to_json(protocol: Protocol) -> str:
    return json.dumps(asdict(protocol), sort_keys=True)


def protocol_from_json(text: str) -> Protocol:
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as error:
        raise SnapshotError(f"protocol snapshot is not valid JSON: {error}") from None
    return _decode_dataclass(Protocol, data, "protocol")


def _decode(kind: Any, value: Any, path: str) -> Any:
    origin = get_origin(kind)
    if origin is Union or origin is types.UnionType:
        options = get_args(kind)
        if value is None and type(None) in options:
            return None
        # Only "X | None" unions occur in the templates.
        (inner,) = (option for option in options if option is not type(None))
        return _decode(inner, value, path)
    if origin is tuple:
        if not isinstance(value, list):
            raise SnapshotError(f"{path}: expected a list, got {value!r}")
        item_kind = get_args(kind)[0]
        return tuple(_decode(item_kind, item, f"{path}[{n}]") for n, item in enumerate(value))
    if origin is Literal:
        if value not in get_args(kind):
            raise SnapshotError(f"{path}: {value!r} is not one of {list(get_args(kind))}")
        return value
    if isinstance(kind, type) and is_dataclass(kind):
        return _decode_dataclass(kind, value, path)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SnapshotError(f"{path}: expected a number, got {value!r}")
        return value
    if kind in (int, str, bool):
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise SnapshotError(f"{path}: expected {kind.__name__}, got {value!r}")
        return value
    raise SnapshotError(f"{path}: cannot read a field of type {kind!r}")


def _decode_dataclass(kind: type[T], value: Any, path: str) -> T:
    if not isinstance(value, dict):
        raise SnapshotError(f"{path}: expected an object, got {value!r}")
    hints = _hints(kind)
    arguments: dict[str, Any] = {}
    for item in fields(kind):  # type: ignore[arg-type]
        if item.name in value:
            arguments[item.name] = _decode(
                hints[item.name], value[item.name], f"{path}.{item.name}"
            )
        elif item.default is MISSING and item.default_factory is MISSING:
            raise SnapshotError(f"{path}.{item.name}: is missing")
    return kind(**arguments)


def _hints(kind: type) -> dict[str, Any]:
    hints = _HINTS.get(kind)
    if hints is None:
        hints = _HINTS[kind] = typing.get_type_hints(kind)
    return hints


_HINTS: dict[type, dict[str, Any]] = {}
