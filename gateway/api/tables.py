"""``/api/v1/restaurant``: the floor plan, table status changes and reservations.

Everything here is the caller's current restaurant's (the record rules say
so); another restaurant's table or reservation is a 404.

* The floor plan is the active floors with their active tables, each with
  its stored status (models/restaurant.py derives it from open orders and
  bookings on every change, and a scheduler re-derives bookings that became
  due) and its open bill: the latest draft order on it (``open_orders``
  counts them all), with its waiter.
* ``POST /restaurant/tables/{id}/status`` is staff's word: ``cleaning`` or
  ``available``. ``occupied`` and ``reserved`` follow orders and bookings and
  are refused, as is any hand-set status on a table with an open order: 409
  ``INVALID_STATE_TRANSITION``. Any other value is a 422.
* Reservation times are ISO 8601. One with an offset (``Z``,
  ``+02:00``) is taken as it says; one without is the restaurant's local
  time (its ``timezone`` setting). Answers give UTC (``...Z``). The ``date``
  filter is a day of the restaurant's calendar. A booking that overlaps
  another of its table is a 409 ``CONFLICT`` naming the other one (the
  model's check, serialized per table), and nothing is written.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from models.base import MAX_ID
from models.business_hours import zone
from models.env import Env
from models.exceptions import InvalidStateTransition, MissingError, UserError, ValidationError
from models.restaurant import MANUAL_STATUSES, RESERVATION_STATUSES, TABLE_STATUSES

from .auth import authenticated, run_as
from .body import is_int, json_object, path_id
from .envelope import PREFIX, ok
from .pagination import Listing, date_value, equals_id
from .shapes import many2one, text, utc

FLOOR = "restaurant.floor"
TABLE = "restaurant.table"
RESERVATION = "restaurant.reservation"
ORDER = "pos.order"

TABLE_FIELDS = ["name", "floor_id", "seats", "shape", "position_h", "position_v", "width",
                "height", "color", "section", "status", "status_date", "waiter_id"]
RESERVATION_FIELDS = ["name", "partner_id", "phone", "table_id", "covers", "start_datetime",
                      "end_datetime", "status", "capacity_override", "note"]
STATUSES = tuple(code for code, _label in RESERVATION_STATUSES)
ALL_TABLE_STATUSES = tuple(code for code, _label in TABLE_STATUSES)
NEW_STATUSES = ("requested", "confirmed")
MAX_TEXT = 256
MAX_NOTE = 4000
MAX_COVERS = 999
MAX_MINUTES = 24 * 60
#: Model field -> API name, in field errors.
RENAMED = {"start_datetime": "start", "end_datetime": "end"}


async def _timezone(env: Env) -> dt.tzinfo:
    rows = await env["res.company"].read([env.company_id], ["tz"])
    return zone(rows[0]["tz"] if rows else None)


# -- the floor plan -------------------------------------------------------------------------------

async def floor_plan(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    Listing(paginated=False).parse(request.query)

    async def fetch(env: Env) -> list[dict[str, Any]]:
        floors = await env[FLOOR].search_read([], ["name", "background_color", "sequence"])
        floor_ids = [floor["id"] for floor in floors]
        tables = await env[TABLE].search_read([("floor_id", "in", floor_ids)], TABLE_FIELDS,
                                              order="name asc, id asc") if floor_ids else []
        orders = await env[ORDER].search_read(
            [("table_id", "in", [t["id"] for t in tables]), ("state", "=", "draft")],
            ["name", "table_id", "amount_total", "user_id", "date_order", "customer_count"],
            order="date_order desc, id desc") if tables else []
        open_by_table: dict[int, list[dict[str, Any]]] = {}
        for order in orders:
            open_by_table.setdefault(order["table_id"][0], []).append(order)
        by_floor: dict[int, list[dict[str, Any]]] = {}
        for table in tables:
            current = open_by_table.get(table["id"], [])
            latest = current[0] if current else None
            by_floor.setdefault(table["floor_id"][0], []).append({
                "id": table["id"], "name": table["name"], "seats": table["seats"],
                "shape": table["shape"],
                "position": {"x": table["position_h"], "y": table["position_v"]},
                "size": {"width": table["width"], "height": table["height"]},
                "color": text(table["color"]), "section": text(table["section"]),
                "status": table["status"] or "available",
                "status_since": utc(table["status_date"]),
                "waiter": many2one(table["waiter_id"]),
                "open_orders": len(current),
                "open_order": {
                    "id": latest["id"], "name": latest["name"],
                    "amount_total": latest["amount_total"], "guests": latest["customer_count"],
                    "since": utc(latest["date_order"]), "waiter": many2one(latest["user_id"]),
                } if latest else None,
            })
        return [{"id": floor["id"], "name": floor["name"],
                 "background_color": text(floor["background_color"]),
                 "sequence": floor["sequence"], "tables": by_floor.get(floor["id"], [])}
                for floor in floors]

    found = await run_as(request, caller, fetch)
    return ok(found, meta={"count": len(found)})


async def set_table_status(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    table_id = path_id(request, "Table")
    body = await json_object(request)
    errors: dict[str, str] = {}
    for name in body:
        if name != "status":
            errors[name] = "unknown field"
    status = body.get("status")
    if status is None:
        errors["status"] = "required"
    elif status not in ALL_TABLE_STATUSES:
        errors["status"] = f"must be one of {', '.join(MANUAL_STATUSES)}"
    if errors:
        raise ValidationError("Invalid status change: " + ", ".join(sorted(errors)),
                              field_errors=errors)

    async def move(env: Env) -> dict[str, Any]:
        if not await env[TABLE].exists([table_id]):
            raise MissingError("Table not found")
        try:
            await env[TABLE].set_status([table_id], status)
        except UserError as exc:
            if type(exc) is not UserError:     # rights and the like keep their status
                raise
            raise InvalidStateTransition(str(exc)) from exc
        (table,) = await env[TABLE].read([table_id], ["name", "status", "status_date"])
        return {"id": table_id, "name": table["name"], "status": table["status"],
                "status_since": utc(table["status_date"])}

    return ok(await run_as(request, caller, move, readonly=False), message="Table updated")


# -- reservations -------------------------------------------------------------------------------

def _status_filter(raw: str) -> list[Any]:
    if raw.strip() not in STATUSES:
        raise ValueError(f"must be one of {', '.join(STATUSES)}")
    return [("status", "=", raw.strip())]


def _day(raw: str) -> dt.date:
    day = date_value(raw)
    if not 2000 <= day.year <= 2999:        # as reservation times
        raise ValueError("must be a date from the year 2000 to 2999")
    return day


def _date_filter(raw: str) -> list[Any]:
    _day(raw)     # the range needs the restaurant's time zone: added by the handler
    return []


LISTING = Listing(
    filters={"date": _date_filter, "table_id": equals_id("table_id"), "status": _status_filter},
    sortable={"start": "start_datetime", "id": "id", "covers": "covers"},
    default_order="start_datetime asc, id asc",
)


def _reservation(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "name": text(record["name"]),
            "partner": many2one(record["partner_id"]), "phone": text(record["phone"]),
            "table": many2one(record["table_id"]), "covers": record["covers"],
            "start": utc(record["start_datetime"]), "end": utc(record["end_datetime"]),
            "status": record["status"], "capacity_override": record["capacity_override"],
            "note": text(record["note"])}


async def _one(env: Env, reservation_id: int) -> dict[str, Any]:
    if not await env[RESERVATION].exists([reservation_id]):
        raise MissingError("Reservation not found")
    return _reservation((await env[RESERVATION].read([reservation_id], RESERVATION_FIELDS))[0])


def _moment(value: Any) -> dt.datetime | None:
    """An ISO 8601 date-time (aware, or naive: local) or None when it is not one."""
    if not isinstance(value, str) or not 16 <= len(value) <= 40:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if 2000 <= moment.year <= 2999 else None


STORED = "%Y-%m-%d %H:%M:%S"


def _stored(moment: dt.datetime, tz: dt.tzinfo) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.timezone.utc).strftime(STORED)


def _parse(value: str) -> dt.datetime:
    return dt.datetime.strptime(value[:19], STORED)


WRITABLE = {"table_id", "start", "end", "duration_minutes", "covers", "name", "partner_id",
            "phone", "note", "status", "capacity_override"}


def _check_body(body: dict[str, Any], create: bool) -> dict[str, str]:
    """Types and ranges of a POST/PATCH body (the booking rules are the model's)."""
    errors: dict[str, str] = {}
    for name in body:
        if name not in WRITABLE:
            errors[name] = "read-only" if name in ("id", "company_id") else "unknown field"
    if not create and not body:
        errors["body"] = "no field given"
    for name in ("table_id", "partner_id"):
        value = body.get(name)
        if value is None:
            if name == "table_id" and (create or name in body):
                errors[name] = "required"
        elif not is_int(value) or not 0 < value <= MAX_ID:
            errors[name] = "must be a positive integer id"
    if create and body.get("start") is None:
        errors["start"] = "required"
    for name in ("start", "end"):
        if body.get(name) is not None and _moment(body[name]) is None:
            errors[name] = "must be an ISO 8601 date-time (2031-05-01T19:30:00+02:00)"
    if "start" in body and body["start"] is None and not create:
        errors["start"] = "must not be null"
    if body.get("end") is not None and body.get("duration_minutes") is not None:
        errors["duration_minutes"] = "give end or duration_minutes, not both"
    elif create and body.get("end") is None and body.get("duration_minutes") is None:
        errors["end"] = "required (or duration_minutes)"
    minutes = body.get("duration_minutes")
    if minutes is not None and not (is_int(minutes) and 1 <= minutes <= MAX_MINUTES):
        errors["duration_minutes"] = f"must be an integer from 1 to {MAX_MINUTES}"
    covers = body.get("covers")
    if covers is not None and not (is_int(covers) and 1 <= covers <= MAX_COVERS):
        errors["covers"] = f"must be an integer from 1 to {MAX_COVERS}"
    elif covers is None and "covers" in body:
        errors["covers"] = "must not be null"
    for name, size in (("name", MAX_TEXT), ("phone", MAX_TEXT), ("note", MAX_NOTE)):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > size
                                  or "\x00" in value):
            errors[name] = f"must be a string of at most {size} characters"
    if "capacity_override" in body and not isinstance(body["capacity_override"], bool):
        errors["capacity_override"] = "must be a boolean"
    allowed = NEW_STATUSES if create else STATUSES
    if "status" in body and body["status"] not in allowed:
        errors["status"] = f"must be one of {', '.join(allowed)}"
    if create and not (isinstance(body.get("name"), str) and body["name"].strip()) \
            and body.get("partner_id") is None and "name" not in errors:
        errors["name"] = "required (or partner_id)"
    return errors


