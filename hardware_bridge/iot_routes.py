"""Odoo's IoT-box routes, so an Odoo POS can be pointed at the gateway or at a bridge.

The POS calls these from the browser (odoo-protocol.md section 11): the legacy
posbox face (``/hw_proxy/*``, Odoo <= 12 and kept by the IoT box) and the
device face (``/hw_drivers/action``, ``/hw_drivers/event``). Every print goes
through hardware_bridge/printing.py in one unit of work, so it is a stored job
before it is a byte on the wire, exactly as from the REST API.

Who may call:

* in the gateway, a logged-in user (session cookie or bearer token, as the
  bus's ``listener``); the record rules decide which printers they reach;
* in the standalone bridge (``add_iot_routes(app, open_to=networks)``), any
  client from the ``allowed_clients`` networks without a login, as an IoT box
  on the shop's LAN; those answers carry ``Access-Control-Allow-Origin: *``
  (Odoo's ``cors='*'``) and preflights are answered, since the POS page comes
  from another origin. The gateway never answers ``*``: its routes take
  cookies.

Device identifiers: a printer is named by its id as a string (``"3"``, what
the events carry) or by its name (``"Counter"``, Odoo's style of a readable
identifier); a keyboard-wedge scanner is ``"scanner"`` unless the bridge
sending its input names it otherwise.

Events (``/hw_drivers/event``) stand on the bus: printer status changes
(``printer_online`` / ``printer_offline``, written by ``hw.printer``), the
outcome of each print job (``print_job_done`` / ``print_job_failed``, as
Odoo's printer driver reports ``status: success`` / ``error``) and
``scanner_input`` (written by ``/hw_drivers/scanner``) on the caller's
restaurant's ``:pos`` channel, as Odoo's ``{device data, device_identifier,
time, request_data, session_id}`` dicts. Odoo keeps listener sessions in
memory (70 s); so does this module, per process, as the bus id of the last
event given to each ``session_id``: a session's next poll starts right after
it, so no event is lost or given twice between polls. An unknown session (a
first poll, another worker process, a restart) starts at the newest event;
``last_event`` is accepted and not used for that. ``time`` is the wall time
the event was answered.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from models import bus
from models.bus_hub import Subscription
from models.db import Cursor
from models.env import Env, UserInfo
from models.exceptions import MissingError, SessionExpired, ValidationError
from rpc.bus import BUS_HUB, BUS_SETTINGS, listener
from rpc.jsonrpc import json_route
from rpc.service import RPC_SERVICE

from . import printing
from .bridge import BRIDGE

#: Bus events that are device events on the IoT face.
PRINTER_EVENTS = frozenset({"printer_online", "printer_offline"})
JOB_EVENTS = frozenset({"print_job_done", "print_job_failed"})
SCANNER_EVENT = "scanner_input"
SCANNER_ID = "scanner"
#: Odoo's driver statuses (``connecting``/``connected``/``disconnected``/``error``).
ODOO_STATUS = {"online": "connected", "unknown": "connecting", "offline": "disconnected",
               "paper_out": "error", "cover_open": "error", "error": "error"}
STATUS_MESSAGE = {"online": "Connected", "unknown": "Not checked yet",
                  "offline": "Unreachable", "paper_out": "Out of paper",
                  "cover_open": "Cover open", "error": "Error"}
#: Odoo forgets listener sessions unused for this long (event_manager.py).
SESSION_SECONDS = 70.0
MAX_SESSIONS = 10_000
#: An XML receipt larger than this is refused before parsing.
MAX_XML_CHARS = 200_000
XML_WIDTH = 42
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Origin, X-Requested-With, Content-Type, Accept, "
                                    "Authorization",
    "Access-Control-Max-Age": "86400"}
PREFIXES = ("/hw_proxy/", "/hw_drivers/")


@dataclass
class IotAccess:
    """``open_to`` None: the gateway (login required); else the bridge's LAN networks."""

    open_to: tuple[Any, ...] | None = None
    #: session_id -> (bus id of the last event given, monotonic time last seen).
    sessions: dict[str, tuple[int, float]] = field(default_factory=dict)
    #: iot_idempotent_id -> monotonic time first seen (Odoo refuses a repeat).
    seen_actions: dict[str, float] = field(default_factory=dict)

    def allows(self, remote: str | None) -> bool:
        if self.open_to is None or not remote:
            return False
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            return False
        return any(address in network for network in self.open_to)

    def _prune(self, table: dict[str, Any], now: float, stamp: Callable[[Any], float]) -> None:
        if len(table) > MAX_SESSIONS // 2:
            for key in [k for k, v in table.items() if now - stamp(v) > SESSION_SECONDS]:
                del table[key]

    def last_of(self, session_id: str) -> int | None:
        entry = self.sessions.get(session_id)
        if entry is None or time.monotonic() - entry[1] > SESSION_SECONDS:
            return None
        return entry[0]

    def keep(self, session_id: str, last: int) -> None:
        now = time.monotonic()
        self._prune(self.sessions, now, lambda v: v[1])
        if len(self.sessions) < MAX_SESSIONS or session_id in self.sessions:
            self.sessions[session_id] = (last, now)

    def first_time(self, action_id: str) -> bool:
        now = time.monotonic()
        self._prune(self.seen_actions, now, lambda v: v)
        seen = self.seen_actions.get(action_id)
        if seen is not None and now - seen <= SESSION_SECONDS:
            return False
        self.seen_actions[action_id] = now
        return True


