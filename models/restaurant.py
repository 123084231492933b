"""The floor plan (``restaurant.floor``, ``restaurant.table``), table status and
reservations (``restaurant.reservation``).

A table's status is stored, not computed on read, because every change must
be announced once (``table_status_changed`` on the bus) and because one part
of it, *cleaning*, is a fact only staff know. Everything else is derived by
:func:`refresh_table_status` from the table's open orders and its confirmed
reservations; every code path that changes either calls it in the same
transaction (the ORM paths of ``pos.order`` do so by themselves, see
``pos_order_restaurant.py``).

Reservations of one table must never overlap. The check reads the other
bookings and then inserts; two requests booking the same slot at the same
moment must not both pass it. :func:`lock_tables` is what makes the read and
the write one unit (its docstring says why it is enough on both databases).
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Iterable

import peewee

from . import bus, security
from . import fields as F
from .api import public
from .base import MAGIC_FIELDS, BaseModel, check_ids, now_utc
from .exceptions import (AccessError, Conflict, InvalidStateTransition, UserError,
                         ValidationError)

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

TABLE_STATUSES = [
    ("available", "Available"),
    ("occupied", "Occupied"),
    ("reserved", "Reserved"),
    ("cleaning", "Cleaning"),
]
#: What staff may set by hand; the other statuses follow orders and reservations.
MANUAL_STATUSES = ("available", "cleaning")

RESERVATION_STATUSES = [
    ("requested", "Requested"),
    ("confirmed", "Confirmed"),
    ("seated", "Seated"),
    ("cancelled", "Cancelled"),
    ("no_show", "No Show"),
]
#: Bookings that hold their table for their time slot (others free it).
HOLDING = ("requested", "confirmed", "seated")
#: status -> the statuses it may move to.
RESERVATION_FLOW: dict[str, tuple[str, ...]] = {
    "requested": ("confirmed", "cancelled"),
    "confirmed": ("requested", "seated", "cancelled", "no_show"),
    "seated": (),
    "cancelled": ("requested", "confirmed"),
    "no_show": ("confirmed",),
}
#: How long before a confirmed booking its table shows as reserved, when the
#: restaurant sets nothing (res.company.reservation_lead_minutes).
DEFAULT_LEAD_MINUTES = 60


def _parse(value: str) -> dt.datetime:
    return dt.datetime.strptime(value[:19], F.DATETIME_FORMAT)


def _format(value: dt.datetime) -> str:
    return value.strftime(F.DATETIME_FORMAT)


def derive_status(current: str, open_order: bool, reservation_due: bool) -> str:
    """The status a table should have now.

    An open order always makes it occupied. When the last one leaves (paid,
    cancelled, moved or merged away) someone sat there, so it needs cleaning
    until staff say otherwise; that hand-set state is kept. Otherwise a
    confirmed booking due soon makes it reserved.
    """
    if open_order:
        return "occupied"
    if current in ("occupied", "cleaning"):
        return "cleaning"
    return "reserved" if reservation_due else "available"


async def lock_tables(env: "Env", table_ids: Iterable[int]) -> None:
    """Serialize everything that decides from a table's bookings or orders.

    Write units run at REPEATABLE READ on PostgreSQL: a transaction reads
    from a snapshot taken at its first statement, so a row lock alone
    (``SELECT ... FOR UPDATE``) is not enough: the second booking would
    wait for the first, then check overlaps against a snapshot that does
    not hold the first booking, and insert too. Writing the table row is:
    the second writer blocks on the row lock, and once the first commits
    PostgreSQL refuses it ("could not serialize access due to concurrent
    update"), which ``Backend.run_unit`` retries from scratch with a fresh
    snapshot that holds the first booking, so the check refuses it.

    The column written is a plain one (``status_date``, to its own value):
    an update that leaves key columns alone takes PostgreSQL's "no key
    update" lock, which does not conflict with the "key share" lock every
    insert of a reservation or order takes on the table it references. A
    ``FOR UPDATE`` lock does conflict with it, and deadlocked two bookings
    of the same table in our race test. Rows are written in id order, so
    two units locking the same tables cannot deadlock on each other.

    On SQLite a write unit holds the database's write lock from ``BEGIN
    IMMEDIATE`` to ``COMMIT`` (and the process lock), so no other write
    unit runs in between at all; the statement costs nothing there.
    """
    ids = sorted({i for i in table_ids if i})
    if not ids:
        return
    Table = env.registry["restaurant.table"]
    for table_id in ids:
        await env.cr.run(Table.update({Table.status_date: Table.status_date})
                         .where(Table.id == table_id))


async def _lead_minutes(env: "Env", company_ids: Iterable[int]) -> dict[int, int]:
    Company = env.registry["res.company"]
    ids = list(set(company_ids))
    if not ids:
        return {}
    rows = await env.cr.rows(Company.select(Company.id, Company.reservation_lead_minutes)
                             .where(Company.id.in_(ids)))
    return {cid: DEFAULT_LEAD_MINUTES if minutes is None else minutes for cid, minutes in rows}


async def refresh_table_status(env: "Env", table_ids: Iterable[Any],
                               manual: dict[int, str] | None = None,
                               lock: bool = True) -> dict[int, str]:
    """Bring the status of ``table_ids`` in line with their orders and bookings.

    Call it after any change to a table's open orders (created, paid,
    cancelled, moved) or reservations, in the same transaction. It emits
    ``table_status_changed`` for each table whose status changes, and only
    then. ``manual`` gives a status staff set by hand ({table id: status}),
    from which the derivation starts instead of the stored one. Answers the
    new status of every table it looked at.

    Callers that changed orders or bookings must ``lock`` (the default): two
    units changing the same table's orders at once (one pays the last order,
    the other opens a new one) would otherwise each decide from what it sees
    and the last to commit would win with a status computed without the
    other's change. Only time-driven re-derivations, which change neither,
    may skip it (their status writes still conflict with concurrent ones).
    """
    ids = sorted({i for i in table_ids if isinstance(i, int) and not isinstance(i, bool) and i})
    if not ids:
        return {}
    manual = manual or {}
    registry = env.registry
    Table = registry["restaurant.table"]
    Order = registry["pos.order"]
    Reservation = registry["restaurant.reservation"]
    if lock:
        await lock_tables(env, ids)
    rows = await env.cr.rows(Table.select(Table.id, Table.name, Table.status, Table.company_id)
                             .where(Table.id.in_(ids)))
    open_tables = {row[0] for row in await env.cr.rows(
        Order.select(Order.table_id).distinct()
        .where(Order.table_id.in_(ids) & (Order.state == "draft")))}
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    leads = await _lead_minutes(env, [row[3] for row in rows])
    horizon = _format(now + dt.timedelta(minutes=max(leads.values(), default=0)))
    due_starts: dict[int, list[str]] = {}
    for table_id, start in await env.cr.rows(
            Reservation.select(Reservation.table_id, Reservation.start_datetime)
            .where(Reservation.table_id.in_(ids) & (Reservation.status == "confirmed")
                   & (Reservation.start_datetime <= horizon)
                   & (Reservation.end_datetime > _format(now)))):
        due_starts.setdefault(table_id, []).append(start)
    result: dict[int, str] = {}
    stamp = now_utc()
    for table_id, name, stored, company_id in rows:
        current = manual.get(table_id, stored or "available")
        limit = _format(now + dt.timedelta(minutes=leads.get(company_id, DEFAULT_LEAD_MINUTES)))
        due = any(start[:19] <= limit for start in due_starts.get(table_id, ()))
        new = derive_status(current, table_id in open_tables, due)
        result[table_id] = new
        if new == (stored or "available"):
            continue
        await env.cr.run(Table.update({Table.status: new, Table.status_date: stamp})
                         .where(Table.id == table_id))
        await bus.send_restaurant(env, company_id, "table_status_changed", {
            "table_id": table_id, "name": name, "old_status": stored or "available",
            "new_status": new})
    return result


async def refresh_reservation_windows(env: "Env", company_ids: Iterable[int] | None = None) -> int:
    """Tables whose booking became due (or ended) since the last change: re-derive them.

    Time alone turns a table reserved (a confirmed booking enters the lead
    window) and back (the booking's end passes), with no request to notice
    it; a scheduler calls this every minute or so (superuser environment).
    Answers how many tables it looked at.
    """
    Table = env.registry["restaurant.table"]
    Reservation = env.registry["restaurant.reservation"]
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    company_filter = (Table.company_id.in_(list(company_ids)) if company_ids is not None
                      else peewee.SQL("1 = 1"))
    reserved = [row[0] for row in await env.cr.rows(
        Table.select(Table.id).where((Table.status == "reserved") & company_filter))]
    leads = await _lead_minutes(env, [row[0] for row in await env.cr.rows(
        Table.select(Table.company_id).distinct().where(company_filter))])
    horizon = _format(now + dt.timedelta(minutes=max(leads.values(), default=0)))
    due = [row[0] for row in await env.cr.rows(
        Reservation.select(Reservation.table_id).distinct()
        .join(Table, on=(Table.id == Reservation.table_id))
        .where((Reservation.status == "confirmed") & (Reservation.start_datetime <= horizon)
               & (Reservation.end_datetime > _format(now))
               & ((Table.status == "available") | Table.status.is_null(True))
               & company_filter))]
    candidates = sorted(set(reserved) | set(due))
    await refresh_table_status(env, candidates, lock=False)
    return len(candidates)


def _is_manager(env: "Env") -> bool:
    return env.su or bool(env.user and env.user.has_group(security.POS_MANAGER))


# ---------------------------------------------------------------------------
# Floors
# ---------------------------------------------------------------------------

class RestaurantFloor(BaseModel):
    _name = "restaurant.floor"
    _description = "Restaurant Floor"
    _order = "sequence, name"

    name = F.Char("Floor Name", required=True)
    pos_config_ids = F.Many2many("pos.config", "pos_config_restaurant_floor_rel",
                                 "restaurant_floor_id", "pos_config_id", "Point of Sales")
    background_color = F.Char("Background Color", default="rgb(210, 210, 210)",
                              help="The background color of the floor in a html-compatible format")
    table_ids = F.One2many("restaurant.table", "floor_id", "Tables")
    sequence = F.Integer("Sequence", default=1)
    active = F.Boolean("Active", default=True)
    company_id = F.Many2one("res.company", "Restaurant", required=True, index=True,
                            default=lambda env: env.company_id)

    @public("model")
    async def create_from_ui(cls, env: "Env", name: Any, background_color: Any = None,
                             config_id: Any = None) -> dict[str, Any]:
        """Odoo 17's floor editor: a new floor linked to the POS it was drawn in."""
        vals: dict[str, Any] = {"name": name}
        if background_color:
            vals["background_color"] = background_color
        if config_id:
            vals["pos_config_ids"] = [(4, config_id)]
        floor_id = await cls.create_records(env, vals)
        (floor,) = await cls.read(env, [floor_id], ["name", "background_color", "sequence"])
        return {"id": floor_id, "name": floor["name"],
                "background_color": floor["background_color"], "table_ids": [],
                "sequence": floor["sequence"], "tables": []}

    @public("records")
    async def rename_floor(cls, env: "Env", ids: Any, new_name: Any) -> bool:
        return await cls.write(env, ids, {"name": new_name})

    @public("records")
    async def deactivate_floor(cls, env: "Env", ids: Any, session_id: Any = None) -> bool:
        """Odoo 17: archive a floor and its tables, unless bills are still open on it."""
        ids = check_ids(ids)
        security.check_access(env, cls, security.WRITE)
        ids = await cls._ensure_visible(env, ids)
        Table = env.registry["restaurant.table"]
        Order = env.registry["pos.order"]
        tables = [row[0] for row in await env.cr.rows(
            Table.select(Table.id).where(Table.floor_id.in_(ids)))] if ids else []
        where = Order.table_id.in_(tables) & (Order.state == "draft")
        if session_id:
            where &= Order.session_id == session_id
        if tables and await env.cr.first(Order.select(Order.id).where(where).limit(1)):
            raise UserError("You cannot delete a floor when orders are still in draft for this "
                            "floor.")
        if tables:
            await env["restaurant.table"].write(tables, {"active": False})
        return await cls.write(env, ids, {"active": False})


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

class RestaurantTable(BaseModel):
    _name = "restaurant.table"
    _description = "Restaurant Table"
    _order = "name"
    #: What a waiter may change on a table by ``write``; the floor plan is the manager's.
    _waiter_fields = ("waiter_id",)

    name = F.Char("Table Name", required=True, help="An internal identification of a table")
    floor_id = F.Many2one("restaurant.floor", "Floor", index=True)
    shape = F.Selection([("square", "Square"), ("round", "Round")], "Shape", required=True,
                        default="square")
    position_h = F.Float("Horizontal Position", default=10.0)
    position_v = F.Float("Vertical Position", default=10.0)
    width = F.Float("Width", default=50.0)
    height = F.Float("Height", default=50.0)
    seats = F.Integer("Seats", default=1,
                      help="The default number of customer served at this table.")
    color = F.Char("Color",
                   help="The table's color, expressed as a valid 'background' CSS property value")
    section = F.Char("Section", help="The part of the room: 'Window', 'Bar', 'Terrace'...")
    waiter_id = F.Many2one("res.users", "Waiter", index=True,
                           help="The member of staff serving this table.")
    # NULL allowed in the column only: tables that existed before the column have none
    # (a migration cannot backfill); the first refresh takes them as available.
    status = F.Selection(TABLE_STATUSES, "Status", required=True, readonly=True,
                         default="available", copy=False, index=True, null=True)
    status_date = F.Datetime("Status Since", readonly=True, copy=False)
    active = F.Boolean("Active", default=True)
    company_id = F.Many2one("res.company", "Restaurant", required=True, index=True,
                            default=lambda env: env.company_id)

    # -- writes: the floor plan is the manager's ------------------------------------
    @classmethod
    def _layout_fields(cls, vals: Any) -> list[str]:
        """Fields in ``vals`` that only a manager may write (read-only ones are refused
        by the ORM with its own message)."""
        if not isinstance(vals, dict):
            return []
        names = []
        for name in vals:
            field = cls._fields.get(name) if isinstance(name, str) else None
            if (field is None or name in MAGIC_FIELDS or name in ("id", "display_name")
                    or name in cls._waiter_fields or field.readonly):
                continue
            names.append(name)
        return sorted(names)

    @classmethod
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        new_id = await super()._create_one(env, vals)
        await cls._check_waiters(env, [new_id])
        return new_id

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:  # type: ignore[override]
        layout = [] if _is_manager(env) else cls._layout_fields(vals)
        if layout:
            security.check_access(env, cls, security.WRITE)
            # another restaurant's table stays Odoo's AccessError (or MissingError) by id
            await cls._ensure_visible(env, check_ids(ids))
            raise AccessError("Only a restaurant manager can change the floor plan "
                              f"({', '.join(layout)} of restaurant.table).")
        result = await super().write(env, ids, vals)
        if isinstance(vals, dict) and vals.get("waiter_id"):
            await cls._check_waiters(env, check_ids(ids))
        return result

    @classmethod
    async def _check_waiters(cls, env: "Env", ids: list[int]) -> None:
        """A table's waiter works in the table's restaurant (and is still employed)."""
        Users = env.registry["res.users"]
        rel = peewee.Table("res_company_users_rel", ("cid", "user_id"))
        rows = await env.cr.rows(cls.select(cls.name, cls.waiter_id, cls.company_id)
                                 .where(cls.id.in_(ids) & cls.waiter_id.is_null(False)))
        for name, waiter_id, company_id in rows:
            user = await env.cr.first(Users.select(Users.company_id, Users.active)
                                      .where(Users.id == waiter_id))
            member = user is not None and (user[0] == company_id or await env.cr.first(
                rel.select(rel.cid).where((rel.user_id == waiter_id) & (rel.cid == company_id))))
            if not member or not user[1]:
                raise ValidationError(
                    f"The waiter of table {name} must be an active user of its restaurant.",
                    field_errors={"waiter_id": "Not a user of this restaurant"})

    # -- status ---------------------------------------------------------------------
    @public("records")
    async def set_status(cls, env: "Env", ids: Any, status: Any) -> dict[str, str]:
        """Staff's word on a table: it needs cleaning, or it is clean again.

        Occupied and reserved are not set by hand: they follow the open orders
        and the bookings, and a table with an open order cannot be declared
        free or dirty. Answers {table id: status} as the derivation leaves it
        (a clean table with a booking due shows reserved).
        """
        if status not in MANUAL_STATUSES:
            raise UserError(f"A table's status '{status}' cannot be set by hand: occupied and "
                            "reserved follow its open orders and its reservations.")
        ids = check_ids(ids)
        security.check_access(env, cls, security.WRITE)
        ids = await cls._ensure_visible(env, ids)
        Order = env.registry["pos.order"]
        busy = await env.cr.rows(cls.select(cls.name).join(Order, on=(Order.table_id == cls.id))
                                 .where(cls.id.in_(ids) & (Order.state == "draft")).distinct())
        if busy:
            names = ", ".join(sorted(row[0] for row in busy))
            raise UserError(f"Table {names} still has an open order: it stays occupied until "
                            "the order is paid, cancelled or moved.")
        result = await refresh_table_status(env, ids, manual={i: status for i in ids})
        return {str(k): v for k, v in result.items()}

    @public("model")
    async def sync_status(cls, env: "Env") -> list[dict[str, Any]]:
        """Re-derive the tables of the active restaurants (bookings that became due or
        ended since the last change) and answer their statuses, for the floor screen."""
        security.check_access(env, cls, security.READ)
        ids = await cls.search(env, [])
        await refresh_table_status(env, ids, lock=False)
        return await cls.read(env, ids, ["status", "status_date", "waiter_id"])

    @public("records", readonly=True)
    async def are_orders_still_in_draft(cls, env: "Env", ids: Any) -> bool:
        """Odoo 17's floor editor asks this before deleting tables."""
        ids = check_ids(ids)
        security.check_access(env, cls, security.READ)
        ids = await cls._ensure_visible(env, ids, security.READ)
        return bool(ids) and bool(await env["pos.order"].search_count(
            [("table_id", "in", ids), ("state", "=", "draft")]))

    @public("model")
    async def create_from_ui(cls, env: "Env", table: Any) -> int:
        """Odoo 16's floor editor: create a table, or write it when it carries an id."""
        if not isinstance(table, dict):
            raise ValueError(f"Invalid table {table!r}")
        vals = {k: v for k, v in table.items() if k in cls._fields and v is not None}
        if isinstance(vals.get("floor_id"), (list, tuple)):
            vals["floor_id"] = vals["floor_id"][0] if vals["floor_id"] else False
        vals.pop("status", None)
        vals.pop("status_date", None)
        table_id = vals.pop("id", False)
        if table_id:
            await cls.write(env, [table_id], vals)
            return table_id
        return await cls.create_records(env, vals)

    @public("model", readonly=True)
    async def find_free_tables(cls, env: "Env", start: Any, end: Any = None, covers: Any = 1,
                               duration: Any = None) -> list[int]:
        """Active tables of the current restaurants with enough seats and no booking in
        [start, end) (or start + ``duration`` hours), best fit first."""
        start, end = _slot(start, end, duration)
        covers = cls._fields["seats"].convert_to_column(covers)
        Reservation = env.registry["restaurant.reservation"]
        ids = await cls.search(env, [("seats", ">=", covers)], order="seats, name")
        if not ids:
            return []
        booked = {row[0] for row in await env.cr.rows(Reservation.select(Reservation.table_id)
                  .where(Reservation.table_id.in_(ids) & Reservation.status.in_(HOLDING)
                         & (Reservation.start_datetime < end) & (Reservation.end_datetime > start)))}
        return [i for i in ids if i not in booked]


def _slot(start: Any, end: Any, duration: Any) -> tuple[str, str]:
    """(start, end) as UTC datetimes from an end or a duration in hours."""
    try:
        start = F.normalize_datetime(start)
        if end in (None, False, ""):
            if duration in (None, False) or isinstance(duration, bool):
                raise ValueError("a reservation needs an end or a duration")
            end = _format(_parse(start) + dt.timedelta(hours=float(duration)))
        else:
            end = F.normalize_datetime(end)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Invalid reservation time: {exc}",
                              field_errors={"end_datetime": str(exc)}) from None
    if end <= start:
        raise ValidationError("A reservation must end after it starts.",
                              field_errors={"end_datetime": "Before the start"})
    return start, end


