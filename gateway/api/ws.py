"""``/api/v1/ws/{restaurant_id}`` and ``/api/v1/ws/{kitchen|pos|management}/{restaurant_id}``:
the mobile clients' socket on the bus (protocol: docs/bus.md).

One socket, one channel: the restaurant's general channel or one audience's.
Which events each channel carries is decided when they are written
(``models.bus.EVENTS``), so role filtering is the channel check done here
(``models.bus.may_listen``): a waiter may open the general, kitchen and pos
sockets of their restaurant, never the management one.

Authentication: the access token in the URL (``?token=``), checked before the
upgrade so a bad one is a plain 401; or, to keep tokens out of access logs,
in the first message; or a browser's Odoo session cookie. A token socket ends
(4001) when its token expires unless the client sends a fresh one, and at once
when its token's session is revoked (a logout, a new password, an archived
user): the revocation reaches it through the bus (:class:`TokenWatch`), from
any process, as REST refuses the token from then on.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from compat import bus as wire
from models import bus
from models.base import MAX_ID
from models.exceptions import AccessError, MissingError, ValidationError
from models.bus_hub import BusHub, Subscription
from rpc.bus import BUS_HUB, BUS_SETTINGS, OPEN_SOCKETS, BusSocket

from .auth import SESSION_COOKIE, Caller, authenticated, caller_for
from .envelope import PREFIX
from .tokens import TOKENS, InvalidToken

#: Seconds a socket may stay silent before its first message must have authenticated it.
AUTH_TIMEOUT = 10.0
#: WebSocket-level ping every this many seconds; no pong within half of it closes.
HEARTBEAT = 30.0
#: A client's messages are small (auth, ping).
MAX_MESSAGE = 64 * 1024


class SocketRefused(Exception):
    """Why an open socket is being closed: a close code and an error message."""

    def __init__(self, close_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.code = code


class TokenWatch:
    """Ends a token socket when its token's session is revoked.

    The revocation is a bus row on the user's private token channel
    (``models.bus.token_channel``), so it costs no query per socket and reaches the
    sockets of every process. Rows committed before the socket was opened are not
    its concern (its token was checked after them): only ids above ``after`` count.
    """

    __slots__ = ("ws", "family", "after", "subscription", "ending")

    def __init__(self, ws: web.WebSocketResponse, family: str, after: int) -> None:
        self.ws = ws
        self.family = family
        self.after = after
        self.subscription: Subscription | None = None
        self.ending: asyncio.Future[None] | None = None

    async def start(self, hub: BusHub, uid: int) -> None:
        self.subscription, _notice = await hub.subscribe([bus.token_channel(uid)], self.after)
        self.subscription.on_ready = self.check
        await self.check()

    async def check(self) -> None:
        if self.subscription is None or self.ending is not None:
            return
        for row in self.subscription.take():
            family = (orjson.loads(row[2]).get("payload") or {}).get("family")
            if row[0] > self.after and family in (None, self.family):
                # its own task: the hub runs every socket's sender in one
                self.ending = asyncio.ensure_future(self._end())
                return

    async def _end(self) -> None:
        if self.ws.closed:
            return
        try:
            await self.ws.send_frame(wire.mobile_message(
                "error", code="UNAUTHORIZED", message="The session was logged out"),
                WSMsgType.TEXT)
            await self.ws.close(code=wire.SESSION_EXPIRED, message=b"UNAUTHORIZED")
        except (ConnectionError, RuntimeError):
            return

    def close(self, hub: BusHub) -> None:
        if self.subscription is not None:
            hub.unsubscribe(self.subscription)
            self.subscription = None


def _restaurant(request: web.Request) -> int:
    value = int(request.match_info["restaurant_id"])
    if not 0 < value <= MAX_ID:
        raise MissingError("Restaurant not found")
    return value


def _last(value: Any) -> int:
    try:
        return wire.client_last(value)
    except ValueError:
        raise ValidationError("last must be a non-negative integer",
                              field_errors={"last": "a non-negative integer"}) from None


def _query_last(request: web.Request) -> int:
    text = request.query.get("last", "0")
    if not text.isdigit() or len(text) > 18:
        raise ValidationError("last must be a non-negative integer",
                              field_errors={"last": "a non-negative integer"})
    return int(text)


def _allowed(caller: Caller, restaurant_id: int, role: str) -> None:
    """404 for a restaurant the caller cannot see (no existence oracle), 403 for an
    audience of their own restaurant that their role does not reach."""
    if not bus.may_listen(caller.user, restaurant_id, ""):
        raise MissingError("Restaurant not found")
    if not bus.may_listen(caller.user, restaurant_id, role):
        raise AccessError(f"Your role does not receive the {role or 'general'} channel")


async def socket(request: web.Request) -> web.StreamResponse:
    role = request.match_info.get("role", "")
    restaurant_id = _restaurant(request)
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise ValidationError("This route is a WebSocket: connect with an Upgrade request",
                              field_errors={"Upgrade": "websocket expected"})
    last = _query_last(request)
    hub = request.app[BUS_HUB]
    checked_after = hub.cursor       # a revocation after this may follow the token's check
    caller: Caller | None = None
    token = request.query.get("token")
    if token:
        caller = await caller_for(request, request.app[TOKENS].decode_access(token))
    elif SESSION_COOKIE in request.cookies and "Authorization" not in request.headers:
        caller = await authenticated(request)
    if caller is not None:
        _allowed(caller, restaurant_id, role)

    settings = request.app[BUS_SETTINGS]
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_MESSAGE)
    await ws.prepare(request)
    request.app[OPEN_SOCKETS].add(ws)
    sender = BusSocket(ws, request, settings.rate_limit_burst, wire.mobile_frame)
    watch: TokenWatch | None = None
    try:
        if caller is None:
            caller, last = await _first_message(request, ws, last)
            try:
                _allowed(caller, restaurant_id, role)
            except (MissingError, AccessError) as exc:
                raise SocketRefused(wire.FORBIDDEN, "FORBIDDEN", str(exc)) from None
        if caller.claims is not None:
            watch = TokenWatch(ws, caller.claims.family, checked_after)
            await watch.start(hub, caller.uid)
        channel = bus.restaurant_channel(restaurant_id, role or None)
        subscription, notice = await hub.subscribe([channel], last)
        await ws.send_frame(wire.mobile_message(
            "welcome", channel=channel, user_id=caller.uid,
            last=max(hub.cursor, subscription.last)),
            WSMsgType.TEXT)
        if notice is not None:
            await ws.send_frame(wire.mobile_message("resync", reason=notice), WSMsgType.TEXT)
        sender.attach(subscription)
        await _serve(request, ws, sender, caller, watch)
    except SocketRefused as refused:
        if not ws.closed:
            await ws.send_frame(wire.mobile_message("error", code=refused.code,
                                                    message=str(refused)), WSMsgType.TEXT)
            await ws.close(code=refused.close_code, message=refused.code.encode())
    finally:
        sender.close(hub)
        if watch is not None:
            watch.close(hub)
        request.app[OPEN_SOCKETS].discard(ws)
    return ws


async def _message(ws: web.WebSocketResponse, timeout: float) -> dict[str, Any] | None:
    """The client's next message as an object; None when the socket ended."""
    message = await ws.receive(timeout=timeout)
    if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
        return None
    if message.type == WSMsgType.ERROR:
        raise SocketRefused(wire.MESSAGE_TOO_BIG if "size" in str(ws.exception())
                            else wire.PROTOCOL_ERROR, "BAD_MESSAGE", "Unreadable message")
    if message.type != WSMsgType.TEXT:
        raise SocketRefused(wire.INCORRECT_DATA, "BAD_MESSAGE", "Messages are JSON text")
    try:
        data = orjson.loads(message.data)
    except orjson.JSONDecodeError:
        raise SocketRefused(wire.MESSAGE_VIOLATING_POLICY, "BAD_MESSAGE",
                            "Messages are JSON objects") from None
    if not isinstance(data, dict):
        raise SocketRefused(wire.MESSAGE_VIOLATING_POLICY, "BAD_MESSAGE",
                            "Messages are JSON objects")
    return data


