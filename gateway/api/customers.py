"""``/api/v1/customers``: the restaurant's customers, their orders and loyalty points.

A customer is a ``res.partner`` of the caller's current restaurant that is
not a user's own partner (see ``ResPartner.CUSTOMER_DOMAIN``): Odoo's shared
contacts (no company) are not customers here, since every restaurant sees
them and one restaurant's edit or archive would change them for all; nor
are the staff. Another restaurant's customer, or a
shared contact, asked for by id is a 404 like one that does not exist.

Who: POS users (waiters, managers) list, read, create and update; archiving
(``DELETE``: ``active = False``, the orders keep their customer) and
adjusting points are for managers (403 ``FORBIDDEN`` before the body is
looked at). Kitchen accounts are 403 everywhere here.

Emails are unique among the restaurant's active customers, without case:
a duplicate is 409 ``CONFLICT`` naming ``email``. Phones are checked loosely
(digits, spaces, ``+()-./``, 6 to 20 digits). Strings with control
characters are refused (PostgreSQL cannot store NUL).

Loyalty (models/loyalty.py): ``loyalty_points`` on a customer is its balance
when the restaurant runs a program, else null; ``GET .../loyalty`` is then a
409 ``LOYALTY_NOT_ENABLED`` (the customer exists; the restaurant's settings
refuse), as is an adjustment.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any

from aiohttp import web

from models import security
from models.env import Env
from models.exceptions import MissingError, ValidationError
from models.res_partner import ResPartner

from .auth import Caller, authenticated_in, run_as
from .body import json_object, path_id
from .envelope import PREFIX, ok
from .pagination import Listing, contains_any
from .shapes import many2one, text

PARTNER = "res.partner"
ORDER = "pos.order"
CARD = "loyalty.card"
MOVE = "loyalty.move"

READ_FIELDS = ["name", "email", "phone", "mobile", "street", "city", "zip", "active",
               "create_date"]
ORDER_FIELDS = ["name", "pos_reference", "state", "date_order", "amount_tax", "amount_total",
                "amount_paid", "refunded_order_id"]
MOVE_FIELDS = ["date", "points", "balance_after", "kind", "reason", "order_id", "create_uid"]

#: Body fields of POST/PATCH and their longest value.
LENGTHS = {"name": 128, "email": 254, "phone": 32, "mobile": 32, "street": 128, "city": 64,
           "zip": 16}
MAX_SEARCH = 100
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE = re.compile(r"\+?[0-9 ().\-/]+")


def _search(raw: str) -> list[Any]:
    needle = raw.strip()
    if len(needle) > MAX_SEARCH:
        raise ValueError(f"at most {MAX_SEARCH} characters")
    if _has_control(needle):
        raise ValueError("must not contain control characters")
    return contains_any("name", "phone", "email")(needle)


LISTING = Listing(
    filters={"q": _search},
    sortable={"name": "name", "email": "email", "id": "id", "create_date": "create_date"},
    default_order="name asc",
)
HISTORY = Listing(default_order="date_order desc, id desc")
MOVES = Listing(default_order="date desc, id desc")


# -- plumbing ---------------------------------------------------------------------------------


async def _pos_user(request: web.Request) -> Caller:
    return await authenticated_in(request, security.POS_USER,
                                  "Only the restaurant's point of sale staff may see its customers")


async def _manager(request: web.Request) -> Caller:
    return await authenticated_in(request, security.POS_MANAGER,
                                  "Only managers of the restaurant may do this")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in text)


async def _balances(env: Env, ids: list[int]) -> dict[int, int] | None:
    """Loyalty balances of these customers, or None when the restaurant has no program."""
    if not await env["loyalty.program"].search_count([("enabled", "=", True)]):
        return None
    cards = await env[CARD].search_read([("partner_id", "in", ids)], ["partner_id", "points"],
                                        load=None)
    return {card["partner_id"]: card["points"] for card in cards}


async def _shape(env: Env, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    balances = await _balances(env, [record["id"] for record in records])
    return [{
        "id": record["id"], "name": record["name"], "email": text(record["email"]),
        "phone": text(record["phone"]), "mobile": text(record["mobile"]),
        "street": text(record["street"]), "city": text(record["city"]),
        "zip": text(record["zip"]), "active": record["active"],
        "loyalty_points": None if balances is None else balances.get(record["id"], 0),
        "create_date": record["create_date"] or None,
    } for record in records]


async def _found(env: Env, partner_id: int) -> None:
    """404 unless the caller's restaurant has this customer (archived ones too)."""
    if not await env.with_context(active_test=False)[PARTNER].search_count(
            [("id", "=", partner_id)] + ResPartner.CUSTOMER_DOMAIN):
        raise MissingError("Customer not found")


