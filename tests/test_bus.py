"""The bus: durable notifications, resumable cursors, channel access, long-polling.

Every test runs on SQLite and PostgreSQL. Notifications are written through the
app's own backend (another connection than the poller's; the in-process
wake-up) or, on PostgreSQL, through a separate backend, as another process
would (the LISTEN/NOTIFY wake-up).
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.keys import BACKEND
from models import bus
from models.env import Env
from rpc.bus import BUS_HUB, BUS_SETTINGS
from rpc.service import RPC_SERVICE
from tests.support import login, rpc

pytestmark = pytest.mark.timeout(90)

BISTRO, SUSHI = "Bistro Centrale", "Sushi Koi"


async def company_ids(app: web.Application) -> dict[str, int]:
    service = app[RPC_SERVICE]

    async def unit(cr: Any) -> dict[str, int]:
        rows = await Env(cr, service.registry, None)["res.company"].search_read([], ["name"])
        return {row["name"]: row["id"] for row in rows}
    return await app[BACKEND].run_unit(unit, readonly=True)


async def emit(app: web.Application, channel: str | list[str], count: int = 1, kind: str = "system_notification",
               fail: bool = False) -> None:
    """``count`` notifications on ``channel``, committed through the app's backend."""
    service = app[RPC_SERVICE]

    async def unit(cr: Any) -> None:
        env = Env(cr, service.registry, None)
        for index in range(count):
            await bus.send(env, channel, kind, {"n": index})
        if fail:
            raise RuntimeError("rolled back")
    await app[BACKEND].run_unit(unit)


async def newest(app: web.Application) -> int:
    return await app[BACKEND].run_unit(bus.newest_id, readonly=True)


async def poll(client: Any, channels: list[Any], last: int, **options: Any) -> Any:
    body = await rpc(client, "/longpolling/poll",
                     {"channels": channels, "last": last, "options": options})
    assert "error" not in body, body["error"]
    return body["result"]


async def peek(client: Any, channels: list[Any], last: int) -> list[dict[str, Any]]:
    """What a poll would answer now, without waiting (``options.peek``), once the hub has
    read everything committed: tests that expect nothing do not sit out the long-poll
    timeout, and a row missing from the answer was filtered, not just not read yet."""
    await client.server.app[BUS_HUB].fetch()
    return (await poll(client, channels, last, peek=True))["notifications"]


def payloads(notifications: list[dict[str, Any]]) -> list[Any]:
    return [n["message"]["payload"] for n in notifications if n["message"]["type"] != "bus/resync"]


@pytest.fixture
def app(db: Any) -> web.Application:
    """The gateway with a 3 s long-poll: tests that expect nothing do not wait 50 s."""
    return create_app(db.config.replace(longpolling_timeout=3.0))


@pytest.fixture
def quick(app: web.Application) -> web.Application:
    return app


async def test_a_poll_with_an_old_last_answers_at_once(client: Any, app: web.Application) -> None:
    ids = await company_ids(app)
    await login(client, "manager")
    channel = bus.restaurant_channel(ids[BISTRO], "management")
    start = await newest(app)
    await emit(app, channel, 3)
    answer = await poll(client, [channel], start)
    assert payloads(answer) == [{"n": 0}, {"n": 1}, {"n": 2}]
    ids_seen = [n["id"] for n in answer]
    assert ids_seen == sorted(ids_seen) and ids_seen[0] > start
    assert {n["message"]["type"] for n in answer} == {"system_notification"}


async def test_a_poll_at_the_newest_id_waits_for_the_next_commit(client: Any,
                                                                 app: web.Application) -> None:
    """Answered within 100 ms of the commit, made through another connection."""
    ids = await company_ids(app)
    await login(client, "waiter")
    channel = bus.restaurant_channel(ids[BISTRO], "pos")
    last = await newest(app)
    waiting = asyncio.ensure_future(poll(client, [channel], last))
    await asyncio.sleep(0.3)
    assert not waiting.done()            # nothing newer: it waits
    await emit(app, channel)
    committed = time.monotonic()
    answer = await waiting
    latency = time.monotonic() - committed
    assert payloads(answer) == [{"n": 0}]
    assert latency < 0.1, f"answered {latency * 1000:.0f} ms after the commit"


async def test_a_poll_with_nothing_new_answers_empty_after_the_timeout(
        client: Any, quick: web.Application) -> None:
    await login(client, "waiter")
    assert await poll(client, ["nothing-here"], await newest(quick)) == []