async def _values(env: Env, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The checked body -> the model's values, times in UTC."""
    tz = await _timezone(env)
    vals: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("table_id", "partner_id"):
        if name in body:
            value = body[name]
            model = TABLE if name == "table_id" else "res.partner"
            if value is not None and not await env[model].exists([value]):
                errors[name] = "unknown in this restaurant"
            vals[name] = value or False
    for name in ("covers", "status", "capacity_override"):
        if name in body:
            vals[name] = body[name]
    for name in ("name", "phone", "note"):
        if name in body:
            vals[name] = body[name].strip() or False if isinstance(body[name], str) else False
    if body.get("start") is not None:
        vals["start_datetime"] = _stored(_moment(body["start"]), tz)   # type: ignore[arg-type]
    if body.get("end") is not None:
        vals["end_datetime"] = _stored(_moment(body["end"]), tz)   # type: ignore[arg-type]
    elif body.get("duration_minutes") is not None or (current and "start_datetime" in vals):
        # a booking moved without a new end keeps its length
        was = current or {}
        start = _parse(vals.get("start_datetime") or was["start_datetime"])
        if body.get("duration_minutes") is not None:
            length = dt.timedelta(minutes=body["duration_minutes"])
        else:
            length = _parse(was["end_datetime"]) - _parse(was["start_datetime"])
        vals["end_datetime"] = (start + length).strftime(STORED)
    if errors:
        raise ValidationError("Invalid reservation: " + ", ".join(sorted(errors)),
                              field_errors=errors)
    return vals


def _api_errors(exc: ValidationError) -> ValidationError:
    """The model's field names in the API's terms (Conflict and others keep their class)."""
    if type(exc) is not ValidationError:
        return exc
    return ValidationError(str(exc), field_errors={
        RENAMED.get(name, name): message for name, message in (exc.field_errors or {}).items()})


async def list_reservations(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    wanted = LISTING.parse(request.query)
    day = _day(request.query["date"]) if "date" in request.query else None

    async def fetch(env: Env) -> tuple[list[dict[str, Any]], int]:
        domain = list(wanted.domain)
        if day is not None:
            tz = await _timezone(env)
            start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
            domain += [("start_datetime", ">=", _stored(start, tz)),
                       ("start_datetime", "<", _stored(end, tz))]
        model = env[RESERVATION]
        page = wanted.page
        assert page is not None
        records = await model.search_read(domain, RESERVATION_FIELDS, offset=page.offset,
                                          limit=page.limit, order=wanted.order)
        return [_reservation(r) for r in records], await model.search_count(domain)

    data, total = await run_as(request, caller, fetch)
    return ok(data, meta={"pagination": wanted.page.meta(total)})  # type: ignore[union-attr]


async def get_reservation(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    reservation_id = path_id(request, "Reservation")
    return ok(await run_as(request, caller, lambda env: _one(env, reservation_id)))


async def create_reservation(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    body = await json_object(request)
    errors = _check_body(body, create=True)
    if errors:
        raise ValidationError("Invalid reservation: " + ", ".join(sorted(errors)),
                              field_errors=errors)

    async def create(env: Env) -> dict[str, Any]:
        vals = await _values(env, body, None)
        vals.setdefault("covers", 2)
        try:
            new_id = await env[RESERVATION].create(vals)
        except ValidationError as exc:
            raise _api_errors(exc) from exc
        return await _one(env, new_id)

    return ok(await run_as(request, caller, create, readonly=False),
              message="Reservation created", status=201)


async def update_reservation(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    reservation_id = path_id(request, "Reservation")
    body = await json_object(request)
    errors = _check_body(body, create=False)
    if errors:
        raise ValidationError("Invalid reservation: " + ", ".join(sorted(errors)),
                              field_errors=errors)

    async def update(env: Env) -> dict[str, Any]:
        await _one(env, reservation_id)
        (current,) = await env[RESERVATION].read([reservation_id],
                                                 ["start_datetime", "end_datetime"])
        vals = await _values(env, body, current)
        try:
            await env[RESERVATION].write([reservation_id], vals)
        except ValidationError as exc:
            raise _api_errors(exc) from exc
        return await _one(env, reservation_id)

    return ok(await run_as(request, caller, update, readonly=False),
              message="Reservation updated")


async def cancel_reservation(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    reservation_id = path_id(request, "Reservation")
    await json_object(request, optional=True)

    async def cancel(env: Env) -> dict[str, Any]:
        await _one(env, reservation_id)
        await env[RESERVATION].action_cancel([reservation_id])
        return await _one(env, reservation_id)

    return ok(await run_as(request, caller, cancel, readonly=False),
              message="Reservation cancelled")


ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/restaurant/floor_plan", floor_plan),
    ("POST", f"{PREFIX}/restaurant/tables/{{id:\\d+}}/status", set_table_status),
    ("GET", f"{PREFIX}/restaurant/reservations", list_reservations),
    ("POST", f"{PREFIX}/restaurant/reservations", create_reservation),
    ("GET", f"{PREFIX}/restaurant/reservations/{{id:\\d+}}", get_reservation),
    ("PATCH", f"{PREFIX}/restaurant/reservations/{{id:\\d+}}", update_reservation),
    ("POST", f"{PREFIX}/restaurant/reservations/{{id:\\d+}}/cancel", cancel_reservation),
]
