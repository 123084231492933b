"""The bus's sockets: Odoo 16/17's ``/websocket`` and the mobile ``/api/v1/ws/...``.

Both backends; notifications are committed through the app's backend (another
connection than the socket's).
"""
from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web

from gateway.app import create_app
from models import bus
from tests.support import login, rpc
from tests.test_bus import BISTRO, SUSHI, company_ids, emit, newest

pytestmark = pytest.mark.timeout(90)

UPGRADE = {"Origin": "http://localhost"}


@pytest.fixture
def app(db: Any) -> web.Application:
    return create_app(db.config.replace(rate_limit_per_minute=0,
                                        rate_limit_login_per_minute=0))


async def frames(ws: Any, count: int, timeout: float = 5.0) -> list[Any]:
    """The next ``count`` messages, decoded."""
    out = []
    for _ in range(count):
        message = await ws.receive(timeout=timeout)
        assert message.type == WSMsgType.TEXT, message
        out.append(orjson.loads(message.data))
    return out


async def nothing_within(ws: Any, seconds: float = 0.5) -> bool:
    try:
        message = await ws.receive(timeout=seconds)
    except asyncio.TimeoutError:
        return True
    raise AssertionError(f"unexpected message {message}")


async def subscribe(ws: Any, channels: list[Any], last: int) -> None:
    await ws.send_str(orjson.dumps({"event_name": "subscribe",
                                    "data": {"channels": channels, "last": last}}).decode())


# -- Odoo's websocket ------------------------------------------------------------------

async def test_subscribe_gets_the_backlog_then_live_notifications(client: Any,
                                                                  app: web.Application) -> None:
    ids = await company_ids(app)
    await login(client, "waiter")
    channel = bus.restaurant_channel(ids[BISTRO], "pos")
    start = await newest(app)
    await emit(app, channel, 2)
    async with client.ws_connect("/websocket", headers=UPGRADE) as ws:
        await subscribe(ws, [channel], start)
        (backlog,) = await frames(ws, 1)
        assert [n["message"]["payload"] for n in backlog] == [{"n": 0}, {"n": 1}]
        await emit(app, channel)
        (live,) = await frames(ws, 1)
        assert live[0]["message"] == {"type": "system_notification", "payload": {"n": 0}}
        assert live[0]["id"] > backlog[-1]["id"]


async def test_a_dropped_socket_resumes_without_loss_or_repeat(client: Any,
                                                               app: web.Application) -> None:
    ids = await company_ids(app)
    await login(client, "kitchen")
    channel = bus.restaurant_channel(ids[BISTRO], "kitchen")
    last = start = await newest(app)
    seen: list[int] = []
    for _round in range(3):
        async with client.ws_connect("/websocket", headers=UPGRADE) as ws:
            await subscribe(ws, [channel], last)
            await emit(app, channel, 2)
            got: list[Any] = []
            while len(got) < 2:
                (frame,) = await frames(ws, 1)
                got.extend(frame)
            seen.extend(n["id"] for n in got)
            last = seen[-1]
        await emit(app, channel, 3)           # while disconnected
        seen_before = len(seen)
        async with client.ws_connect("/websocket", headers=UPGRADE) as ws:
            await subscribe(ws, [channel], last)
            got = []
            while len(got) < 3:
                (frame,) = await frames(ws, 1)
                got.extend(frame)
            seen.extend(n["id"] for n in got)
            last = seen[-1]
        assert len(seen) == seen_before + 3
    assert seen == sorted(set(seen))
    assert len(seen) == 3 * 5

    async def stored(cr: Any) -> list[int]:
        return [row[0] for row in await bus.rows_after(cr, start, 1000, [channel])]
    from gateway.keys import BACKEND
    assert seen == await app[BACKEND].run_unit(stored, readonly=True)


