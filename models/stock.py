"""Stock on hand per restaurant: ``stock.quant`` (how many) and ``stock.move`` (why).

Odoo keeps quants per location, lot and package and moves goods through
pickings; a restaurant needs one number per product and the story of what
changed it. So a quant here is one row per (product, restaurant), unique in
the database, and a move is one signed change with its reason, its order
(sales and refunds) and its author (``create_uid``). Only storable products
(``type == 'product'``, Odoo's meaning) are counted; consumables and services
never are, as in Odoo.

Every change goes through :func:`_shift`, one ``INSERT ... ON CONFLICT DO
UPDATE SET quantity = quantity + change RETURNING quantity``: the database does
the arithmetic and answers the result, so no code path reads a quantity and
writes it back. On PostgreSQL the statement locks the row until commit, and a
transaction that touches a quant changed since its (REPEATABLE READ) snapshot
fails with a serialization error that ``run_unit`` retries; two sales of the
last unit therefore never both see it. SQLite units run one at a time.

Alerts (``inventory_low``, ``inventory_out``, see models/bus.py) are decided
from the quantity before and after a change, which the statement gives
exactly even under concurrency; that is what makes them fire once per
crossing and not on every sale below the threshold. They are bus rows in the
caller's transaction, so a rolled-back sale alerts nobody.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from peewee import EXCLUDED, JOIN, fn

from . import bus, security
from . import fields as F
from .api import public
from .base import BaseModel, check_ids, now_utc
from .exceptions import InsufficientStock, UserError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

STORABLE = "product"
#: Quantities are kept to the thousandth (NUMERIC(16,3)), as Odoo's default UoM precision.
QTY = Decimal("0.001")

ORDER_REASONS = [("sale", "Sale"), ("refund", "Refund")]
#: What a manager may give as the reason of an adjustment.
MANUAL_REASONS = [("restock", "Goods received"), ("waste", "Waste or breakage"),
                  ("count", "Inventory count"), ("adjustment", "Other correction")]
REASONS = ORDER_REASONS + MANUAL_REASONS
_MANUAL = {key for key, _label in MANUAL_REASONS}


def to_quantity(value: Any) -> Decimal:
    """A stored quantity (a float from either backend) as an exact Decimal."""
    return Decimal(str(value or 0)).quantize(QTY, rounding=ROUND_HALF_UP)


def shown(value: Decimal) -> str:
    """'2', '0.5', '-3': a quantity as people write it in a message."""
    return "0" if value == 0 else f"{value.normalize():f}"


def _argument(value: Any, name: str) -> Decimal:
    """A quantity a client sent, exactly, or a field error naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValidationError(f"Invalid {name} {value!r}: expected a number",
                              field_errors={name: "Expected a number"})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"Invalid {name} {value!r}: expected a number",
                              field_errors={name: "Expected a number"}) from None
    if not number.is_finite() or number != number.quantize(QTY, rounding=ROUND_HALF_UP):
        raise ValidationError(f"Invalid {name} {value!r}: at most 3 decimals",
                              field_errors={name: "At most 3 decimals"})
    if abs(number) >= Decimal(10) ** 13:
        raise ValidationError(f"Invalid {name} {value!r}: too large",
                              field_errors={name: "Too large"})
    return number.quantize(QTY)


def _given(value: Any) -> bool:
    """XML-RPC has no None: clients send False for an argument they leave out."""
    return value is not None and value is not False