async def _authenticate(request: web.Request, data: dict[str, Any]) -> Caller:
    token = data.get("token")
    if not isinstance(token, str) or not token:
        raise SocketRefused(wire.SESSION_EXPIRED, "UNAUTHORIZED", "An access token is required")
    try:
        return await caller_for(request, request.app[TOKENS].decode_access(token))
    except InvalidToken as exc:
        raise SocketRefused(wire.SESSION_EXPIRED, "UNAUTHORIZED", str(exc)) from None


async def _first_message(request: web.Request, ws: web.WebSocketResponse,
                         last: int) -> tuple[Caller, int]:
    try:
        data = await _message(ws, AUTH_TIMEOUT)
    except TimeoutError:
        raise SocketRefused(wire.SESSION_EXPIRED, "UNAUTHORIZED",
                            "Authenticate first: {\"type\": \"auth\", \"token\": ...}") from None
    if data is None:
        raise SocketRefused(wire.CLEAN, "CLOSED", "closed before authenticating")
    if data.get("type") != "auth":
        raise SocketRefused(wire.SESSION_EXPIRED, "UNAUTHORIZED",
                            "Authenticate first: {\"type\": \"auth\", \"token\": ...}")
    caller = await _authenticate(request, data)
    if "last" in data:
        try:
            last = _last(data["last"])
        except ValidationError as exc:
            raise SocketRefused(wire.MESSAGE_VIOLATING_POLICY, "BAD_MESSAGE", str(exc)) from None
    return caller, last


