"""Printers (``hw.printer``) and the durable print queue (``hw.print.job``).

A print is a row before it is a byte on the wire. The worker
(``hardware_bridge/queue.py``) moves a job through its states with the
methods below, each in its own committed unit of work::

    queued --claim--> sending --mark_done--> done
      ^                  |
      +---mark_failed----+--(gave up)--> failed --retry--> queued
    queued/failed --cancel--> cancelled --retry--> queued

The claim commits *before* the first byte is sent. So after a crash a job is
in exactly one of three places: ``done`` (printed; never sent again),
``queued`` (never started) or ``sending`` (cut off somewhere between its
first byte and the commit of ``done``). :meth:`HwPrintJob._recover` puts the
last kind back in the queue with ``is_copy`` set (not ``copy``: that name is the
ORM method), and the worker prints it again under a visible COPY banner: a receipt may come out twice, marked, but is
never lost and never silently duplicated.

Jobs of one printer go out in id order: only the oldest queued job of a
printer can be claimed, so a printer that is offline holds its whole queue
(retried with backoff, never given up) and prints it in order when it comes
back.

Which addresses a printer may have is decided here (:class:`AddressPolicy`),
not in the transport alone: a manager must not be able to save a printer that
points at the database port or at a cloud metadata address and use "test
print" as a port scanner (ecosystem-security.md section 3.7). The transport
checks the same policy again before it connects.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from . import bus, security
from . import fields as F
from .api import public
from .base import BaseModel, check_ids, now_utc
from .exceptions import (
    AccessError,
    InvalidStateTransition,
    MissingError,
    ValidationError,
)

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

CONNECTIONS = [("network", "Network (raw TCP)"), ("usb", "USB"), ("serial", "Serial"),
               ("file", "Device file"), ("cups", "CUPS queue")]
ROLES = [("receipt", "Receipt"), ("kitchen", "Kitchen"), ("bar", "Bar"), ("label", "Label")]
STATUSES = [("unknown", "Unknown"), ("online", "Online"), ("offline", "Offline"),
            ("paper_out", "Paper Out"), ("cover_open", "Cover Open"), ("error", "Error")]
#: Statuses in which the printer cannot print (a change into one is ``printer_offline``).
DOWN = frozenset({"offline", "paper_out", "cover_open", "error"})
PAPER_WIDTHS = (58, 80)
#: What a configuration file may say of a printer.
CONFIG_KEYS = ("name", "connection", "host", "port", "device", "paper_width", "codepage",
               "role", "drawer_pin")


def config_entry(where: str, entry: Any, extra_keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """One printer of a configuration file, its shape checked (ValueError naming ``where``
    and the key); its values are checked as the API's are when it is stored."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a table")
    unknown = sorted(set(entry) - set(CONFIG_KEYS) - set(extra_keys))
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(unknown)}")
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise ValueError(f"{where}.name: required")
    if entry.get("connection", "network") not in {key for key, _ in CONNECTIONS}:
        raise ValueError(f"{where}.connection: one of {', '.join(k for k, _ in CONNECTIONS)}")
    if entry.get("role", "receipt") not in {key for key, _ in ROLES}:
        raise ValueError(f"{where}.role: one of {', '.join(k for k, _ in ROLES)}")
    return dict(entry)
DRAWER_PINS = (2, 5)
DEFAULT_PORT = 9100

JOB_STATES = [("queued", "Queued"), ("sending", "Sending"), ("done", "Done"),
              ("failed", "Failed"), ("cancelled", "Cancelled")]
JOB_KINDS = [("receipt", "Receipt"), ("kitchen", "Kitchen Ticket"), ("raw", "Raw"),
             ("drawer", "Cash Drawer"), ("test", "Test Page")]
#: A job larger than this is refused before it reaches the queue (security H6).
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024
#: Backoff after a failed send: base * 2**(attempts-1) seconds, capped.
BACKOFF_BASE = 2.0
BACKOFF_MAX = 60.0


def known_codepages() -> frozenset[str]:
    """Code pages python-escpos has a table for (``cp437``, ``cp1252``, ``iso_8859-15``...)."""
    from escpos.codepages import CodePages
    return frozenset(name.lower() for name in CodePages.data if name != "Unknown")


# ---------------------------------------------------------------------------
# Address policy
# ---------------------------------------------------------------------------

