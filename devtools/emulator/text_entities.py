"""Telegram-style HTML parse mode: turn tagged text into plain text plus message entities.

Only the tags Telegram accepts are accepted; anything else is an error worded like Telegram's
("Bad Request: can't parse entities: ..."), so a bot that forgets to escape a '<' in a name
fails in tests the way it would fail in production. Offsets and lengths are UTF-16 code units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*(/?)>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_CHAR_REF = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED = set(_SIMPLE_TAGS) | {"a", "span", "blockquote", "tg-emoji"}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; str(error) is Telegram's description."""


def utf16_length(text: str) -> int:
    """Length of text in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    offset: int


def _entity_for(tag: _Open, offset_end: int, byte_offset: int) -> dict[str, Any] | None:
    length = offset_end - tag.offset
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": tag.offset, "length": length}
    if tag.name in _SIMPLE_TAGS:
        entity["type"] = _SIMPLE_TAGS[tag.name]
    elif tag.name == "a":
        href = tag.attrs.get("href", "")
        entity.update(type="text_link", url=href)
    elif tag.name == "span":
        if tag.attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" '
                f"at byte offset {byte_offset}"
            )
        entity["type"] = "spoiler"
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    else:  # tg-emoji
        entity.update(type="custom_emoji", custom_emoji_id=tag.attrs.get("emoji-id", ""))
    return entity


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a message sent with parse_mode=HTML."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    offset = 0  # UTF-16 units emitted so far
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "<":
            byte_offset = len(source[:pos].encode())
            match = _TAG.match(source, pos)
            if match is None:
                raise EntityParseError(
                    "Bad Request: can't parse entities: Unsupported start tag or unescaped '<' "
                    f"at byte offset {byte_offset}"
                )
            closing, name, attr_text, _self_closing = match.groups()
            name = name.lower()
            if name not in _SUPPORTED:
                kind = "end" if closing else "start"
                raise EntityParseError(
                    f'Bad Request: can\'t parse entities: Unsupported {kind} tag "{name}" '
                    f"at byte offset {byte_offset}"
                )
            if closing:
                if not stack or stack[-1].name != name:
                    raise EntityParseError(
                        f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                        f'{byte_offset}, expected "</{stack[-1].name if stack else ""}>", '
                        f'found "</{name}>"'
                    )
                entity = _entity_for(stack.pop(), offset, byte_offset)
                if entity is not None:
                    entities.append(entity)
            else:
                attrs = {
                    m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
                    for m in _ATTR.finditer(attr_text)
                }
                if name == "a" and "href" not in attrs:
                    attrs["href"] = ""
                stack.append(_Open(name, attrs, offset))
            pos = match.end()
            continue
        if char == "&":
            ref = _CHAR_REF.match(source, pos)
            if ref is not None:
                key = ref.group(1)
                if key.startswith("#x"):
                    decoded = chr(int(key[2:], 16))
                elif key.startswith("#"):
                    decoded = chr(int(key[1:]))
                else:
                    decoded = _NAMED[key]
                out.append(decoded)
                offset += utf16_length(decoded)
                pos = ref.end()
                continue
        out.append(char)
        offset += utf16_length(char)
        pos += 1
    if stack:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1].name}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), _merge_pre_language(entities)


def _merge_pre_language(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """<pre><code class="language-x"> becomes one pre entity with language x, like Telegram."""
    merged: list[dict[str, Any]] = []
    for entity in entities:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous["type"] == "pre"
            and entity["type"] == "code"
            and (previous["offset"], previous["length"]) == (entity["offset"], entity["length"])
        ):
            continue
        merged.append(entity)
    return merged
