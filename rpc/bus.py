"""The bus on the Odoo face: Odoo 15's long-polling and Odoo 16/17's websocket.

Both stand on the process's hub (models/bus_hub.py): a poll or a ``subscribe``
becomes a subscription with the client's channels and ``last``; what is
already there is answered at once, the rest as it commits. The channels a
client asks for are filtered by ``models.bus.listenable`` (a restaurant it may
not see is dropped silently, as Odoo drops what it does not grant) and the
server adds Odoo's own (``broadcast``, the user's partner and user).

Routes: ``/longpolling/poll``, ``/longpolling/im_status``,
``/longpolling/health``, ``/websocket``, ``/websocket/health``,
``/websocket/peek_notifications``, ``/websocket/update_bus_presence``
(docs/bus.md). Long waits hold no database connection: each read is its own
short unit of work (the app keeps these routes out of the per-request
connection scope).
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp_session
import orjson
from aiohttp import WSMsgType, web

from compat import bus as wire
from models import bus, bus_presence
from models.bus_hub import BusHub, Subscription
from models.db import Cursor
from models.env import Env, UserInfo
from models.exceptions import SessionExpired

from . import web as web_routes
from .jsonrpc import json_route
from .service import RPC_SERVICE

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BusSettings:
    longpolling_timeout: float = bus.TIMEOUT
    keep_alive_timeout: float = 3600.0
    rate_limit_burst: int = 10
    rate_limit_delay: float = 0.2
    max_channels: int = 200


BUS_HUB = web.AppKey("bus_hub", BusHub)
BUS_SETTINGS = web.AppKey("bus_settings", BusSettings)
#: Open websockets of the app (both faces), closed with 1001 when the server stops.
OPEN_SOCKETS = web.AppKey("bus_open_sockets", weakref.WeakSet)

#: Paths whose handlers wait: they must not hold a database connection while they do.
WAITING_PATHS = frozenset({"/longpolling/poll", "/websocket", "/hw_drivers/event"})


async def listener(request: web.Request) -> UserInfo | None:
    """The logged-in user of the request (session cookie or bearer token), or None for
    the public, who may still listen to public channels as in Odoo."""
    service = request.app[RPC_SERVICE]
    uid: Any = None
    version: Any = None
    if service.bearer_auth is not None and request.headers.get(
            "Authorization", "")[:7].lower() == "bearer ":
        uid = await service.bearer_auth(request)
    else:
        session = await aiohttp_session.get_session(request)
        uid = session.get("uid")
        version = getattr(session, "user_version", None)
    if not isinstance(uid, int):
        return None
    return await _user_info(request, uid, version)


async def _user_info(request: web.Request, uid: int, version: Any = None) -> UserInfo | None:
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> UserInfo | None:
        return await service.registry["res.users"]._user_info(
            Env(cr, service.registry, None), uid, version)

    user = await service.run(unit, readonly=True)
    return user if user is not None and user.active else None


async def _session_still_open(request: web.Request, uid: int) -> bool:
    """Odoo re-reads the session before each websocket event; a logged-out or expired
    session closes the socket with 4001."""
    storage = request.get(aiohttp_session.STORAGE_KEY)
    if storage is None:
        return True
    session = await storage.load_session(request)
    return session.get("uid") == uid


def channels_for(request: web.Request, user: UserInfo | None, requested: Any) -> list[str]:
    channels = wire.client_channels(requested)
    if len(channels) > request.app[BUS_SETTINGS].max_channels:
        raise ValueError(f"too many channels (at most {request.app[BUS_SETTINGS].max_channels})")
    db = request.app[RPC_SERVICE].settings.db_name
    return bus.listenable(user, channels) + bus.server_channels(user, db)


async def _touch_presence(request: web.Request, user: UserInfo | None,
                          inactivity_ms: Any = None) -> None:
    if user is None:
        return
    await request.app[RPC_SERVICE].run(
        lambda cr: bus_presence.touch(cr, user.id, inactivity_ms))


def _resync(notice: str | None, rows: list[Any], subscription: Subscription
            ) -> tuple[int, str] | None:
    """The resync notice's id: just before the first row sent with it, or where the
    subscription stands when none is, so a client's highest id seen stays in order."""
    if notice is None:
        return None
    return (max(rows[0][0] - 1 if rows else subscription.last, 0), notice)


# -- Odoo 15: long-polling ---------------------------------------------------------------