async def test_the_wait_is_outside_limit_time_real(aiohttp_client: Any, db: Any) -> None:
    """A poll waits its own timeout however short limit_time_real is (Odoo's long-polling
    worker has no time limit); before this the timeout was capped below the limit."""
    app = create_app(db.config.replace(longpolling_timeout=3.0, limit_time_real=1))
    client = await aiohttp_client(app)
    assert app[BUS_SETTINGS].longpolling_timeout == 3.0
    assert app[RPC_SERVICE].deadlines.seconds == 1.0
    await login(client, "waiter")
    channel = bus.restaurant_channel((await company_ids(app))[BISTRO], "pos")
    waiting = asyncio.ensure_future(poll(client, [channel], await newest(app)))
    await asyncio.sleep(1.8)             # past the limit: the watchdog has looked many times
    assert not waiting.done()
    assert not app[RPC_SERVICE].deadlines.running     # the waiter is off the watchdog's table
    await emit(app, channel)
    assert payloads(await waiting) == [{"n": 0}]


async def test_a_rolled_back_change_notifies_nobody(client: Any, quick: web.Application) -> None:
    ids = await company_ids(quick)
    await login(client, "waiter")
    channel = bus.restaurant_channel(ids[BISTRO], "pos")
    last = await newest(quick)
    with pytest.raises(RuntimeError):
        await emit(quick, channel, 2, fail=True)
    assert await newest(quick) == last
    assert await peek(client, [channel], last) == []


async def test_a_client_that_drops_and_resumes_misses_nothing_and_gets_nothing_twice(
        client: Any, quick: web.Application) -> None:
    ids = await company_ids(quick)
    await login(client, "waiter")
    channel = bus.restaurant_channel(ids[BISTRO], "pos")
    other = bus.restaurant_channel(ids[BISTRO], "kitchen")
    last = start = await newest(quick)
    received: list[dict[str, Any]] = []
    for round_ in range(4):
        # while "disconnected", several transactions commit, some concurrently
        await asyncio.gather(*(emit(quick, channel, 3) for _ in range(3)),
                             emit(quick, other, 2))
        # reconnecting: it polls with its last id until it has this round's nine
        # (an answer carries what had arrived when it was made; the rest follows)
        wanted = len(received) + 9
        while len(received) < wanted:
            answer = await poll(client, [channel], last)
            received.extend(answer)
            last = answer[-1]["id"]
    seen = [n["id"] for n in received]
    assert len(seen) == len(set(seen)) == 4 * 3 * 3
    assert seen == sorted(seen)

    async def stored(cr: Any) -> list[int]:
        rows = await bus.rows_after(cr, start, 10_000, [channel])
        return [row[0] for row in rows]
    assert seen == await quick[BACKEND].run_unit(stored, readonly=True)
    assert await peek(client, [channel], last) == []


async def test_a_late_commit_with_a_smaller_id_is_not_skipped(client: Any,
                                                              app: web.Application) -> None:
    """Transaction A queues its notification first and commits last; a subscriber that
    has already received B's still receives A's, exactly once (odoo/odoo#176259)."""
    ids = await company_ids(app)
    channel = bus.restaurant_channel(ids[BISTRO], "pos")
    service = app[RPC_SERVICE]
    hub = app[BUS_HUB]
    subscription, _notice = await hub.subscribe([channel], await newest(app))
    release = asyncio.Event()
    a_flushed = asyncio.Event()

    async def slow(cr: Any) -> None:
        await bus.send(Env(cr, service.registry, None), channel, "system_notification",
                       {"who": "A"})

        async def hold(_cr: Any) -> None:       # after the bus's own flush: A holds the lock
            a_flushed.set()
            await release.wait()
        cr.before_commit(hold)

    async def fast(cr: Any) -> None:
        await bus.send(Env(cr, service.registry, None), channel, "system_notification",
                       {"who": "B"})

    try:
        task_a = asyncio.ensure_future(app[BACKEND].run_unit(slow))
        if app[BACKEND].kind == "sqlite":
            # one writer at a time: B waits for A's whole unit; the order is still commit order
            await asyncio.sleep(0.05)
            release.set()
            await task_a
            await app[BACKEND].run_unit(fast)
        else:
            await a_flushed.wait()
            task_b = asyncio.ensure_future(app[BACKEND].run_unit(fast))
            await asyncio.sleep(0.2)
            assert not task_b.done()             # B waits for A's commit to take its id
            release.set()
            await asyncio.gather(task_a, task_b)
        got: list[Any] = []
        while len(got) < 2:
            got.extend(await subscription.wait(5))
        assert [orjson.loads(row[2])["payload"]["who"] for row in got] == ["A", "B"]
        assert got[0][0] < got[1][0]
        await asyncio.sleep(0.1)
        assert subscription.take() == []
    finally:
        hub.unsubscribe(subscription)


