"""The JSON-RPC 2.0 envelope as Odoo uses it.

Odoo's rules (``odoo/http.py`` ``JsonRPCDispatcher``): the content type must
be JSON (else HTTP 400), a body that is not JSON is HTTP 400 "Invalid JSON
data", a body that is not an object is HTTP 400 "Invalid JSON-RPC data";
everything after that is HTTP 200 with a ``result`` (omitted when None) or
an ``error`` built by ``compat.errors``.
"""
from __future__ import annotations

import decimal
import logging
from typing import Any, Awaitable, Callable

import orjson
from aiohttp import web

from compat.errors import jsonrpc_error
from models.exceptions import SessionExpired, UserError

from .service import RPC_SERVICE, deadline

_logger = logging.getLogger(__name__)

JSON_MIMETYPES = ("application/json", "application/json-rpc")
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

Handler = Callable[[web.Request, dict[str, Any]], Awaitable[Any]]


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)   # the common case, and the fastest call
    except TypeError:   # Decimal, bytes, sets, non-string keys
        return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)


def bad_request(text: str) -> web.Response:
    return web.Response(status=400, text=text, content_type="text/html")


async def read_body(request: web.Request) -> tuple[Any, dict[str, Any]] | web.Response:
    """(request id, params) or the HTTP 400 Odoo answers."""
    if request.content_type not in JSON_MIMETYPES:
        return bad_request(
            f"Request inferred type is compatible with ['http'] but '{request.path}' is type='json'.")
    if request.headers.get("Content-Encoding", "identity").lower() not in ("identity", ""):
        return bad_request("Compressed JSON-RPC requests are not accepted.")
    max_size = request.app[RPC_SERVICE].settings.max_body_size
    if request.content_length is not None and request.content_length > max_size:
        raise web.HTTPRequestEntityTooLarge(max_size=max_size, actual_size=request.content_length)
    body = await request.read()
    try:
        payload = orjson.loads(body)
    except (orjson.JSONDecodeError, ValueError, RecursionError):
        return bad_request("Invalid JSON data")
    if not isinstance(payload, dict):
        return bad_request("Invalid JSON-RPC data")
    params = payload.get("params", {})
    if params is None:
        params = {}
    request_id = payload.get("id")
    if isinstance(request_id, int) and not -2**53 <= request_id <= 2**53:
        request_id = None          # huge ids would cost the encoder (odoo/odoo#89385)
    if not isinstance(params, dict):
        return response(request_id, error=ValueError("Invalid JSON-RPC params: expected an object"),
                        debug=request.app[RPC_SERVICE].settings.debug)
    return request_id, params


def response(request_id: Any, result: Any = None, error: BaseException | None = None,
             debug: bool = False, headers: dict[str, str] | None = None) -> web.Response:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    if error is not None:
        body["error"] = jsonrpc_error(error, debug)
    elif result is not None:
        body["result"] = result
    return web.Response(body=dumps(body), headers={**JSON_HEADERS, **(headers or {})})


def log_error(request: web.Request, exc: BaseException) -> None:
    if isinstance(exc, (UserError, SessionExpired)):
        _logger.info("%s %s: %s: %s", request.method, request.path, type(exc).__name__, exc)
    elif isinstance(exc, (ValueError, TypeError, KeyError, AttributeError)):
        _logger.warning("%s %s: %s: %s", request.method, request.path, type(exc).__name__, exc)
    else:
        _logger.error("%s %s failed", request.method, request.path, exc_info=exc)


def json_route(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Wrap ``handler(request, params) -> result`` in Odoo's JSON-RPC envelope."""
    async def route(request: web.Request) -> web.StreamResponse:
        decoded = await read_body(request)
        if isinstance(decoded, web.Response):
            return decoded
        request_id, params = decoded
        debug = request.app[RPC_SERVICE].settings.debug
        try:
            with deadline(request.app[RPC_SERVICE]):
                result = await handler(request, params)
        except web.HTTPException:
            raise
        except SessionExpired as exc:
            # Odoo raises it before reading the request, so the id is lost (golden: "id": null).
            log_error(request, exc)
            return response(None, error=exc, debug=debug)
        except Exception as exc:  # every failure becomes an Odoo error object
            log_error(request, exc)
            return response(request_id, error=exc, debug=debug)
        if isinstance(result, web.StreamResponse):
            return result
        try:
            return response(request_id, result)
        except TypeError as exc:   # a result the encoder cannot represent
            log_error(request, exc)
            return response(request_id, error=exc, debug=debug)
    route.__name__ = handler.__name__
    route.__qualname__ = handler.__qualname__
    return route
