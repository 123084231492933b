"""The REST envelope, error mapping, error ids in the log, security headers, health."""
from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web

from gateway.app import create_app
from models.exceptions import (AccessDenied, AccessError, MissingError, SessionExpired,
                               UserError, ValidationError)

ENVELOPE_KEYS = {"success", "data", "message", "error", "meta", "timestamp"}


def assert_error(body: dict[str, Any], code: str) -> dict[str, Any]:
    assert set(body) == ENVELOPE_KEYS
    assert body["success"] is False and body["data"] is None
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["error_id"], str) and len(error["error_id"]) == 32
    int(error["error_id"], 16)
    assert body["message"] == error["message"]
    assert body["timestamp"].endswith("Z")
    return error


async def test_health_answers_in_the_envelope(client: Any, db: Any) -> None:
    response = await client.get("/api/v1/health")
    assert response.status == 200
    body = await response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["success"] is True and body["error"] is None
    assert body["data"]["status"] == "pass"
    assert body["data"]["database"]["kind"] == db.kind
    assert body["data"]["database"]["round_trip_ms"] >= 0
    assert response.headers["Cache-Control"] == "no-store"


async def test_liveness_needs_no_session_and_sets_no_cookie(client: Any) -> None:
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "pass"}
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("method, path, status, code", [
    ("GET", "/api/v1/nothing-here", 404, "NOT_FOUND"),
    ("GET", "/api/v1", 404, "NOT_FOUND"),
    ("POST", "/api/v1/health", 405, "METHOD_NOT_ALLOWED"),
    ("GET", "/api/v1/auth/login", 405, "METHOD_NOT_ALLOWED"),
])
async def test_unknown_routes_and_methods_in_the_envelope(client: Any, method: str, path: str,
                                                          status: int, code: str) -> None:
    response = await client.request(method, path)
    assert response.status == status
    assert response.content_type == "application/json"
    assert_error(await response.json(), code)
    if status == 405:
        assert response.headers["Allow"]


@pytest.mark.parametrize("body, content_type, status, code", [
    (b"[1, 2]", "application/json", 400, "BAD_REQUEST"),
    (b'"text"', "application/json", 400, "BAD_REQUEST"),
    (b"{not json", "application/json", 400, "BAD_REQUEST"),
    (b"", "application/json", 400, "BAD_REQUEST"),
    (b"null", "application/json", 400, "BAD_REQUEST"),
    (b'{"username": "waiter"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
])
async def test_bodies_that_are_not_json_objects(client: Any, body: bytes, content_type: str,
                                                status: int, code: str) -> None:
    response = await client.post("/api/v1/auth/login", data=body,
                                 headers={"Content-Type": content_type})
    assert response.status == status
    assert_error(await response.json(), code)


EXCEPTIONS = [
    (ValidationError("Bad values", field_errors={"name": "required"}), 422, "VALIDATION_ERROR"),
    (UserError("Nope"), 400, "USER_ERROR"),
    (AccessError("Not yours"), 403, "FORBIDDEN"),
    (MissingError("Gone"), 404, "NOT_FOUND"),
    (AccessDenied(), 401, "AUTHENTICATION_FAILED"),
    (SessionExpired(), 401, "SESSION_EXPIRED"),
    (RuntimeError("secret internals /etc/passwd"), 500, "INTERNAL_ERROR"),
    (KeyError("boom"), 500, "INTERNAL_ERROR"),
]


@pytest.mark.parametrize("exc, status, code", EXCEPTIONS,
                         ids=[type(e[0]).__name__ for e in EXCEPTIONS])
async def test_exceptions_are_mapped_once_with_an_error_id_in_the_log(
        aiohttp_client: Any, db: Any, caplog: pytest.LogCaptureFixture,
        exc: Exception, status: int, code: str) -> None:
    app = create_app(db.config)

    async def raiser(request: web.Request) -> web.Response:
        raise exc

    app.router.add_get("/api/v1/test/raise", raiser)
    client = await aiohttp_client(app)
    caplog.set_level(logging.INFO, logger="gateway.api")
    response = await client.get("/api/v1/test/raise")
    assert response.status == status
    body = await response.json()
    error = assert_error(body, code)
    if status == 500:
        assert error["message"] == "Internal server error"
        text = await response.text()
        assert "Traceback" not in text and "passwd" not in text and "raiser" not in text
    else:
        assert error["message"] == str(exc)
    if code == "VALIDATION_ERROR":
        assert error["field_errors"] == {"name": "required"}
    else:
        assert "field_errors" not in error
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    lines = [r for r in caplog.records if error["error_id"] in r.getMessage()]
    assert len(lines) == 1
    assert (lines[0].levelno == logging.ERROR) == (status == 500)
    if status == 500:
        assert lines[0].exc_info is not None


@pytest.mark.parametrize("path, frame", [
    ("/api/v1/health", "DENY"),
    ("/api/v1/nothing-here", "DENY"),
    ("/health", "DENY"),
    ("/web/health", "SAMEORIGIN"),
    ("/web/webclient/version_info", "SAMEORIGIN"),
])
async def test_security_headers_on_every_response(client: Any, path: str, frame: str) -> None:
    if path.startswith("/web/webclient"):
        response = await client.post(path, json={"jsonrpc": "2.0", "params": {}})
    else:
        response = await client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == frame
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if path.startswith("/api/v1") or path == "/health":
        assert response.headers["Cache-Control"] == "no-store"


async def test_the_odoo_front_keeps_its_own_errors(client: Any) -> None:
    """Outside /api/v1 nothing is wrapped: Odoo clients still get Odoo's 404."""
    response = await client.get("/web/nothing-here")
    assert response.status == 404
    assert response.content_type != "application/json" or "success" not in await response.json()
