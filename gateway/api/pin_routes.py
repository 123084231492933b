"""Staff PIN login for a shared POS device (``/api/v1/auth/staff``, ``/auth/pin``).

The device is logged in (its bearer token); ``GET /auth/staff`` lists who
works in its restaurant, and ``POST /auth/pin`` with a staff member's id and
PIN answers a token pair of that staff member, as ``/auth/login`` does, in a
session (refresh-token family) of its own, so the waiter's orders are theirs
and their logout ends only their session. The checks are the model's
(``models/staff_pin.py``).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from models.db import Cursor
from models.env import Env
from models.exceptions import AccessDenied, ValidationError
from rpc.service import RPC_SERVICE

from .auth import authenticated, run_as
from .auth_routes import _client, _token_answer, _user_payload
from .body import json_object, strings
from .envelope import ok
from .tokens import TOKENS

PIN = "res.users.pos.pin"


async def staff(request: web.Request) -> web.Response:
    caller = await authenticated(request)

    async def unit(env: Env) -> list[dict[str, Any]]:
        return await env.registry[PIN]._staff(env, caller.user)

    found = await run_as(request, caller, unit)
    return ok(found, meta={"count": len(found)})


def _user_id(body: dict[str, Any]) -> int:
    value = body.get("user_id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2 ** 31:
        raise ValidationError("Invalid request: user_id",
                              field_errors={"user_id": "required, a user id"})
    return value


async def pin_login(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    body = await json_object(request)
    uid = _user_id(body)
    pin = strings(body, "pin")["pin"]
    service = request.app[RPC_SERVICE]

    async def check(env: Env) -> int:
        return await env.registry[PIN]._authenticate_pin(env, caller.user, uid, pin,
                                                         ip=request.remote)

    async def issue(cr: Cursor) -> tuple[dict[str, Any], dict[str, Any]]:
        env = Env(cr, service.registry, None)
        user = await service.registry["res.users"]._user_info(env, uid)
        if user is None:
            raise AccessDenied()
        client = _client(request)
        client["user_agent"] = f"PIN on the device of {caller.user.login}: " + (
            client["user_agent"] or "")
        issued = await service.registry["res.users.auth.token"]._issue(
            env, uid, days=request.app[TOKENS].refresh_days, **client)
        await service.registry["res.users"]._notify_session(env, uid, "user_login", "pin")
        return issued, await _user_payload(cr, request, user)

    await run_as(request, caller, check)          # bcrypt outside the write unit
    issued, user = await service.run(issue)
    return ok(_token_answer(request, uid, issued, user))


async def set_pin(request: web.Request) -> web.Response:
    """``PUT /auth/pin``: one's own PIN, confirmed with one's password;
    ``PUT /users/{id}/pin``: a manager sets a staff member's."""
    caller = await authenticated(request)
    target = request.match_info.get("id")
    body = await json_object(request)
    service = request.app[RPC_SERVICE]
    if target is None:
        fields = strings(body, "pin", "password")

        async def confirm(cr: Cursor) -> int:
            return await service.registry["res.users"]._authenticate(
                Env(cr, service.registry, None), caller.user.login, fields["password"],
                allow_apikey=False, ip=request.remote)

        await service.run(confirm, readonly=True)
        uid, pin = caller.uid, fields["pin"]
    else:
        uid, pin = int(target), body.get("pin")
        if not 0 < uid < 2 ** 31:
            raise web.HTTPNotFound()

    async def unit(env: Env) -> None:
        await env.registry[PIN]._set_pin(env, uid, pin)

    await run_as(request, caller, unit, readonly=False)
    return ok({"user_id": uid}, message="PIN set")