# ---------------------------------------------------------------------------
# Reservations
# ---------------------------------------------------------------------------

def _duration(values: dict[str, Any]) -> float:
    start, end = values.get("start_datetime"), values.get("end_datetime")
    if not start or not end:
        return 0.0
    return round((_parse(end) - _parse(start)).total_seconds() / 3600, 4)


class RestaurantReservation(BaseModel):
    _name = "restaurant.reservation"
    _description = "Table Reservation"
    _order = "start_datetime, id"

    name = F.Char("Guest Name", help="Who booked (the customer's name when one is linked).")
    partner_id = F.Many2one("res.partner", "Customer", index=True)
    phone = F.Char("Phone")
    table_id = F.Many2one("restaurant.table", "Table", required=True, index=True)
    covers = F.Integer("Covers", required=True, default=2, help="How many guests are expected.")
    start_datetime = F.Datetime("Start", required=True, index=True, help="UTC")
    end_datetime = F.Datetime("End", required=True, index=True, help="UTC")
    duration = F.Computed("float", compute=_duration,
                          depends=("start_datetime", "end_datetime"), string="Duration (hours)")
    status = F.Selection(RESERVATION_STATUSES, "Status", required=True, default="confirmed",
                         index=True, copy=False)
    capacity_override = F.Boolean(
        "Over Capacity Allowed", default=False, copy=False,
        help="Set by a manager: more covers than the table seats.")
    note = F.Text("Note")
    company_id = F.Many2one("res.company", "Restaurant", required=True, index=True,
                            default=lambda env: env.company_id)

    #: Changes that must be checked against the table and the other bookings.
    _booking_fields = frozenset({"table_id", "covers", "start_datetime", "end_datetime",
                                 "duration", "status", "capacity_override"})

    @classmethod
    async def _prepare(cls, env: "Env", vals: Any,
                       current: dict[str, Any] | None) -> dict[str, Any]:
        """Client values -> stored values: ``duration`` becomes an end, the guest's
        name and phone come from the customer when left out."""
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r}: expected a dictionary")
        vals = dict(vals)
        if vals.get("capacity_override") and not _is_manager(env):
            raise AccessError("Only a restaurant manager can book more covers than a table "
                              "seats.")
        duration = vals.pop("duration", None)
        if duration is not None and "end_datetime" not in vals:
            start = vals.get("start_datetime") or (current or {}).get("start_datetime")
            vals["start_datetime"], vals["end_datetime"] = _slot(start, None, duration)
        if vals.get("partner_id") and (not vals.get("name") or not vals.get("phone")):
            Partner = env.registry["res.partner"]
            partner_id = cls._fields["partner_id"].convert_to_column(vals["partner_id"])
            partner = await env.cr.first(Partner.select(Partner.name, Partner.phone)
                                         .where(Partner.id == partner_id))
            if partner:
                if not vals.get("name"):
                    vals["name"] = partner[0]
                if not vals.get("phone") and partner[1] and not (current or {}).get("phone"):
                    vals["phone"] = partner[1]
        return vals

    @classmethod
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        vals = await cls._prepare(env, vals, None)
        status = vals.get("status", "confirmed")
        if status not in ("requested", "confirmed"):
            raise ValidationError(f"A new reservation is requested or confirmed, not '{status}'.",
                                  field_errors={"status": "Invalid initial status"})
        new_id = await super()._create_one(env, vals)
        tables = await cls._check_bookings(env, [new_id], check_capacity=True)
        await refresh_table_status(env, tables)
        return new_id

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:  # type: ignore[override]
        ids = check_ids(ids)
        if not isinstance(vals, dict) or not cls._booking_fields & set(vals):
            return await super().write(env, ids, vals)
        security.check_access(env, cls, security.WRITE)
        ids = await cls._ensure_visible(env, ids)
        before = {row[0]: row[1:] for row in await env.cr.rows(
            cls.select(cls.id, cls.table_id, cls.status, cls.start_datetime, cls.phone)
            .where(cls.id.in_(ids)))}
        if "status" in vals:
            for record_id, (_table, old, _start, _phone) in before.items():
                new = vals["status"]
                if new != old and new not in RESERVATION_FLOW.get(old, ()):
                    raise InvalidStateTransition(f"Reservation {record_id} is {old}: it "
                                                 f"cannot become {new}.")
        for record_id in ids:
            _table, _status, start, phone = before[record_id]
            prepared = await cls._prepare(env, vals, {"start_datetime": start, "phone": phone})
            await super().write(env, [record_id], prepared)
        capacity = bool({"table_id", "covers", "capacity_override"} & set(vals))
        tables = await cls._check_bookings(env, ids, check_capacity=capacity)
        await refresh_table_status(env, set(tables) | {row[0] for row in before.values()})
        return True

    @classmethod
    async def unlink(cls, env: "Env", ids: Any) -> bool:  # type: ignore[override]
        ids = check_ids(ids)
        tables = [row[0] for row in await env.cr.rows(
            cls.select(cls.table_id).where(cls.id.in_([i for i in ids if 0 < i < 2**31])))]
        result = await super().unlink(env, ids)
        await refresh_table_status(env, tables)
        return result

    @classmethod
    async def _check_bookings(cls, env: "Env", ids: list[int], check_capacity: bool) -> list[int]:
        """The rules of a booking, checked as one unit with the other bookings of its
        table (see :func:`lock_tables`). Answers the tables concerned."""
        rows = await env.cr.rows(cls.select(
            cls.id, cls.table_id, cls.covers, cls.start_datetime, cls.end_datetime, cls.status,
            cls.capacity_override, cls.company_id, cls.name, cls.partner_id).where(cls.id.in_(ids)))
        tables = sorted({row[1] for row in rows})
        await lock_tables(env, tables)
        Table = env.registry["restaurant.table"]
        info = {row[0]: row[1:] for row in await env.cr.rows(
            Table.select(Table.id, Table.name, Table.seats, Table.company_id, Table.active)
            .where(Table.id.in_(tables)))}
        for (record_id, table_id, covers, start, end, status, override, company_id, name,
             partner_id) in rows:
            table_name, seats, table_company, active = info[table_id]
            if not name and not partner_id:
                raise ValidationError("A reservation needs a guest name or a customer.",
                                      field_errors={"name": "Guest name or customer required"})
            if table_company != company_id:
                raise ValidationError(f"Table {table_name} belongs to another restaurant than "
                                      "the reservation.",
                                      field_errors={"table_id": "Wrong restaurant"})
            if end <= start:
                raise ValidationError("A reservation must end after it starts.",
                                      field_errors={"end_datetime": "Before the start"})
            if (covers or 0) < 1:
                raise ValidationError("A reservation is for one guest or more.",
                                      field_errors={"covers": "At least one guest"})
            if status not in HOLDING:
                continue
            if not active:
                raise ValidationError(f"Table {table_name} is archived: it cannot be booked.",
                                      field_errors={"table_id": "Archived table"})
            if check_capacity and covers > (seats or 0) and not (override and _is_manager(env)):
                raise ValidationError(
                    f"Table {table_name} seats {seats}: a booking for {covers} needs a "
                    "manager's override.", field_errors={"covers": f"More than {seats} seats"})
            clash = await env.cr.first(
                cls.select(cls.id, cls.start_datetime, cls.end_datetime)
                .where((cls.table_id == table_id) & (cls.id != record_id)
                       & cls.status.in_(HOLDING) & (cls.start_datetime < end)
                       & (cls.end_datetime > start))
                .order_by(cls.start_datetime, cls.id).limit(1))
            if clash:
                raise Conflict(
                    f"Table {table_name} is already booked from {clash[1][:16]} to "
                    f"{clash[2][:16]} UTC (reservation {clash[0]}).",
                    field_errors={"start_datetime": "Overlaps another booking of this table"})
        return tables

    # -- the booking's life ------------------------------------------------------
    @public("records")
    async def action_confirm(cls, env: "Env", ids: Any) -> bool:
        return await cls.write(env, ids, {"status": "confirmed"})

    @public("records")
    async def action_seat(cls, env: "Env", ids: Any) -> bool:
        """The guests arrived: the booking stops holding the table as reserved (their
        order makes it occupied)."""
        return await cls.write(env, ids, {"status": "seated"})

    @public("records")
    async def action_cancel(cls, env: "Env", ids: Any) -> bool:
        return await cls.write(env, ids, {"status": "cancelled"})

    @public("records")
    async def action_no_show(cls, env: "Env", ids: Any) -> bool:
        return await cls.write(env, ids, {"status": "no_show"})
