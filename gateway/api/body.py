"""Request bodies of the REST API: one JSON object, or a 400/415 in the envelope."""
from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from models.exceptions import ValidationError


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
    return value


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