class AddressRefused(ValidationError):
    """A printer address outside the configured networks, ports or device paths."""


#: Never a printer, whatever the configuration says: cloud metadata services.
ALWAYS_DENIED = tuple(ipaddress.ip_network(n) for n in (
    "169.254.169.254/32", "169.254.170.2/32", "fd00:ec2::254/128", "100.100.100.200/32"))


@dataclass(frozen=True)
class AddressPolicy:
    """Where printers may be: IP networks, TCP ports and device paths (glob patterns).

    The default is the private LAN (RFC 1918 and IPv6 unique-local) on the
    raw-printing ports 9100-9109. Loopback and link-local are left out by
    default: loopback reaches the gateway host's own services, and link-local
    holds the cloud metadata address; a bridge that really prints to
    ``127.0.0.1`` (a local print server) lists it in its configuration.
    Host names are refused, not resolved: checking a name's addresses and then
    connecting resolves twice and can be steered between the two (DNS
    rebinding), and resolving on the event loop blocks it. Shop printers are
    configured by IP address anyway (Odoo's IoT box does the same).
    """

    networks: tuple[Any, ...] = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
    ports: tuple[int, ...] = tuple(range(9100, 9110))
    devices: tuple[str, ...] = ("/dev/usb/lp*", "/dev/lp*", "/dev/ttyUSB*", "/dev/ttyACM*",
                                "/dev/ttyS*")
    _nets: tuple[Any, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "networks", tuple(str(n) for n in self.networks))
        object.__setattr__(self, "ports", tuple(int(p) for p in self.ports))
        object.__setattr__(self, "devices", tuple(str(d) for d in self.devices))
        object.__setattr__(self, "_nets", tuple(
            ipaddress.ip_network(n, strict=False) for n in self.networks))

    def check_address(self, host: Any, port: Any) -> tuple[str, int]:
        """(ip, port) if allowed; :class:`AddressRefused` saying why otherwise."""
        if not isinstance(host, str) or not host.strip():
            raise AddressRefused("A network printer needs an IP address.",
                                 field_errors={"host": "required"})
        try:
            ip = ipaddress.ip_address(host.strip().strip("[]"))
        except ValueError:
            raise AddressRefused(
                f"Printer host {host!r} is not an IP address: give the printer's IP address "
                "(host names are not resolved).", field_errors={"host": "must be an IP address"}
            ) from None
        if any(ip in net for net in ALWAYS_DENIED) or not any(
                ip.version == net.version and ip in net for net in self._nets):
            raise AddressRefused(
                f"Printer address {ip} is outside the allowed printer networks "
                f"({', '.join(self.networks)}).",
                field_errors={"host": "outside the allowed printer networks"})
        if isinstance(port, bool) or not isinstance(port, int) or port not in self.ports:
            raise AddressRefused(
                f"Printer port {port!r} is not an allowed printer port "
                f"({_ranges(self.ports)}).", field_errors={"port": "not an allowed printer port"})
        return str(ip), port

    def check_device(self, path: Any) -> str:
        if not isinstance(path, str) or not path or not any(
                fnmatch.fnmatchcase(path, pattern) for pattern in self.devices) or ".." in path:
            raise AddressRefused(
                f"Printer device {path!r} is not an allowed device path "
                f"({', '.join(self.devices)}).", field_errors={"device": "not an allowed device"})
        return path


def _ranges(ports: Iterable[int]) -> str:
    values = sorted(set(ports))
    spans: list[str] = []
    start = prev = None
    for port in values + [None]:  # type: ignore[list-item]
        if start is not None and port == prev + 1:  # type: ignore[operator]
            prev = port
            continue
        if start is not None:
            spans.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = port
    return ", ".join(spans)


DEFAULT_POLICY = AddressPolicy()


def policy_of(env: Env) -> AddressPolicy:
    """The policy the gateway (or the standalone bridge) configured in the registry options."""
    return env.registry.options.get("printer_address_policy") or DEFAULT_POLICY


def parse_usb(device: Any) -> tuple[int, int]:
    """``"04b8:0202"`` (hex vendor:product, as lsusb prints it) -> (0x04b8, 0x0202)."""
    try:
        vendor, product = str(device).split(":")
        ids = int(vendor, 16), int(product, 16)
    except ValueError:
        raise ValidationError(f"USB printer device {device!r} must be vendor:product in hex "
                              "(as lsusb shows it, e.g. 04b8:0202).",
                              field_errors={"device": "vendor:product"}) from None
    if not all(0 <= i <= 0xFFFF for i in ids):
        raise ValidationError(f"USB printer device {device!r} is out of range.",
                              field_errors={"device": "vendor:product"})
    return ids


