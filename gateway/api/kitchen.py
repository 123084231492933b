"""``/api/v1/kitchen``: what a kitchen screen shows, and moving its orders and dishes along.

The kitchen list answers to whoever may hear the restaurant's kitchen channel
(``models.bus.may_listen``: kitchen staff, waiters, managers), so the screen
that listens to ``/api/v1/ws/kitchen/{id}`` can always reload what it is told
changed; anyone else gets a 404, as for a restaurant that does not exist. The
orders are read through the ORM as the caller, with that restaurant as the
active company (as ``/restaurants/{id}`` does), so the record rules decide.

"Open" means: not cancelled, not yet served, and not in a closed session (a
till's past days stay ``new`` in the kitchen forever: nobody cooks them now).
Oldest first, as tickets are cooked.

``POST /kitchen/{id}/orders/{order_id}/status`` moves a whole order (the
order model's ``set_kitchen_status``) and ``POST /orders/{id}/lines/{line_id}/status``
one dish (the line model's): forward only but for managers, each change a
``kitchen_update`` on the bus. Both answer the order as the kitchen list shows
it. The order route exists beside ``POST /orders/{id}/status`` because that one
answers the whole bill, payments included, which kitchen staff may not read;
and it works on the restaurant of the path, as the list does.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from models import bus
from models.env import Env
from models.exceptions import MissingError

from .auth import Caller, authenticated, run_as
from .body import json_object, path_id, raise_field_errors
from .envelope import PREFIX, ok
from .orders import KITCHEN
from .pagination import Listing
from .restaurants import _restaurant_env
from .shapes import many2one, text, utc

ORDER = "pos.order"
LINE = "pos.order.line"
ORDER_FIELDS = ["name", "table_id", "user_id", "date_order", "kitchen_status", "note", "lines"]
LINE_FIELDS = ["product_id", "full_product_name", "qty", "customer_note", "kitchen_status"]
OPEN = [("state", "!=", "cancel"), ("kitchen_status", "!=", "served"),
        ("session_id.state", "!=", "closed")]

PLAIN = Listing(paginated=False)


def _age(date_order: Any, now: dt.datetime) -> int:
    if not isinstance(date_order, str) or not date_order:
        return 0
    placed = dt.datetime.fromisoformat(date_order[:19]).replace(tzinfo=dt.timezone.utc)
    return max(0, int((now - placed).total_seconds()))


async def _cards(env: Env, order_ids: list[int]) -> list[dict[str, Any]]:
    """The orders as a kitchen screen shows them, in the order of ``order_ids``."""
    orders = await env[ORDER].read(order_ids, ORDER_FIELDS)
    line_ids = sorted(line for order in orders for line in order["lines"])
    lines = {line["id"]: line for line in await env[LINE].read(line_ids, LINE_FIELDS)}
    now = dt.datetime.now(dt.timezone.utc)
    by_id = {order["id"]: order for order in orders}
    cards = []
    for order_id in order_ids:
        order = by_id[order_id]
        cards.append({
            "id": order["id"], "name": order["name"], "table": many2one(order["table_id"]),
            "waiter": many2one(order["user_id"]), "date_order": utc(order["date_order"]),
            "age_seconds": _age(order["date_order"], now),
            "kitchen_status": order["kitchen_status"] or "new", "note": text(order["note"]),
            "lines": [{
                "id": line["id"],
                "product": text(line["full_product_name"]) or
                (line["product_id"][1] if line["product_id"] else None),
                "product_id": line["product_id"][0] if line["product_id"] else None,
                "qty": line["qty"], "note": text(line["customer_note"]),
                "kitchen_status": line["kitchen_status"] or "new",
            } for line in (lines[line_id] for line_id in sorted(order["lines"]))],
        })
    return cards


async def _kitchen_env(request: web.Request, caller: Caller, env: Env) -> Env:
    """``env`` on the restaurant of the path, for a caller who may hear its kitchen; else
    404 (another restaurant's id tells nothing)."""
    company_id = path_id(request, "Restaurant", "restaurant_id")
    if not bus.may_listen(caller.user, company_id, "kitchen"):
        raise MissingError("Restaurant not found")
    return await _restaurant_env(env, company_id)


def _wanted_status(body: dict[str, Any]) -> str:
    errors = {name: "unknown field" for name in body if name != "kitchen_status"}
    status = body.get("kitchen_status")
    if status is None:
        errors["kitchen_status"] = "required"
    elif status not in KITCHEN:
        errors["kitchen_status"] = f"must be one of {', '.join(KITCHEN)}"
    raise_field_errors(errors, "status change")
    return str(status)


async def _visible_order(env: Env, order_id: int) -> None:
    if not await env[ORDER].exists([order_id]):
        raise MissingError("Order not found")


async def kitchen_orders(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    PLAIN.parse(request.query)

    async def fetch(env: Env) -> list[dict[str, Any]]:
        scoped = await _kitchen_env(request, caller, env)
        ids = await scoped[ORDER].search(OPEN, order="date_order asc, id asc")
        return await _cards(scoped, ids)

    cards = await run_as(request, caller, fetch)
    return ok(cards, meta={"count": len(cards)})


async def set_order_status(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    status = _wanted_status(await json_object(request))

    async def move(env: Env) -> dict[str, Any]:
        scoped = await _kitchen_env(request, caller, env)
        await _visible_order(scoped, order_id)
        await scoped[ORDER].set_kitchen_status([order_id], status)
        return (await _cards(scoped, [order_id]))[0]

    return ok(await run_as(request, caller, move, readonly=False), message="Order updated")


async def set_line_status(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    order_id = path_id(request, "Order")
    line_id = path_id(request, "Line", "line_id")
    status = _wanted_status(await json_object(request))

    async def move(env: Env) -> dict[str, Any]:
        await _visible_order(env, order_id)
        (order,) = await env[ORDER].read([order_id], ["lines"])
        if line_id not in order["lines"]:
            raise MissingError("Line not found")
        await env[LINE].set_kitchen_status([line_id], status)
        return (await _cards(env, [order_id]))[0]

    return ok(await run_as(request, caller, move, readonly=False), message="Line updated")


ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/kitchen/{{restaurant_id:\\d+}}/orders", kitchen_orders),
    ("POST", f"{PREFIX}/kitchen/{{restaurant_id:\\d+}}/orders/{{id:\\d+}}/status",
     set_order_status),
    ("POST", f"{PREFIX}/orders/{{id:\\d+}}/lines/{{line_id:\\d+}}/status", set_line_status),
]