@json_route
async def poll(request: web.Request, params: dict[str, Any]) -> Any:
    user = await listener(request)
    channels = channels_for(request, user, params.get("channels", []))
    last = wire.client_last(params.get("last", 0))
    options = params.get("options") or {}
    if not isinstance(options, dict):
        raise ValueError("options must be an object")
    if "bus_inactivity" in options:
        await _touch_presence(request, user, options.get("bus_inactivity"))
    hub = request.app[BUS_HUB]
    subscription, notice = await hub.subscribe(channels, last)
    try:
        rows = subscription.take()
        if options.get("peek"):
            return {"channels": channels,
                    "notifications": wire.odoo_notifications(
                        rows, _resync(notice, rows, subscription))}
        if not rows and notice is None:
            with request.app[RPC_SERVICE].deadlines.paused():
                rows = await subscription.wait(request.app[BUS_SETTINGS].longpolling_timeout)
    finally:
        hub.unsubscribe(subscription)
    return wire.odoo_notifications(rows, _resync(notice, rows, subscription))


@json_route
async def im_status(request: web.Request, params: dict[str, Any]) -> Any:
    user = await listener(request)
    if user is None:
        raise SessionExpired()
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> Any:
        return await bus_presence.im_status(service.env(cr, user), params.get("partner_ids"))

    return await service.run(unit, readonly=True)


# -- Odoo 16/17: websocket ---------------------------------------------------------------

@json_route
async def peek_notifications(request: web.Request, params: dict[str, Any]) -> Any:
    """The fallback of a browser without SharedWorker: one immediate look."""
    user = await listener(request)
    channels = channels_for(request, user, params.get("channels", []))
    last = wire.client_last(params.get("last", 0))
    hub = request.app[BUS_HUB]
    subscription, notice = await hub.subscribe(channels, last)
    hub.unsubscribe(subscription)
    rows = subscription.take()
    db = request.app[RPC_SERVICE].settings.db_name
    return {"channels": [_odoo_channel(db, key) for key in channels],
            "notifications": wire.odoo_notifications(rows, _resync(notice, rows, subscription))}


def _odoo_channel(db: str, key: str) -> Any:
    """How Odoo lists a channel back: ``[db, name]`` for strings, the list itself else."""
    if key.startswith("["):
        return orjson.loads(key)
    return [db, key]


@json_route
async def update_bus_presence(request: web.Request, params: dict[str, Any]) -> Any:
    user = await listener(request)
    if user is None:
        raise SessionExpired()
    await _touch_presence(request, user, params.get("inactivity_period"))
    return {}


#: Frames already encoded, by (encoder, row ids): the same rows go to thousands of sockets.
_FRAMES: dict[tuple[Any, tuple[int, ...]], bytes] = {}
#: Bytes waiting in a socket's buffer beyond which its sends get a task of their own.
BUFFER_HIGH = 64 * 1024


def encoded(frame: Callable[[list[Any]], bytes], rows: list[Any]) -> bytes:
    key = (frame, tuple(row[0] for row in rows))
    data = _FRAMES.get(key)
    if data is None:
        if len(_FRAMES) > 256:
            _FRAMES.clear()
        data = _FRAMES[key] = frame(rows)
    return data


class BusSocket:
    """One websocket: the subscription it holds and how its rows are sent.

    No task waits per idle socket. When rows arrive the hub awaits :meth:`send` of
    every socket concerned, one after the other in one task; a socket whose buffer is
    already full (a slow reader) gets a task of its own instead, so it holds up no
    other."""

    __slots__ = ("ws", "transport", "subscription", "sending", "tokens", "stamp", "frame")

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, burst: int,
                 frame: Callable[[list[Any]], bytes] = wire.odoo_frame) -> None:
        self.ws = ws
        self.transport = request.transport
        self.subscription: Subscription | None = None
        self.sending: asyncio.Task[None] | None = None
        self.tokens = float(burst)
        self.stamp = time.monotonic()
        self.frame = frame

    def allow(self, burst: int, delay: float) -> bool:
        """Odoo's websocket rate limit: ``burst`` messages, refilled one per ``delay``."""
        now = time.monotonic()
        self.tokens = min(float(burst), self.tokens + (now - self.stamp) / max(delay, 1e-6))
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def attach(self, subscription: Subscription) -> None:
        self.subscription = subscription
        subscription.on_ready = self.send
        if subscription.pending:
            self.sending = asyncio.ensure_future(self._drain())

    async def send(self) -> None:
        if self.sending is not None and not self.sending.done():
            return                  # the drain under way takes the new rows too
        transport = self.transport
        if transport is None or transport.get_write_buffer_size() > BUFFER_HIGH:
            self.sending = asyncio.ensure_future(self._drain())
            return
        await self._drain()

    async def _drain(self) -> None:
        subscription = self.subscription
        while subscription is not None and subscription.pending and not self.ws.closed:
            rows = subscription.take()
            try:
                await self.ws.send_frame(encoded(self.frame, rows), WSMsgType.TEXT)
            except (ConnectionError, RuntimeError):
                return
            subscription = self.subscription

    def close(self, hub: BusHub) -> None:
        if self.subscription is not None:
            hub.unsubscribe(self.subscription)
            self.subscription = None
        if self.sending is not None:
            self.sending.cancel()