def check_printer_values(values: dict[str, Any], policy: AddressPolicy) -> None:
    """The rules a saved printer keeps (``values``: the record as it will be stored)."""
    if values.get("paper_width") not in PAPER_WIDTHS:
        raise ValidationError("Paper width must be 58 or 80 mm.",
                              field_errors={"paper_width": "58 or 80"})
    if values.get("drawer_pin") not in DRAWER_PINS:
        raise ValidationError("The cash drawer pin must be 2 or 5.",
                              field_errors={"drawer_pin": "2 or 5"})
    codepage = values.get("codepage")
    if not isinstance(codepage, str) or codepage.lower() not in known_codepages():
        raise ValidationError(f"Unknown code page {codepage!r} (python-escpos knows e.g. cp437, "
                              "cp858, cp1252, iso_8859-15).", field_errors={"codepage": "unknown"})
    connection = values.get("connection")
    if connection == "network":
        policy.check_address(values.get("host"), values.get("port"))
    elif connection in ("file", "serial"):
        policy.check_device(values.get("device"))
    elif connection == "usb":
        parse_usb(values.get("device"))
    elif connection == "cups":
        name = values.get("device")
        if not isinstance(name, str) or not name or not name.replace("-", "_").replace(
                ".", "_").isalnum():
            raise ValidationError("A CUPS printer needs its queue name (letters, digits, - _ .).",
                                  field_errors={"device": "CUPS queue name"})


@dataclass(frozen=True)
class PrinterSpec:
    """What the transport needs of a printer: a plain value, read in one unit, used outside it."""

    id: int
    name: str
    company_id: int
    connection: str
    host: str | None
    port: int
    device: str | None
    paper_width: int
    codepage: str
    drawer_pin: int
    role: str
    status: str


# ---------------------------------------------------------------------------
# hw.printer
# ---------------------------------------------------------------------------

