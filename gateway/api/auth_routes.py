"""``/api/v1/auth/*``: login, refresh, logout, me, sessions.

Passwords are checked by ``res.users._authenticate``, the check of the Odoo
front (``/web/session/authenticate``): same bcrypt, same "Access Denied" for
an unknown login and a wrong password, same cost for both; API keys are not
accepted here (an interactive login, as in Odoo). Refresh tokens live in
``res.users.auth.token`` (issue, rotation, reuse detection, revocation are
model methods); this module only speaks HTTP.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from models import security
from models.db import Cursor
from models.env import Env, UserInfo
from models.exceptions import AccessDenied, MissingError, ValidationError
from rpc.service import RPC_SERVICE

from ..sessions import log_out
from .auth import Caller, authenticated
from .body import json_object, strings
from .envelope import ok
from .tokens import TOKENS, InvalidToken

#: Roles of the REST API, from the groups they stand for (a user has each whose group it has).
ROLES = (("admin", security.SYSTEM), ("platform_owner", security.PLATFORM_OWNER),
         ("manager", security.POS_MANAGER), ("waiter", security.POS_USER),
         ("kitchen", security.KITCHEN))


def _client(request: web.Request) -> dict[str, Any]:
    return {"user_agent": request.headers.get("User-Agent"), "ip": request.remote}


async def _user_payload(cr: Cursor, request: web.Request, user: UserInfo) -> dict[str, Any]:
    service = request.app[RPC_SERVICE]
    env = service.env(cr, user).sudo()
    companies = {c["id"]: c["name"] for c in await env["res.company"].read(
        list(user.allowed_company_ids), ["name"])}
    return {
        "id": user.id, "name": user.name, "login": user.login, "lang": user.lang,
        "tz": user.tz or None,
        "company": {"id": user.company_id, "name": companies.get(user.company_id)},
        "allowed_companies": [{"id": cid, "name": companies.get(cid)}
                              for cid in user.allowed_company_ids],
        "groups": sorted(user.groups),
        "roles": [role for role, group in ROLES if user.has_group(group)],
    }


def _token_answer(request: web.Request, uid: int, issued: dict[str, Any],
                  user: dict[str, Any] | None) -> dict[str, Any]:
    tokens = request.app[TOKENS]
    answer = {"access_token": tokens.issue_access(uid, issued["family"]),
              "token_type": "Bearer", "expires_in": tokens.access_seconds,
              "refresh_token": issued["token"], "refresh_expires_at": issued["expires"]}
    if user is not None:
        answer["user"] = user
    return answer


async def login(request: web.Request) -> web.Response:
    body = await json_object(request)
    fields = strings(body, "password", one_of=("username", "email"))
    service = request.app[RPC_SERVICE]
    Users = service.registry["res.users"]
    Tokens = service.registry["res.users.auth.token"]

    async def check(cr: Cursor) -> int:
        env = Env(cr, service.registry, None)
        login = fields.get("username")
        if login is None:
            login = await Users._login_for_email(env, fields["email"])
        return await Users._authenticate(env, login, fields["password"], allow_apikey=False,
                                         ip=request.remote)

    async def issue(cr: Cursor) -> tuple[dict[str, Any], dict[str, Any]]:
        env = Env(cr, service.registry, None)
        user = await Users._user_info(env, uid)
        if user is None:   # archived since the password check
            raise AccessDenied()
        issued = await Tokens._issue(env, uid, days=request.app[TOKENS].refresh_days,
                                     **_client(request))
        await Users._notify_session(env, uid, "user_login", "api")
        return issued, await _user_payload(cr, request, user)

    # bcrypt runs outside any write transaction (SQLite: writers wait for none of it)
    uid = await service.run(check, readonly=True)
    issued, user = await service.run(issue)
    return ok(_token_answer(request, uid, issued, user))


async def refresh(request: web.Request) -> web.Response:
    fields = strings(await json_object(request), "refresh_token")
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> dict[str, Any] | None:
        return await service.registry["res.users.auth.token"]._rotate(
            Env(cr, service.registry, None), fields["refresh_token"],
            days=request.app[TOKENS].refresh_days, **_client(request))

    # a reused token revokes its family in this unit: commit it, then refuse
    issued = await service.run(unit)
    if issued is None:
        raise InvalidToken("Invalid or expired refresh token")
    return ok(_token_answer(request, issued["uid"], issued, None))


async def logout(request: web.Request) -> web.Response:
    """Revoke this session (the access token's family, or the refresh token's given in the
    body), or every session of the user with ``{"all": true}``."""
    caller = await authenticated(request)
    body = await json_object(request, optional=True)
    revoke_all = body.get("all", False)
    if not isinstance(revoke_all, bool):
        raise ValidationError("Invalid request: all", field_errors={"all": "must be a boolean"})
    token = body.get("refresh_token")
    if token is not None and not isinstance(token, str):
        raise ValidationError("Invalid request: refresh_token",
                              field_errors={"refresh_token": "must be a string"})
    service = request.app[RPC_SERVICE]
    Tokens = service.registry["res.users.auth.token"]

    async def unit(cr: Cursor) -> int:
        env = Env(cr, service.registry, None)
        if revoke_all:
            revoked = await Tokens._revoke(env, caller.uid)
        else:
            family = caller.claims.family if caller.claims else None
            if token:
                found = await Tokens._family_of(env, token)
                if found is None or found[0] != caller.uid:
                    raise MissingError("Unknown refresh token")
                family = found[1]
            revoked = await Tokens._revoke(env, caller.uid, family=family)
        if revoked and caller.claims is not None:   # a cookie's logout is the session's save
            await service.registry["res.users"]._notify_session(env, caller.uid,
                                                                "user_logout", "api")
        return revoked

    if caller.claims is None and not revoke_all and not token:
        # authenticated by the Odoo session cookie: that session ends (Odoo's destroy)
        log_out(await get_session(request), "api")
        return ok({"revoked_tokens": 0}, message="Logged out")
    revoked = await service.run(unit)
    if caller.claims is None:
        log_out(await get_session(request), "api")
    return ok({"revoked_tokens": revoked}, message="Logged out")


async def me(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> dict[str, Any]:
        return await _user_payload(cr, request, caller.user)

    return ok(await service.run(unit, readonly=True))


async def _sessions(request: web.Request, caller: Caller) -> list[dict[str, Any]]:
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> list[dict[str, Any]]:
        return await service.registry["res.users.auth.token"]._sessions(
            Env(cr, service.registry, None), caller.uid)

    sessions = await service.run(unit, readonly=True)
    for session in sessions:
        session["current"] = caller.claims is not None and session["family"] == caller.claims.family
    return sessions


async def sessions(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    found = await _sessions(request, caller)
    return ok(found, meta={"count": len(found)})


async def revoke_session(request: web.Request) -> web.Response:
    """Only the caller's own open sessions: another user's family is not found (404)."""
    caller = await authenticated(request)
    family = request.match_info["family"]
    service = request.app[RPC_SERVICE]
    Tokens = service.registry["res.users.auth.token"]

    async def unit(cr: Cursor) -> int:
        env = Env(cr, service.registry, None)
        if not await Tokens._session_alive(env, caller.uid, family):
            raise MissingError("Session not found")
        return await Tokens._revoke(env, caller.uid, family=family)

    revoked = await service.run(unit)
    return ok({"family": family, "revoked_tokens": revoked}, message="Session revoked")