async def test_another_restaurants_channels_are_dropped(client: Any,
                                                        quick: web.Application) -> None:
    ids = await company_ids(quick)
    bistro_kitchen = bus.restaurant_channel(ids[BISTRO], "kitchen")
    await login(client, "sushi.kitchen")
    last = await newest(quick)
    await emit(quick, bistro_kitchen, 2)
    assert await peek(client, [bistro_kitchen], last) == []
    looked = await poll(client, [bistro_kitchen, bus.restaurant_channel(ids[SUSHI], "kitchen")],
                        last, peek=True)
    assert bistro_kitchen not in looked["channels"]
    assert bus.restaurant_channel(ids[SUSHI], "kitchen") in looked["channels"]


@pytest.mark.parametrize("user,audience,hears", [
    ("waiter", "", True), ("waiter", "pos", True), ("waiter", "kitchen", True),
    ("waiter", "management", False),
    ("kitchen", "kitchen", True), ("kitchen", "pos", False), ("kitchen", "management", False),
    ("manager", "management", True), ("owner", "management", True),
    ("sushi.manager", "management", False), ("sushi.waiter", "", False),
])
async def test_who_hears_which_audience(client: Any, quick: web.Application, user: str,
                                        audience: str, hears: bool) -> None:
    ids = await company_ids(quick)
    channel = bus.restaurant_channel(ids[BISTRO], audience or None)
    await login(client, user)
    last = await newest(quick)
    await emit(quick, channel)
    assert bool(payloads(await peek(client, [channel], last))) is hears


@pytest.mark.parametrize("channel", [
    '["gateway","res.partner",99999]',     # the stored form of someone's partner channel
    "restaurant:x", "restaurant:1:cellar", "restaurant:01",
])
async def test_strings_shaped_like_server_channels_are_dropped(client: Any,
                                                                quick: web.Application,
                                                                channel: str) -> None:
    await login(client, "admin")
    last = await newest(quick)
    await emit(quick, channel)
    assert await peek(client, [channel], last) == []


async def test_the_users_own_partner_channel_is_added_by_the_server(
        client: Any, quick: web.Application) -> None:
    info = await login(client, "waiter")
    key = bus.channel_key([info["db"], "res.partner", info["partner_id"]])
    last = await newest(quick)
    await emit(quick, [key, "broadcast"])       # one commit: one answer holds both
    assert len(await poll(client, [], last)) == 2
    await login(client, "kitchen")
    assert payloads(await poll(client, [], last)) == [{"n": 0}]   # broadcast only


@pytest.mark.parametrize("channels,error", [
    ([["gateway", "res.partner", 3]], "bus.Bus only string channels are allowed."),
    ("restaurant:1", "bus.Bus only string channels are allowed."),
    ([1], "bus.Bus only string channels are allowed."),
])
async def test_non_string_channels_are_odoos_error(client: Any, app: web.Application,
                                                  channels: Any, error: str) -> None:
    body = await rpc(client, "/longpolling/poll", {"channels": channels, "last": 0})
    assert body["error"]["data"]["message"] == error


@pytest.mark.parametrize("last", ["7", True, 1.5, [1]])
async def test_a_last_that_is_not_an_integer_is_an_error(client: Any, app: web.Application,
                                                         last: Any) -> None:
    body = await rpc(client, "/longpolling/poll", {"channels": [], "last": last})
    assert body["error"]["data"]["name"] == "builtins.ValueError"


async def test_a_last_beyond_the_newest_id_starts_again_and_says_so(
        client: Any, quick: web.Application) -> None:
    await login(client, "admin")
    await emit(quick, "broadcast")
    answer = await poll(client, [], await newest(quick) + 1000)
    assert answer[0]["message"] == {"type": "bus/resync", "payload": {"reason": "reset"}}
    assert payloads(answer)[-1] == {"n": 0}      # the last 50 s, as Odoo's last=0