class StockQuant(BaseModel):
    _name = "stock.quant"
    _description = "Quants"
    _order = "id"
    _rec_name = "product_id"
    _display_name_depends = ("id",)

    product_id = F.Many2one("product.product", "Product", required=True, readonly=True,
                            ondelete="restrict", index=True)
    company_id = F.Many2one("res.company", "Company", required=True, readonly=True, index=True)
    quantity = F.Float("Quantity", digits=(16, 3), required=True, readonly=True, default=0.0,
                       help="On hand. Changed only by sales, refunds and adjustments, each "
                            "recorded as a stock move.")

    class Meta:
        # One number per product and restaurant: what _shift's upsert relies on.
        indexes = ((("product_id", "company_id"), True),)

    @classmethod
    def _compute_display_name(cls, values: dict[str, Any]) -> Any:
        """Odoo's name for a record of a model without a name field."""
        return f"{cls._name},{values['id']}"

    @public("model")
    async def adjust(cls, env: "Env", product_id: Any, quantity: Any = None, delta: Any = None,
                     reason: Any = "adjustment", note: Any = None) -> dict[str, Any]:
        """Set the counted ``quantity`` or apply a ``delta`` in the current restaurant.

        Managers only (the write right on quants), on a product they can see.
        The change is a move with the reason, the note and the author; a
        decrease that would leave less than zero is refused when the
        restaurant forbids selling below zero, as sales are.
        """
        security.check_access(env, cls, security.WRITE)
        if isinstance(product_id, bool) or not isinstance(product_id, int):
            raise ValueError(f"Invalid product id {product_id!r}")
        products = env.registry["product.product"]
        await products._ensure_visible(env, [product_id], security.WRITE)
        company_id = env.company_id
        if company_id is None:
            raise UserError("Choose the restaurant whose stock you adjust.")
        product = (await _products(env, [product_id]))[product_id]
        if product.company_id not in (None, company_id):
            raise UserError(f"{product.name} is on the menu of another restaurant: adjust it "
                            "there.")
        if product.type != STORABLE:
            raise UserError(f"{product.name} is not a storable product: its stock is not tracked.")
        if _given(quantity) == _given(delta):
            raise ValidationError("Give either the counted quantity or the change, not both.",
                                  field_errors={"quantity": "Give quantity or delta",
                                                "delta": "Give quantity or delta"})
        if reason not in _MANUAL:
            raise ValidationError(
                f"Invalid reason {reason!r}: expected one of {', '.join(sorted(_MANUAL))}",
                field_errors={"reason": "Unknown reason"})
        if note is not None and note is not False and not isinstance(note, str):
            raise ValidationError(f"Invalid note {note!r}", field_errors={"note": "Expected text"})
        if _given(quantity):
            target = _argument(quantity, "quantity")
            if target < 0:
                raise ValidationError("A counted quantity cannot be negative.",
                                      field_errors={"quantity": "Cannot be negative"})
            current, _same = await _shift(env, company_id, product_id, Decimal(0))  # locks it
            change = target - current
        else:
            change = _argument(delta, "delta")
        old, new = await _shift(env, company_id, product_id, change)
        if change < 0 and new < 0 and company_id in await _forbidding(env, [company_id]):
            raise InsufficientStock(f"Not enough {product.name}: {shown(old)} on hand, "
                                    f"{shown(-change)} to remove")
        move_id = await env.sudo()["stock.move"].create({
            "name": product.name, "product_id": product_id, "company_id": company_id,
            "quantity": change, "quantity_after": new, "reason": reason,
            "note": note or None})
        await _alert(env, company_id, product, old, new)
        return {"product_id": product_id, "quantity": float(new), "move_id": move_id}

    @public("model", readonly=True)
    async def get_quantities(cls, env: "Env", product_ids: Any = None) -> list[dict[str, Any]]:
        """Stock of the current restaurant: the given products, or every storable one.

        Untracked products (consumables, services) answer ``tracked: False``
        and ``quantity: False`` rather than a zero that would read as "sold
        out". ``status`` is ``available``, ``low`` (at or below the product's
        threshold), ``out`` (zero or less) or ``untracked``.
        """
        security.check_access(env, cls, security.READ)
        products = env["product.product"]
        names = ["display_name", "type", "low_stock_threshold"]
        if _given(product_ids):
            records = await products.read(check_ids(product_ids), names)
        else:
            records = await products.search_read([("type", "=", STORABLE)], names)
        on_hand = await qty_available(env, [record["id"] for record in records])
        result = []
        for record in records:
            tracked = record["id"] in on_hand
            amount = on_hand.get(record["id"], Decimal(0))
            threshold = to_quantity(record["low_stock_threshold"])
            result.append({
                "product_id": record["id"], "name": record["display_name"], "tracked": tracked,
                "quantity": float(amount) if tracked else False,
                "low_stock_threshold": float(threshold),
                "status": _status(amount, threshold) if tracked else "untracked"})
        return result


