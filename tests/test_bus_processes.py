"""Two gateway processes on one PostgreSQL database: a notification committed through
process A reaches a long-poller and websocket clients connected to process B.

The wake-up crosses processes through PostgreSQL LISTEN/NOTIFY, or Redis pub/sub
when ``redis_url`` is set; with neither, B would only see the row at its next
safety poll (``bus_poll_interval``), which is set to an hour here so that only the
wake-up under test can deliver in time.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.test_cli import empty_pg_database, gateway, gateway_env, ok
from tests.test_server import serving

pytestmark = pytest.mark.timeout(180)

REDIS_URL = os.environ.get("GATEWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:
        message = f"Redis not reachable at {REDIS_URL}: {exc}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


async def _login(session: aiohttp.ClientSession, base: str, user: str) -> dict[str, Any]:
    async with session.post(f"{base}/web/session/authenticate", json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"db": "gateway", "login": user, "password": user}}) as response:
        body = await response.json()
    assert "result" in body, body
    return body["result"]


async def _token(session: aiohttp.ClientSession, base: str, user: str) -> str:
    async with session.post(f"{base}/api/v1/auth/login",
                            json={"username": user, "password": user}) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["data"]["access_token"]


async def _scenario(a: str, b: str) -> None:
    # unsafe: keep the session cookie of an IP-address host (127.0.0.1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as poller, \
            aiohttp.ClientSession() as sender, aiohttp.ClientSession() as mobile:
        info = await _login(poller, b, "manager")
        restaurant = info["user_companies"]["current_company"]
        channel = f"restaurant:{restaurant}:pos"
        last = info["bus_last_id"]

        async def long_poll() -> list[Any]:
            async with poller.post(f"{b}/longpolling/poll", json={
                    "jsonrpc": "2.0", "method": "call", "id": 2,
                    "params": {"channels": [channel], "last": last}}) as response:
                return (await response.json())["result"]

        token = await _token(mobile, b, "waiter")
        ws_mobile = await mobile.ws_connect(f"{b}/api/v1/ws/pos/{restaurant}?token={token}"
                                            f"&last={last}")
        welcome = orjson.loads((await ws_mobile.receive(timeout=10)).data)
        assert welcome["type"] == "welcome"
        ws_odoo = await poller.ws_connect(f"{b}/websocket", headers={"Origin": b})
        await ws_odoo.send_str(orjson.dumps({"event_name": "subscribe",
                                             "data": {"channels": [channel],
                                                      "last": last}}).decode())
        polling = asyncio.ensure_future(long_poll())
        await asyncio.sleep(0.5)
        assert not polling.done()

        # through process A: a platform owner's notice to the restaurant
        owner = await _token(sender, a, "owner")
        async with sender.post(f"{a}/api/v1/platform/notifications",
                               headers={"Authorization": f"Bearer {owner}"},
                               json={"title": "Across processes", "message": "from A",
                                     "level": "info", "restaurant_id": restaurant}) as response:
            assert response.status == 201, await response.text()

        notices = await asyncio.wait_for(polling, 20)
        assert [n["message"]["payload"]["title"] for n in notices
                if n["message"]["type"] == "system_notification"] == ["Across processes"]
        frame = orjson.loads((await ws_odoo.receive(timeout=20)).data)
        assert [n["message"]["payload"]["message"] for n in frame] == ["from A"]
        message = orjson.loads((await ws_mobile.receive(timeout=20)).data)
        assert message["type"] == "notifications"
        assert [n["payload"]["title"] for n in message["notifications"]] == ["Across processes"]
        await ws_odoo.close()
        await ws_mobile.close()


@pytest.mark.parametrize("wakeup", ["postgresql", "redis"])
def test_a_commit_in_one_process_reaches_clients_of_another(tmp_path: Path,
                                                            wakeup: str) -> None:
    extra: dict[str, str] = {"GATEWAY_BUS_POLL_INTERVAL": "3600",
                             "GATEWAY_RATE_LIMIT_LOGIN_PER_MINUTE": "0"}
    if wakeup == "redis":
        redis_or_skip()
        extra["GATEWAY_REDIS_URL"] = REDIS_URL
    with empty_pg_database() as url:
        env = dict(gateway_env(tmp_path, database_url=url), **extra)
        ok(gateway(env, "db", "init"))
        ok(gateway(env, "demo", "--days", "1"))
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        with serving(env, tmp_path / "a") as server_a, serving(env, tmp_path / "b") as server_b:
            asyncio.run(_scenario(server_a.url(server_a.api_port),
                                  server_b.url(server_b.http_port)))
            assert server_a.stop() == 0 and server_b.stop() == 0
            assert "Traceback" not in server_b.stderr, server_b.stderr