async def _serve(request: web.Request, ws: web.WebSocketResponse, sender: BusSocket,
                 caller: Caller, watch: TokenWatch | None) -> None:
    settings = request.app[BUS_SETTINGS]
    expires = caller.claims.exp if caller.claims is not None else None
    while not ws.closed:
        wait = settings.keep_alive_timeout
        if expires is not None:
            wait = min(wait, expires - time.time())
            if wait <= 0:
                raise SocketRefused(wire.SESSION_EXPIRED, "TOKEN_EXPIRED",
                                    "The access token expired: reconnect with a fresh one")
        try:
            data = await _message(ws, wait)
        except TimeoutError:
            continue
        if data is None:
            return
        if not sender.allow(settings.rate_limit_burst, settings.rate_limit_delay):
            raise SocketRefused(wire.TRY_LATER, "RATE_LIMITED", "Too many messages")
        kind = data.get("type")
        if kind == "ping":
            subscription = sender.subscription
            await ws.send_frame(wire.mobile_message(
                "pong", last=subscription.last if subscription else 0), WSMsgType.TEXT)
        elif kind == "auth":
            fresh = await _authenticate(request, data)
            if fresh.uid != caller.uid:
                raise SocketRefused(wire.SESSION_EXPIRED, "UNAUTHORIZED",
                                    "A socket keeps the user it was opened for")
            caller = fresh
            expires = fresh.claims.exp if fresh.claims is not None else None
            if watch is not None and fresh.claims is not None:
                watch.family = fresh.claims.family    # the session it now stands on
        else:
            raise SocketRefused(wire.MESSAGE_VIOLATING_POLICY, "BAD_MESSAGE",
                                f"Unknown message type {kind!r}: send ping or auth")


ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/ws/{{restaurant_id:\\d+}}", socket),
    ("GET", f"{PREFIX}/ws/{{role:kitchen|pos|management}}/{{restaurant_id:\\d+}}", socket),
]
