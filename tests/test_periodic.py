"""Jobs on a clock: they repeat, survive a failing round, stop with the app, and the
gateway refreshes table statuses that time alone changes."""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from gateway.app import create_app
from gateway.periodic import every


async def test_a_job_repeats_survives_a_failure_and_stops_with_the_app(aiohttp_client: Any) -> None:
    rounds: list[int] = []

    async def job(app: web.Application) -> None:
        rounds.append(len(rounds))
        if len(rounds) == 2:
            raise RuntimeError("the database blinked")

    app = web.Application()
    app.cleanup_ctx.append(every(0.01, job, "test job"))
    client = await aiohttp_client(app)
    for _ in range(500):
        if len(rounds) >= 4:
            break
        await asyncio.sleep(0.01)
    assert len(rounds) >= 4, "the job stopped after its failing round"
    await client.close()
    stopped = len(rounds)
    await asyncio.sleep(0.05)
    assert len(rounds) == stopped


async def test_zero_seconds_means_never(aiohttp_client: Any) -> None:
    rounds: list[int] = []

    async def job(app: web.Application) -> None:
        rounds.append(1)

    app = web.Application()
    app.cleanup_ctx.append(every(0, job, "never"))
    client = await aiohttp_client(app)
    await asyncio.sleep(0.05)
    await client.close()
    assert rounds == []


async def test_the_gateway_rederives_stale_table_statuses(db: Any, orm: Any,
                                                          aiohttp_client: Any) -> None:
    """A table left 'reserved' with no booking due (its booking ended meanwhile) is
    freed by the clock, with no request touching it."""
    async def stale(env: Any) -> int:
        Table = env.registry["restaurant.table"]
        Reservation = env.registry["restaurant.reservation"]
        booked = [row[0] for row in await env.cr.rows(Reservation.select(Reservation.table_id))]
        (table,) = (await env["restaurant.table"].search(
            [("status", "=", "available"), ("id", "not in", booked)], limit=1))
        await env.cr.run(Table.update({Table.status: "reserved"}).where(Table.id == table))
        return table
    table = await orm.run(stale)
    client = await aiohttp_client(create_app(db.config.replace(table_status_interval=0.05)))

    async def status(env: Any) -> str:
        return (await env["restaurant.table"].read([table], ["status"]))[0]["status"]
    for _ in range(200):
        if await orm.run(status) == "available":
            break
        await asyncio.sleep(0.05)
    assert await orm.run(status) == "available"
    await client.close()