async def _one(env: Env, partner_id: int) -> dict[str, Any]:
    await _found(env, partner_id)
    return (await _shape(env, await env[PARTNER].read([partner_id], READ_FIELDS)))[0]


def _values(body: dict[str, Any], *, create: bool) -> dict[str, Any]:
    """The model values of a POST/PATCH body; a 422 naming every bad field."""
    errors: dict[str, str] = {}
    vals: dict[str, Any] = {}
    for name in body:
        if name not in LENGTHS:
            errors[name] = "unknown field"
    if not create and not body:
        raise ValidationError("Nothing to update", field_errors={"body": "no field given"})
    for name, longest in LENGTHS.items():
        if name not in body and not (create and name == "name"):
            continue
        value = body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name == "name":
                errors[name] = "required"
            else:
                vals[name] = None
            continue
        if not isinstance(value, str):
            errors[name] = "must be a string" + ("" if name == "name" else " or null")
            continue
        value = value.strip()
        if len(value) > longest:
            errors[name] = f"at most {longest} characters"
        elif _has_control(value):
            errors[name] = "must not contain control characters"
        elif name == "email" and not _EMAIL.fullmatch(value):
            errors[name] = "not a valid email address"
        elif name in ("phone", "mobile") and not (
                _PHONE.fullmatch(value) and 6 <= sum(c.isdigit() for c in value) <= 20):
            errors[name] = "not a valid phone number (6 to 20 digits, spaces and +()-./)"
        else:
            vals[name] = value
    if errors:
        raise ValidationError("Invalid customer: " + ", ".join(sorted(errors)),
                              field_errors=errors)
    return vals


# -- customers --------------------------------------------------------------------------------

async def list_customers(request: web.Request) -> web.Response:
    caller = await _pos_user(request)
    wanted = LISTING.parse(request.query)
    wanted = dataclasses.replace(wanted, domain=ResPartner.CUSTOMER_DOMAIN + wanted.domain)

    async def fetch(env: Env) -> tuple[list[dict[str, Any]], int]:
        records, total = await wanted.read(env[PARTNER], READ_FIELDS)
        return await _shape(env, records), total

    data, total = await run_as(request, caller, fetch)
    return ok(data, meta={"pagination": wanted.page.meta(total)})  # type: ignore[union-attr]


async def get_customer(request: web.Request) -> web.Response:
    caller = await _pos_user(request)
    partner_id = path_id(request, "Customer")
    return ok(await run_as(request, caller, lambda env: _one(env, partner_id)))


async def create_customer(request: web.Request) -> web.Response:
    caller = await _pos_user(request)
    body = await json_object(request)
    vals = _values(body, create=True)

    async def create(env: Env) -> dict[str, Any]:
        await env.registry[PARTNER]._check_email_free(env, vals.get("email"))
        return await _one(env, await env[PARTNER].create(dict(vals, company_id=env.company_id)))

    return ok(await run_as(request, caller, create, readonly=False), message="Customer created",
              status=201)


async def update_customer(request: web.Request) -> web.Response:
    caller = await _pos_user(request)
    partner_id = path_id(request, "Customer")
    body = await json_object(request)

    async def update(env: Env) -> dict[str, Any]:
        await _found(env, partner_id)
        vals = _values(body, create=False)
        if vals.get("email"):
            await env.registry[PARTNER]._check_email_free(env, vals["email"], partner_id)
        await env[PARTNER].write([partner_id], vals)
        return await _one(env, partner_id)

    return ok(await run_as(request, caller, update, readonly=False), message="Customer updated")