IOT_ACCESS = web.AppKey("iot_access", IotAccess)


# -- callers and units ---------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    """Who calls: a logged-in user (gateway) or the LAN (bridge: ``user`` None, superuser)."""

    user: UserInfo | None


async def caller(request: web.Request) -> Caller:
    access = request.app[IOT_ACCESS]
    if access.open_to is not None:
        if not access.allows(request.remote):
            raise web.HTTPForbidden(text="This bridge does not serve your network.",
                                    headers=CORS_HEADERS)
        return Caller(None)
    user = await listener(request)
    if user is None:
        raise SessionExpired()
    return Caller(user)


async def in_unit(request: web.Request, who: Caller, fn: Callable[[Env], Awaitable[Any]],
                  readonly: bool = False) -> Any:
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> Any:
        return await fn(Env(cr, service.registry, who.user))
    return await service.run(unit, readonly=readonly)


async def company_of(env: Env) -> int:
    """The caller's restaurant (the bridge's: its first one)."""
    if env.company_id:
        return env.company_id
    found = await env["res.company"].search([], limit=1, order="id")
    if not found:
        raise MissingError("No restaurant is configured.")
    return found[0]


async def printer_named(env: Env, identifier: Any) -> int | None:
    """A device identifier (the id as a string, or the name) -> the printer's id."""
    if not isinstance(identifier, str) or not identifier or len(identifier) > 256:
        return None
    if identifier.isdigit():
        domain: list[Any] = [("id", "=", int(identifier))]
    else:
        domain = [("name", "=", identifier)]
    found = await env["hw.printer"].search(domain, limit=1, order="id")
    return found[0] if found else None


# -- printer actions -------------------------------------------------------------------------

def decoded(value: Any, what: str) -> bytes:
    """Base64 as the POS sends it (a bare string; a ``data:`` URL is accepted too)."""
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{what} must be a base64 string", field_errors={what: "base64"})
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(f"{what} is not valid base64",
                              field_errors={what: "base64"}) from None


def action_data(value: Any) -> dict[str, Any]:
    """``data`` of an action: an object, or (``/hw_drivers/action``) its JSON text."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ValidationError("data must be a JSON object") from None
    if not isinstance(value, dict):
        raise ValidationError("data must be a JSON object", field_errors={"data": "an object"})
    return value


async def printer_action(env: Env, request: web.Request, printer_id: int,
                         data: dict[str, Any]) -> int:
    """One driver action on a printer (PrinterDriver's ``print_receipt``, ``cashbox``,
    ``print_status``); the stored job's id."""
    bridge = request.app.get(BRIDGE)
    action = data.get("action", "")
    if action == "print_receipt":
        return await printing.print_image(env, bridge, decoded(data.get("receipt"), "receipt"),
                                          printer_id)
    if action == "cashbox":
        return await printing.open_drawer(env, bridge, printer_id)
    if action == "print_status":
        return await printing.test_page(env, bridge, printer_id)
    raise ValidationError(f"Unsupported printer action {action!r}: expected print_receipt, "
                          "cashbox or print_status.", field_errors={"action": "unsupported"})


# -- the legacy posbox face --------------------------------------------------------------------

