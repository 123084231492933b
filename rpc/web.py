"""The web client's routes: ``/web/session/*``, ``/web/webclient/*``,
``/web/database/list`` and ``/web/dataset/*`` (``addons/web/controllers``).

The session is an aiohttp-session (cookie ``session_id``, data in the
database); a successful login always starts a new session id, so a session
id planted before login is worthless after it (session fixation).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_session import get_session, new_session

from compat.session_info import SessionUser, session_info
from compat.version import version
from models.db import Cursor
from models.exceptions import AccessDenied, SessionExpired
from models import bus, security

from .dispatch import call_kw
from .jsonrpc import json_route
from .service import RPC_SERVICE, RpcService

INSTALLED_MODULES = ["base", "web", "bus", "point_of_sale", "pos_restaurant"]


def _required(params: dict[str, Any], func: str, *names: str) -> list[Any]:
    """Odoo's route wrapper turns a missing parameter into a Python TypeError."""
    missing = [name for name in names if name not in params]
    if missing:
        quoted = " and ".join(f"'{m}'" for m in missing)
        plural = "s" if len(missing) > 1 else ""
        raise TypeError(f"{func}() missing {len(missing)} required positional argument{plural}: {quoted}")
    return [params[name] for name in names]


async def session_uid(request: web.Request) -> int:
    return (await session_user(request))[0]


async def session_user(request: web.Request) -> tuple[int, Any]:
    """(uid, user version) of the session; SessionExpired without a logged-in session.

    A REST access token (``Authorization: Bearer``) stands for the session when the
    app enables it; an invalid one is SessionExpired, whatever cookie comes along.
    """
    bearer_auth = request.app[RPC_SERVICE].bearer_auth
    if bearer_auth is not None and request.headers.get(
            "Authorization", "")[:7].lower() == "bearer ":
        return await bearer_auth(request), None
    session = await get_session(request)
    uid = session.get("uid")
    if not isinstance(uid, int):
        raise SessionExpired()
    return uid, getattr(session, "user_version", None)


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def build_session_info(service: RpcService, request: web.Request, uid: int,
                             context: dict[str, Any] | None = None) -> dict[str, Any]:
    async def unit(cr: Cursor) -> dict[str, Any]:
        env = await service.user_env(cr, uid)
        user = env.user
        assert user is not None
        sudo = env.sudo()
        companies = await sudo["res.company"].read(
            list(user.allowed_company_ids), ["name", "sequence", "parent_id", "child_ids",
                                             "currency_id"], load="_classic_write")
        currencies = await sudo["res.currency"].search_read(
            [], ["symbol", "position", "decimal_places"])
        partner = await sudo["res.partner"].read([user.partner_id], ["display_name"]) \
            if user.partner_id else []
        current = (context or {}).get("allowed_company_ids") or [user.company_id]
        return session_info(SessionUser(
            uid=user.id, name=user.name, login=user.login, partner_id=user.partner_id,
            partner_display_name=partner[0]["display_name"] if partner else user.name,
            company_id=user.company_id, lang=user.lang, tz=user.tz,
            is_system=user.has_group(security.SYSTEM),
            is_admin=user.has_group(security.ERP_MANAGER) or user.has_group(security.SYSTEM),
            is_internal=user.has_group(security.USER) and not user.share,
            companies=[{"id": c["id"], "name": c["name"], "sequence": c["sequence"],
                        "parent_id": c["parent_id"], "child_ids": c["child_ids"]}
                       for c in companies],
            currencies={c["id"]: {"symbol": c["symbol"], "position": c["position"],
                                  "digits": [69, c["decimal_places"]]} for c in currencies},
            current_company_id=current[0] if current[0] in user.allowed_company_ids else None,
        ), service.settings.db_name, service.settings.server_version, base_url(request),
            # where a client's bus starts, instead of replaying the last 50 s (docs/bus.md)
            bus_last_id=await bus.newest_id(cr))

    return await service.run(unit, readonly=True)


async def health(request: web.Request) -> web.Response:
    """Odoo's session-free liveness probe (``/web/health``, and the bus's
    ``/longpolling/health`` and ``/websocket/health``)."""
    return web.json_response({"status": "pass"}, headers={"Cache-Control": "no-store"})


# -- /web/session ----------------------------------------------------------

@json_route
async def authenticate(request: web.Request, params: dict[str, Any]) -> Any:
    service = request.app[RPC_SERVICE]
    db, login, password = _required(params, "authenticate", "db", "login", "password")
    service.check_db(db, request.host)
    uid = await service.authenticate(login, password, interactive=True, ip=request.remote)
    session = await new_session(request)
    session["uid"] = uid
    session["login"] = login
    session["db"] = service.settings.db_name
    return await build_session_info(service, request, uid)


@json_route
async def get_session_info(request: web.Request, params: dict[str, Any]) -> Any:
    uid = await session_uid(request)
    (await get_session(request)).changed()
    return await build_session_info(request.app[RPC_SERVICE], request, uid)


@json_route
async def check(request: web.Request, params: dict[str, Any]) -> None:
    await session_uid(request)


@json_route
async def destroy(request: web.Request, params: dict[str, Any]) -> None:
    await session_uid(request)
    (await get_session(request)).invalidate()


async def logout(request: web.Request) -> web.StreamResponse:
    """``/web/session/logout?redirect=``: only same-site relative redirects."""
    session = await get_session(request)
    session.invalidate()
    target = request.query.get("redirect", "/web")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = "/web"
    raise web.HTTPSeeOther(target)


@json_route
async def modules(request: web.Request, params: dict[str, Any]) -> list[str]:
    await session_uid(request)
    return INSTALLED_MODULES


@json_route
async def get_lang_list(request: web.Request, params: dict[str, Any]) -> list[list[str]]:
    return [["en_US", "English (US)"]]


@json_route
async def version_info(request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
    return version(request.app[RPC_SERVICE].settings.server_version)


@json_route
async def database_list(request: web.Request, params: dict[str, Any]) -> list[str]:
    service = request.app[RPC_SERVICE]
    if not service.settings.list_db:
        raise AccessDenied()
    return service.visible_databases(request.host)


# -- /web/dataset ------------------------------------------------------------

@json_route
async def dataset_call_kw(request: web.Request, params: dict[str, Any]) -> Any:
    model, method, args, kwargs = _required(params, "DataSet.call_kw", "model", "method",
                                            "args", "kwargs")
    uid, version = await session_user(request)
    return await call_kw(request.app[RPC_SERVICE], uid, model, method, args, kwargs,
                         version=version)


@json_route
async def dataset_call_button(request: web.Request, params: dict[str, Any]) -> Any:
    model, method, args, kwargs = _required(params, "DataSet.call_button", "model", "method",
                                            "args", "kwargs")
    uid = await session_uid(request)
    result = await call_kw(request.app[RPC_SERVICE], uid, model, method, args, kwargs)
    if isinstance(result, dict) and result.get("type"):
        return result
    return False


@json_route
async def dataset_search_read(request: web.Request, params: dict[str, Any]) -> Any:
    """Odoo <= 16: ``{length, records}`` for a list view."""
    (model,) = _required(params, "DataSet.search_read", "model")
    uid = await session_uid(request)
    kwargs = {"domain": params.get("domain") or [], "fields": params.get("fields") or [],
              "offset": params.get("offset") or 0, "limit": params.get("limit") or None,
              "order": params.get("sort") or None,
              "context": params.get("context")}
    return await call_kw(request.app[RPC_SERVICE], uid, model, "web_search_read", [], kwargs)