async def archive_customer(request: web.Request) -> web.Response:
    caller = await _manager(request)
    partner_id = path_id(request, "Customer")

    async def archive(env: Env) -> dict[str, Any]:
        await _found(env, partner_id)
        await env[PARTNER].write([partner_id], {"active": False})
        return await _one(env, partner_id)

    return ok(await run_as(request, caller, archive, readonly=False),
              message="Customer archived")


# -- history ----------------------------------------------------------------------------------

async def customer_orders(request: web.Request) -> web.Response:
    caller = await _pos_user(request)
    partner_id = path_id(request, "Customer")
    wanted = HISTORY.parse(request.query)
    wanted = dataclasses.replace(wanted, domain=[("partner_id", "=", partner_id)])

    async def fetch(env: Env) -> tuple[list[dict[str, Any]], int]:
        await _found(env, partner_id)
        records, total = await wanted.read(env[ORDER], ORDER_FIELDS)
        return [{
            "id": order["id"], "name": order["name"],
            "pos_reference": text(order["pos_reference"]), "status": order["state"],
            "date_order": order["date_order"], "amount_tax": order["amount_tax"],
            "amount_total": order["amount_total"], "amount_paid": order["amount_paid"],
            "refunded_order": many2one(order["refunded_order_id"]),
        } for order in records], total

    data, total = await run_as(request, caller, fetch)
    return ok(data, meta={"pagination": wanted.page.meta(total)})  # type: ignore[union-attr]


# -- loyalty ----------------------------------------------------------------------------------

def _move(move: dict[str, Any]) -> dict[str, Any]:
    return {"id": move["id"], "date": move["date"], "points": move["points"],
            "balance_after": move["balance_after"], "kind": move["kind"],
            "reason": move["reason"], "order": many2one(move["order_id"]),
            "author": many2one(move["create_uid"])}


async def customer_loyalty(request: web.Request) -> web.Response:
    caller = await _pos_user(request)
    partner_id = path_id(request, "Customer")
    wanted = MOVES.parse(request.query)
    wanted = dataclasses.replace(wanted, domain=[("partner_id", "=", partner_id)])

    async def fetch(env: Env) -> tuple[dict[str, Any], int]:
        await _found(env, partner_id)
        summary = await env[CARD].get_loyalty(partner_id)
        moves, total = await wanted.read(env[MOVE], MOVE_FIELDS)
        return {"customer_id": partner_id, "balance": summary["points"],
                "program": {"points_per_unit": summary["points_per_unit"],
                            "rounding": summary["rounding"]},
                "movements": [_move(move) for move in moves]}, total

    data, total = await run_as(request, caller, fetch)
    return ok(data, meta={"pagination": wanted.page.meta(total)})  # type: ignore[union-attr]


async def adjust_loyalty(request: web.Request) -> web.Response:
    caller = await _manager(request)
    partner_id = path_id(request, "Customer")
    body = await json_object(request)
    unknown = {name: "unknown field" for name in body if name not in ("points", "reason")}
    if unknown:
        raise ValidationError("Invalid adjustment: " + ", ".join(sorted(unknown)),
                              field_errors=unknown)

    async def adjust(env: Env) -> dict[str, Any]:
        await _found(env, partner_id)
        done = await env[CARD].adjust(partner_id, body.get("points"), body.get("reason"))
        (move,) = await env[MOVE].read([done["move_id"]], MOVE_FIELDS)
        return {"customer_id": partner_id, "balance": done["points"], "movement": _move(move)}

    return ok(await run_as(request, caller, adjust, readonly=False), message="Points adjusted",
              status=201)


_ID = r"{id:\d+}"

#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/customers", list_customers),
    ("POST", f"{PREFIX}/customers", create_customer),
    ("GET", f"{PREFIX}/customers/{_ID}", get_customer),
    ("PATCH", f"{PREFIX}/customers/{_ID}", update_customer),
    ("DELETE", f"{PREFIX}/customers/{_ID}", archive_customer),
    ("GET", f"{PREFIX}/customers/{_ID}/orders", customer_orders),
    ("GET", f"{PREFIX}/customers/{_ID}/loyalty", customer_loyalty),
    ("POST", f"{PREFIX}/customers/{_ID}/loyalty/adjust", adjust_loyalty),
]
