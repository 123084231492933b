"""CORS on the REST API: only configured origins, preflights answered, errors carry the headers."""
from __future__ import annotations

from typing import Any

import pytest

from gateway.app import create_app
from gateway.config import ConfigError, load

ALLOWED = "https://pos.example.com"
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "Authorization, Content-Type"}

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


async def cors_client(aiohttp_client: Any, db: Any, **settings: Any) -> Any:
    return await aiohttp_client(create_app(db.config.replace(**settings)))


async def test_an_allowed_origin_gets_preflight_and_headers(aiohttp_client: Any, db: Any) -> None:
    client = await cors_client(aiohttp_client, db, cors_origins=[ALLOWED, "http://localhost:5173"],
                               cors_allow_credentials=True, cors_max_age=120)
    response = await client.options("/api/v1/auth/login", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert {"AUTHORIZATION", "CONTENT-TYPE"} <= {
        h.strip().upper() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert response.headers["Access-Control-Max-Age"] == "120"

    # a real answer, an error one: the page can read it, and the budget headers
    response = await client.post("/api/v1/auth/login", json={"username": "waiter", "password": "x"},
                                 headers={"Origin": ALLOWED})
    assert response.status == 401
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"retry-after", "x-ratelimit-remaining", "etag"} <= exposed


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://pos.example.com",
                                    "https://pos.example.com.evil.net", "null"])
async def test_other_origins_are_refused(aiohttp_client: Any, db: Any, origin: str) -> None:
    client = await cors_client(aiohttp_client, db, cors_origins=[ALLOWED])
    response = await client.options("/api/v1/products", headers={"Origin": origin, **PREFLIGHT})
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    response = await client.get("/api/v1/health", headers={"Origin": origin})
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_without_configuration_nothing_is_allowed(aiohttp_client: Any, db: Any) -> None:
    client = await cors_client(aiohttp_client, db)
    response = await client.options("/api/v1/products", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status == 405
    response = await client.get("/api/v1/health", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_any_origin_never_with_credentials(aiohttp_client: Any, db: Any) -> None:
    client = await cors_client(aiohttp_client, db, cors_origins="*", cors_allow_credentials=True)
    response = await client.get("/api/v1/health", headers={"Origin": "https://anyone.example"})
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://anyone.example")
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_the_odoo_face_gets_no_cors(aiohttp_client: Any, db: Any) -> None:
    client = await cors_client(aiohttp_client, db, cors_origins=[ALLOWED])
    response = await client.post("/web/session/get_session_info", json={},
                                 headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_preflights_do_not_spend_the_rate_budget(aiohttp_client: Any, db: Any) -> None:
    client = await cors_client(aiohttp_client, db, cors_origins=[ALLOWED], rate_limit_per_minute=2)
    for _ in range(5):
        response = await client.options("/api/v1/health", headers={
            "Origin": ALLOWED, "Access-Control-Request-Method": "GET"})
        assert response.status == 200
    response = await client.get("/api/v1/health", headers={"Origin": ALLOWED})
    assert response.status == 200 and response.headers["X-RateLimit-Remaining"] == "1"


@pytest.mark.parametrize("value", ["pos.example.com", "ftp://x.example", "https://x.example/path",
                                   "https://"])
def test_bad_origins_are_configuration_errors(value: str, db: Any) -> None:
    with pytest.raises(ConfigError, match="cors_origins"):
        load(environ={"GATEWAY_CORS_ORIGINS": value}, search=False)


def test_origins_from_the_environment_are_a_list(db: Any) -> None:
    config = load(environ={"GATEWAY_CORS_ORIGINS": f"{ALLOWED}, http://localhost:5173/"},
                  search=False)
    assert config.cors_origins == (ALLOWED, "http://localhost:5173")
