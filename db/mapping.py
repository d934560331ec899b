"""Rows <-> domain values where a domain dataclass's field names are its table's column names.

`column_values` gives the values to insert (enums stored by their value, tuples as lists for
JSON columns); `from_row` reads the dataclass back. A field without a column of the same name
raises AttributeError at once (the repository round-trip tests read and write every field on
SQLite and PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Collection
from typing import Any, TypeVar

T = TypeVar("T")


def column_values(
    value: Any, *, skip: Collection[str] = ("id",), **stored: Any
) -> dict[str, Any]:
    """The fields of the dataclass VALUE (except SKIP) as column values, enums by value and
    tuples as lists, or from STORED (fields stored another way, e.g. encoded as JSON); STORED
    may also name columns that are not fields."""
    values = {
        name: _stored(getattr(value, name))
        for name in _field_names(type(value))
        if name not in skip and name not in stored
    }
    values.update(stored)
    return values


def from_row(kind: type[T], row: object, **read: Any) -> T:
    """The dataclass KIND with each field read from ROW's column of that name, or from READ
    (fields stored another way, e.g. an enum kept as its value)."""
    names = _field_names(kind)
    return kind(**{name: read[name] if name in read else getattr(row, name) for name in names})


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def _stored(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    return list(value) if isinstance(value, tuple) else value
