"""Notifications: rows written in the same transaction as the change they report.

Business code calls :func:`send` (or :func:`send_restaurant`); the rows exist if
and only if the change committed (a rolled-back order notifies nobody).

Why the rows are written at commit, under a lock: ids come from a sequence, so
two transactions can take ids k and k+1 and commit in the other order. A
reader that saw k+1 and moved its cursor past it would never see k (Odoo's bus
loses such notifications, odoo/odoo#176259). Here a unit of work keeps its
notifications in memory and inserts them just before COMMIT; on PostgreSQL it
first takes a transaction-level advisory lock, held until the commit ends, so
ids are handed out in commit order and ``id > last`` never skips a row. SQLite
writers are serialised by ``BEGIN IMMEDIATE`` already. The lock is held for the
insert and the commit only, not for the business work before them.

Waking the listeners: on PostgreSQL the flush also runs ``pg_notify`` (NOTIFY is
transactional: it reaches other processes at commit, and never after a
rollback); every process of this database, this one included, hears it through
the bus hub (models/bus_hub.py). After the commit, hubs of this process are
woken directly, without waiting for the round trip.

Channels are strings: ``restaurant:<id>`` for everything a restaurant's staff
may see, ``restaurant:<id>:kitchen``, ``:pos`` and ``:management`` for one
audience (:func:`restaurant_channel`), ``broadcast``, or Odoo's forms (a
``[db, model, id]`` list), stored as compact JSON. Clients send strings only,
and a client string that looks like a stored list (``[...``) or names a
restaurant the client may not see is dropped from its subscription
(:func:`listenable`).

Events (``type``), who hears them (:data:`EVENTS`) and their payloads (every
restaurant event also carries ``company_id``):

==========================  ====================================================
order_created               {order_id, name, table_id, state}
order_status_changed        {order_id, name, old_state, new_state}
order_paid                  {order_id, name, amount_total, amount_paid,
                             amount_return}
payment_completed           {order_id, payment_id, payment_method_id, amount}
payment_failed              {order_id, payment_method_id, amount, reason}
kitchen_update              {order_id, line_id (or null: the whole order),
                             old_status, new_status}
table_status_changed        {table_id, name, old_status, new_status}
inventory_low               {product_id, name, quantity, threshold}
inventory_out               {product_id, name, quantity}
user_login                  {user_id, name, login, via}
user_logout                 {user_id, name, login, via}
restaurant_status           {status ("open"/"closed"/"active"/"archived"),
                             session_id or null, reason}
system_notification         {title, message, level ("info"/"warning"/"critical"),
                             sender_id}
printer_online              {printer_id, name, status, previous_status,
                             last_error}
printer_offline             {printer_id, name, status ("offline"/"paper_out"/
                             "cover_open"/"error"), previous_status, last_error}
scanner_input               {code, device_identifier, scan (printing.scan's
                             answer: kind, valid, value, product...)}
print_job_done              {job_id, printer_id, kind, order_id, copy, attempts,
                             error (null)}
print_job_failed            {job_id, printer_id, kind, order_id, copy, attempts,
                             error} (given up: waits for a manager's retry)
==========================  ====================================================
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable, Iterable

import orjson
import peewee

from . import fields as F
from . import security
from .base import now_utc

if TYPE_CHECKING:  # pragma: no cover
    from .db import Cursor
    from .env import Env, UserInfo

ROLES = ("kitchen", "pos", "management")
GENERAL = ""   # the restaurant's channel for all its staff

_STAFF = (GENERAL, "kitchen", "pos", "management")
_FRONT = (GENERAL, "pos", "management")
_MANAGERS = ("management",)
_DEVICES = ("kitchen", "pos", "management")

#: Event type -> the restaurant audiences it is written to. The general channel
#: carries what any member of the restaurant may see; management-only news
#: (who logged in or out) stays on ``:management``.
EVENTS: dict[str, tuple[str, ...]] = {
    "order_created": _STAFF,
    "order_status_changed": _STAFF,
    "order_paid": _FRONT,
    "payment_completed": _FRONT,
    "payment_failed": _FRONT,
    "kitchen_update": _STAFF,
    "table_status_changed": _FRONT,
    "inventory_low": _FRONT,
    "inventory_out": _STAFF,
    "user_login": _MANAGERS,
    "user_logout": _MANAGERS,
    "restaurant_status": _STAFF,
    "system_notification": _STAFF,
    "printer_online": _DEVICES,
    "printer_offline": _DEVICES,
    "scanner_input": ("pos",),
    "print_job_done": _DEVICES,
    "print_job_failed": _DEVICES,
}

#: Who may listen to a restaurant's audience channel (any of the groups), besides
#: being a member of the restaurant (or the platform owner who sees it).
AUDIENCE_GROUPS: dict[str, tuple[str, ...]] = {
    GENERAL: (security.USER,),
    "kitchen": (security.KITCHEN, security.POS_USER),
    "pos": (security.POS_USER,),
    "management": (security.POS_MANAGER,),
}

#: Odoo's bus TIMEOUT: a long-poll waits this long, and ``last = 0`` replays this much.
TIMEOUT = 50
#: PostgreSQL NOTIFY channel of the bus (per database, as LISTEN is).
NOTIFY_CHANNEL = "gateway_bus"
#: Advisory lock key that orders bus commits (``hashtext('gateway_bus')`` would do as
#: well; a constant is plainer).
COMMIT_LOCK = 0x6275735F  # "bus_"


class BusBus(peewee.Model):
    id = peewee.AutoField()
    channel = peewee.TextField(index=True)
    message = peewee.TextField()
    create_date = F.Datetime(required=True, index=True)

    class Meta:
        table_name = "bus_bus"


def restaurant_channel(company_id: int, role: str | None = None) -> str:
    if role and role not in ROLES:
        raise ValueError(f"unknown restaurant channel {role!r}")
    return f"restaurant:{company_id}" + (f":{role}" if role else "")


def parse_restaurant_channel(channel: str) -> tuple[int, str] | None:
    """``restaurant:3:kitchen`` -> (3, "kitchen"); ``restaurant:3`` -> (3, ""); else None."""
    if not channel.startswith("restaurant:"):
        return None
    _, _, rest = channel.partition(":")
    company, _, role = rest.partition(":")
    if not company.isdigit() or company != str(int(company)) or (role and role not in ROLES):
        return None
    return int(company), role


def channel_key(channel: Any) -> str:
    """How a channel is stored: a string as itself, anything else as compact JSON."""
    if isinstance(channel, str):
        return channel
    return orjson.dumps(list(channel)).decode()


def token_channel(uid: int) -> str:
    """Where revocations of a user's REST tokens reach that user's open sockets.

    Shaped like a stored ``[...]`` key, which :func:`listenable` never grants a
    client, so only the server subscribes to it (gateway/api/ws.py)."""
    return channel_key(["res.users.auth.token", uid])


#: The message on :func:`token_channel`: ``{"family": <family>}``, or null for all of
#: the user's (logout everywhere, a new password, an archived user).
TOKENS_REVOKED = "auth/tokens_revoked"


# -- sending -------------------------------------------------------------------------

_BUFFER = "bus"


async def send(env: "Env", channels: Any, event_type: str, payload: dict[str, Any]) -> None:
    """Queue one notification on each channel; it is written if the unit commits."""
    if isinstance(channels, (str, tuple)) or (isinstance(channels, list) and channels
                                             and not isinstance(channels[0], (str, list, tuple))):
        channels = [channels]
    message = orjson.dumps({"type": event_type, "payload": payload}).decode()
    cr = env.cr
    pending = cr.buffers.get(_BUFFER)
    if pending is None:
        pending = cr.buffers[_BUFFER] = []
        cr.before_commit(_flush)
    pending.extend((channel_key(channel), message) for channel in channels)


async def send_restaurant(env: "Env", company_id: int, event_type: str,
                          payload: dict[str, Any]) -> None:
    """An event for a restaurant, on the channels :data:`EVENTS` lists for it."""
    audiences = EVENTS[event_type]
    await send(env, [restaurant_channel(company_id, role or None) for role in audiences],
               event_type, dict(payload, company_id=company_id))


def pending(cr: "Cursor") -> list[tuple[str, dict[str, Any]]]:
    """(channel, message) queued by this unit of work and not yet written."""
    return [(channel, orjson.loads(message)) for channel, message in cr.buffers.get(_BUFFER, ())]


def discard(cr: "Cursor") -> None:
    """Forget what this unit queued (a bulk load that nobody is listening to)."""
    cr.buffers.pop(_BUFFER, None)


async def _flush(cr: "Cursor") -> None:
    rows = cr.buffers.pop(_BUFFER, None)
    if not rows:
        return
    postgres = isinstance(cr.dialect, peewee.PostgresqlDatabase)
    if postgres:
        await cr.execute("SELECT pg_advisory_xact_lock(%s)", (COMMIT_LOCK,))
    stamp = now_utc()
    ids = await cr.insert(BusBus.insert_many(
        [{BusBus.channel: channel, BusBus.message: message, BusBus.create_date: stamp}
         for channel, message in rows]).returning(BusBus.id))
    top = max(ids)
    if postgres:
        await cr.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, str(top)))
    dialect = cr.dialect
    cr.after_commit(lambda: committed(dialect, top))


#: Hubs of this process, per database (the backend's dialect object), woken after commit.
_LOCAL: dict[int, list[Callable[[int], None]]] = {}


def on_commit(dialect: peewee.Database, callback: Callable[[int], None]) -> Callable[[], None]:
    """Call ``callback(newest id)`` after each commit that wrote notifications to this
    database from this process; answers the function that stops it."""
    callbacks = _LOCAL.setdefault(id(dialect), [])
    callbacks.append(callback)

    def stop() -> None:
        if callback in callbacks:
            callbacks.remove(callback)
        if not callbacks:
            _LOCAL.pop(id(dialect), None)
    return stop


def committed(dialect: peewee.Database, top: int) -> None:
    for callback in list(_LOCAL.get(id(dialect), ())):
        callback(top)


# -- reading ---------------------------------------------------------------------------

Row = tuple[int, str, str]   # (id, channel key, message JSON)


async def rows_after(cr: "Cursor", last: int, limit: int,
                     channels: Iterable[str] | None = None) -> list[Row]:
    """Rows with ``id > last`` (on ``channels`` if given), oldest first."""
    query = BusBus.select(BusBus.id, BusBus.channel, BusBus.message).where(BusBus.id > last)
    if channels is not None:
        query = query.where(BusBus.channel.in_(list(channels)))
    return [tuple(row) for row in await cr.rows(query.order_by(BusBus.id).limit(limit))]


async def recent_rows(cr: "Cursor", seconds: float, limit: int,
                      channels: Iterable[str]) -> list[Row]:
    """Rows of the last ``seconds`` on ``channels`` (Odoo's answer to ``last = 0``)."""
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds)).strftime(
        F.DATETIME_FORMAT)
    query = (BusBus.select(BusBus.id, BusBus.channel, BusBus.message)
             .where((BusBus.create_date >= since) & BusBus.channel.in_(list(channels)))
             .order_by(BusBus.id).limit(limit))
    return [tuple(row) for row in await cr.rows(query)]