async def hello(request: web.Request) -> web.Response:
    access = request.app[IOT_ACCESS]
    if access.open_to is not None:
        await caller(request)
    elif await listener(request) is None:
        raise web.HTTPUnauthorized(text="Log in first.")
    return web.Response(text="ping", content_type="text/plain")


@json_route
async def handshake(request: web.Request, params: dict[str, Any]) -> Any:
    await caller(request)
    return True


def driver_status(printer: dict[str, Any] | None) -> dict[str, Any]:
    if printer is None:
        return {"status": "disconnected", "messages": ["No receipt printer is configured."]}
    status = printer["status"] or "unknown"
    message = printer["last_error"] if status != "online" and printer["last_error"] else \
        STATUS_MESSAGE.get(status, status)
    return {"status": ODOO_STATUS.get(status, "error"), "messages": [message]}


@json_route
async def status_json(request: web.Request, params: dict[str, Any]) -> Any:
    """Odoo's driver map: ``escpos`` (the posbox name) and ``printer`` (the IoT box's)
    for the default receipt printer, and every printer the caller can see by id."""
    who = await caller(request)

    async def read(env: Env) -> tuple[int | None, list[dict[str, Any]]]:
        domain = [("company_id", "=", env.company_id)] if env.company_id else []
        printers = await env["hw.printer"].search_read(
            domain, ["name", "role", "status", "last_error", "last_ok_date"], order="id",
            load=None)
        return await printing.default_printer_id(env), printers
    default_id, printers = await in_unit(request, who, read, readonly=True)
    default = next((p for p in printers if p["id"] == default_id), None)
    return {"escpos": driver_status(default), "printer": driver_status(default),
            "printers": {str(p["id"]): {"name": p["name"], "role": p["role"],
                                        **driver_status(p)} for p in printers}}


async def act_on_printer(request: web.Request, who: Caller,
                         find: Callable[[Env], Awaitable[int | None]],
                         data: dict[str, Any]) -> bool:
    """A printer action (``print_receipt``, ``cashbox``...) on the printer ``find`` names;
    false when there is none, as Odoo answers for an unknown device."""
    async def act(env: Env) -> bool:
        printer_id = await find(env)
        if printer_id is None:
            return False
        await printer_action(env, request, printer_id, data)
        return True
    return await in_unit(request, who, act)


@json_route
async def default_printer_action(request: web.Request, params: dict[str, Any]) -> Any:
    """``{"data": {"action": "print_receipt", "receipt": <base64 JPEG>}}`` or
    ``{"data": {"action": "cashbox"}}`` on the first receipt printer; false without one."""
    return await act_on_printer(request, await caller(request), printing.default_printer_id,
                                action_data(params.get("data")))


@json_route
async def open_cashbox(request: web.Request, params: dict[str, Any]) -> Any:
    who = await caller(request)

    async def act(env: Env) -> None:    # the default receipt printer, or MissingError
        await printing.open_drawer(env, request.app.get(BRIDGE))
    await in_unit(request, who, act)
    return None


@json_route
async def print_xml_receipt(request: web.Request, params: dict[str, Any]) -> Any:
    """The <= 12 POS's XML receipt, printed as its text lines."""
    who = await caller(request)
    text = xml_receipt_text(params.get("receipt"))

    async def act(env: Env) -> None:    # the default receipt printer, or MissingError
        await printing.print_text(env, request.app.get(BRIDGE), text)
    await in_unit(request, who, act)
    return None


BLOCKS = frozenset({"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "receipt", "pre",
                    "ul", "ol", "li", "table", "tr"})


