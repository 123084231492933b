"""One middleware maps every exception of an ``/api/v1`` request to the envelope.

* ``models.exceptions`` classes carry their ``http_status`` and ``code``
  (``ValidationError``: 422 ``VALIDATION_ERROR`` with ``error.field_errors``);
* aiohttp's HTTP exceptions (unknown route 404, wrong method 405, body too
  large 413, bad body 400 raised by ``body.py``) keep their status;
* ``TimeoutError`` (``limit_time_real``) is 504;
* a login cooldown is 429 ``RATE_LIMITED`` with ``Retry-After``;
* anything else is 500 ``INTERNAL_ERROR``, with no detail for the client.

Every error gets an ``error_id`` (uuid4 hex) that is also in the server log
line of the request, so a user's report leads to the traceback.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

from aiohttp import web

from rpc.service import RPC_SERVICE, deadline

from .envelope import failure, is_api

_logger = logging.getLogger(__name__)

HTTP_CODES = {
    400: "BAD_REQUEST", 401: "AUTHENTICATION_FAILED", 403: "FORBIDDEN", 404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED",
}
HTTP_MESSAGES = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}


def _describe(exc: BaseException) -> tuple[int, str, str, dict[str, str] | None]:
    """(status, code, message, field_errors) for the client."""
    status = getattr(exc, "http_status", None)
    if isinstance(status, int) and isinstance(getattr(exc, "code", None), str):
        field_errors = getattr(exc, "field_errors", None)
        code: str = exc.code  # type: ignore[attr-defined]
        return status, code, str(exc), (dict(field_errors or {}) if status == 422 or field_errors else None)
    if isinstance(exc, web.HTTPException):
        message = HTTP_MESSAGES.get(exc.status) or (exc.text or exc.reason or "").strip()
        if message.startswith(f"{exc.status}:"):
            message = exc.reason
        return exc.status, HTTP_CODES.get(exc.status, f"HTTP_{exc.status}"), message, None
    if isinstance(exc, TimeoutError):
        return 504, "TIMEOUT", "The request took too long and was cancelled", None
    return 500, "INTERNAL_ERROR", "Internal server error", None


def error_response(request: web.Request, exc: BaseException) -> web.Response:
    error_id = uuid.uuid4().hex
    status, code, message, field_errors = _describe(exc)
    if status >= 500:
        _logger.error("api error %s: %s %s -> %d %s", error_id, request.method, request.path,
                      status, code, exc_info=exc)
    else:
        _logger.info("api error %s: %s %s -> %d %s: %s", error_id, request.method,
                     request.path, status, code, message)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    retry_after = getattr(exc, "retry_after", None)
    if status == 429 and isinstance(retry_after, int):
        headers["Retry-After"] = str(retry_after)
    if status == 405 and isinstance(exc, web.HTTPException) and "Allow" in exc.headers:
        headers["Allow"] = exc.headers["Allow"]
    return failure(status, code, message, error_id, field_errors=field_errors, headers=headers)


@web.middleware
async def api_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Errors of ``/api/v1`` requests in the envelope; other paths pass through untouched."""
    if not is_api(request.path):
        return await handler(request)
    try:
        with deadline(request.app[RPC_SERVICE]):
            return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(request, exc)
    except Exception as exc:  # mapped once, here: the client gets the envelope, the log the rest
        return error_response(request, exc)