class StockMove(BaseModel):
    _name = "stock.move"
    _description = "Stock Move"
    _order = "date desc, id desc"

    name = F.Char("Description", required=True, readonly=True)
    date = F.Datetime("Date", required=True, readonly=True, index=True,
                      default=lambda env: now_utc())
    product_id = F.Many2one("product.product", "Product", required=True, readonly=True,
                            ondelete="restrict", index=True)
    company_id = F.Many2one("res.company", "Company", required=True, readonly=True, index=True)
    quantity = F.Float("Quantity", digits=(16, 3), required=True, readonly=True,
                       help="Signed: negative for what left the stock (sales, waste).")
    quantity_after = F.Float("On Hand After", digits=(16, 3), readonly=True)
    reason = F.Selection(REASONS, "Reason", required=True, readonly=True, index=True)
    pos_order_id = F.Many2one("pos.order", "Point of Sale Order", readonly=True, index=True)
    origin = F.Char("Source Document", readonly=True)
    note = F.Text("Note", readonly=True)


# ---------------------------------------------------------------------------
# The business functions other models and the fronts call
# ---------------------------------------------------------------------------

async def apply_paid_orders(env: "Env", order_ids: Any) -> None:
    """Take the paid orders' storable lines out of stock (refund lines put them back).

    Called by the single place where an order becomes paid, in its
    transaction, after the order's own checks: the stock changes as the
    superuser, whoever the cashier is, and the moves name the cashier as
    author. An order whose moves exist already is skipped, so a repeated
    call changes nothing. When the restaurant forbids selling below zero and
    a product would end below zero, UserError names the quantities, before
    any move or alert is written; the raise rolls the caller's transaction
    back, quants included.
    """
    order_ids = check_ids(order_ids)
    if not order_ids:
        return
    orders_model, lines_model = env.registry["pos.order"], env.registry["pos.order.line"]
    products_model, moves_model = env.registry["product.product"], env.registry["stock.move"]
    orders = {row[0]: (row[1], row[2]) for row in await env.cr.rows(
        orders_model.select(orders_model.id, orders_model.name, orders_model.company_id)
        .where(orders_model.id.in_(order_ids)))}
    applied = {row[0] for row in await env.cr.rows(
        moves_model.select(moves_model.pos_order_id).distinct()
        .where(moves_model.pos_order_id.in_(list(orders))))}
    todo = [order_id for order_id in orders if order_id not in applied]
    if not todo:
        return
    lines = await env.cr.rows(
        lines_model.select(lines_model.order_id, lines_model.product_id, lines_model.qty)
        .join_from(lines_model, products_model, JOIN.INNER,
                   on=(products_model.id == lines_model.product_id))
        .where(lines_model.order_id.in_(todo) & (products_model.type == STORABLE)))
    # (restaurant, product) -> {order: quantity sold (negative: refunded)}
    sold: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order_id, product_id, qty in lines:
        sold[(orders[order_id][1], product_id)][order_id] += to_quantity(qty)
    if not sold:
        return
    products = await _products(env, [product_id for _company, product_id in sold])
    forbidding = await _forbidding(env, list({company for company, _product in sold}))
    shifts = []
    for key in sorted(sold):    # one lock order for every payment: no deadlock between two
        total = sum(sold[key].values(), Decimal(0))
        if total:
            shifts.append((key, *await _shift(env, key[0], key[1], -total)))
    short = [f"Not enough {products[product_id].name}: {shown(old)} on hand, "
             f"{shown(old - new)} ordered"
             for (company_id, product_id), old, new in shifts
             if company_id in forbidding and new < old and new < 0]
    if short:
        raise InsufficientStock("\n".join(short))
    moves = env.sudo()["stock.move"]
    for (company_id, product_id), old, _new in shifts:
        running = old
        for order_id in sorted(sold[(company_id, product_id)]):
            qty = sold[(company_id, product_id)][order_id]
            if not qty:
                continue
            running -= qty
            await moves.create({
                "name": products[product_id].name, "product_id": product_id,
                "company_id": company_id, "quantity": -qty, "quantity_after": running,
                "reason": "sale" if qty > 0 else "refund", "pos_order_id": order_id,
                "origin": orders[order_id][0]})
    for (company_id, product_id), old, new in shifts:
        await _alert(env, company_id, products[product_id], old, new)