async def bounds(cr: "Cursor") -> tuple[int, int]:
    """(smallest, largest) id kept; (0, 0) when the table is empty."""
    row = await cr.first(BusBus.select(peewee.fn.MIN(BusBus.id), peewee.fn.MAX(BusBus.id)))
    return (row[0] or 0, row[1] or 0) if row else (0, 0)


async def newest_id(cr: "Cursor") -> int:
    row = await cr.first(BusBus.select(peewee.fn.MAX(BusBus.id)))
    return (row[0] or 0) if row else 0


async def prune(cr: "Cursor", older_than_seconds: float) -> int:
    """Delete rows older than the age given, always keeping the newest row: SQLite
    hands out max(id) + 1, so an emptied table would start again at 1 and clients
    holding a larger ``last`` would take new rows for old ones."""
    before = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=older_than_seconds)
              ).strftime(F.DATETIME_FORMAT)
    top = await newest_id(cr)
    return await cr.run(BusBus.delete().where((BusBus.create_date < before) & (BusBus.id < top)))


# -- who may listen --------------------------------------------------------------------

def may_listen(user: "UserInfo | None", company_id: int, role: str) -> bool:
    """Whether ``user`` may hear restaurant ``company_id``'s ``role`` channel."""
    if user is None or not user.active or user.share:
        return False
    if company_id not in user.allowed_company_ids:
        return False
    return any(user.has_group(group) for group in AUDIENCE_GROUPS.get(role, ()))


def listenable(user: "UserInfo | None", channels: Iterable[Any]) -> list[str]:
    """The client channels a user may subscribe to, in order, without duplicates.

    Odoo lets a client listen to any string channel; that stays true here except
    for the forms the server writes to: a restaurant channel the user may not see,
    and strings shaped like a stored ``[db, model, id]`` channel, are dropped
    (silently, as Odoo drops what it does not grant)."""
    kept: dict[str, None] = {}
    for channel in channels:
        if not isinstance(channel, str) or not channel or channel.startswith("["):
            continue
        parsed = parse_restaurant_channel(channel)
        if parsed is not None:
            if not may_listen(user, *parsed):
                continue
        elif channel.startswith("restaurant:"):
            continue     # malformed restaurant channel
        kept[channel] = None
    return list(kept)


def server_channels(user: "UserInfo | None", db: str) -> list[str]:
    """The channels Odoo adds to every subscription: ``broadcast``, and for a logged-in
    user their partner and user channels (``[db, "res.partner", id]``...)."""
    keys = ["broadcast"]
    if user is not None:
        if user.partner_id:
            keys.append(channel_key([db, "res.partner", user.partner_id]))
        keys.append(channel_key([db, "res.users", user.id]))
    return keys