async def test_each_subscribe_replaces_the_last(client: Any, app: web.Application) -> None:
    await login(client, "admin")
    async with client.ws_connect("/websocket", headers=UPGRADE) as ws:
        await subscribe(ws, ["first"], await newest(app))
        await subscribe(ws, ["second"], await newest(app))
        await asyncio.sleep(0.2)
        await emit(app, "first")
        await emit(app, "second")
        (frame,) = await frames(ws, 1)
        assert [n["message"]["payload"] for n in frame] == [{"n": 0}]
        assert await nothing_within(ws)


async def test_another_restaurants_channel_stays_silent(client: Any,
                                                        app: web.Application) -> None:
    ids = await company_ids(app)
    await login(client, "sushi.kitchen")
    bistro = bus.restaurant_channel(ids[BISTRO], "kitchen")
    own = bus.restaurant_channel(ids[SUSHI], "kitchen")
    async with client.ws_connect("/websocket", headers=UPGRADE) as ws:
        await subscribe(ws, [bistro, own], await newest(app))
        await asyncio.sleep(0.2)
        await emit(app, bistro, 2)
        await emit(app, own)
        (frame,) = await frames(ws, 1)
        assert [n["message"]["payload"] for n in frame] == [{"n": 0}]
        assert await nothing_within(ws)


@pytest.mark.parametrize("send,code", [
    ('{"event_name": "subscribe", "data": {"channels": [["db", "res.partner", 3]]}}', 1003),
    ('{"event_name": "subscribe", "data": {"channels": [], "last": "x"}}', 1003),
    ('{"event_name": "dance", "data": {}}', 1003),
    ("not json", 1003),
    (b"binary", 1003),
])
async def test_incorrect_data_closes_with_odoos_code(client: Any, app: web.Application,
                                                    send: Any, code: int) -> None:
    async with client.ws_connect("/websocket", headers=UPGRADE) as ws:
        if isinstance(send, bytes):
            await ws.send_bytes(send)
        else:
            await ws.send_str(send)
        message = await ws.receive(timeout=5)
        assert message.type == WSMsgType.CLOSE and message.data == code


async def test_too_many_messages_close_with_try_later(client: Any, app: web.Application) -> None:
    async with client.ws_connect("/websocket", headers=UPGRADE) as ws:
        for _ in range(30):
            await ws.send_str('{"event_name": "update_presence", "data": {}}')
        message = await ws.receive(timeout=5)
        assert message.type == WSMsgType.CLOSE and message.data == 1013


async def test_a_logged_out_session_closes_the_socket_with_4001(client: Any,
                                                                app: web.Application) -> None:
    await login(client, "waiter")
    async with client.ws_connect("/websocket", headers=UPGRADE) as ws:
        await subscribe(ws, [], await newest(app))
        await rpc(client, "/web/session/destroy", {})
        await subscribe(ws, [], await newest(app))
        message = await ws.receive(timeout=5)
        assert message.type == WSMsgType.CLOSE and message.data == 4001