async def qty_available(env: "Env", product_ids: list[int],
                        company_id: int | None = None) -> dict[int, Decimal]:
    """On hand per storable product, in the current restaurant (or ``company_id``).

    Products that are not tracked (consumables, services, unknown ids) are
    absent from the answer; a tracked product never counted is 0. The quants
    are read through the caller's rights and record rules, so a front can
    decorate the products it has just read with this answer.
    """
    company_id = company_id or env.company_id
    wanted = [i for i in dict.fromkeys(product_ids)]
    if not wanted or company_id is None:
        return {}
    products_model = env.registry["product.product"]
    tracked = [row[0] for row in await env.cr.rows(
        products_model.select(products_model.id)
        .where(products_model.id.in_(wanted) & (products_model.type == STORABLE)))]
    if not tracked:
        return {}
    quants = await env["stock.quant"].search_read(
        [("company_id", "=", company_id), ("product_id", "in", tracked)],
        ["product_id", "quantity"], load=None)
    found = {quant["product_id"]: to_quantity(quant["quantity"]) for quant in quants}
    return {product_id: found.get(product_id, Decimal(0).quantize(QTY))
            for product_id in tracked}


# ---------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------

class _Product:
    __slots__ = ("id", "name", "type", "company_id", "threshold")

    def __init__(self, row: tuple) -> None:
        self.id, self.name, self.type, self.company_id, threshold = row
        self.threshold = to_quantity(threshold)


async def _products(env: "Env", ids: list[int]) -> dict[int, _Product]:
    model = env.registry["product.product"]
    rows = await env.cr.rows(model.select(
        model.id, model.name, model.type, model.company_id, model.low_stock_threshold,
    ).where(model.id.in_(list(dict.fromkeys(ids)))))
    return {row[0]: _Product(row) for row in rows}


async def _forbidding(env: "Env", company_ids: list[int]) -> set[int]:
    """Which of these restaurants forbid selling below zero."""
    model = env.registry["res.company"]
    return {row[0] for row in await env.cr.rows(
        model.select(model.id).where(model.id.in_(company_ids)
                                     & (model.forbid_negative_stock == True)))}  # noqa: E712


async def _shift(env: "Env", company_id: int, product_id: int,
                 change: Decimal) -> tuple[Decimal, Decimal]:
    """Add ``change`` to the quant (created at 0 if need be); answer (before, after).

    The only statement that changes a quantity: atomic in the database, and
    on PostgreSQL it holds the row lock to the end of the transaction (a zero
    change takes the lock without changing anything).
    """
    quant = env.registry["stock.quant"]
    stamp = now_utc()
    query = (quant.insert({
        quant.product_id: product_id, quant.company_id: company_id, quant.quantity: change,
        quant.create_uid: env.uid, quant.write_uid: env.uid,
        quant.create_date: stamp, quant.write_date: stamp,
    }).on_conflict(
        conflict_target=[quant.product_id, quant.company_id],
        update={quant.quantity: fn.ROUND(quant.quantity + EXCLUDED.quantity, 3),
                quant.write_uid: env.uid, quant.write_date: stamp},
    ).returning(quant.quantity))
    ((after,),) = await env.cr.rows(query)
    after = to_quantity(after)
    return after - change, after


def _status(amount: Decimal, threshold: Decimal) -> str:
    if amount <= 0:
        return "out"
    if threshold > 0 and amount <= threshold:
        return "low"
    return "available"


async def _alert(env: "Env", company_id: int, product: _Product, old: Decimal,
                 new: Decimal) -> None:
    """``inventory_out`` when a change reaches zero from above, else ``inventory_low``
    when it reaches the threshold from above; nothing while it stays on one side.

    A change that goes straight from above the threshold to zero sends only
    ``inventory_out``, the stronger news.
    """
    if old > 0 >= new:
        await bus.send_restaurant(env, company_id, "inventory_out", {
            "product_id": product.id, "name": product.name, "quantity": float(new),
        })
    elif product.threshold > 0 and old > product.threshold >= new:
        await bus.send_restaurant(env, company_id, "inventory_low", {
            "product_id": product.id, "name": product.name, "quantity": float(new),
            "threshold": float(product.threshold),
        })
