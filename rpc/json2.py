"""Odoo 19's JSON-2 API: ``POST /json/2/<model>/<method>`` with an API key.

``Authorization: bearer <api key>``; the body is a JSON object of named
arguments (``ids`` for record methods, ``context``); the answer is the bare
JSON result. Errors are HTTP statuses with the serialized exception as body
(400 bad request, 401 credentials, 403 rights, 404 unknown model, method or
record, 415 not JSON, 422 invalid values), as odoo/odoo#219446 describes.
It is one more front over ``call_kw``.
"""
from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from compat.errors import serialize_exception
from models.db import Cursor
from models.env import Env
from models.exceptions import (AccessDenied, AccessError, MissingError, SessionExpired,
                               UserError, ValidationError)

from .dispatch import call_kw
from .jsonrpc import JSON_HEADERS, dumps, log_error
from .service import RPC_SERVICE, deadline, RpcService

STATUS = (
    (AccessDenied, 401), (SessionExpired, 401), (AccessError, 403), (MissingError, 404),
    (KeyError, 404), (AttributeError, 404), (ValidationError, 422), (UserError, 422),
    (ValueError, 422), (TypeError, 400), (TimeoutError, 504),
)


def _status(exc: BaseException) -> int:
    for klass, status in STATUS:
        if isinstance(exc, klass):
            return status
    return 500


def _error(exc: BaseException, debug: bool, status: int | None = None) -> web.Response:
    return web.Response(status=status or _status(exc), headers=JSON_HEADERS,
                        body=dumps(serialize_exception(exc, debug)))


async def _bearer_uid(service: RpcService, request: web.Request) -> int:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AccessDenied()

    async def unit(cr: Cursor) -> int | None:
        return await service.registry["res.users.apikeys"]._uid_for_key(
            Env(cr, service.registry, None), key.strip())

    uid = await service.run(unit, readonly=True)
    if uid is None:
        raise AccessDenied()
    return uid


async def json2(request: web.Request) -> web.Response:
    service = request.app[RPC_SERVICE]
    debug = service.settings.debug
    if request.content_type != "application/json":
        return _error(TypeError("Content-Type must be application/json"), debug, status=415)
    if request.headers.get("Content-Encoding", "identity").lower() not in ("identity", ""):
        # as the JSON-RPC and XML-RPC fronts: no inflating of request bodies
        return _error(ValueError("Compressed requests are not accepted"), debug, status=400)
    try:
        database = request.headers.get("X-Odoo-Database")
        if database:
            service.check_db(database, request.host)
        uid = await _bearer_uid(service, request)
        body = await request.read()
        try:
            params = orjson.loads(body) if body.strip() else {}
        except (orjson.JSONDecodeError, ValueError, RecursionError):
            return _error(ValueError("Invalid JSON data"), debug, status=400)
        if not isinstance(params, dict):
            return _error(TypeError("The body must be a JSON object of named arguments"), debug,
                          status=400)
        kwargs: dict[str, Any] = dict(params)
        with deadline(service):
            result = await call_kw(service, uid, request.match_info["model"],
                                   request.match_info["method"], [], kwargs, session=False)
    except web.HTTPException:
        raise
    except Exception as exc:  # mapped to a status once, here
        log_error(request, exc)
        return _error(exc, debug)
    return web.Response(body=dumps(result), headers=JSON_HEADERS)
