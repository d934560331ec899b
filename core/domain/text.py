"""Text as the database and Telegram accept it: no NUL, no other control characters except tab
and line breaks, no lone UTF-16 surrogates (they cannot be encoded as UTF-8), no noncharacters
U+FFFE/U+FFFF. PostgreSQL refuses NUL in text and JSON and any string that is not valid UTF-8;
Telegram refuses text that is not valid UTF-8.

Chat input is cleaned at the edge (the inbox, before anything is stored); files and command
lines are refused with the position of the first such character.
"""

from __future__ import annotations

import re
from typing import overload

from core.domain import JsonValue

#: The longest reason (rejection, objection) a person may type, in characters.
MAX_REASON = 1000

_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def first_refused(text: str) -> int | None:
    """0-based index of the first character the database or Telegram refuses, or None."""
    found = _REFUSED.search(text)
    return found.start() if found else None


def without_refused(text: str) -> str:
    """TEXT with every refused character removed."""
    return _REFUSED.sub("", text)


def code_point(character: str) -> str:
    """How a character is named in a message: "U+0000"."""
    return f"U+{ord(character):04X}"


@overload
def cleaned(value: str) -> str: ...
@overload
def cleaned(value: dict[str, JsonValue]) -> dict[str, JsonValue]: ...
@overload
def cleaned(value: list[JsonValue]) -> list[JsonValue]: ...
@overload
def cleaned(value: JsonValue) -> JsonValue: ...
def cleaned(value: JsonValue) -> JsonValue:
    """The JSON VALUE (objects, arrays, strings, numbers, booleans, null) with refused characters
    removed from every string, keys included; an object stays an object, an array an array."""
    if isinstance(value, str):
        return without_refused(value) if _REFUSED.search(value) else value
    if isinstance(value, dict):
        return {cleaned(k): cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    return value