async def test_a_client_behind_the_pruned_rows_is_told_to_resync(
        client: Any, quick: web.Application) -> None:
    await login(client, "admin")
    await emit(quick, "broadcast", 4)
    first = await newest(quick) - 3

    async def age(cr: Any) -> int:
        await cr.run(bus.BusBus.update(create_date="2000-01-01 00:00:00")
                     .where(bus.BusBus.id < first + 2))
        return await bus.prune(cr, 60)
    assert await quick[BACKEND].run_unit(age) >= 2
    await quick[BUS_HUB].fetch()
    # a hub started after the prune remembers nothing older (its ring starts now)
    quick[BUS_HUB]._ring.clear()
    quick[BUS_HUB]._ring_ids.clear()
    quick[BUS_HUB].floor = quick[BUS_HUB].cursor
    answer = await poll(client, [], first)
    assert answer[0]["message"]["type"] == "bus/resync"
    assert answer[0]["message"]["payload"] == {"reason": "pruned"}
    assert payloads(answer) == [{"n": 2}, {"n": 3}]
    assert [n["id"] for n in answer] == sorted({n["id"] for n in answer})


async def test_pruning_keeps_the_newest_row(client: Any, app: web.Application) -> None:
    await emit(app, "broadcast", 2)
    top = await newest(app)

    async def prune_all(cr: Any) -> tuple[int, int]:
        await cr.run(bus.BusBus.update(create_date="2000-01-01 00:00:00"))
        await bus.prune(cr, 1)
        return await bus.bounds(cr)
    assert await app[BACKEND].run_unit(prune_all) == (top, top)


async def test_session_info_gives_the_bus_id_to_start_from(client: Any,
                                                           app: web.Application) -> None:
    await emit(app, "broadcast")
    before = await newest(app)
    info = await login(client, "waiter")    # the login itself may notify the managers
    assert before <= info["bus_last_id"] <= await newest(app)


async def test_presence_and_im_status(client: Any, app: web.Application) -> None:
    info = await login(client, "waiter")
    await poll(client, [], await newest(app) + 0, peek=True)
    body = await rpc(client, "/longpolling/poll",
                     {"channels": [], "last": await newest(app),
                      "options": {"bus_inactivity": 0, "peek": True}})
    assert "result" in body
    status = await rpc(client, "/longpolling/im_status", {"partner_ids": [info["partner_id"]]})
    assert status["result"] == [{"id": info["partner_id"], "im_status": "online"}]
    await rpc(client, "/websocket/update_bus_presence",
              {"inactivity_period": 3_600_000, "im_status_ids_by_model": {}})
    status = await rpc(client, "/longpolling/im_status", {"partner_ids": [info["partner_id"]]})
    assert status["result"] == [{"id": info["partner_id"], "im_status": "away"}]


async def test_im_status_needs_a_session(client: Any, app: web.Application) -> None:
    body = await rpc(client, "/longpolling/im_status", {"partner_ids": [1]})
    assert body["error"]["code"] == 100


@pytest.mark.parametrize("path", ["/longpolling/health", "/websocket/health"])
async def test_health(client: Any, path: str) -> None:
    response = await client.get(path)
    assert response.status == 200 and await response.json() == {"status": "pass"}
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_separate_process_commit_wakes_the_poller(client: Any, app: web.Application,
                                                          orm: Any) -> None:
    """On PostgreSQL, through LISTEN/NOTIFY; on SQLite, a commit from another connection is
    read by the hub's next poll round (bus_poll_interval)."""
    if app[BACKEND].kind == "sqlite":
        app[BUS_HUB].poll_interval = 0.2
    await login(client, "admin")
    last = await newest(app)
    waiting = asyncio.ensure_future(poll(client, ["broadcast"], last))
    await asyncio.sleep(0.3)
    await orm.run(lambda env: bus.send(env, "broadcast", "system_notification", {"via": "orm"}))
    answer = await asyncio.wait_for(waiting, 10)
    assert payloads(answer) == [{"via": "orm"}]


async def test_after_a_reset_the_subscription_hears_new_rows(client: Any,
                                                             app: web.Application) -> None:
    """A socket that came with a ``last`` from a restored database keeps listening from
    the start, not from its stale id."""
    hub = app[BUS_HUB]
    subscription, notice = await hub.subscribe(["broadcast"], await newest(app) + 1000)
    try:
        assert notice == "reset"
        subscription.take()
        await emit(app, "broadcast")
        rows = await subscription.wait(5)
        assert [orjson.loads(row[2])["payload"] for row in rows] == [{"n": 0}]
    finally:
        hub.unsubscribe(subscription)
