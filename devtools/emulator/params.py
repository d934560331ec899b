"""Request parameters of a Bot API call, whichever way the client encoded them.

Telegram accepts a query string, application/x-www-form-urlencoded, application/json and
multipart/form-data. python-telegram-bot's HTTPXRequest sends form fields (strings as they are,
everything else JSON-encoded) and switches to multipart when a file is uploaded; other clients
send JSON. ApiParams reads a value the same way in every case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    """A 400 'Bad Request: ...' error."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class ApiParams:
    """Typed access to the parameters of one call."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self._values = values
        self._files = files

    @classmethod
    async def from_request(cls, request: web.Request) -> ApiParams:
        """Read query string and body (JSON, urlencoded or multipart) of an aiohttp request."""
        values: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise bad_request("can't parse JSON request body") from exc
                if not isinstance(body, dict):
                    raise bad_request("JSON request body must be an object")
                values.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        files[name] = UploadedFile(
                            value.filename, value.content_type, value.file.read()
                        )
                    else:
                        values[name] = value
        return cls(values, files)

    def has(self, name: str) -> bool:
        """Whether the parameter was given (as a value or as an uploaded file)."""
        return self._values.get(name) is not None or name in self._files

    def string(self, name: str, *, required: bool = False) -> str | None:
        """A string parameter."""
        value = self._values.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        """An integer parameter (numeric strings accepted)."""
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def number(self, name: str) -> float | None:
        """A float parameter."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def boolean(self, name: str) -> bool:
        """A boolean parameter; absent means False."""
        value = self._values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        """A parameter holding a JSON object or array (already decoded in JSON bodies)."""
        value = self._values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def input_file(self, name: str) -> UploadedFile | str | None:
        """An InputFile parameter: an upload (directly or via attach://) or a file_id/URL."""
        if name in self._files:
            return self._files[name]
        value = self.string(name)
        if value is not None and value.startswith("attach://"):
            attached = self._files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"file {value} not found in the request")
            return attached
        return value

    def for_log(self) -> dict[str, Any]:
        """Parameters for the call log; uploads shown as a short description."""
        logged: dict[str, Any] = dict(self._values)
        for name, upload in self._files.items():
            logged[name] = f"<upload {upload.filename!r}, {len(upload.data)} bytes>"
        return logged
