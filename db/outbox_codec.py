"""Outbox payloads to and from JSON: the one place where a message kind (core.domain.messages)
becomes
a dict and back.

`encode(payload)` gives the JSON-ready dict stored in `outbox_messages.payload` (the keys are
the dataclass's field names; dates as ISO text, tuples as lists); `decode(kind, data)` builds
the kind's dataclass again, with pydantic's validation of the field types (a stored row that
does not fit its kind raises `PayloadError`, naming the kind).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from core.domain.messages import KIND_TYPES, OutboxPayload


class PayloadError(ValueError):
    """A stored outbox payload does not fit its kind (or the kind is unknown)."""


_ADAPTERS: dict[str, TypeAdapter[OutboxPayload]] = {
    kind: TypeAdapter(cls) for kind, cls in KIND_TYPES.items()
}


def encode(payload: OutboxPayload) -> dict[str, Any]:
    """The JSON-ready dict of PAYLOAD (its kind is stored beside it)."""
    data = _ADAPTERS[payload.KIND].dump_python(payload, mode="json")
    assert isinstance(data, dict)
    return data


def decode(kind: str, data: dict[str, Any]) -> OutboxPayload:
    """The payload of a stored row of KIND; PayloadError when it does not fit."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        raise PayloadError(f"unknown outbox kind {kind!r}")
    try:
        return adapter.validate_python(_upgraded(kind, data))
    except ValidationError as error:
        raise PayloadError(f"outbox payload of kind {kind!r} does not fit: {error}") from error


def _upgraded(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Rows stored before the payloads were typed: the one shape whose keys changed (the
    no-approver alert named its moves' units "from" and "to", which are Python keywords)."""
    if kind == "admin_alert" and data.get("proposals"):
        moves = [
            {
                "id": p.get("id"),
                "nip": p.get("nip"),
                "from_unit": p.get("from_unit", p.get("from")),
                "to_unit": p.get("to_unit", p.get("to")),
            }
            for p in data["proposals"]
        ]
        return {**data, "proposals": moves}
    return data