class HwPrinter(BaseModel):
    _name = "hw.printer"
    _description = "Printer"
    _order = "name, id"
    _audit = ("name", "connection", "host", "port", "device", "active", "role")

    name = F.Char("Name", required=True)
    active = F.Boolean("Active", default=True)
    company_id = F.Many2one("res.company", "Restaurant", required=True, ondelete="cascade",
                            default=lambda env: env.company_id)
    connection = F.Selection(CONNECTIONS, "Connection", required=True, default="network")
    host = F.Char("IP Address")
    port = F.Integer("Port", default=DEFAULT_PORT)
    device = F.Char("Device", help="Device path (/dev/usb/lp0), USB vendor:product (04b8:0202), "
                                   "serial port (/dev/ttyUSB0) or CUPS queue name.")
    paper_width = F.Integer("Paper Width (mm)", default=80)
    codepage = F.Char("Code Page", default="cp437")
    role = F.Selection(ROLES, "Role", required=True, default="receipt")
    pos_category_ids = F.Many2many("pos.category", "hw_printer_pos_category_rel", "printer_id",
                                   "category_id", "Kitchen Categories",
                                   help="Kitchen tickets of these categories go to this printer.")
    drawer_pin = F.Integer("Cash Drawer Pin", default=2)
    status = F.Selection(STATUSES, "Status", default="unknown", readonly=True)
    last_error = F.Text("Last Error", readonly=True)
    last_ok_date = F.Datetime("Last Successful Print", readonly=True)
    last_check_date = F.Datetime("Last Checked", readonly=True)

    _CHECKED = ("connection", "host", "port", "device", "paper_width", "codepage", "drawer_pin")

    @classmethod
    async def _create_one(cls, env: Env, vals: Any) -> int:
        new_id = await super()._create_one(env, vals)
        await cls._check_stored(env, [new_id])
        return new_id

    @public("records")
    async def write(cls, env: Env, ids: Any, vals: Any) -> bool:
        result = await super().write(env, ids, vals)
        if isinstance(vals, dict) and set(vals) & set(cls._CHECKED):
            await cls._check_stored(env, check_ids(ids))
        return result

    @classmethod
    async def _check_stored(cls, env: Env, ids: list[int]) -> None:
        """Checked on the row as stored (defaults and unchanged fields included), inside
        the unit: a refusal rolls the create or write back."""
        columns = [getattr(cls, name) for name in cls._CHECKED]
        policy = policy_of(env)
        for row in await env.cr.rows(cls.select(*columns).where(cls.id.in_(ids))):
            check_printer_values(dict(zip(cls._CHECKED, row)), policy)

    @classmethod
    async def _configure(cls, env: Env, company_id: int, entries: Iterable[dict[str, Any]],
                         archive_others: bool = False) -> list[int]:
        """Printers declared in a configuration file (the gateway's ``[[hardware.printers]]``,
        the standalone bridge's ``[[printers]]``), by name within the restaurant: created or
        updated, and active. ``archive_others``: the file owns the restaurant's printers
        (the bridge), so those it no longer lists are archived. Every value goes through
        the same checks as the API's (address policy, paper, code page); a refusal names
        the printer. Answers the ids in the entries' order."""
        env = env.with_context(active_test=False)
        existing = {row[1]: row[0] for row in await env.cr.rows(
            cls.select(cls.id, cls.name).where(cls.company_id == company_id).order_by(cls.id))}
        ids = []
        for entry in entries:
            values = {key: entry[key] for key in CONFIG_KEYS if key in entry}
            values["active"] = True
            try:
                if entry["name"] in existing:
                    printer_id = existing.pop(entry["name"])
                    await env[cls._name].write([printer_id], values)
                else:
                    printer_id = await env[cls._name].create(dict(values, company_id=company_id))
            except ValidationError as exc:
                raise ValidationError(f"Printer {entry['name']!r}: {exc}",
                                      field_errors=exc.field_errors) from None
            ids.append(printer_id)
        if archive_others and existing:
            await env[cls._name].write(list(existing.values()), {"active": False})
        return ids

    @classmethod
    async def _spec(cls, env: Env, printer_id: int) -> PrinterSpec | None:
        row = await env.cr.first(cls.select(
            cls.id, cls.name, cls.company_id, cls.connection, cls.host, cls.port, cls.device,
            cls.paper_width, cls.codepage, cls.drawer_pin, cls.role, cls.status,
        ).where(cls.id == printer_id))
        if row is None:
            return None
        return PrinterSpec(row[0], row[1], row[2], row[3], row[4], row[5] or DEFAULT_PORT,
                           row[6], row[7] or 80, row[8] or "cp437", row[9] or 2, row[10],
                           row[11] or "unknown")

    @classmethod
    async def _specs(cls, env: Env, active_only: bool = True) -> list[PrinterSpec]:
        query = cls.select(cls.id).order_by(cls.id)
        if active_only:
            query = query.where(cls.active == True)  # noqa: E712
        specs = [await cls._spec(env, row[0]) for row in await env.cr.rows(query)]
        return [spec for spec in specs if spec is not None]

    @classmethod
    async def _record_status(cls, env: Env, printer_id: int, status: str,
                             error: str | None = None, printed: bool = False) -> str | None:
        """Store what the poller or the worker learnt of a printer; answers the previous
        status. A change into ``online`` is announced on the bus as ``printer_online``,
        a change from online or unknown into a down state as ``printer_offline``, in the
        same unit (so the event exists if and only if the status was stored)."""
        if status not in {key for key, _ in STATUSES}:
            raise ValueError(f"unknown printer status {status!r}")
        row = await env.cr.first(cls.select(cls.status, cls.name, cls.company_id)
                                 .where(cls.id == printer_id))
        if row is None:
            return None
        previous, name, company_id = row[0] or "unknown", row[1], row[2]
        if status == "unknown":
            # Reachable but silent (no real-time status) or garbage: no news, so a
            # status learnt from a print or an earlier answer stands.
            status = previous
        stamp = now_utc()
        values: dict[Any, Any] = {cls.status: status, cls.last_check_date: stamp}
        if status == "online":
            values[cls.last_error] = None
        elif error:
            values[cls.last_error] = error[:500]
        if printed:
            values[cls.last_ok_date] = stamp
        await env.cr.run(cls.update(values).where(cls.id == printer_id))
        event = None
        if status == "online" and previous != "online":
            event = "printer_online"
        elif status in DOWN and previous not in DOWN:
            event = "printer_offline"
        if event:
            await bus.send_restaurant(env, company_id, event, {
                "printer_id": printer_id, "name": name, "status": status,
                "previous_status": previous, "last_error": error or None})
        return previous


