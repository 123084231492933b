"""What a REST request carries: one JSON object as its body (else a 400/415 in the
envelope), and the record id in its path."""
from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from models.base import MAX_ID
from models.exceptions import MissingError, ValidationError


async def json_object(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    """The body as a dict. ``optional``: an empty body is ``{}``."""
    body = await request.read()
    if not body.strip():
        if optional:
            return {}
        raise web.HTTPBadRequest(text="The request body must be a JSON object")
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Content-Type must be application/json")
    try:
        value = orjson.loads(body)
    except (orjson.JSONDecodeError, ValueError, RecursionError):
        raise web.HTTPBadRequest(text="The request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise web.HTTPBadRequest(text="The request body must be a JSON object")
    errors: dict[str, str] = {}
    _find_nul(value, "", errors)
    if errors:
        raise ValidationError("Invalid request: " + ", ".join(sorted(errors)),
                              field_errors=errors)
    return value


def _find_nul(value: Any, path: str, errors: dict[str, str]) -> None:
    """NUL characters anywhere in the body, by field path (``lines[0].note``).

    No text field holds one, and PostgreSQL refuses them in text: refused here once,
    for every route, rather than as a database error deep in a handler. A loop, not
    recursion: orjson accepts nesting deeper than Python's recursion limit."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                errors[where or "body"] = NUL_MESSAGE
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else key
                if "\x00" in key:
                    errors[name.replace("\x00", "\\0")] = NUL_MESSAGE
                else:
                    stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))


NUL_MESSAGE = "must not contain NUL characters"


def strings(body: dict[str, Any], *required: str, one_of: tuple[str, ...] = ()) -> dict[str, str]:
    """Required non-empty string fields (and at least one of ``one_of``); 422 naming each."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name in (*required, *one_of):
        value = body.get(name)
        if value is None or value == "":
            if name in required:
                errors[name] = "required"
        elif not isinstance(value, str):
            errors[name] = "must be a string"
        else:
            values[name] = value
    if one_of and not any(name in values for name in one_of) and not any(
            name in errors for name in one_of):
        for name in one_of:
            errors[name] = f"required (or {' or '.join(n for n in one_of if n != name)})"
    if errors:
        raise ValidationError("Invalid request: " + ", ".join(sorted(errors)),
                              field_errors=errors)
    return values


def path_id(request: web.Request, what: str, key: str = "id") -> int:
    """The id in the path (routes match digits only): one past the id range is not
    found either, like one that does not exist."""
    value = int(request.match_info[key])
    if not 0 < value <= MAX_ID:
        raise MissingError(f"{what} not found")
    return value


def is_int(value: Any) -> bool:
    """A JSON integer (``true`` is not one, though Python says so)."""
    return isinstance(value, int) and not isinstance(value, bool)


def raise_field_errors(errors: dict[str, str], what: str) -> None:
    """One 422 naming every bad field found, rather than the first."""
    if errors:
        raise ValidationError(f"Invalid {what}: " + ", ".join(sorted(errors)),
                              field_errors=errors)