@pytest.mark.parametrize("headers,status", [
    ({"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "8",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, 426),
    ({"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}, 400),
    ({}, 400),
])
async def test_a_bad_handshake_is_refused(client: Any, app: web.Application,
                                          headers: dict[str, str], status: int) -> None:
    response = await client.get("/websocket", headers=headers)
    assert response.status == status
    if status == 426:
        assert response.headers["Sec-WebSocket-Version"] == "13"


async def test_a_stopping_server_says_going_away(aiohttp_client: Any, db: Any) -> None:
    app = create_app(db.config)
    client = await aiohttp_client(app)
    ws = await client.ws_connect("/websocket", headers=UPGRADE)
    await subscribe(ws, [], 0)
    await asyncio.sleep(0.1)
    closing = asyncio.ensure_future(ws.receive(timeout=10))
    await client.server.close()
    message = await closing
    assert message.type == WSMsgType.CLOSE and message.data == 1001


# -- the mobile socket -----------------------------------------------------------------

async def token_of(client: Any, user: str) -> str:
    response = await client.post("/api/v1/auth/login", json={"username": user, "password": user})
    assert response.status == 200, await response.text()
    return (await response.json())["data"]["access_token"]


async def test_mobile_socket_with_a_token_in_the_url(client: Any, app: web.Application) -> None:
    ids = await company_ids(app)
    token = await token_of(client, "kitchen")
    channel = bus.restaurant_channel(ids[BISTRO], "kitchen")
    async with client.ws_connect(f"/api/v1/ws/kitchen/{ids[BISTRO]}?token={token}") as ws:
        (welcome,) = await frames(ws, 1)
        assert welcome["type"] == "welcome" and welcome["channel"] == channel
        await emit(app, channel, 2, kind="kitchen_update")
        (message,) = await frames(ws, 1)
        assert message["type"] == "notifications"
        assert [(n["type"], n["payload"]) for n in message["notifications"]] == [
            ("kitchen_update", {"n": 0}), ("kitchen_update", {"n": 1})]
        assert all(isinstance(n["id"], int) for n in message["notifications"])
        await ws.send_str('{"type": "ping"}')
        (pong,) = await frames(ws, 1)
        assert pong == {"type": "pong", "last": message["notifications"][-1]["id"]}


async def test_mobile_socket_authenticated_by_its_first_message_resumes(
        client: Any, app: web.Application) -> None:
    ids = await company_ids(app)
    token = await token_of(client, "waiter")
    channel = bus.restaurant_channel(ids[BISTRO])
    last = await newest(app)
    await emit(app, channel, 3)
    async with client.ws_connect(f"/api/v1/ws/{ids[BISTRO]}") as ws:
        await ws.send_str(orjson.dumps({"type": "auth", "token": token, "last": last}).decode())
        welcome, backlog = await frames(ws, 2)
        assert welcome["type"] == "welcome" and welcome["user_id"] > 0
        assert [n["payload"] for n in backlog["notifications"]] == [{"n": 0}, {"n": 1}, {"n": 2}]


async def test_a_waiter_hears_no_management_news(client: Any, app: web.Application) -> None:
    ids = await company_ids(app)
    waiter = await token_of(client, "waiter")
    manager = await token_of(client, "manager")
    restaurant = ids[BISTRO]
    last = await newest(app)
    async with client.ws_connect(f"/api/v1/ws/{restaurant}?token={waiter}&last={last}") as general, \
            client.ws_connect(f"/api/v1/ws/management/{restaurant}?token={manager}&last={last}") \
            as mgmt:
        await frames(general, 1)
        await frames(mgmt, 1)
        await token_of(client, "kitchen")           # a login: news for the managers
        (message,) = await frames(mgmt, 1)
        assert [n["type"] for n in message["notifications"]] == ["user_login"]
        assert await nothing_within(general)
    response = await client.get(f"/api/v1/ws/management/{restaurant}?token={waiter}",
                                headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                         "Sec-WebSocket-Version": "13",
                                         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "FORBIDDEN"


async def test_refusals_on_the_mobile_socket(client: Any, app: web.Application) -> None:
    ids = await company_ids(app)
    sushi = await token_of(client, "sushi.waiter")
    waiter = await token_of(client, "waiter")
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    # another restaurant: 404, as a restaurant that does not exist
    response = await client.get(f"/api/v1/ws/{ids[BISTRO]}?token={sushi}", headers=upgrade)
    assert response.status == 404
    response = await client.get(f"/api/v1/ws/{ids[BISTRO]}?token=nonsense", headers=upgrade)
    assert response.status == 401
    response = await client.get(f"/api/v1/ws/{ids[BISTRO]}")
    assert response.status == 422                  # not an upgrade
    # refusals after the upgrade: an error message, then the close code
    cases = [({"type": "auth", "token": sushi}, "FORBIDDEN", 4003),
             ({"type": "auth", "token": "nonsense"}, "UNAUTHORIZED", 4001),
             ({"type": "ping"}, "UNAUTHORIZED", 4001)]
    for first, code, close in cases:
        async with client.ws_connect(f"/api/v1/ws/{ids[BISTRO]}") as ws:
            await ws.send_str(orjson.dumps(first).decode())
            (error,) = await frames(ws, 1)
            assert error["type"] == "error" and error["code"] == code
            message = await ws.receive(timeout=5)
            assert message.type == WSMsgType.CLOSE and message.data == close
    async with client.ws_connect(f"/api/v1/ws/{ids[BISTRO]}?token={waiter}") as ws:
        await frames(ws, 1)
        await ws.send_str(orjson.dumps({"type": "auth", "token": sushi}).decode())
        (error,) = await frames(ws, 1)
        assert error["code"] == "UNAUTHORIZED"       # a socket keeps its user
        await ws.send_str("{}")


async def test_a_logged_out_token_cannot_renew_the_socket(client: Any,
                                                          app: web.Application) -> None:
    """A renewal with the token of another, logged-out session of the same user."""
    ids = await company_ids(app)
    token = await token_of(client, "waiter")
    stale = await token_of(client, "waiter")
    async with client.ws_connect(f"/api/v1/ws/{ids[BISTRO]}?token={token}") as ws:
        await frames(ws, 1)
        response = await client.post("/api/v1/auth/logout",
                                     headers={"Authorization": f"Bearer {stale}"})
        assert response.status == 200
        assert await nothing_within(ws, 0.3)     # not this socket's session
        await ws.send_str(orjson.dumps({"type": "auth", "token": stale}).decode())
        (error,) = await frames(ws, 1)
        assert error == {"type": "error", "code": "UNAUTHORIZED",
                         "message": "Invalid or expired token"}
        message = await ws.receive(timeout=5)
        assert message.type == WSMsgType.CLOSE and message.data == 4001


async def test_a_logout_ends_the_token_socket_at_once(client: Any, app: web.Application) -> None:
    """Without waiting for the client's next token: REST refuses the token from the logout
    on, and so does the socket. Another login of the same user (another session) lives."""
    ids = await company_ids(app)
    token = await token_of(client, "waiter")
    other = await token_of(client, "waiter")
    async with client.ws_connect(f"/api/v1/ws/{ids[BISTRO]}?token={token}") as ws, \
            client.ws_connect(f"/api/v1/ws/{ids[BISTRO]}?token={other}") as kept:
        await frames(ws, 1)
        await frames(kept, 1)
        response = await client.post("/api/v1/auth/logout",
                                     headers={"Authorization": f"Bearer {token}"})
        assert response.status == 200
        (error,) = await frames(ws, 1)
        assert error == {"type": "error", "code": "UNAUTHORIZED",
                         "message": "The session was logged out"}
        message = await ws.receive(timeout=5)
        assert message.type == WSMsgType.CLOSE and message.data == 4001
        await kept.send_str('{"type": "ping"}')
        (pong,) = await frames(kept, 1)
        assert pong["type"] == "pong"
        # logging out everywhere ends the other one too
        response = await client.post("/api/v1/auth/logout", json={"all": True},
                                     headers={"Authorization": f"Bearer {other}"})
        assert response.status == 200
        (error,) = await frames(kept, 1)
        assert error["code"] == "UNAUTHORIZED"
        message = await kept.receive(timeout=5)
        assert message.type == WSMsgType.CLOSE and message.data == 4001


async def test_the_token_channel_cannot_be_asked_for(client: Any, app: web.Application) -> None:
    """Another user's revocations are not news anyone may subscribe to."""
    assert bus.listenable(None, [bus.token_channel(2), "public"]) == ["public"]


async def test_mobile_socket_by_the_odoo_session_cookie(client: Any, app: web.Application) -> None:
    ids = await company_ids(app)
    await login(client, "kitchen")
    async with client.ws_connect(f"/api/v1/ws/kitchen/{ids[BISTRO]}") as ws:
        (welcome,) = await frames(ws, 1)
        assert welcome["type"] == "welcome"

