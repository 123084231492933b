"""``create_app``: the only place the parts are wired together."""
from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Any, AsyncIterator

import aiohttp_session
from aiohttp import web
from aiohttp_remotes import XForwardedRelaxed

from hardware_bridge.bridge import BRIDGE, Bridge
from hardware_bridge.bridge import settings_from as bridge_settings
from hardware_bridge.iot_routes import add_iot_routes
from hardware_bridge.template import compile_template
from models import bus, make_registry
from models.bus_hub import BusHub
from models.db import Backend, make_backend
from models.env import Env
from models.login_throttle import LoginThrottle
from models.restaurant import refresh_reservation_windows
from rpc.bus import (BUS_HUB, BUS_SETTINGS, OPEN_SOCKETS, WAITING_PATHS, BusSettings,
                     close_sockets)
from rpc.routes import add_routes
from rpc.web import health as web_health
from rpc.service import RPC_SERVICE, RpcService, RpcSettings

from .api import (TOKENS, TokenService, add_api_routes, api_errors, bearer_uid, setup_cors,
                  make_rate_limits, security_headers, spec_bytes)
from .collector import keep_old_objects_frozen
from .config import Config
from .keys import BACKEND, CONFIG, SESSIONS
from .hardware_page import add_hardware_page
from .kds import add_kds_routes
from .pages import add_session_script
from .periodic import every
from .sessions import DatabaseStorage

SESSION_GC_INTERVAL = 3600
WS_PREFIX = "/api/v1/ws/"


@web.middleware
async def database_scope(request: web.Request, handler: Any) -> web.StreamResponse:
    """One database connection per request at most (PostgreSQL; nothing on SQLite).

    Outermost, so that the session middleware's load and save share it too. Not for
    the routes that wait (long-polling, websockets): each of their reads takes a
    connection for itself, so ten thousand waiting clients hold none.
    """
    if request.path in WAITING_PATHS or request.path.startswith(WS_PREFIX):
        return await handler(request)
    async with request.app[BACKEND].request_scope():
        return await handler(request)


async def _database(app: web.Application) -> AsyncIterator[None]:
    await app[BACKEND].start()
    yield
    await app[BACKEND].close()


async def _bus(app: web.Application) -> AsyncIterator[None]:
    await app[BUS_HUB].start()
    yield
    await app[BUS_HUB].close()


async def _hardware(app: web.Application) -> AsyncIterator[None]:
    await app[BRIDGE].start()
    yield
    await app[BRIDGE].close()


async def _prune_bus(app: web.Application) -> int:
    """Notifications older than bus_retention: clients further behind are told to resync."""
    retention = app[CONFIG].bus_retention
    return await app[BACKEND].run_unit(lambda cr: bus.prune(cr, retention))


