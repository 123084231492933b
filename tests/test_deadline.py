"""limit_time_real: a call that runs too long is cancelled, rolled back and answered."""
from __future__ import annotations

from typing import Any

from gateway.app import create_app
from tests.support import assert_odoo_error, call_kw, login, result


async def test_a_call_past_the_deadline_is_cancelled_and_rolled_back(
        aiohttp_client: Any, db: Any) -> None:
    # bcrypt at cost 15 takes seconds: a real slow call, cut at one second
    config = db.config.replace(limit_time_real=1, bcrypt_rounds=15)
    client = await aiohttp_client(create_app(config))
    await login(client)
    waiter = result(await call_kw(client, "res.users", "search", [[("login", "=", "waiter")]]))
    body = await call_kw(client, "res.users", "write", [waiter, {"name": "Renamed Waiter",
                                                                 "password": "slow secret"}])
    assert_odoo_error(body, "builtins.TimeoutError",
                      message="took longer than limit_time_real (1 s)")
    # nothing of the call remains, and the server goes on answering
    names = result(await call_kw(client, "res.users", "read", [waiter, ["name"]]))
    assert names[0]["name"] == "Wendy Waiter"
