"""Refunding a sold order: ``pos.order.make_refund``.

A mixin of :class:`models.pos_order.PosOrder` (no fields). Odoo's POS makes
a refund as a new order whose lines give back the sold ones (negative
quantities, each naming the line it refunds in ``refunded_orderline_id``),
rung up in the till's open session. This builds exactly that order and
records it through ``create_from_ui``, so every refund rule lives in one
place, the intake's line check: only sold orders, the same product, price
and discount, never more than is left to give back, counted across every
refund of the line.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .api import public
from .base import MAX_ID, now_utc
from .exceptions import Conflict, UserError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

LINE_FIELDS = ["product_id", "qty", "price_unit", "discount", "refunded_qty", "full_product_name"]


def _quantities(lines: Any) -> dict[int, Decimal] | None:
    """``[{line_id, qty}]`` as {line id: quantity to give back}; None: everything left."""
    if lines is None:
        return None
    if not isinstance(lines, (list, tuple)) or not lines:
        raise ValidationError("Name the lines to refund.",
                              field_errors={"lines": "a non-empty list of {line_id, qty}"})
    wanted: dict[int, Decimal] = {}
    for index, entry in enumerate(lines):
        line_id = entry.get("line_id") if isinstance(entry, dict) else None
        qty = entry.get("qty") if isinstance(entry, dict) else None
        if isinstance(line_id, bool) or not isinstance(line_id, int) or not 0 < line_id <= MAX_ID:
            raise ValidationError("Invalid refund line.",
                                  field_errors={f"lines[{index}].line_id": "a line id"})
        if isinstance(qty, bool) or not isinstance(qty, (int, float)) or not 0 < qty < 1e9:
            raise ValidationError("Invalid refund quantity.",
                                  field_errors={f"lines[{index}].qty": "a positive quantity"})
        wanted[line_id] = wanted.get(line_id, Decimal(0)) + Decimal(str(qty))
    return wanted


class PosOrderRefundMixin:

    @public("model")
    async def make_refund(cls, env: "Env", order_id: Any, lines: Any = None,
                          uid: Any = None) -> int:
        """A draft refund of ``order_id`` in its till's open session; its id.

        ``lines``: ``[{line_id, qty}]``, the quantities to give back (default:
        all that is left of every line). ``uid``: the client's key of the
        refund order, so a refund sent again is the same refund.
        """
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise ValidationError("Invalid order id.", field_errors={"order_id": "an order id"})
        wanted = _quantities(lines)
        (order,) = await env["pos.order"].read([order_id], ["name", "config_id", "lines"],
                                               load=None)
        sold = {line["id"]: line for line in await env["pos.order.line"].read(
            order["lines"], LINE_FIELDS, load=None)}
        for index, line_id in enumerate(wanted or ()):
            if line_id not in sold:
                raise ValidationError(f"Line {line_id} is not a line of {order['name']}.",
                                      field_errors={f"lines[{index}].line_id":
                                                    "not a line of this order"})
        give_back = []
        for line_id, line in sold.items():
            left = Decimal(str(line["qty"])) - Decimal(str(line["refunded_qty"] or 0))
            qty = left if wanted is None else wanted.get(line_id, Decimal(0))
            if qty > 0 and line["qty"] > 0:
                give_back.append([0, 0, {
                    "product_id": line["product_id"], "qty": float(-qty),
                    "price_unit": line["price_unit"], "discount": line["discount"],
                    "full_product_name": line["full_product_name"],
                    "refunded_orderline_id": line_id}])
        if not give_back:
            raise Conflict(f"Nothing is left to refund on {order['name']}.")
        sessions = await env["pos.session"].search(
            [("config_id", "=", order["config_id"]), ("state", "=", "opened")], limit=1)
        if not sessions:
            raise UserError("To return products, open a session of the point of sale the "
                            "order was sold at.")
        key = uid if isinstance(uid, str) and uid else f"refund-{uuid.uuid4()}"
        (created,) = await env["pos.order"].create_from_ui([{"id": key, "data": {
            "uid": key, "pos_session_id": sessions[0], "lines": give_back,
            "creation_date": now_utc(),
            "statement_ids": [], "name": f"{order['name']} REFUND"}}], draft=True)
        return created["id"]