async def _deadlines(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(app[RPC_SERVICE].deadlines.watch())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _purge_sessions(app: web.Application) -> int:
    return await app[SESSIONS].purge_expired()


async def _purge_refresh_tokens(app: web.Application) -> int:
    """REST refresh tokens expired for a month: kept that long so reuse is still recognised."""
    service = app[RPC_SERVICE]

    async def unit(cr: Any) -> int:
        return await service.registry["res.users.auth.token"]._purge(
            Env(cr, service.registry, None))
    return await app[BACKEND].run_unit(unit)


async def _refresh_tables(app: web.Application) -> int:
    """Tables whose booking came due or ended: time alone changes their status."""
    service = app[RPC_SERVICE]

    async def unit(cr: Any) -> int:
        return await refresh_reservation_windows(Env(cr, service.registry, None))
    return await app[BACKEND].run_unit(unit)


def create_app(config: Config, backend: Backend | None = None) -> web.Application:
    backend = backend or make_backend(config.resolved_database_url, pool_size=config.db_maxconn)
    # per process, in memory, as Odoo's registry._login_failures (models/login_throttle.py)
    throttle = LoginThrottle(after=config.login_cooldown_after,
                             duration=config.login_cooldown_duration,
                             window=config.login_failure_window,
                             ip_after=config.login_ip_cooldown_after)
    hardware = bridge_settings(config)
    registry = make_registry(backend.kind, {"bcrypt_rounds": config.bcrypt_rounds,
                                            "login_throttle": throttle,
                                            "printer_address_policy": hardware.policy,
                                            "template_check": compile_template})
    settings = RpcSettings(
        db_name=config.db_name, server_version=config.server_version, list_db=config.list_db,
        dbfilter=config.dbfilter, debug=config.tracebacks, admin_passwd=config.admin_passwd,
        max_body_size=config.max_body_size, limit_time_real=config.limit_time_real)

    middlewares = []
    if config.proxy_mode:
        # Odoo's proxy_mode: trust the last proxy's X-Forwarded-For/-Proto/-Host
        # (the client address, https, and the host web.base.url and dbfilter see)
        middlewares.append(XForwardedRelaxed().middleware)
    # /api/v1 only: requests per minute per user or address (after proxy_mode's rewrite
    # of request.remote; outside api_errors, so that error answers get the headers too)
    rate_limits = make_rate_limits(config)
    if rate_limits is not None:
        middlewares.append(rate_limits)
    # /api/v1 only: every error in the REST envelope, a failed connection included
    middlewares.append(api_errors)
    if backend.kind == "postgresql":   # SQLite has one connection: nothing to scope
        middlewares.append(database_scope)
    app = web.Application(client_max_size=config.max_body_size, middlewares=middlewares)
    app[CONFIG] = config
    app[BACKEND] = backend
    app[RPC_SERVICE] = RpcService(backend, registry, settings)
    app[TOKENS] = TokenService(config)
    app[RPC_SERVICE].bearer_auth = bearer_uid   # REST access tokens on /web/dataset/*
    storage = DatabaseStorage(backend, config.session_lifetime, config.session_cookie_secure,
                              cache_seconds=config.session_cache_seconds)
    app[SESSIONS] = storage
    aiohttp_session.setup(app, storage)

    app[BUS_HUB] = BusHub(backend, redis_url=config.redis_url,
                          redis_channel=f"{bus.NOTIFY_CHANNEL}:{config.db_name}",
                          poll_interval=config.bus_poll_interval or 5.0)
    app[BUS_SETTINGS] = BusSettings(
        longpolling_timeout=config.longpolling_timeout,
        keep_alive_timeout=config.websocket_keep_alive_timeout,
        rate_limit_burst=config.websocket_rate_limit_burst,
        rate_limit_delay=config.websocket_rate_limit_delay,
        max_channels=config.bus_max_channels)
    app[BRIDGE] = Bridge(backend, registry, hardware)
    app[OPEN_SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(close_sockets)

    add_routes(app)
    app.router.add_get("/web/health", web_health)
    add_api_routes(app)
    add_kds_routes(app)
    add_hardware_page(app)
    add_session_script(app)
    add_iot_routes(app)
    spec_bytes()    # a broken OpenAPI fragment stops the start, naming the files
    setup_cors(app, config.cors_origins, config.cors_allow_credentials, config.cors_max_age)
    app.on_response_prepare.append(security_headers)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_bus)
    app.cleanup_ctx.append(_hardware)
    app.cleanup_ctx.append(every(config.bus_prune_interval, _prune_bus, "bus prune"))
    app.cleanup_ctx.append(every(SESSION_GC_INTERVAL, _purge_sessions, "session purge"))
    app.cleanup_ctx.append(every(SESSION_GC_INTERVAL, _purge_refresh_tokens,
                                 "refresh token purge"))
    app.cleanup_ctx.append(every(config.table_status_interval, _refresh_tables,
                                 "table status refresh"))
    app.cleanup_ctx.append(_deadlines)
    app.cleanup_ctx.append(keep_old_objects_frozen())
    return app