# ---------------------------------------------------------------------------
# hw.print.job
# ---------------------------------------------------------------------------

def backoff(attempts: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_MAX) -> float:
    """Seconds to wait after the ``attempts``-th failed send."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def _at(seconds_from_now: float) -> str:
    """A datetime column value ``seconds_from_now``, rounded up to the next whole second
    (the column holds seconds): a job is never due before its backoff has passed."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_from_now)
    whole = moment.replace(microsecond=0)
    if moment.microsecond and seconds_from_now > 0:
        whole += dt.timedelta(seconds=1)
    return whole.strftime(F.DATETIME_FORMAT)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    printer_id: int
    kind: str
    payload: bytes
    copy: bool
    attempts: int


class HwPrintJob(BaseModel):
    _name = "hw.print.job"
    _description = "Print Job"
    _order = "id desc"
    _rec_name = "kind"
    # The bytes stay out of read/search_read (a raster logo is large, and raw printer
    # bytes are nobody's business on the RPC fronts); size says how large they are.
    _private_fields = ("payload",)

    printer_id = F.Many2one("hw.printer", "Printer", required=True, readonly=True,
                            ondelete="cascade")
    company_id = F.Many2one("res.company", "Restaurant", required=True, readonly=True,
                            ondelete="cascade")
    state = F.Selection(JOB_STATES, "State", required=True, default="queued", readonly=True,
                        index=True)
    kind = F.Selection(JOB_KINDS, "Kind", required=True, default="raw", readonly=True)
    payload = F.Binary("Payload", required=True)
    size = F.Integer("Size (bytes)", readonly=True)
    order_id = F.Many2one("pos.order", "Order", readonly=True, constraint=False)
    role = F.Selection(ROLES, "Role", readonly=True)
    snapshot = F.Text("Kitchen Snapshot (JSON)", readonly=True)
    attempts = F.Integer("Attempts", default=0, readonly=True)
    last_error = F.Text("Last Error", readonly=True)
    next_try_date = F.Datetime("Next Try", readonly=True)
    sent_date = F.Datetime("Sent On", readonly=True)
    is_copy = F.Boolean("Copy", default=False, readonly=True,
                     help="Sent again after a send that was cut off: printed with a COPY mark.")

    class Meta:
        indexes = ((("printer_id", "state", "id"), False),)

    # -- enqueueing ------------------------------------------------------------------
    @classmethod
    async def _enqueue(cls, env: Env, printer_id: int, payload: bytes, kind: str = "raw",
                       order_id: int | None = None, role: str | None = None,
                       snapshot: Any = None) -> int:
        """Store a job (ready ESC/POS bytes) for a printer the caller can see; its id.

        Called by the fronts once they have built the bytes; the worker is woken
        by the caller after the unit commits (``cr.after_commit``)."""
        if kind not in {key for key, _ in JOB_KINDS}:
            raise ValidationError(f"Unknown print job kind {kind!r}", field_errors={"kind": "unknown"})
        if not isinstance(payload, (bytes, bytearray)) or not payload:
            raise ValidationError("A print job needs the bytes to send.",
                                  field_errors={"payload": "required"})
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise ValidationError(f"A print job is at most {MAX_PAYLOAD_BYTES} bytes.",
                                  field_errors={"payload": "too large"})
        Printer = env.registry["hw.printer"]
        security.check_access(env, Printer, security.READ)
        visible = await Printer._visible_ids(env, [printer_id], active_test=True)
        if not visible:
            raise MissingError(f"Printer {printer_id} does not exist or is not yours.")
        row = await env.cr.first(Printer.select(Printer.company_id, Printer.role)
                                 .where(Printer.id == printer_id))
        assert row is not None
        stamp = now_utc()
        (job_id,) = await env.cr.insert(cls.insert({
            cls.printer_id: printer_id, cls.company_id: row[0], cls.state: "queued",
            cls.kind: kind, cls.payload: bytes(payload), cls.size: len(payload),
            cls.order_id: order_id, cls.role: role or row[1],
            cls.snapshot: None if snapshot is None else orjson.dumps(snapshot).decode(),
            cls.attempts: 0, cls.is_copy: False,
            cls.create_uid: env.uid, cls.write_uid: env.uid,
            cls.create_date: stamp, cls.write_date: stamp}).returning(cls.id))
        return job_id

    @classmethod
    async def _enqueue_drawer_kick(cls, env: Env, printer_id: int) -> int:
        """A cash drawer pulse (``ESC p``) on the printer's configured pin, as a job: a
        kick is a print like any other, stored and so on record."""
        from escpos import constants
        Printer = env.registry["hw.printer"]
        row = await env.cr.first(Printer.select(Printer.drawer_pin).where(Printer.id == printer_id))
        pulse = constants.CD_KICK_5 if row and row[0] == 5 else constants.CD_KICK_2
        return await cls._enqueue(env, printer_id, pulse, kind="drawer")

    # -- the worker's side (superuser, one unit each) ----------------------------------
    @classmethod
    async def _recover(cls, env: Env, printer_ids: Iterable[int] | None = None) -> list[int]:
        """Jobs left in ``sending`` by a process that died: back to the queue, as copies.
        Run by the worker before it sends anything; ``done`` jobs are never touched."""
        where = cls.state == "sending"
        if printer_ids is not None:
            where &= cls.printer_id.in_(list(printer_ids))
        ids = [row[0] for row in await env.cr.rows(cls.select(cls.id).where(where))]
        if ids:
            await env.cr.run(cls.update({
                cls.state: "queued", cls.is_copy: True, cls.next_try_date: None,
                cls.last_error: "interrupted while sending; printed again as a copy",
                cls.write_date: now_utc()}).where(cls.id.in_(ids) & (cls.state == "sending")))
        return ids

    @classmethod
    async def _printers_with_work(cls, env: Env) -> list[int]:
        rows = await env.cr.rows(cls.select(cls.printer_id).where(cls.state == "queued")
                                 .group_by(cls.printer_id).order_by(cls.printer_id))
        return [row[0] for row in rows]

    @classmethod
    async def _head(cls, env: Env, printer_id: int) -> tuple[int, str | None] | None:
        """(id, next_try_date) of the printer's oldest queued job."""
        row = await env.cr.first(cls.select(cls.id, cls.next_try_date)
                                 .where((cls.printer_id == printer_id) & (cls.state == "queued"))
                                 .order_by(cls.id).limit(1))
        return (row[0], row[1]) if row else None

    @classmethod
    async def _seconds_until_due(cls, env: Env, printer_id: int) -> float | None:
        """None: nothing queued; 0: the head job is due now."""
        head = await cls._head(env, printer_id)
        if head is None:
            return None
        if not head[1]:
            return 0.0
        due = dt.datetime.strptime(str(head[1])[:19], F.DATETIME_FORMAT).replace(
            tzinfo=dt.UTC)
        return max(0.0, (due - dt.datetime.now(dt.UTC)).total_seconds())

    @classmethod
    async def _claim(cls, env: Env, printer_id: int) -> ClaimedJob | None:
        """The printer's oldest queued job, if due: now ``sending``, attempts + 1.

        The caller commits this unit before sending a byte."""
        head = await cls._head(env, printer_id)
        if head is None or (head[1] and str(head[1])[:19] > now_utc()):
            return None
        job_id = head[0]
        changed = await env.cr.run(cls.update({
            cls.state: "sending", cls.attempts: cls.attempts + 1, cls.write_date: now_utc(),
        }).where((cls.id == job_id) & (cls.state == "queued")))
        if not changed:
            return None
        row = await env.cr.first(cls.select(cls.kind, cls.payload, cls.is_copy, cls.attempts)
                                 .where(cls.id == job_id))
        assert row is not None
        return ClaimedJob(job_id, printer_id, row[0], bytes(row[1] or b""), bool(row[2]), row[3])

    @classmethod
    async def _mark_done(cls, env: Env, job_id: int) -> bool:
        stamp = now_utc()
        changed = await env.cr.run(cls.update({
            cls.state: "done", cls.sent_date: stamp, cls.next_try_date: None,
            cls.last_error: None, cls.write_date: stamp,
        }).where((cls.id == job_id) & (cls.state == "sending")))
        if changed:
            await cls._announce(env, job_id, "print_job_done")
        return bool(changed)

    @classmethod
    async def _announce(cls, env: Env, job_id: int, event: str) -> None:
        """A job's outcome on the bus, in the unit that records it: screens and the POS
        (``/hw_drivers/event``, Odoo's printer status ``success`` / ``error``) learn
        that the receipt came out, or that it will not without someone's help."""
        row = await env.cr.first(cls.select(
            cls.company_id, cls.printer_id, cls.kind, cls.order_id, cls.is_copy,
            cls.attempts, cls.last_error).where(cls.id == job_id))
        if row is None:
            return
        company_id, printer_id, kind, order_id, is_copy, attempts, error = row
        await bus.send_restaurant(env, company_id, event, {
            "job_id": job_id, "printer_id": printer_id, "kind": kind, "order_id": order_id,
            "copy": bool(is_copy), "attempts": attempts or 0, "error": error or None})

    @classmethod
    async def _mark_failed(cls, env: Env, job_id: int, error: str, give_up: bool = False,
                           maybe_printed: bool = False, base: float = BACKOFF_BASE,
                           cap: float = BACKOFF_MAX) -> str | None:
        """A failed send: back to the queue after a backoff, or ``failed`` when the
        worker gives up on it. ``maybe_printed`` (bytes left before the failure) makes
        the next send a marked copy. Answers the new state."""
        row = await env.cr.first(cls.select(cls.attempts, cls.state).where(cls.id == job_id))
        if row is None or row[1] != "sending":
            return None
        state = "failed" if give_up else "queued"
        values: dict[Any, Any] = {
            cls.state: state, cls.last_error: (error or "send failed")[:500],
            cls.next_try_date: None if give_up else _at(backoff(row[0] or 1, base, cap)),
            cls.write_date: now_utc()}
        if maybe_printed:
            values[cls.is_copy] = True
        await env.cr.run(cls.update(values).where(cls.id == job_id))
        if give_up:
            await cls._announce(env, job_id, "print_job_failed")
        return state

    # -- what people do with jobs ----------------------------------------------------------
    @classmethod
    async def _change(cls, env: Env, ids: Any, allowed: tuple[str, ...], state: str,
                      group: str) -> bool:
        ids = check_ids(ids)
        security.check_access(env, cls, security.READ)
        if not env.su and not (env.user and (env.user.has_group(group)
                                             or env.user.has_group(security.SYSTEM))):
            raise AccessError("You are not allowed to change print jobs.")
        ids = await cls._ensure_visible(env, ids, security.WRITE)
        rows = await env.cr.rows(cls.select(cls.id, cls.state).where(cls.id.in_(ids)))
        wrong = sorted(i for i, current in rows if current not in allowed)
        if wrong:
            raise InvalidStateTransition(
                f"Print jobs {wrong} cannot become {state}: only {', '.join(allowed)} jobs can.")
        values: dict[Any, Any] = {cls.state: state, cls.write_date: now_utc(),
                                  cls.write_uid: env.uid}
        if state == "queued":
            values.update({cls.next_try_date: None, cls.attempts: 0})
        if ids:
            await env.cr.run(cls.update(values).where(cls.id.in_(ids) & cls.state.in_(allowed)))
        return True

    @public("records")
    async def action_retry(cls, env: Env, ids: Any) -> bool:
        """Failed or cancelled jobs back to the queue (managers)."""
        return await cls._change(env, ids, ("failed", "cancelled"), "queued",
                                 security.POS_MANAGER)

    @public("records")
    async def action_cancel(cls, env: Env, ids: Any) -> bool:
        """Queued or failed jobs are not printed (POS users); a job being sent cannot be."""
        return await cls._change(env, ids, ("queued", "failed"), "cancelled", security.POS_USER)

    @public("model", readonly=True)
    async def list_jobs(cls, env: Env, printer_id: Any = None, states: Any = None,
                        limit: int = 100) -> list[dict[str, Any]]:
        """The newest jobs (of a printer, in some states), without their bytes."""
        domain: list[Any] = []
        if printer_id:
            domain.append(("printer_id", "=", printer_id))
        if states:
            domain.append(("state", "in", list(states)))
        return await cls.search_read(env, domain, [
            "printer_id", "state", "kind", "size", "order_id", "role", "attempts", "last_error",
            "next_try_date", "sent_date", "is_copy", "create_date"], limit=limit, order="id desc")

    @classmethod
    async def _create_one(cls, env: Env, vals: Any) -> int:
        raise AccessError("Print jobs are created by printing (_enqueue), not by hand.")