def xml_receipt_text(receipt: Any) -> str:
    """The text of Odoo's XML receipt: blocks on their own lines, ``<line>`` as its
    ``<left>`` text and its ``<right>`` text aligned to the receipt's ``width``,
    ``<br/>`` and ``<hr/>``; images and barcodes are left out (their text kept).
    No DOCTYPE or entity is accepted (no entity expansion, no external fetch)."""
    if not isinstance(receipt, str) or not receipt.strip():
        raise ValidationError("receipt must be the XML receipt",
                              field_errors={"receipt": "XML text"})
    if len(receipt) > MAX_XML_CHARS or "<!" in receipt:
        raise ValidationError("receipt is not an acceptable XML receipt",
                              field_errors={"receipt": "XML without DOCTYPE, at most 200 kB"})
    try:
        root = ET.fromstring(receipt)
    except ET.ParseError as exc:
        raise ValidationError(f"receipt is not well-formed XML: {exc}",
                              field_errors={"receipt": "well-formed XML"}) from None
    try:
        width = max(16, min(int(root.get("width", XML_WIDTH)), 64))
    except ValueError:
        width = XML_WIDTH
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = " ".join("".join(current).split())
        if text:
            lines.append(text)
        current.clear()

    def words(node: ET.Element) -> str:
        return " ".join("".join(node.itertext()).split())

    def walk(node: ET.Element) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag == "line":
            flush()
            parts = {child.tag.lower(): words(child) for child in node
                     if isinstance(child.tag, str)}
            left, right = parts.get("left", ""), parts.get("right", "")
            center = parts.get("center", "")
            if center and not (left or right):
                lines.append(center.center(width).rstrip())
            else:
                gap = max(1, width - len(left) - len(right))
                lines.append(f"{left}{' ' * gap}{right}".rstrip() if right else left)
        elif tag == "br":
            flush()
            lines.append("")
        elif tag == "hr":
            flush()
            lines.append("-" * width)
        elif tag != "img":     # pictures stay out of the text (the POS's logo among them)
            block = tag in BLOCKS
            if block:
                flush()
            current.append(node.text or "")
            for child in node:
                walk(child)
                current.append(child.tail or "")
            if block:
                flush()

    walk(root)
    flush()
    text = "\n".join(lines).strip("\n")
    if not text:
        raise ValidationError("The XML receipt holds no text.")
    return text + "\n"


# -- the device face ---------------------------------------------------------------------------

@json_route
async def action(request: web.Request, params: dict[str, Any]) -> Any:
    """``{"session_id", "device_identifier", "data"}``: true once the action is a stored
    job; false for an unknown device or a repeated ``iot_idempotent_id`` (as Odoo)."""
    who = await caller(request)
    data = action_data(params.get("data"))
    idempotent = data.get("iot_idempotent_id")
    if idempotent is not None and not request.app[IOT_ACCESS].first_time(str(idempotent)):
        return False

    return await act_on_printer(
        request, who, lambda env: printer_named(env, params.get("device_identifier")), data)


@json_route
async def scanner(request: web.Request, params: dict[str, Any]) -> Any:
    """A keyboard-wedge scanner's line (``{"code", "device_identifier"?}``): resolved
    (printing.scan) and announced as ``scanner_input`` on the restaurant's pos
    channel in the same unit; answers the resolution."""
    who = await caller(request)
    device = params.get("device_identifier") or SCANNER_ID
    if not isinstance(device, str) or len(device) > 128:
        raise ValidationError("device_identifier must be a short string")

    async def act(env: Env) -> dict[str, Any]:
        found = await printing.scan(env, params.get("code"))
        await bus.send_restaurant(env, await company_of(env), SCANNER_EVENT,
                                  {"code": found["code"], "device_identifier": device,
                                   "scan": found})
        return found
    return await in_unit(request, who, act)


def device_event(row: bus.Row, session_id: str, devices: set[str]) -> dict[str, Any] | None:
    """A bus row as Odoo's device event, or None (not a device event, or a device the
    listener did not ask for; no ``devices``: all)."""
    try:
        message = orjson.loads(row[2])
    except orjson.JSONDecodeError:
        return None
    kind = message.get("type") if isinstance(message, dict) else None
    payload = message.get("payload") or {} if isinstance(message, dict) else {}
    if kind in PRINTER_EVENTS:
        identifier = str(payload.get("printer_id"))
        names = {identifier, str(payload.get("name"))}
        status = payload.get("status") or "unknown"
        event: dict[str, Any] = {
            "value": "", "name": payload.get("name"), "status": status,
            "state": {"status": ODOO_STATUS.get(status, "error"),
                      "message": payload.get("last_error") or STATUS_MESSAGE.get(status, status),
                      "reason": None if status == "online" else status}}
    elif kind in JOB_EVENTS:
        # Odoo's printer driver reports each job the same way (``send_status``)
        identifier = str(payload.get("printer_id"))
        names = {identifier}
        failed = kind == "print_job_failed"
        event = {"value": "", "status": "error" if failed else "success",
                 "message": payload.get("error") if failed else None,
                 "job_id": payload.get("job_id")}
    elif kind == SCANNER_EVENT:
        identifier = str(payload.get("device_identifier") or SCANNER_ID)
        names = {identifier}
        event = {"value": payload.get("code"), "scan": payload.get("scan")}
    else:
        return None
    if devices and not names & devices:
        return None
    return {**event, "type": kind, "device_identifier": identifier, "time": time.time(),
            "request_data": None, "session_id": session_id}


