"""What the point-of-sale tests share: the demo till, payloads as a POS sends them.

Payloads are built the way Odoo's POS builds them (``Order.export_as_JSON``
in 16/17, ``serialize({orm: true})`` in 18), with the client-side amounts
deliberately wrong: the server must ignore them.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.support import call_kw

_uids = itertools.count(1)


@dataclass
class Till:
    """The demo restaurant's open till, as a test needs it."""

    company_id: int
    config_id: int
    session_id: int
    cash: int
    card: int
    products: list[dict[str, Any]]      # id, name, list_price (food 12% incl., drinks 21% incl.)
    tables: list[int]
    other_products: list[int]           # the other restaurant's menu
    other_session_id: int

    def product(self, index: int = 0) -> dict[str, Any]:
        return self.products[index]


async def demo_till(orm: Any, login: str = "waiter") -> Till:
    """The open session of the user's restaurant (and a product of the other one)."""
    async def facts(env: Any) -> Till:
        config = (await env["pos.config"].search_read([], ["id", "current_session_id",
                                                           "company_id"], limit=1))[0]
        methods = await env["pos.payment.method"].search_read(
            [("company_id", "=", config["company_id"][0])], ["id", "type"])
        products = await env["product.product"].search_read(
            [("available_in_pos", "=", True), ("company_id", "=", config["company_id"][0])],
            ["id", "name", "list_price"], order="id")
        tables = await env["restaurant.table"].search([], order="id")
        sudo = env.sudo()
        others = await sudo["product.product"].search(
            [("company_id", "!=", config["company_id"][0]), ("company_id", "!=", False)],
            limit=3)
        other_session = await sudo["pos.session"].search(
            [("company_id", "!=", config["company_id"][0]), ("state", "=", "opened")], limit=1)
        return Till(config["company_id"][0], config["id"], config["current_session_id"][0],
                    next(m["id"] for m in methods if m["type"] == "cash"),
                    next(m["id"] for m in methods if m["type"] == "bank"),
                    products, tables, others, other_session[0])
    return await orm.run(facts, login=login)


def new_uid() -> str:
    return f"00042-{next(_uids):03d}-{next(_uids):04d}"


def line(product: dict[str, Any], qty: Any = 1, discount: Any = 0, price: Any = None,
         **extra: Any) -> list[Any]:
    """An order line command as the POS sends it (with a wrong client subtotal)."""
    values = {"product_id": product["id"], "qty": qty, "discount": discount,
              "price_unit": product["list_price"] if price is None else price,
              "price_subtotal": 0.01, "price_subtotal_incl": 999.99,
              "tax_ids": [[6, False, []]], "pack_lot_ids": [],
              "full_product_name": product.get("name", ""), "id": next(_uids)}
    values.update(extra)
    return [0, 0, values]


def payment(method_id: int, amount: Any, **extra: Any) -> list[Any]:
    return [0, 0, {"name": "2026-11-21 14:21:00", "payment_method_id": method_id,
                   "amount": amount, **extra}]


def order_payload(uid: str, session_id: int, lines: list[Any], payments: list[Any],
                  version: int = 16, **data: Any) -> dict[str, Any]:
    """``{"id": uid, "data": {...}}`` of Odoo 16 (``creation_date``) or 17 (``date_order``)."""
    body = {
        "name": f"Order {uid}", "uid": uid, "pos_session_id": session_id,
        "amount_paid": 123456.0, "amount_return": 0, "amount_tax": 0, "amount_total": 0.02,
        "fiscal_position_id": False, "pricelist_id": 1, "lines": lines,
        "statement_ids": payments, "partner_id": False, "user_id": 2, "to_invoice": False,
        "sequence_number": 1, "server_id": False,
    }
    body["creation_date" if version == 16 else "date_order"] = "2026-11-21T14:21:00" \
        if version == 16 else "2026-11-21 14:21:00"
    body.update(data)
    return {"id": uid, "to_invoice": bool(body.get("to_invoice")), "data": body}


def sync_payload(uid: str, session_id: int, lines: list[Any], payments: list[Any],
                 state: str = "paid", **data: Any) -> dict[str, Any]:
    """An Odoo 18 ``pos.order`` record for ``sync_from_ui``."""
    record = {"uuid": uid, "name": f"Order {uid}", "session_id": session_id, "state": state,
              "lines": lines, "payment_ids": payments, "partner_id": False,
              "date_order": "2026-11-21 14:21:00", "amount_total": 0, "amount_tax": 0,
              "amount_paid": 0, "amount_return": 0, "to_invoice": False, "id": uid}
    record.update(data)
    return record


async def create_from_ui(client: Any, orders: list[dict[str, Any]], draft: bool = False,
                         **request: Any) -> dict[str, Any]:
    return await call_kw(client, "pos.order", "create_from_ui", [orders],
                         {"draft": draft}, **request)


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def cents(value: Any) -> Decimal:
    """A float read back from the server, as the exact amount it stands for."""
    return Decimal(str(value))


async def order_state(orm: Any, order_id: int) -> dict[str, Any]:
    """The order, its lines and payments as the database holds them (superuser read)."""
    async def read(env: Any) -> dict[str, Any]:
        sudo = env.sudo()
        (order,) = await sudo["pos.order"].read([order_id], None, load=False)
        order["lines"] = await sudo["pos.order.line"].read(order["lines"], None, load=False)
        order["payment_ids"] = await sudo["pos.payment"].read(order["payment_ids"], None,
                                                              load=False)
        return order
    return await orm.run(read)


async def bus_events(orm: Any, event_type: str | None = None) -> list[dict[str, Any]]:
    """Notifications written so far, oldest first: ``{channel, type, payload}``."""
    import orjson

    from models.bus import BusBus

    async def read(env: Any) -> list[dict[str, Any]]:
        rows = await env.cr.rows(BusBus.select(BusBus.channel, BusBus.message)
                                 .order_by(BusBus.id))
        events = []
        for channel, message in rows:
            decoded = orjson.loads(message)
            if event_type is None or decoded["type"] == event_type:
                events.append({"channel": channel, **decoded})
        return events
    return await orm.run(read)
