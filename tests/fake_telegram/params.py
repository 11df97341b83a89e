"""A request's parameters, decoded the same way whether they came over HTTP or in process.

python-telegram-bot sends form fields (strings raw, everything else JSON-encoded) and, with files,
multipart form data; :func:`decode_http` reads that off the wire, :func:`decode_request_data` reads
the same fields from PTB's ``RequestData`` in process. Both end in one ``_coerce``.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

from telegram.request import RequestData

from .records import ApiError, UploadedFile

JSON = dict[str, Any]

# Form values that are strings even when they look like JSON numbers ("123").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_query_id",
        "query",
        "file_id",
        "url",
        "next_offset",
        "parse_mode",
        "title",
        "description",
        "short_description",
        "name",
        "language_code",
        "secret_token",
        "action",
        "emoji",
        "message_effect_id",
        "business_connection_id",
        "inline_message_id",
        "ip_address",
    }
)


def _coerce(key: str, value: Any) -> Any:
    """Form values are strings; PTB JSON-encodes every non-string parameter."""
    if not isinstance(value, str):
        if key in _STRING_PARAMS and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value
    if key in _STRING_PARAMS:
        return value
    stripped = value.strip()
    if stripped and (
        stripped[0] in "[{"
        or stripped in ("true", "false", "null")
        or re.fullmatch(r"-?\d+(\.\d+)?", stripped)
    ):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _parse_multipart(body: bytes, content_type: str) -> JSON:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ApiError(400, "Bad Request: can't parse multipart form data")
    boundary = b"--" + match.group(1).encode("latin-1")
    params: JSON = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part[2:] if part.startswith(b"\r\n") else part
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        if content.endswith(b"\r\n"):
            content = content[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        if not name_match:
            continue
        filename_match = re.search(r'filename="([^"]*)"', disposition)
        name = urllib.parse.unquote(name_match.group(1))
        if filename_match is not None or "content-type" in headers:
            filename = urllib.parse.unquote(filename_match.group(1)) if filename_match else None
            params[name] = UploadedFile(filename, content, headers.get("content-type"))
        else:
            params[name] = content.decode("utf-8", "replace")
    return params


def decode_http(query: str, content_type: str, body: bytes) -> JSON:
    """Return the parameters of an HTTP request: its query string, then its JSON, multipart or
    form body."""
    raw: JSON = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    if body:
        if ctype == "application/json":
            try:
                decoded = json.loads(body.decode("utf-8"))
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON encoded request") from None
            if not isinstance(decoded, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            raw.update(decoded)
        elif ctype == "multipart/form-data":
            raw.update(_parse_multipart(body, content_type))
        else:
            raw.update(
                urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            )
    return {key: _coerce(key, value) for key, value in raw.items()}


def as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ApiError(400, f"Bad Request: invalid {name} specified")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ApiError(400, f"Bad Request: invalid {name} specified") from None


def as_json(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {what} JSON object") from None
    return value


def decode_request_data(data: RequestData | None) -> JSON:
    """Return the parameters PTB's ``HTTPXRequest`` would post for ``data``: its JSON-encoded
    fields, and each file part as an :class:`UploadedFile`."""
    if data is None:
        return {}
    raw: JSON = dict(data.json_parameters)
    for name, (filename, content, mime_type) in data.multipart_data.items():
        payload = content if isinstance(content, bytes) else content.read()
        raw[name] = UploadedFile(filename, payload, mime_type)
    return {key: _coerce(key, value) for key, value in raw.items()}
