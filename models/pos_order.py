"""``pos.order``, its lines and its payments."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import peewee

from . import fields as F
from .base import BaseModel, now_utc

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

ORDER_STATES = [
    ("draft", "New"),
    ("cancel", "Cancelled"),
    ("paid", "Paid"),
    ("done", "Posted"),
    ("invoiced", "Invoiced"),
]


class PosOrder(BaseModel):
    _name = "pos.order"
    _description = "Point of Sale Orders"
    _order = "date_order desc, name desc, id desc"

    name = F.Char("Order Ref", required=True, readonly=True, default="/", copy=False)
    pos_reference = F.Char("Receipt Number", readonly=True, copy=False, index=True)
    uuid = F.Char("Uuid", readonly=True, copy=False, index=True,
                  help="The client's id of the order: what makes a resent order the same order.")
    date_order = F.Datetime("Date", readonly=True, index=True, default=lambda env: now_utc())
    user_id = F.Many2one("res.users", "Employee", index=True, default=lambda env: env.uid)
    session_id = F.Many2one("pos.session", "Session", index=True, readonly=True)
    config_id = F.Many2one("pos.config", "Point of Sale", readonly=True, index=True)
    company_id = F.Many2one("res.company", "Company", required=True, readonly=True, index=True,
                            default=lambda env: env.company_id)
    currency_id = F.Many2one("res.currency", "Currency", readonly=True)
    partner_id = F.Many2one("res.partner", "Customer", index=True)
    table_id = F.Many2one("restaurant.table", "Table", index=True)
    customer_count = F.Integer("Guests", default=0)
    lines = F.One2many("pos.order.line", "order_id", "Order Lines", copy=True)
    payment_ids = F.One2many("pos.payment", "pos_order_id", "Payments")
    amount_tax = F.Monetary("Taxes", required=True, readonly=True, default=0.0)
    amount_total = F.Monetary("Total", required=True, readonly=True, default=0.0)
    amount_paid = F.Monetary("Paid", required=True, readonly=True, default=0.0)
    amount_return = F.Monetary("Returned", required=True, readonly=True, default=0.0)
    state = F.Selection(ORDER_STATES, "Status", required=True, readonly=True, default="draft",
                        copy=False, index=True)
    sequence_number = F.Integer("Sequence Number", default=1)
    to_invoice = F.Boolean("To invoice", copy=False, default=False)
    note = F.Text("Internal Notes")

    class Meta:
        # A resent order is the same order: one row per restaurant and client uuid.
        indexes = ((("company_id", "uuid"), True),)


class PosOrderLine(BaseModel):
    _name = "pos.order.line"
    _description = "Point of Sale Order Lines"
    _order = "id"

    name = F.Char("Line No", required=True, default="/", copy=False)
    order_id = F.Many2one("pos.order", "Order Ref", required=True, ondelete="cascade", index=True)
    product_id = F.Many2one("product.product", "Product", required=True, ondelete="restrict")
    full_product_name = F.Char("Full Product Name")
    qty = F.Float("Quantity", digits=(16, 3), default=1.0)
    price_unit = F.Float("Unit Price", digits=(16, 2), default=0.0)
    discount = F.Float("Discount (%)", digits=(16, 2), default=0.0)
    tax_ids = F.Many2many("account.tax", "account_tax_pos_order_line_rel", "pos_order_line_id",
                          "account_tax_id", "Taxes")
    price_subtotal = F.Monetary("Subtotal w/o Tax", required=True, readonly=True, default=0.0)
    price_subtotal_incl = F.Monetary("Subtotal", required=True, readonly=True, default=0.0)
    customer_note = F.Char("Customer Note")
    company_id = F.Many2one("res.company", "Company", required=True, readonly=True, index=True,
                            default=lambda env: env.company_id)


class PosPayment(BaseModel):
    _name = "pos.payment"
    _description = "Point of Sale Payments"
    _order = "id desc"

    name = F.Char("Label")
    pos_order_id = F.Many2one("pos.order", "Order", required=True, ondelete="cascade", index=True)
    payment_method_id = F.Many2one("pos.payment.method", "Payment Method", required=True,
                                   ondelete="restrict")
    amount = F.Monetary("Amount", required=True, readonly=True, default=0.0)
    payment_date = F.Datetime("Date", required=True, readonly=True, default=lambda env: now_utc())
    session_id = F.Many2one("pos.session", "Session", index=True)
    is_change = F.Boolean("Is this payment change?", default=False)
    card_type = F.Char("Type of card used")
    transaction_id = F.Char("Payment Transaction ID")
    payment_status = F.Char("Payment Status")
    company_id = F.Many2one("res.company", "Company", required=True, readonly=True, index=True,
                            default=lambda env: env.company_id)


# ---------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    """Exact decimal of a stored amount (floats from the database are exact to the cent)."""
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(price_unit: Any, qty: Any, discount: Any,
                 taxes: list[tuple[str, Any, bool]]) -> tuple[Decimal, Decimal]:
    """(subtotal without tax, subtotal with tax) of one line, rounded per line as Odoo does.

    ``taxes`` are (amount_type, amount, price_include) of percent or fixed taxes.
    Taxes included in the price are taken out of it first; the others are
    added on the base that remains.
    """
    quantity = money(qty)
    base = money(price_unit) * quantity * (1 - money(discount) / 100)
    included_rate = sum((money(a) for t, a, inc in taxes if inc and t == "percent"), Decimal(0))
    included_fixed = sum((money(a) * quantity for t, a, inc in taxes if inc and t == "fixed"),
                         Decimal(0))
    untaxed = (base - included_fixed) / (1 + included_rate / 100)
    tax = Decimal(0)
    for amount_type, amount, _included in taxes:
        if amount_type == "percent":
            tax += untaxed * money(amount) / 100
        elif amount_type == "fixed":
            tax += money(amount) * quantity
    return round_money(untaxed), round_money(untaxed + tax)


async def compute_amounts(env: "Env", order_ids: list[int]) -> None:
    """Recompute line subtotals and order totals from prices and taxes (never from the client)."""
    from .product import AccountTax
    rel = peewee.Table("account_tax_pos_order_line_rel", ("pos_order_line_id", "account_tax_id"))
    for order_id in order_ids:
        lines = await env.cr.rows(PosOrderLine.select(
            PosOrderLine.id, PosOrderLine.price_unit, PosOrderLine.qty, PosOrderLine.discount
        ).where(PosOrderLine.order_id == order_id))
        total = tax_total = Decimal(0)
        for line_id, price_unit, qty, discount in lines:
            taxes = await env.cr.rows(
                AccountTax.select(AccountTax.amount_type, AccountTax.amount, AccountTax.price_include)
                .join(rel, on=(rel.account_tax_id == AccountTax.id))
                .where(rel.pos_order_line_id == line_id).order_by(AccountTax.sequence, AccountTax.id))
            untaxed, taxed = line_amounts(price_unit, qty, discount or 0,
                                          [(t, a, bool(i)) for t, a, i in taxes])
            await env.cr.run(PosOrderLine.update({
                PosOrderLine.price_subtotal: untaxed, PosOrderLine.price_subtotal_incl: taxed,
            }).where(PosOrderLine.id == line_id))
            total += taxed
            tax_total += taxed - untaxed
        paid = sum((money(row[0]) for row in await env.cr.rows(
            PosPayment.select(PosPayment.amount).where(PosPayment.pos_order_id == order_id))),
            Decimal(0))
        await env.cr.run(PosOrder.update({
            PosOrder.amount_total: total, PosOrder.amount_tax: tax_total,
            PosOrder.amount_paid: paid,
            PosOrder.amount_return: max(paid - total, Decimal(0)),
        }).where(PosOrder.id == order_id))
