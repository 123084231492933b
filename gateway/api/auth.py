"""Who is calling: ``Authorization: Bearer <access token>`` on REST routes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from aiohttp import web

from models.db import Cursor
from models.env import Env, UserInfo
from models.exceptions import AccessDenied, SessionExpired
from rpc.service import RPC_SERVICE

from .tokens import TOKENS, AccessClaims, InvalidToken


@dataclass(frozen=True)
class Caller:
    user: UserInfo
    claims: AccessClaims

    @property
    def uid(self) -> int:
        return self.user.id


def bearer_token(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("Authentication required")
    return token


#: Where a request keeps its decoded access token (the rate limiter decodes it first).
_CLAIMS = web.RequestKey("access_claims", AccessClaims)


def access_claims(request: web.Request) -> AccessClaims:
    """The request's bearer token, decoded and checked once per request; InvalidToken (401)
    when it is missing or bad. Says nothing yet of its session or its user."""
    claims = request.get(_CLAIMS)
    if claims is None:
        claims = request[_CLAIMS] = request.app[TOKENS].decode_access(bearer_token(request))
    return claims


async def authenticated(request: web.Request) -> Caller:
    """The caller of a protected route; 401 unless the token is valid, its session open
    (not logged out, not revoked by a new password) and its user active."""
    claims = access_claims(request)
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> UserInfo | None:
        env = Env(cr, service.registry, None)
        if not await service.registry["res.users.auth.token"]._session_alive(
                env, claims.uid, claims.family):
            return None
        return await service.registry["res.users"]._user_info(env, claims.uid)

    user = await service.run(unit, readonly=True)
    if user is None:
        raise InvalidToken()
    return Caller(user, claims)


async def bearer_uid(request: web.Request) -> int:
    """The Odoo front's view of a bearer access token: its uid, or Odoo's SessionExpired."""
    try:
        return (await authenticated(request)).uid
    except AccessDenied:
        raise SessionExpired() from None


async def run_as(request: web.Request, caller: Caller, fn: Callable[[Env], Awaitable[Any]],
                 readonly: bool = True) -> Any:
    """``fn(env)`` in one unit of work, as the caller (their current restaurant)."""
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> Any:
        return await fn(service.env(cr, caller.user))

    return await service.run(unit, readonly=readonly)
