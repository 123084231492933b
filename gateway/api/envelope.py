"""The response envelope: ``{success, data, message, error, meta, timestamp}``.

Every answer under ``/api/v1`` has all six keys; ``error`` is null on success
and ``data`` null on failure. ``timestamp`` is UTC, ISO 8601, to the millisecond.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import orjson
from aiohttp import web

PREFIX = "/api/v1"
JSON = "application/json"


def is_api(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _timestamp() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def _response(body: dict[str, Any], status: int,
              headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(status=status, headers=headers,
                        body=orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
                        content_type=JSON)


def ok(data: Any = None, *, message: str | None = None, meta: dict[str, Any] | None = None,
       status: int = 200) -> web.Response:
    return _response({"success": True, "data": data, "message": message, "error": None,
                      "meta": meta, "timestamp": _timestamp()}, status)


def failure(status: int, code: str, message: str, error_id: str, *,
            field_errors: dict[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> web.Response:
    error: dict[str, Any] = {"code": code, "message": message, "error_id": error_id}
    if field_errors is not None:
        error["field_errors"] = field_errors
    return _response({"success": False, "data": None, "message": message, "error": error,
                      "meta": None, "timestamp": _timestamp()}, status, headers)
