"""Login cooldown on every login face, and request rate limits of the REST API.

Apps here run with ``proxy_mode`` so that ``X-Forwarded-For`` gives each simulated
client its own address (``request.remote``), and with small limits and a 1 s
cooldown; waits poll for the outcome, no assert depends on timing.
"""
from __future__ import annotations

import asyncio
import xmlrpc.client
from typing import Any

import pytest

from gateway.api.rate_limit import RateLimiter
from gateway.app import create_app
from models.login_throttle import LoginCooldown, LoginThrottle

from tests.support import envelope
from tests.test_api_envelope import assert_error

DB = "gateway"
COOLDOWN_MESSAGE = "Too many login failures, please wait a bit before trying again."
FACES = ("rest", "web", "jsonrpc", "xmlrpc")


async def make_client(aiohttp_client: Any, db: Any, **overrides: Any) -> Any:
    return await aiohttp_client(create_app(db.config.replace(proxy_mode=True, **overrides)))


def from_ip(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


async def attempt(client: Any, face: str, login: str, password: str,
                  ip: str = "10.0.0.1") -> str:
    """One login on ``face``: "ok", "denied" (wrong credentials), "cooldown" (refused by
    the cooldown, told apart where the face tells it: REST and /web/session), or
    "refused" (``common`` answers False for both, as Odoo's exp_authenticate)."""
    headers = from_ip(ip)
    if face == "rest":
        response = await client.post("/api/v1/auth/login", headers=headers,
                                     json={"username": login, "password": password})
        body = await response.json()
        if response.status == 200:
            return "ok"
        if response.status == 429:
            error = assert_error(body, "RATE_LIMITED")
            assert error["message"] == COOLDOWN_MESSAGE
            assert 1 <= int(response.headers["Retry-After"]) <= 60
            return "cooldown"
        assert response.status == 401, body
        assert_error(body, "AUTHENTICATION_FAILED")
        return "denied"
    if face == "web":
        response = await client.post("/web/session/authenticate", headers=headers, json=envelope(
            {"db": DB, "login": login, "password": password}))
        body = await response.json()
        if "result" in body:
            return "ok"
        data = body["error"]["data"]
        assert data["name"] == "odoo.exceptions.AccessDenied", data
        return "cooldown" if data["message"] == COOLDOWN_MESSAGE else "denied"
    if face == "jsonrpc":
        response = await client.post("/jsonrpc", headers=headers, json=envelope(
            {"service": "common", "method": "login", "args": [DB, login, password]}))
        uid = (await response.json())["result"]
    else:
        response = await client.post(
            "/xmlrpc/2/common", headers={**headers, "Content-Type": "text/xml"},
            data=xmlrpc.client.dumps((DB, login, password, {}), "authenticate"))
        uid = xmlrpc.client.loads(await response.text())[0][0]
    return "ok" if isinstance(uid, int) and uid is not False else "refused"


def refused(face: str) -> str:
    """What a face answers during a cooldown."""
    return "cooldown" if face in ("rest", "web") else "refused"


def denied(face: str) -> str:
    return "denied" if face in ("rest", "web") else "refused"


async def wait_until_ok(client: Any, face: str, login: str, password: str,
                        ip: str = "10.0.0.1") -> str:
    outcome = ""
    for _ in range(100):
        outcome = await attempt(client, face, login, password, ip)
        if outcome == "ok":
            break
        await asyncio.sleep(0.05)
    return outcome


# -- login cooldown ----------------------------------------------------------------------------

@pytest.mark.parametrize("face", FACES)
async def test_login_cooldown_on_each_face(aiohttp_client: Any, db: Any, face: str) -> None:
    client = await make_client(aiohttp_client, db, login_cooldown_after=3,
                               login_cooldown_duration=1, login_ip_cooldown_after=0)
    for _ in range(3):
        assert await attempt(client, face, "waiter", "wrong") == denied(face)
    # the right password is not even checked during the cooldown
    assert await attempt(client, face, "waiter", "waiter") == refused(face)
    # another login from the same address is not concerned
    assert await attempt(client, face, "kitchen", "kitchen") == "ok"
    assert await wait_until_ok(client, face, "waiter", "waiter") == "ok"


@pytest.mark.parametrize("face", FACES)
async def test_failures_on_other_faces_cool_this_one_down(aiohttp_client: Any, db: Any,
                                                          face: str) -> None:
    client = await make_client(aiohttp_client, db, login_cooldown_after=3,
                               login_cooldown_duration=60, login_ip_cooldown_after=0)
    others = [other for other in FACES if other != face]
    for index, other in enumerate(others):
        await attempt(client, other, "waiter", "wrong", ip=f"10.0.1.{index}")
    assert await attempt(client, face, "waiter", "waiter", ip="10.0.2.1") == refused(face)


async def test_unknown_logins_cool_down_like_known_ones(aiohttp_client: Any, db: Any) -> None:
    client = await make_client(aiohttp_client, db, login_cooldown_after=2,
                               login_ip_cooldown_after=0)
    for login in ("waiter", "nobody"):
        assert [await attempt(client, "rest", login, "wrong") for _ in range(3)] == [
            "denied", "denied", "cooldown"]


async def test_successful_logins_do_not_count_and_clear_failures(aiohttp_client: Any,
                                                                  db: Any) -> None:
    # successes count for neither the login nor the address (4 failures < 5); a success
    # clears the login's failures (not the address's)
    client = await make_client(aiohttp_client, db, login_cooldown_after=3,
                               login_ip_cooldown_after=5)
    outcomes = []
    for password in ["waiter"] * 5 + ["wrong", "wrong", "waiter", "wrong", "wrong", "waiter"]:
        outcomes.append(await attempt(client, "web", "waiter", password))
    assert outcomes == ["ok"] * 5 + ["denied", "denied", "ok", "denied", "denied", "ok"]


async def test_address_cooldown_spans_logins(aiohttp_client: Any, db: Any) -> None:
    client = await make_client(aiohttp_client, db, login_cooldown_after=0,
                               login_ip_cooldown_after=3, login_cooldown_duration=1)
    for login in ("a", "b", "c"):
        assert await attempt(client, "rest", login, "wrong", ip="10.0.3.1") == "denied"
    assert await attempt(client, "rest", "waiter", "waiter", ip="10.0.3.1") == "cooldown"
    assert await attempt(client, "jsonrpc", "waiter", "waiter", ip="10.0.3.1") == "refused"
    # another address has its own budget
    assert await attempt(client, "rest", "waiter", "waiter", ip="10.0.3.2") == "ok"
    assert await wait_until_ok(client, "rest", "waiter", "waiter", ip="10.0.3.1") == "ok"


@pytest.mark.parametrize("settings", [
    {"login_cooldown_after": 0, "login_ip_cooldown_after": 0},
    {"login_cooldown_duration": 0},
])
async def test_login_cooldown_can_be_turned_off(aiohttp_client: Any, db: Any,
                                                settings: dict[str, Any]) -> None:
    client = await make_client(aiohttp_client, db, **settings)
    for _ in range(25):
        assert await attempt(client, "rest", "waiter", "wrong") == "denied"
    assert await attempt(client, "rest", "waiter", "waiter") == "ok"


def test_throttle_window_forgets_old_failures() -> None:
    now = [0.0]
    throttle = LoginThrottle(after=2, duration=10, window=100, ip_after=0, clock=lambda: now[0])
    throttle.begin("u", None)
    now[0] = 150.0                        # the first failure left the window
    throttle.begin("u", None)
    throttle.begin("u", None)             # two within the window: this one is still tried
    now[0] = 155.0
    with pytest.raises(LoginCooldown) as info:
        throttle.begin("u", None)
    assert info.value.retry_after == 5
    now[0] = 160.5                        # cooldown over; each new failure starts it again
    throttle.begin("u", None)
    with pytest.raises(LoginCooldown):
        throttle.begin("u", None)


def test_throttle_forgets_stale_keys() -> None:
    now = [0.0]
    throttle = LoginThrottle(after=5, duration=10, window=100, ip_after=0, clock=lambda: now[0])
    for index in range(1000):
        throttle.begin(f"user{index}", None)
    now[0] = 200.0
    throttle.begin("fresh", None)
    assert throttle.logins is not None and list(throttle.logins.entries) == ["fresh"]


# -- REST request rate limits ------------------------------------------------------------------

async def rest_token(client: Any, login: str, ip: str = "10.0.0.1") -> str:
    response = await client.post("/api/v1/auth/login", headers=from_ip(ip),
                                 json={"username": login, "password": login})
    assert response.status == 200, await response.text()
    return (await response.json())["data"]["access_token"]


def assert_limited(response: Any, body: dict[str, Any], limit: int) -> None:
    assert response.status == 429
    assert_error(body, "RATE_LIMITED")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Reset"] == response.headers["Retry-After"]


async def test_anonymous_requests_are_limited_per_address(aiohttp_client: Any, db: Any) -> None:
    client = await make_client(aiohttp_client, db, rate_limit_per_minute=5)
    for remaining in (4, 3, 2, 1, 0):
        response = await client.get("/api/v1/health", headers=from_ip("10.1.0.1"))
        assert response.status == 200
        assert response.headers["X-RateLimit-Limit"] == "5"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
        assert 1 <= int(response.headers["X-RateLimit-Reset"]) <= 60
    response = await client.get("/api/v1/health", headers=from_ip("10.1.0.1"))
    assert_limited(response, await response.json(), 5)
    # any route of the group shares the budget, an unknown one too
    response = await client.get("/api/v1/nowhere", headers=from_ip("10.1.0.1"))
    assert response.status == 429
    # another address has its own
    response = await client.get("/api/v1/nowhere", headers=from_ip("10.1.0.2"))
    assert response.status == 404
    assert response.headers["X-RateLimit-Remaining"] == "4"
    # the Odoo front is not limited
    for _ in range(8):
        response = await client.post("/web/webclient/version_info", json=envelope({}),
                                     headers=from_ip("10.1.0.1"))
        assert response.status == 200
        assert "X-RateLimit-Limit" not in response.headers


async def test_authenticated_requests_are_limited_per_user(aiohttp_client: Any, db: Any) -> None:
    client = await make_client(aiohttp_client, db, rate_limit_per_minute=3)
    waiter = await rest_token(client, "waiter")
    kitchen = await rest_token(client, "kitchen")
    for _ in range(3):
        response = await client.get("/api/v1/auth/me", headers={
            **from_ip("10.2.0.1"), "Authorization": f"Bearer {waiter}"})
        assert response.status == 200
    # the same user from another address: still their budget
    response = await client.get("/api/v1/auth/me", headers={
        **from_ip("10.2.0.2"), "Authorization": f"Bearer {waiter}"})
    assert_limited(response, await response.json(), 3)
    # another user, and anonymous requests, from the same address: budgets of their own
    response = await client.get("/api/v1/auth/me", headers={
        **from_ip("10.2.0.1"), "Authorization": f"Bearer {kitchen}"})
    assert response.status == 200
    assert response.headers["X-RateLimit-Remaining"] == "2"
    response = await client.get("/api/v1/health", headers=from_ip("10.2.0.1"))
    assert response.status == 200
    # a forged token counts on the address, not on the user it names
    response = await client.get("/api/v1/auth/me", headers={
        **from_ip("10.2.0.1"), "Authorization": f"Bearer {waiter}x"})
    assert response.status == 401
    assert response.headers["X-RateLimit-Remaining"] == "1"


async def test_login_routes_have_a_budget_of_their_own(aiohttp_client: Any, db: Any) -> None:
    client = await make_client(aiohttp_client, db, rate_limit_login_per_minute=2,
                               rate_limit_per_minute=100)
    await rest_token(client, "waiter", ip="10.3.0.1")
    response = await client.post("/api/v1/auth/refresh", headers=from_ip("10.3.0.1"),
                                 json={"refresh_token": "x" * 43})
    assert response.status == 401
    assert response.headers["X-RateLimit-Limit"] == "2"
    response = await client.post("/api/v1/auth/login", headers=from_ip("10.3.0.1"),
                                 json={"username": "waiter", "password": "waiter"})
    assert_limited(response, await response.json(), 2)
    response = await client.get("/api/v1/health", headers=from_ip("10.3.0.1"))
    assert response.status == 200
    assert response.headers["X-RateLimit-Limit"] == "100"
    assert await attempt(client, "rest", "waiter", "waiter", ip="10.3.0.2") == "ok"


@pytest.mark.parametrize("settings, limit", [
    ({"rate_limit_per_minute": 0, "rate_limit_login_per_minute": 0}, None),
    ({"rate_limit_per_minute": 0, "rate_limit_login_per_minute": 2}, None),
    ({"rate_limit_per_minute": 2, "rate_limit_login_per_minute": 0}, "2"),
])
async def test_zero_turns_a_limit_off(aiohttp_client: Any, db: Any, settings: dict[str, Any],
                                      limit: str | None) -> None:
    client = await make_client(aiohttp_client, db, **settings)
    for _ in range(4):
        response = await client.get("/api/v1/health")
        assert response.headers.get("X-RateLimit-Limit") == limit
        assert response.status == (429 if limit and _ >= 2 else 200)
    if not settings["rate_limit_login_per_minute"]:
        for _ in range(4):
            assert await attempt(client, "rest", "waiter", "waiter") == "ok"


def test_limiter_window_starts_again_after_a_minute() -> None:
    now = [0.0]
    limiter = RateLimiter({"default": 2}, clock=lambda: now[0])
    assert limiter.hit("default", "k") == (True, 2, 1, 60.0)
    now[0] = 10.0
    assert limiter.hit("default", "k") == (True, 2, 0, 50.0)
    assert limiter.hit("default", "k") == (False, 2, 0, 50.0)
    now[0] = 60.0
    assert limiter.hit("default", "k") == (True, 2, 1, 60.0)
    for index in range(100):
        limiter.hit("default", f"other{index}")
    now[0] = 200.0
    limiter.hit("default", "late")
    assert list(limiter.windows["default"]) == ["late"]
