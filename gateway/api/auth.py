"""Who is calling: ``Authorization: Bearer <access token>`` on REST routes, or the
Odoo session cookie of a browser already logged in on the Odoo face.

The cookie is ``SameSite=Lax``, so other sites' pages do not send it with
their POSTs; a state-changing request authenticated by the cookie must also
be one a plain HTML form cannot make (``Content-Type: application/json`` or
an ``X-Requested-With`` header), which a browser only sends cross-origin after
a CORS preflight our allow-list answers. A bearer token, when present, wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from aiohttp import web

from models.db import Cursor
from models.env import Env, UserInfo
from aiohttp_session import get_session

from models.exceptions import AccessDenied, AccessError, SessionExpired
from rpc.service import RPC_SERVICE

from .tokens import TOKENS, AccessClaims, InvalidToken


@dataclass(frozen=True)
class Caller:
    user: UserInfo
    #: None when the Odoo session cookie authenticated the request
    claims: AccessClaims | None

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


SESSION_COOKIE = "session_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _uses_cookie(request: web.Request) -> bool:
    return "Authorization" not in request.headers and SESSION_COOKIE in request.cookies


async def _session_caller(request: web.Request) -> Caller:
    if request.method not in SAFE_METHODS and request.content_type != "application/json" \
            and "X-Requested-With" not in request.headers:
        raise InvalidToken("A request authenticated by the session cookie must be JSON "
                           "(or carry X-Requested-With)")
    session = await get_session(request)
    uid = session.get("uid")
    if not isinstance(uid, int):
        raise InvalidToken()
    service = request.app[RPC_SERVICE]
    version = getattr(session, "user_version", None)

    async def unit(cr: Cursor) -> UserInfo | None:
        return await service.registry["res.users"]._user_info(Env(cr, service.registry, None),
                                                              uid, version)

    user = await service.run(unit, readonly=True)
    if user is None or not user.active:
        raise InvalidToken()
    return Caller(user, None)


async def authenticated(request: web.Request) -> Caller:
    """The caller of a protected route; 401 unless the token is valid, its session open
    (not logged out, not revoked by a new password) and its user active."""
    if _uses_cookie(request):
        return await _session_caller(request)
    return await caller_for(request, access_claims(request))


async def caller_for(request: web.Request, claims: AccessClaims) -> Caller:
    """The caller of a decoded access token (a socket's token comes in a message, not in
    a header); InvalidToken unless its session is open and its user active."""
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


async def authenticated_in(request: web.Request, group: str, refusal: str) -> Caller:
    """The caller if they have ``group``; else 403 FORBIDDEN (``refusal``), before the
    body is looked at."""
    caller = await authenticated(request)
    if not caller.user.has_group(group):
        raise AccessError(refusal)
    return caller


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