def _handshake_error(request: web.Request) -> web.Response | None:
    """Odoo's checks before the upgrade: 426 for another protocol version, 400 for a
    missing header (``addons/bus/websocket.py`` ``_assert_handshake_validity``)."""
    headers = request.headers
    if headers.get("Sec-WebSocket-Version") not in (None, "13"):
        return web.Response(status=426, headers={"Sec-WebSocket-Version": "13"},
                            text="Unsupported websocket version")
    if "upgrade" not in headers.get("Connection", "").lower() \
            or headers.get("Upgrade", "").lower() != "websocket" \
            or not headers.get("Sec-WebSocket-Key") or "Sec-WebSocket-Version" not in headers:
        return web.Response(status=400, text="Empty or missing header(s): websocket upgrade")
    return None


async def websocket(request: web.Request) -> web.StreamResponse:
    refused = _handshake_error(request)
    if refused is not None:
        return refused
    settings = request.app[BUS_SETTINGS]
    hub = request.app[BUS_HUB]
    user = await listener(request)
    ws = web.WebSocketResponse(heartbeat=45.0, max_msg_size=wire.MESSAGE_MAX_SIZE,
                               autoping=True)
    await ws.prepare(request)
    request.app[OPEN_SOCKETS].add(ws)
    socket = BusSocket(ws, request, settings.rate_limit_burst)
    lifetime = settings.keep_alive_timeout * (1 + random.random() / 2)
    ends = time.monotonic() + lifetime
    try:
        while True:
            remaining = ends - time.monotonic()
            if remaining <= 0:
                await ws.close(code=wire.KEEP_ALIVE_TIMEOUT, message=b"KEEP_ALIVE_TIMEOUT")
                break
            try:
                message = await ws.receive(timeout=remaining)
            except TimeoutError:
                continue
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                break
            if message.type == WSMsgType.ERROR:
                code = wire.MESSAGE_TOO_BIG if "size" in str(ws.exception()) else \
                    wire.PROTOCOL_ERROR
                await ws.close(code=code)
                break
            if message.type != WSMsgType.TEXT:
                await ws.close(code=wire.INCORRECT_DATA, message=b"text frames only")
                break
            if not socket.allow(settings.rate_limit_burst, settings.rate_limit_delay):
                await ws.close(code=wire.TRY_LATER, message=b"rate limited")
                break
            if user is not None and not await _session_still_open(request, user.id):
                await ws.close(code=wire.SESSION_EXPIRED, message=b"SESSION_EXPIRED")
                break
            try:
                await _serve_event(request, socket, user, message.data)
            except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
                _logger.info("websocket: incorrect data: %s", exc)
                await ws.close(code=wire.INCORRECT_DATA, message=str(exc)[:120].encode())
                break
    except asyncio.CancelledError:
        raise
    except Exception:
        _logger.exception("websocket failed")
        if not ws.closed:
            await ws.close(code=wire.SERVER_ERROR)
    finally:
        socket.close(hub)
        request.app[OPEN_SOCKETS].discard(ws)
    return ws


async def _serve_event(request: web.Request, socket: BusSocket, user: UserInfo | None,
                       data: str) -> None:
    event = orjson.loads(data)
    if not isinstance(event, dict) or not isinstance(event.get("data", {}), dict):
        raise ValueError("a message is {\"event_name\": ..., \"data\": {...}}")
    name, payload = event.get("event_name"), event.get("data") or {}
    if name == "subscribe":
        channels = channels_for(request, user, payload.get("channels", []))
        last = wire.client_last(payload.get("last", 0))
        hub = request.app[BUS_HUB]
        if socket.subscription is not None:        # each subscribe replaces the last
            hub.unsubscribe(socket.subscription)
            socket.subscription = None
        subscription, notice = await hub.subscribe(channels, last)
        if notice is not None:
            resync = _resync(notice, subscription.pending, subscription)
            await socket.ws.send_frame(wire.odoo_frame([], resync), WSMsgType.TEXT)
        socket.attach(subscription)
        await _touch_presence(request, user)
    elif name == "update_presence":
        await _touch_presence(request, user, payload.get("inactivity_period"))
    else:
        raise ValueError(f"unknown event {name!r}")


async def close_sockets(app: web.Application) -> None:
    """``on_shutdown``: 1001 to every client, so they reconnect (elsewhere) with their last id."""
    for ws in list(app[OPEN_SOCKETS]):
        if not ws.closed:
            await ws.close(code=wire.GOING_AWAY, message=b"server shutting down")


ROUTES: list[tuple[str, str, object]] = [
    ("POST", "/longpolling/poll", poll),
    ("POST", "/longpolling/im_status", im_status),
    ("GET", "/longpolling/health", web_routes.health),
    ("GET", "/websocket", websocket),
    ("GET", "/websocket/health", web_routes.health),
    ("POST", "/websocket/peek_notifications", peek_notifications),
    ("POST", "/websocket/update_bus_presence", update_bus_presence),
]