async def event_channels(request: web.Request, who: Caller) -> list[str]:
    if who.user is None:      # the bridge: every restaurant of its own database
        async def companies(env: Env) -> list[int]:
            return await env["res.company"].search([], order="id")
        ids = await in_unit(request, who, companies, readonly=True)
        return [bus.restaurant_channel(company, "pos") for company in ids]
    return bus.listenable(who.user, [bus.restaurant_channel(who.user.company_id, "pos")])


def listener_params(params: dict[str, Any]) -> tuple[str, set[str]]:
    spec = params.get("listener")
    if not isinstance(spec, dict):
        raise ValidationError("listener must be an object with session_id and devices")
    session_id = spec.get("session_id")
    if not isinstance(session_id, str) or not session_id or len(session_id) > 128:
        raise ValidationError("listener.session_id must be a short string")
    devices = spec.get("devices") or []
    if not isinstance(devices, (list, dict)) or not all(isinstance(d, str) for d in devices):
        raise ValidationError("listener.devices must be a list of device identifiers")
    return session_id, set(devices)


@json_route
async def event(request: web.Request, params: dict[str, Any]) -> Any:
    """Long-poll: the next device event for the listener, or null after the bus timeout."""
    who = await caller(request)
    session_id, devices = listener_params(params)
    channels = await event_channels(request, who)
    access = request.app[IOT_ACCESS]
    hub = request.app[BUS_HUB]
    # per user: one user's session ids cannot move another's place in the events
    key = f"{who.user.id if who.user else 0}:{session_id}"
    last = access.last_of(key)
    subscription, _notice = await hub.subscribe(channels, hub.cursor if last is None else last)
    until = time.monotonic() + request.app[BUS_SETTINGS].longpolling_timeout
    try:
        rows = subscription.take()
        while True:
            found = first_event(rows, subscription, session_id, devices)
            if found is not None:
                row_id, answer = found
                access.keep(key, row_id)
                return answer
            access.keep(key, subscription.last)
            remaining = until - time.monotonic()
            if remaining <= 0 or subscription.closed:
                return None
            with request.app[RPC_SERVICE].deadlines.paused():
                rows = await subscription.wait(remaining)
    finally:
        hub.unsubscribe(subscription)


def first_event(rows: list[bus.Row], subscription: Subscription, session_id: str,
                devices: set[str]) -> tuple[int, dict[str, Any]] | None:
    """The first device event of ``rows``; the rows after it go back to the subscription
    (Odoo answers one event per poll, and the session's next poll starts after it)."""
    for index, row in enumerate(rows):
        answer = device_event(row, session_id, devices)
        if answer is not None:
            subscription.pending[:0] = rows[index + 1:]
            return row[0], answer
    return None


# -- wiring ----------------------------------------------------------------------------------

ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/hw_proxy/hello", hello),
    ("POST", "/hw_proxy/handshake", handshake),
    ("POST", "/hw_proxy/status_json", status_json),
    ("POST", "/hw_proxy/default_printer_action", default_printer_action),
    ("POST", "/hw_proxy/print_xml_receipt", print_xml_receipt),
    ("POST", "/hw_proxy/open_cashbox", open_cashbox),
    ("POST", "/hw_drivers/action", action),
    ("POST", "/hw_drivers/event", event),
    ("POST", "/hw_drivers/scanner", scanner),
]


async def preflight(request: web.Request) -> web.Response:
    await caller(request)
    return web.Response(status=204, headers=PREFLIGHT_HEADERS)


async def _open_cors(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith(PREFIXES):
        response.headers.update(CORS_HEADERS)


def add_iot_routes(app: web.Application, open_to: Iterable[str] | None = None) -> None:
    """The IoT-box routes; ``open_to`` (the bridge's ``allowed_clients``) opens them to
    those networks without a login, with CORS ``*``."""
    networks = None if open_to is None else tuple(
        ipaddress.ip_network(n, strict=False) for n in open_to)
    app[IOT_ACCESS] = IotAccess(networks)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
        if networks is not None:
            app.router.add_route("OPTIONS", path, preflight)
    if networks is not None:
        app.on_response_prepare.append(_open_cors)
