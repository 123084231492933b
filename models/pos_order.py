"""``pos.order``, its lines and its payments: the life of a bill.

An order is rung up in an open session (``pos.session``) of a till
(``pos.config``) and belongs to that till's restaurant. Its life::

    draft --> paid --> done        (posted when the session closes)
      |         \\----> invoiced    (also from done)
      \\--> cancel

Nothing else is allowed; :meth:`PosOrder._set_state` is the one place a
state changes, and :meth:`PosOrder._mark_paid` the one place an order
becomes paid (the stock of the sold products and the customer's loyalty
points follow it there). Totals are
never taken from a client: lines are checked (the product is on this
restaurant's menu and sold in the POS, the price is the menu price unless
the user may change prices, the discount is a percentage, refunds return
what was sold), then every subtotal and total is recomputed from prices and
the products' taxes by :mod:`models.pos_taxes`. Once paid, an order, its
lines and its payments no longer change.

The point of sale sends orders with ``create_from_ui`` (Odoo 16 and 17) or
``sync_from_ui`` (Odoo 18): see :mod:`models.pos_order_intake`. The back
office does not create orders (as in Odoo: ``session_id`` is read-only for
clients); it edits drafts, takes payments (``add_payment``) and moves
orders through their states.

Kitchen screens follow ``kitchen_status`` (per line, and per order: the
least advanced of its lines), moved by ``set_kitchen_status``.

Every change of an order, a line or a payment is in the audit log
(models/audit.py), the kitchen's progress excepted: the raw SQL here logs
what it writes with the values it read anyway, and the operations that
change several rows run in one audit batch (one entry per record).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Iterable

import peewee

from . import bus, loyalty, payment_events, pos_taxes, security, stock
from . import fields as F
from .api import public
from .audit import batched
from .base import BaseModel, check_ids, now_utc
from .exceptions import (AccessError, ConcurrencyError, InvalidStateTransition, MissingError,
                         UserError, ValidationError)
from .pos_order_intake import PosOrderIntakeMixin
from .pos_order_refund import PosOrderRefundMixin
from .pos_order_restaurant import PosOrderRestaurantMixin
from .pos_taxes import CENT, ZERO, to_decimal
from .pos_till import Till
from .restaurant import refresh_table_status

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

ORDER_STATES = [
    ("draft", "New"),
    ("cancel", "Cancelled"),
    ("paid", "Paid"),
    ("done", "Posted"),
    ("invoiced", "Invoiced"),
]
STATE_LABELS = dict(ORDER_STATES)
#: The only state changes there are (see the module docstring).
TRANSITIONS = {
    "draft": ("paid", "cancel"),
    "paid": ("done", "invoiced"),
    "done": ("invoiced",),
}
#: Orders that count as sold (refundable, in the session's sales).
SOLD_STATES = ("paid", "done", "invoiced")

KITCHEN_STATES = [
    ("new", "New"),
    ("preparing", "Preparing"),
    ("ready", "Ready"),
    ("served", "Served"),
]
KITCHEN_LABELS = dict(KITCHEN_STATES)
KITCHEN_RANK = {key: rank for rank, (key, _label) in enumerate(KITCHEN_STATES)}

#: What a client may still change on an order that is no longer a draft.
FROZEN_WRITABLE = frozenset({"note"})
#: What POS clients send along with a line and the server computes itself (ignored).
CLIENT_COMPUTED = frozenset({"price_subtotal", "price_subtotal_incl", "tax_ids", "id",
                             "price_extra", "pack_lot_ids"})
QTY = Decimal("0.001")


class PosOrder(PosOrderIntakeMixin, PosOrderRestaurantMixin, PosOrderRefundMixin, BaseModel):
    _name = "pos.order"
    _audit = True
    _audit_exclude = ("kitchen_status",)       # the kitchen's progress: models/audit.py
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
    kitchen_status = F.Selection(KITCHEN_STATES, "Kitchen Status", readonly=True, default="new",
                                 copy=False, help="The least advanced status of the order's "
                                                  "lines.")
    refunded_order_id = F.Many2one("pos.order", "Refunded Order", readonly=True, copy=False,
                                   help="The order whose items this order gives back.")
    sequence_number = F.Integer("Sequence Number", default=1)
    to_invoice = F.Boolean("To invoice", copy=False, default=False)
    note = F.Text("Internal Notes")

    class Meta:
        # A resent order is the same order: one row per restaurant and client uuid.
        indexes = ((("company_id", "uuid"), True),)

    # ------------------------------------------------------------------
    # ORM paths (the POS itself uses create_from_ui / sync_from_ui)
    # ------------------------------------------------------------------
    @classmethod
    @batched
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r}: expected a dictionary")
        vals = dict(vals)
        lines = vals.pop("lines", None)
        payments = vals.pop("payment_ids", None)
        session_id = vals.get("session_id")
        if not env.su:
            # As in Odoo, orders are not created from the back office: a point of sale
            # sends them, in its session (create_from_ui, sync_from_ui).
            columns, _x2many = cls._split_vals(env, vals)
            await cls._check_relations(env, columns)
            raise ValidationError(
                "Orders are recorded by a point of sale, in its open session: send them with "
                "create_from_ui (Odoo 16/17) or sync_from_ui (Odoo 18).",
                field_errors={"session_id": "A session is required"})
        if session_id:
            till = await Till.load(env, session_id, check_open=False)
            for key, value in (("company_id", till.company_id), ("config_id", till.config_id),
                               ("currency_id", till.currency_id)):
                vals.setdefault(key, value)
        new_id = await super()._create_one(env, vals)
        await cls._notify_created(env, [new_id])
        if lines:
            await env["pos.order"]._apply_line_commands(new_id, lines)
        if payments:
            await env["pos.order"]._apply_payment_commands(new_id, payments)
        await cls._recompute_amounts(env, [new_id])
        await cls._refresh_kitchen_status(env, [new_id], notify=False)
        return new_id

    @classmethod
    @batched
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        if env.su or not isinstance(vals, dict):
            return await super().write(env, ids, vals)
        ids = check_ids(ids)
        security.check_access(env, cls, security.WRITE)
        ids = await cls._ensure_visible(env, ids)
        # The ORM's own refusals first (read-only fields, links to another restaurant,
        # lines that are not this order's), then the business rules.
        columns, _x2many = cls._split_vals(env, vals)
        await cls._check_relations(env, columns)
        for order_id in ids:
            if vals.get("lines") is not None:
                await cls._check_line_commands(env, order_id, vals["lines"])
        rows = await env.cr.rows(cls.select(cls.id, cls.name, cls.state).where(cls.id.in_(ids)))
        frozen = [(name, state) for _id, name, state in rows if state != "draft"]
        if frozen and set(vals) - FROZEN_WRITABLE:
            name, state = frozen[0]
            raise InvalidStateTransition(f"The order {name} is {STATE_LABELS[state]}: it can "
                                         "no longer be modified.")
        lines, payments = vals.get("lines"), vals.get("payment_ids")
        header = {k: v for k, v in vals.items() if k not in ("lines", "payment_ids")}
        result = await super().write(env, ids, header) if header or not (lines or payments) \
            else True
        for order_id in ids:
            if lines is not None:
                await env["pos.order"]._apply_line_commands(order_id, lines)
            if payments is not None:
                await env["pos.order"]._apply_payment_commands(order_id, payments)
        if lines is not None or payments is not None:
            await cls._recompute_amounts(env, ids)
            await cls._refresh_kitchen_status(env, ids)
        return result

    @classmethod
    @batched
    async def unlink(cls, env: "Env", ids: Any) -> bool:
        ids = check_ids(ids)
        if not env.su:
            security.check_access(env, cls, security.UNLINK)
            visible = await cls._ensure_visible(env, ids, security.UNLINK)
            for name, state in await env.cr.rows(
                    cls.select(cls.name, cls.state).where(cls.id.in_(visible))):
                if state not in ("draft", "cancel"):
                    raise UserError(f"In order to delete a sale, it must be new or cancelled "
                                    f"(the order {name} is {STATE_LABELS[state]}).")
        refunded = await PosOrderLine._refunded_lines_of(env, ids)
        result = await super().unlink(env, ids)
        await PosOrderLine._update_refunded_qty(env, refunded)
        return result

    @classmethod
    async def _check_line_commands(cls, env: "Env", order_id: int, commands: Any) -> None:
        """Lines named by x2many commands: this order's (1, 2, 3), or refused as Odoo
        refuses them (another restaurant's: AccessError; gone: MissingError). Linking
        (4, 6) never moves a line from another order."""
        from .base import normalize_commands
        for code, line_id, values in normalize_commands(cls._fields["lines"], commands):
            if code in (0, 1) and values:
                await PosOrderLine._check_client_values(env, values)
            if code in (1, 2, 3):
                await cls._line_of(env, order_id, line_id)
            elif code in (4, 6):
                named = [line_id] if code == 4 else list(values or [])
                visible = await PosOrderLine._ensure_visible(env, named)
                strays = [row[0] for row in await env.cr.rows(PosOrderLine.select(
                    PosOrderLine.id).where(PosOrderLine.id.in_(visible)
                                           & (PosOrderLine.order_id != order_id)))]
                if strays:
                    raise UserError(f"Order line {strays[0]} belongs to another order: split or "
                                    "merge the bills instead.")

    @classmethod
    async def _apply_line_commands(cls, env: "Env", order_id: int, commands: Any) -> None:
        """x2many commands on ``lines`` through the line model's own checks."""
        from .base import normalize_commands
        await cls._check_line_commands(env, order_id, commands)
        Lines = env["pos.order.line"]
        for code, line_id, values in normalize_commands(cls._fields["lines"], commands):
            current = [row[0] for row in await env.cr.rows(
                PosOrderLine.select(PosOrderLine.id).where(PosOrderLine.order_id == order_id))]
            if code == 0:
                await Lines.create(dict(values or {}, order_id=order_id))
            elif code == 1:
                await Lines.write([line_id], dict(values or {}))
            elif code in (2, 3):
                await Lines.unlink([line_id])
            elif code in (5, 6):
                keep = set(values or []) if code == 6 else set()
                gone = [i for i in current if i not in keep]
                if gone:
                    await Lines.unlink(gone)

    @classmethod
    async def _line_of(cls, env: "Env", order_id: int, line_id: int) -> None:
        row = await env.cr.first(PosOrderLine.select(PosOrderLine.order_id)
                                 .where(PosOrderLine.id == line_id))
        if row is None or row[0] != order_id:
            raise MissingError("Record does not exist or has been deleted.\n"
                               f"(Record: pos.order.line({line_id},), User: {env.uid})")

    @classmethod
    async def _apply_payment_commands(cls, env: "Env", order_id: int, commands: Any) -> None:
        from .base import normalize_commands
        Payments = env["pos.payment"]
        for code, payment_id, values in normalize_commands(cls._fields["payment_ids"], commands):
            if code == 0:
                await Payments.create(dict(values or {}, pos_order_id=order_id))
            elif code in (2, 3):
                await Payments.unlink([payment_id])
            else:
                raise ValueError(f"Unsupported command {(code, payment_id)!r} on "
                                 "pos.order.payment_ids: add or remove payments")

    # ------------------------------------------------------------------
    # Totals
    # ------------------------------------------------------------------
    @classmethod
    @batched
    async def _recompute_amounts(cls, env: "Env", order_ids: Iterable[int]) -> None:
        """Line subtotals and order totals from prices, taxes and payments.

        Stored amounts are rewritten only where they differ, so recomputing an
        unchanged order writes nothing (and a paid order's rows keep their
        write_date); what is rewritten is logged, with the amounts read here as
        the old values.
        """
        order_ids = sorted(set(order_ids))
        if not order_ids:
            return
        roundings = await _roundings(env, order_ids)
        lines = await env.cr.rows(PosOrderLine.select(
            PosOrderLine.id, PosOrderLine.order_id, PosOrderLine.price_unit, PosOrderLine.qty,
            PosOrderLine.discount, PosOrderLine.price_subtotal, PosOrderLine.price_subtotal_incl,
            PosOrderLine.company_id,
        ).where(PosOrderLine.order_id.in_(order_ids)).order_by(PosOrderLine.id))
        taxes = await _line_taxes(env, [row[0] for row in lines])
        per_order: dict[int, list[pos_taxes.LineAmounts]] = {i: [] for i in order_ids}
        logged: list[tuple] = []
        for line_id, order_id, price_unit, qty, discount, subtotal, subtotal_incl, company_id \
                in lines:
            amounts = pos_taxes.line_amounts(price_unit or 0, qty or 0, discount or 0,
                                             taxes.get(line_id, []), roundings[order_id])
            per_order[order_id].append(amounts)
            if (to_decimal(subtotal), to_decimal(subtotal_incl)) != (
                    amounts.price_subtotal, amounts.price_subtotal_incl):
                changes = {PosOrderLine.price_subtotal: amounts.price_subtotal,
                           PosOrderLine.price_subtotal_incl: amounts.price_subtotal_incl}
                await env.cr.run(PosOrderLine.update(changes).where(PosOrderLine.id == line_id))
                logged.append((line_id, company_id, {"price_subtotal": subtotal,
                                                     "price_subtotal_incl": subtotal_incl},
                               changes))
        await env["audit.log"]._log_changes(PosOrderLine, logged)
        payments: dict[int, list[tuple[Any, bool]]] = {i: [] for i in order_ids}
        for order_id, amount, is_change in await env.cr.rows(PosPayment.select(
                PosPayment.pos_order_id, PosPayment.amount, PosPayment.is_change)
                .where(PosPayment.pos_order_id.in_(order_ids))):
            payments[order_id].append((amount, bool(is_change)))
        names = ("amount_tax", "amount_total", "amount_paid", "amount_return")
        stored = {row[0]: row[1:] for row in await env.cr.rows(cls.select(
            cls.id, *(cls._fields[name] for name in names), cls.company_id)
            .where(cls.id.in_(order_ids)))}
        logged = []
        for order_id in order_ids:
            if order_id not in stored:
                continue
            *old, company_id = stored[order_id]
            totals = pos_taxes.order_amounts(per_order[order_id], payments[order_id],
                                             roundings[order_id])
            new = (totals.amount_tax, totals.amount_total, totals.amount_paid,
                   totals.amount_return)
            if tuple(to_decimal(v) for v in old) != new:
                changes = {cls._fields[name]: value for name, value in zip(names, new)}
                await env.cr.run(cls.update(changes).where(cls.id == order_id))
                logged.append((order_id, company_id, dict(zip(names, old)), changes))
        await env["audit.log"]._log_changes(cls, logged)

    # ------------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------------
    @classmethod
    async def _set_state(cls, env: "Env", ids: list[int], new_state: str,
                         values: dict[int, dict[Any, Any]] | None = None) -> None:
        """Move orders to ``new_state``: the one place a state changes.

        Refuses a change :data:`TRANSITIONS` does not allow with a UserError
        naming the order and both states. The UPDATE is conditional on the
        state read, so a concurrent change can never be overwritten. The
        change is logged with the old values read here (also those of the
        other columns in ``values``).
        """
        extra = sorted({column.name for changes in (values or {}).values() for column in changes}
                       - {"name", "state"})
        rows = await env.cr.rows(cls.select(
            cls.id, cls.name, cls.state, cls.company_id, cls.table_id,
            *(cls._fields[name] for name in extra)).where(cls.id.in_(ids)).order_by(cls.id))
        for _id, name, state, _company, _table, *_before in rows:
            if new_state not in TRANSITIONS.get(state, ()):
                if state == new_state:
                    raise InvalidStateTransition(f"The order {name} is already {STATE_LABELS[state]}.")
                raise InvalidStateTransition(f"Cannot change the order {name} from '{STATE_LABELS[state]}' "
                                f"to '{STATE_LABELS[new_state]}'.")
        stamp = now_utc()
        logged = []
        for order_id, name, state, company_id, _table, *before in rows:
            changes = {cls.state: new_state, cls.write_uid: env.uid, cls.write_date: stamp}
            changes.update((values or {}).get(order_id, {}))
            count = await env.cr.run(cls.update(changes).where(
                (cls.id == order_id) & (cls.state == state)))
            if count != 1:      # changed under us: start again from a fresh snapshot
                raise ConcurrencyError(f"pos.order {order_id} changed concurrently")
            logged.append((order_id, company_id,
                           {"name": name, "state": state, **dict(zip(extra, before))}, changes))
            label = changes.get(cls.name, name)
            await bus.send_restaurant(env, company_id, "order_status_changed", {
                "order_id": order_id, "name": label, "old_state": state, "new_state": new_state,
            })
        await env["audit.log"]._log_changes(cls, logged)
        await refresh_table_status(env, [row[4] for row in rows if row[4]])
        if new_state == "cancel":
            await PosOrderLine._update_refunded_qty(
                env, await PosOrderLine._refunded_lines_of(env, [row[0] for row in rows]))

    @classmethod
    async def _link_refunded_order(cls, env: "Env", ids: list[int]) -> None:
        """``refunded_order_id``: the one order the refund lines give back items of.

        As in Odoo 18, one refund returns items of one order (so that it can be
        paid back against that order's payments and invoice).
        """
        for order_id in ids:
            originals = await env.cr.rows(
                PosOrderLine.select(cls.id, cls.name).distinct()
                .join_from(PosOrderLine, cls, on=(cls.id == PosOrderLine.order_id))
                .where(PosOrderLine.id.in_(
                    PosOrderLine.select(PosOrderLine.refunded_orderline_id).where(
                        (PosOrderLine.order_id == order_id)
                        & PosOrderLine.refunded_orderline_id.is_null(False))))
                .order_by(cls.id))
            if len(originals) > 1:
                raise ValidationError(
                    "You can only refund products from the same order "
                    f"({', '.join(row[1] for row in originals)}).",
                    field_errors={"refunded_orderline_id": "Lines of several orders"})
            refunded = originals[0][0] if originals else None
            current = await env.cr.first(cls.select(cls.refunded_order_id, cls.company_id)
                                         .where(cls.id == order_id))
            if current is not None and current[0] != refunded:
                await env.cr.run(cls.update({cls.refunded_order_id: refunded})
                                 .where(cls.id == order_id))
                await env["audit.log"]._log_changes(cls, [(
                    order_id, current[1], {"refunded_order_id": current[0]},
                    {"refunded_order_id": refunded})])

    @classmethod
    @batched
    async def _mark_paid(cls, env: "Env", ids: list[int], till: "Till | None" = None) -> None:
        """Draft -> paid, for orders whose payments cover their total.

        Cash handed over beyond the total becomes the change: a negative cash
        payment flagged ``is_change``, as Odoo records it. Only cash gives
        change; a card payment above the total is refused. The order gets its
        reference (``<till>/<number>``), the stock follows, and ``order_paid``
        is sent. ``till``: the session's, when the caller has it already
        (the intake), used for the orders of that session.

        Amounts are recomputed once for all the orders before they are
        settled, and again only for those that got change. A refusal here
        (not a draft, not paid, stock) is a failed payment
        (models/payment_events.py).
        """
        ids = sorted(set(ids))
        with payment_events.refusing(env, ids):
            await cls._pay(env, ids, till)

    @classmethod
    async def _pay(cls, env: "Env", ids: list[int], till: "Till | None") -> None:
        """:meth:`_mark_paid`'s work, on sorted distinct ids."""
        rows = await env.cr.rows(cls.select(
            cls.id, cls.name, cls.state, cls.session_id, cls.company_id, cls.config_id)
            .where(cls.id.in_(ids)))
        if len(rows) != len(ids):
            raise MissingError("Record does not exist or has been deleted.\n"
                               f"(Record: pos.order({', '.join(map(str, ids))},), User: {env.uid})")
        for order_id, name, state, session_id, company_id, config_id in rows:
            if state != "draft":
                raise InvalidStateTransition(f"The order {name} is already {STATE_LABELS[state]}."
                                if state == "paid" else
                                f"Cannot change the order {name} from '{STATE_LABELS[state]}' to "
                                f"'{STATE_LABELS['paid']}'.")
        await cls._recompute_amounts(env, ids)
        changed = []
        for order_id, name, _state, session_id, _company, _config in rows:
            if till is None or till.session_id != session_id:
                till = await Till.load(env.sudo(), session_id)
            if await cls._settle(env, order_id, name, till):
                changed.append(order_id)
        await cls._recompute_amounts(env, changed)
        names = {}
        for order_id, name, _state, _session, _company, config_id in rows:
            if name in (None, "", "/"):
                (config_name,) = await env.cr.first(
                    env.registry["pos.config"].select(env.registry["pos.config"].name)
                    .where(env.registry["pos.config"].id == config_id)) or ("Order",)
                names[order_id] = {cls.name: f"{config_name}/{order_id:04d}"}
        await cls._set_state(env, ids, "paid", names)
        for order_id, name, amount_total, amount_paid, amount_return, company_id in \
                await env.cr.rows(cls.select(cls.id, cls.name, cls.amount_total, cls.amount_paid,
                                             cls.amount_return, cls.company_id)
                                  .where(cls.id.in_(ids))):
            await bus.send_restaurant(env, company_id, "order_paid", {
                "order_id": order_id, "name": name, "amount_total": float(amount_total),
                "amount_paid": float(amount_paid), "amount_return": float(amount_return),
            })
        await stock.apply_paid_orders(env, ids)
        await loyalty.apply_paid_orders(env, ids)      # points earned, or taken back by a refund

    @classmethod
    async def _settle(cls, env: "Env", order_id: int, name: str, till: "Till") -> bool:
        """Check the payments of one order against its total; record the change
        (answers whether there was change)."""
        (total,) = await env.cr.first(cls.select(cls.amount_total).where(cls.id == order_id))
        total = to_decimal(total)
        payments = await env.cr.rows(PosPayment.select(
            PosPayment.amount, PosPayment.payment_method_id, PosPayment.is_change)
            .where(PosPayment.pos_order_id == order_id).order_by(PosPayment.id))
        tendered = sum((to_decimal(row[0]) for row in payments), ZERO)
        if tendered == total:
            return False
        over = tendered - total
        if total >= 0 and over > 0:
            cash = [(to_decimal(amount), method) for amount, method, is_change in payments
                    if method in till.cash_method_ids and not is_change]
            cash_given = sum((amount for amount, _method in cash if amount > 0), ZERO)
            if over > cash_given:
                raise ValidationError(
                    f"Order {name}: the payments exceed the total by {over} and only cash "
                    "gives change back.",
                    field_errors={"payment_ids": f"{over} more than the total, beyond the cash "
                                                 "given"})
            method = next(method for amount, method in cash if amount > 0)
            await PosPayment._insert(env, order_id, till, [{
                "name": "return", "amount": -over, "payment_method_id": method,
                "is_change": True, "payment_date": now_utc()}])
            return True
        raise ValidationError(f"Order {name} is not fully paid.",
                              field_errors={"payment_ids": f"Paid {tendered} of {total}"})

    @public("records")
    async def action_pos_order_paid(cls, env: "Env", ids: Any) -> bool:
        """Odoo's name: validate the payment of draft orders (see :meth:`_mark_paid`)."""
        ids = await cls._writable(env, ids)
        await cls._mark_paid(env, ids)
        return True

    @public("records")
    async def action_pos_order_cancel(cls, env: "Env", ids: Any) -> bool:
        """Cancel draft orders (Odoo cancels only the drafts among them; here any other
        state is refused, so nobody believes a paid order was cancelled)."""
        ids = await cls._writable(env, ids)
        await cls._set_state(env, ids, "cancel")
        return True

    @public("records")
    async def action_pos_order_invoice(cls, env: "Env", ids: Any) -> bool:
        """Mark paid or posted orders invoiced (no accounting entry is made here)."""
        ids = await cls._writable(env, ids)
        await cls._invoice(env, ids)
        return True

    @classmethod
    @batched
    async def _invoice(cls, env: "Env", ids: list[int]) -> None:
        """Flag the orders to invoice and move them to ``invoiced`` (one log entry each)."""
        rows = await env.cr.rows(cls.select(cls.id, cls.name, cls.partner_id, cls.to_invoice,
                                            cls.company_id).where(cls.id.in_(ids)))
        for _id, name, partner_id, _flag, _company in rows:
            if not partner_id:
                raise ValidationError(f"Please provide a partner for the sale (order {name}).",
                                      field_errors={"partner_id": "Required to invoice"})
        await env.cr.run(cls.update({cls.to_invoice: True}).where(cls.id.in_(ids)))
        await env["audit.log"]._log_changes(cls, [
            (order_id, company_id, {"to_invoice": flag}, {"to_invoice": True})
            for order_id, _name, _partner, flag, company_id in rows])
        await cls._set_state(env, ids, "invoiced")

    @classmethod
    async def _mark_done(cls, env: "Env", ids: list[int]) -> None:
        """Paid orders of a closing session are posted."""
        if ids:
            await cls._set_state(env, ids, "done")

    @classmethod
    async def _writable(cls, env: "Env", ids: Any) -> list[int]:
        """The orders the caller may act on (write right, their restaurant)."""
        ids = check_ids(ids)
        security.check_access(env, cls, security.WRITE)
        if not env.su and not env.user.has_group(security.POS_USER):  # type: ignore[union-attr]
            raise AccessError("Only point of sale users can take payments or cancel orders.")
        return await cls._ensure_visible(env, ids)

    @public("records")
    async def add_payment(cls, env: "Env", ids: Any, data: Any) -> int:
        """Odoo's ``add_payment``: one more payment on a draft order (split payments).

        ``data``: ``{payment_method_id, amount, payment_date?, card_type?,
        transaction_id?, payment_status?}``. Answers the payment's id.
        """
        ids = await cls._writable(env, ids)
        if len(ids) != 1:
            raise ValueError("Expected singleton: add_payment works on one order")
        if not isinstance(data, dict):
            raise ValueError(f"Invalid payment {data!r}: expected a dictionary")
        return await env["pos.payment"].create(dict(data, pos_order_id=ids[0]))

    @public("model")
    async def remove_from_ui(cls, env: "Env", server_ids: Any) -> list[int]:
        """Odoo's ``remove_from_ui``: the unpaid (draft) orders a POS discarded.

        Odoo deletes them; here they are cancelled and kept, so that a POS
        that sends one again (an offline queue catching up) finds it closed
        instead of recording it anew. Orders in any other state are left
        alone; answers the ids removed.
        """
        ids = check_ids(server_ids)
        security.check_access(env, cls, security.WRITE)
        ids = await cls._ensure_visible(env, ids)
        drafts = [row[0] for row in await env.cr.rows(
            cls.select(cls.id).where(cls.id.in_(ids) & (cls.state == "draft")).order_by(cls.id))]
        if drafts:
            await cls._set_state(env, drafts, "cancel")
        return drafts

    # ------------------------------------------------------------------
    # Kitchen
    # ------------------------------------------------------------------
    @public("records")
    async def set_kitchen_status(cls, env: "Env", ids: Any, status: Any) -> bool:
        """Move whole orders in the kitchen: every line behind ``status`` moves to it.

        Forward only: a dish that is ready does not become "preparing" again
        because someone tapped the wrong ticket; a POS manager may move one
        back (to undo such a tap). Lines already further along stay where
        they are. Each change sends ``kitchen_update``.
        """
        ids = await cls._kitchen_writable(env, ids)
        if status in KITCHEN_RANK and not (env.su or env.user.has_group(  # type: ignore[union-attr]
                security.POS_MANAGER)):
            for name, current in await env.cr.rows(
                    cls.select(cls.name, cls.kitchen_status).where(cls.id.in_(ids))):
                if KITCHEN_RANK[status] < KITCHEN_RANK.get(current or "new", 0):
                    raise UserError(
                        f"Cannot move order {name} back from '{KITCHEN_LABELS[current]}' to "
                        f"'{KITCHEN_LABELS[status]}': only a manager can.")
        line_ids = [row[0] for row in await env.cr.rows(
            PosOrderLine.select(PosOrderLine.id).where(PosOrderLine.order_id.in_(ids)))]
        await PosOrderLine._move_kitchen(env, line_ids, status, whole_orders=True)
        await cls._refresh_kitchen_status(env, ids, target=status)
        return True

    @classmethod
    async def _kitchen_writable(cls, env: "Env", ids: Any, model: Any = None) -> list[int]:
        model = model or cls
        ids = check_ids(ids)
        security.check_access(env, model, security.WRITE)
        return await model._ensure_visible(env, ids)

    @classmethod
    async def _refresh_kitchen_status(cls, env: "Env", order_ids: Iterable[int],
                                      notify: bool = True, target: Any = None) -> None:
        """An order's kitchen status is the least advanced of its lines'."""
        order_ids = sorted(set(order_ids))
        if not order_ids:
            return
        lowest: dict[int, int] = {}
        for order_id, status in await env.cr.rows(PosOrderLine.select(
                PosOrderLine.order_id, PosOrderLine.kitchen_status)
                .where(PosOrderLine.order_id.in_(order_ids))):
            rank = KITCHEN_RANK.get(status or "new", 0)
            lowest[order_id] = min(rank, lowest.get(order_id, rank))
        for order_id, current, company_id in await env.cr.rows(cls.select(
                cls.id, cls.kitchen_status, cls.company_id).where(cls.id.in_(order_ids))):
            if order_id in lowest:
                new = KITCHEN_STATES[lowest[order_id]][0]
            elif target in KITCHEN_RANK:
                new = target          # an order without lines moves as a whole
            else:
                new = current or "new"
            if new != current:
                await env.cr.run(cls.update({cls.kitchen_status: new}).where(cls.id == order_id))
                if notify:
                    await bus.send_restaurant(env, company_id, "kitchen_update", {
                        "order_id": order_id, "line_id": None, "old_status": current,
                        "new_status": new})

    # ------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------
    @classmethod
    async def _notify_created(cls, env: "Env", ids: list[int]) -> None:
        for order_id, name, table_id, company_id, state in await env.cr.rows(cls.select(
                cls.id, cls.name, cls.table_id, cls.company_id, cls.state)
                .where(cls.id.in_(ids)).order_by(cls.id)):
            await bus.send_restaurant(env, company_id, "order_created", {
                "order_id": order_id, "name": name, "table_id": table_id, "state": state,
            })



class PosOrderLine(BaseModel):
    _name = "pos.order.line"
    _audit = True
    _audit_exclude = ("kitchen_status",)       # the kitchen's progress: models/audit.py
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
    uuid = F.Char("Uuid", readonly=True, copy=False, index=True,
                  help="The client's id of the line, to recognise it when the order is resent.")
    kitchen_status = F.Selection(KITCHEN_STATES, "Kitchen Status", readonly=True, default="new",
                                 copy=False)
    refunded_orderline_id = F.Many2one("pos.order.line", "Refunded Order Line", copy=False,
                                       help="The sold line this line gives back.")
    refunded_qty = F.Float("Refunded Quantity", digits=(16, 3), readonly=True, default=0.0,
                           copy=False, help="How much of this line refunds have given back.")

    # -- ORM paths ----------------------------------------------------------------
    @classmethod
    @batched
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r}: expected a dictionary")
        order_id = vals.get("order_id")
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise ValidationError("A line belongs to an order.",
                                  field_errors={"order_id": "Order Ref is required"})
        orders = env.registry["pos.order"]
        if not env.su:
            security.check_access(env, cls, security.CREATE)
            await orders._ensure_visible(env, [order_id])
        row = await env.cr.first(orders.select(orders.name, orders.state, orders.session_id,
                                               orders.company_id).where(orders.id == order_id))
        if row is None:
            raise ValidationError(f"The record pos.order({order_id},) linked by "
                                  "pos.order.line.order_id does not exist.",
                                  field_errors={"order_id": "Record does not exist"})
        name, state, session_id, company_id = row
        if env.su:      # internal code (demo data, bill splits): trusted values
            defaults: dict[str, Any] = {"company_id": company_id}
            if "price_unit" not in vals and isinstance(vals.get("product_id"), int):
                Product = env.registry["product.product"]
                price = await env.cr.first(Product.select(Product.list_price)
                                           .where(Product.id == vals["product_id"]))
                defaults["price_unit"] = price[0] if price else 0
            merged = {**defaults, **vals}
            merged["company_id"] = merged.get("company_id") or company_id
            new_id = await super()._create_one(env, merged)
            if "tax_ids" not in vals:
                await cls._set_product_taxes(env, [new_id], company_id)
            refunded = [vals["refunded_orderline_id"]] if vals.get("refunded_orderline_id") \
                else []
        else:
            await cls._check_client_values(env, vals)
            if state != "draft":
                raise UserError(f"The order {name} is {STATE_LABELS[state]}: lines can no "
                                "longer be added.")
            till = await Till.load(env.sudo(), session_id)
            (line,) = await cls._clean(env, till, [vals], f"Order {name}")
            (new_id,) = await cls._insert(env, order_id, till, [line])
            refunded = [line.refunded_orderline_id] if line.refunded_orderline_id else []
        await cls._update_refunded_qty(env, refunded)
        await orders._link_refunded_order(env, [order_id])
        await orders._recompute_amounts(env, [order_id])
        await orders._refresh_kitchen_status(env, [order_id])
        return new_id

    @classmethod
    @batched
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        ids = check_ids(ids)
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r}: expected a dictionary")
        orders = env.registry["pos.order"]
        if env.su:
            result = await super().write(env, ids, vals)
            order_ids = {row[0] for row in await env.cr.rows(
                cls.select(cls.order_id).where(cls.id.in_(ids)))}
            await orders._recompute_amounts(env, order_ids)
            return result
        security.check_access(env, cls, security.WRITE)
        ids = await cls._ensure_visible(env, ids)
        await cls._check_client_values(env, vals)
        if "order_id" in vals:
            raise ValidationError("A line cannot move to another order (split or merge the "
                                  "bills instead).", field_errors={"order_id": "Cannot change"})
        rows = await env.cr.rows(cls.select(
            cls.id, cls.order_id, cls.product_id, cls.qty, cls.price_unit, cls.discount,
            cls.full_product_name, cls.customer_note, cls.refunded_orderline_id, cls.uuid,
            cls.name).where(cls.id.in_(ids)))
        for line_id, order_id, product_id, qty, price, discount, full_name, note, refunded, \
                uuid, name in rows:
            (order_name, state, session_id) = await env.cr.first(
                orders.select(orders.name, orders.state, orders.session_id)
                .where(orders.id == order_id))
            if state != "draft":
                raise InvalidStateTransition(f"The order {order_name} is "
                                             f"{STATE_LABELS[state]}: its lines can no longer "
                                             "be modified.")
            merged = {"product_id": product_id, "qty": qty, "price_unit": price,
                      "discount": discount, "full_product_name": full_name,
                      "customer_note": note, "refunded_orderline_id": refunded, "uuid": uuid,
                      "name": name}
            merged.update(vals)
            till = await Till.load(env.sudo(), session_id)
            (line,) = await cls._clean(env, till, [merged], f"Order {order_name}",
                                       exclude_lines=[line_id])
            await cls._rewrite(env, line_id, line)
            await cls._update_refunded_qty(env, [r for r in (refunded, line.refunded_orderline_id)
                                                 if r])
            await orders._link_refunded_order(env, [order_id])
            await orders._recompute_amounts(env, [order_id])
        return True

    @classmethod
    @batched
    async def unlink(cls, env: "Env", ids: Any) -> bool:
        ids = check_ids(ids)
        orders = env.registry["pos.order"]
        if not env.su:
            security.check_access(env, cls, security.UNLINK)
            ids = await cls._ensure_visible(env, ids, security.UNLINK)
        rows = await env.cr.rows(cls.select(cls.order_id).where(cls.id.in_(ids)))
        order_ids = sorted({row[0] for row in rows})
        if not env.su:
            for name, state in await env.cr.rows(orders.select(orders.name, orders.state)
                                                  .where(orders.id.in_(order_ids))):
                if state != "draft":
                    raise UserError(f"The order {name} is {STATE_LABELS[state]}: its lines can no "
                                    "longer be removed.")
        refunded = await cls._refunded_lines_of(env, order_ids, ids)
        result = await super().unlink(env, ids)
        await cls._update_refunded_qty(env, refunded)
        await orders._link_refunded_order(env, order_ids)
        await orders._recompute_amounts(env, order_ids)
        await orders._refresh_kitchen_status(env, order_ids)
        return result

    # -- checking what clients send -----------------------------------------------
    @classmethod
    async def _check_client_values(cls, env: "Env", vals: dict[str, Any]) -> None:
        """The ORM's refusals for line values (read-only fields, links the caller cannot
        see), before anything else; the taxes named are then ignored (a line is taxed
        as its product is)."""
        columns, _x2many = cls._split_vals(
            env, {k: v for k, v in vals.items() if k not in CLIENT_COMPUTED})
        await cls._check_relations(env, columns)
        taxes = _m2m_ids(vals.get("tax_ids")) if isinstance(vals.get("tax_ids"), list) else []
        if taxes:
            Tax = env.registry["account.tax"]
            unseen = sorted(set(taxes) - set(await Tax._visible_ids(env, taxes)))
            if unseen:
                raise MissingError("Record does not exist or has been deleted.\n"
                                   f"(Record: account.tax({', '.join(map(str, unseen))},), "
                                   f"User: {env.uid})")

    @classmethod
    async def _clean(cls, env: "Env", till: "Till", raw_lines: list[Any], label: str,
                     order_id: int | None = None,
                     exclude_lines: Iterable[int] = ()) -> list["CleanLine"]:
        """Client line values -> checked lines, or a ValidationError naming the field.

        What is checked: the product exists, is on this restaurant's menu (or
        shared) and sold in the POS; the quantity is not zero; the unit price
        is the menu price and there is no discount, unless the user may change
        prices (a POS manager, or anyone at a till whose
        ``restrict_price_control`` is off); a discount is between 0 and 100;
        a negative quantity is a refund of a sold line (or needs a user who
        may change prices), at that line's price, and never gives back more
        than was sold. Price fields the client computed are ignored.
        """
        products = env.registry["product.product"]
        parsed = []
        for position, vals in enumerate(raw_lines, start=1):
            if not isinstance(vals, dict):
                raise ValueError(f"Invalid order line {vals!r}: expected a dictionary")
            parsed.append((position, vals))
        product_ids = {vals.get("product_id") for _p, vals in parsed
                       if isinstance(vals.get("product_id"), int)
                       and not isinstance(vals.get("product_id"), bool)}
        menu = {row[0]: row[1:] for row in await env.cr.rows(products.select(
            products.id, products.name, products.list_price, products.available_in_pos,
            products.active, products.sale_ok, products.company_id)
            .where(products.id.in_(sorted(product_ids) or [0])))}
        taxes = await _product_taxes(env, sorted(menu), till.company_id)
        originals = await cls._originals(env, [vals.get("refunded_orderline_id")
                                               for _p, vals in parsed])
        refunded_before = await cls._refunded_elsewhere(env, list(originals), order_id,
                                                        list(exclude_lines))
        refunding: dict[int, Decimal] = {}
        may_change_prices = till.may_change_prices(env)
        result = []
        for position, vals in parsed:
            where = f"{label}, line {position}"

            def fail(name: str, message: str) -> ValidationError:
                return ValidationError(f"{where}: {message}", field_errors={name: message})

            product_id = vals.get("product_id")
            product = menu.get(product_id) if isinstance(product_id, int) else None
            if product is None or product[5] not in (None, till.company_id):
                raise fail("product_id", f"Product {product_id!r} is not on this restaurant's "
                                         "menu.")
            product_name, list_price, available, active, sale_ok, _company = product
            if not env.su and not (available and active and sale_ok):
                raise fail("product_id", f"{product_name} is not available in the point of "
                                         "sale.")
            qty = _number(vals.get("qty", 1), "qty", fail, QTY)
            if qty == 0:
                raise fail("qty", "The quantity cannot be zero.")
            discount = _number(vals.get("discount") or 0, "discount", fail, CENT)
            if not ZERO <= discount <= 100:
                raise fail("discount", "The discount must be between 0 and 100%.")
            menu_price = to_decimal(list_price or 0)
            given = vals.get("price_unit")
            price = menu_price if given is None or given is False else \
                _number(given, "price_unit", fail, till.rounding)
            refunded_id = vals.get("refunded_orderline_id") or None
            if refunded_id is not None:
                original = originals.get(refunded_id) if isinstance(refunded_id, int) else None
                if original is None or original.company_id != till.company_id:
                    raise fail("refunded_orderline_id", f"Order line {refunded_id!r} does not "
                                                        "exist in this restaurant.")
                if original.order_state not in SOLD_STATES:
                    raise fail("refunded_orderline_id", f"The order {original.order_name} is "
                               f"{STATE_LABELS[original.order_state]}: only sold items can be "
                               "refunded.")
                if original.product_id != product_id:
                    raise fail("product_id", f"A refund gives back the product of the line it "
                                             f"refunds ({original.product_name}).")
                if qty > 0:
                    raise fail("qty", "A refund line has a negative quantity.")
                if price != original.price_unit or discount != original.discount:
                    raise fail("price_unit", f"A refund is made at the price it was sold: "
                               f"{original.price_unit} with {original.discount}% discount.")
                refunding[refunded_id] = refunding.get(refunded_id, ZERO) - qty
                left = original.qty - refunded_before.get(refunded_id, ZERO)
                if refunding[refunded_id] > left:
                    raise fail("qty", f"Only {_shown(left)} of {original.product_name} from "
                                      f"{original.order_name} can still be refunded.")
            elif not env.su:
                if qty < 0 and not may_change_prices:
                    raise fail("qty", "A return needs the order line it gives back "
                                      "(refunded_orderline_id), or a manager.")
                if price != menu_price and not may_change_prices:
                    raise fail("price_unit", f"The price of {product_name} is {menu_price}; only "
                                             "a manager can change it at this till.")
                if discount and not may_change_prices:
                    raise fail("discount", "Only a manager can give a discount at this till.")
            line_uuid = vals.get("uuid")
            if line_uuid in (None, False, "") and isinstance(vals.get("id"), int) \
                    and not isinstance(vals.get("id"), bool):
                line_uuid = f"cid:{vals['id']}"   # Odoo 16 lines carry only the client's id
            if line_uuid is not None and line_uuid is not False and not isinstance(line_uuid,
                                                                                    str):
                raise fail("uuid", "Expected text.")
            tax_ids = taxes.get(product_id, [])
            if env.su and "tax_ids" in vals:
                tax_ids = _m2m_ids(vals["tax_ids"])
            result.append(CleanLine(
                product_id=product_id, qty=qty, price_unit=price, discount=discount,
                full_product_name=_text(vals.get("full_product_name")) or product_name,
                customer_note=_text(vals.get("customer_note")),
                name=_text(vals.get("name")) or "/", uuid=line_uuid or None,
                refunded_orderline_id=refunded_id, tax_ids=tax_ids,
                line_id=vals.get("__line_id")))
        return result

    @classmethod
    async def _originals(cls, env: "Env", ids: list[Any]) -> dict[int, "Original"]:
        wanted = sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)
                         and 0 < i < 2**31})
        if not wanted:
            return {}
        orders, products = env.registry["pos.order"], env.registry["product.product"]
        rows = await env.cr.rows(cls.select(
            cls.id, cls.product_id, cls.qty, cls.price_unit, cls.discount, cls.company_id,
            orders.name, orders.state, products.name)
            .join_from(cls, orders, on=(orders.id == cls.order_id))
            .join_from(cls, products, on=(products.id == cls.product_id))
            .where(cls.id.in_(wanted)))
        return {row[0]: Original(row[0], row[1], to_decimal(row[2]), to_decimal(row[3]),
                                 to_decimal(row[4] or 0), row[5], row[6], row[7], row[8])
                for row in rows}

    @classmethod
    async def _refunded_elsewhere(cls, env: "Env", original_ids: list[int],
                                  order_id: int | None, exclude_lines: list[int]) -> dict:
        """How much of each original line refunds outside ``order_id`` already give back."""
        if not original_ids:
            return {}
        orders = env.registry["pos.order"]
        query = (cls.select(cls.refunded_orderline_id, cls.qty, cls.id, cls.order_id)
                 .join_from(cls, orders, on=(orders.id == cls.order_id))
                 .where(cls.refunded_orderline_id.in_(original_ids) & (orders.state != "cancel")))
        result: dict[int, Decimal] = {}
        for original, qty, line_id, line_order in await env.cr.rows(query):
            if line_order == order_id or line_id in exclude_lines:
                continue
            result[original] = result.get(original, ZERO) - to_decimal(qty)
        return result

    @classmethod
    async def _refunded_lines_of(cls, env: "Env", order_ids: list[int],
                                 line_ids: list[int] | None = None) -> list[int]:
        """The sold lines that lines of these orders (or these lines) refund."""
        where = cls.order_id.in_(order_ids or [0])
        if line_ids is not None:
            where = cls.id.in_(line_ids or [0])
        return sorted({row[0] for row in await env.cr.rows(
            cls.select(cls.refunded_orderline_id).where(
                where & cls.refunded_orderline_id.is_null(False)))})

    @classmethod
    async def _update_refunded_qty(cls, env: "Env", original_ids: Iterable[int]) -> None:
        """Store how much of each sold line is refunded.

        The UPDATE is also what serializes two refunds of the same line: on
        PostgreSQL the second one to commit fails, is retried, and then sees
        the first (and is refused if nothing is left to refund).
        """
        original_ids = sorted({i for i in original_ids if i})
        if not original_ids:
            return
        totals = await cls._refunded_elsewhere(env, original_ids, None, [])
        before = {row[0]: row[1:] for row in await env.cr.rows(cls.select(
            cls.id, cls.refunded_qty, cls.company_id).where(cls.id.in_(original_ids)))}
        logged = []
        for original in original_ids:
            changes = {cls.refunded_qty: totals.get(original, ZERO)}
            await env.cr.run(cls.update(changes).where(cls.id == original))
            if original in before:
                old_qty, company_id = before[original]
                logged.append((original, company_id, {"refunded_qty": old_qty}, changes))
        await env["audit.log"]._log_changes(cls, logged)

    # -- writing checked lines ------------------------------------------------------
    @classmethod
    async def _insert(cls, env: "Env", order_id: int, till: "Till",
                      lines: list["CleanLine"]) -> list[int]:
        ids = []
        stamp = now_utc()
        rel = _tax_rel()
        created = []
        for line in lines:
            columns = {
                cls.order_id: order_id, cls.company_id: till.company_id,
                cls.product_id: line.product_id, cls.qty: line.qty,
                cls.price_unit: line.price_unit, cls.discount: line.discount,
                cls.full_product_name: line.full_product_name,
                cls.customer_note: line.customer_note, cls.name: line.name, cls.uuid: line.uuid,
                cls.refunded_orderline_id: line.refunded_orderline_id,
                cls.kitchen_status: "new", cls.refunded_qty: 0,
                cls.price_subtotal: 0, cls.price_subtotal_incl: 0,
                cls.create_uid: env.uid, cls.write_uid: env.uid, cls.create_date: stamp,
                cls.write_date: stamp,
            }
            (line_id,) = await env.cr.insert(cls.insert(columns).returning(cls.id))
            if line.tax_ids:
                await env.cr.run(rel.insert([(line_id, tax) for tax in line.tax_ids],
                                            columns=[rel.pos_order_line_id, rel.account_tax_id]))
            ids.append(line_id)
            created.append((line_id, {**columns, "tax_ids": line.tax_ids}))
        await env["audit.log"]._log_created(cls, created)
        return ids

    @classmethod
    async def _rewrite(cls, env: "Env", line_id: int, line: "CleanLine") -> None:
        """A line's values as now checked (its kitchen status stays)."""
        names = ("product_id", "qty", "price_unit", "discount", "full_product_name",
                 "customer_note", "name", "uuid", "refunded_orderline_id")
        row = await env.cr.first(cls.select(*(cls._fields[name] for name in names),
                                            cls.company_id).where(cls.id == line_id))
        assert row is not None
        *current, company_id = row
        new = (line.product_id, line.qty, line.price_unit, line.discount, line.full_product_name,
               line.customer_note, line.name, line.uuid, line.refunded_orderline_id)
        same = (current[0] == new[0] and to_decimal(current[1]) == new[1]
                and to_decimal(current[2]) == new[2] and to_decimal(current[3] or 0) == new[3]
                and tuple(current[4:]) == new[4:])
        if same:
            return
        changes = {cls._fields[name]: value for name, value in zip(names, new)}
        await env.cr.run(cls.update({**changes, cls.write_uid: env.uid,
                                     cls.write_date: now_utc()}).where(cls.id == line_id))
        rel = _tax_rel()
        old_taxes = [row[0] for row in await env.cr.rows(
            rel.select(rel.account_tax_id).where(rel.pos_order_line_id == line_id))]
        await env.cr.run(rel.delete().where(rel.pos_order_line_id == line_id))
        if line.tax_ids:
            await env.cr.run(rel.insert([(line_id, tax) for tax in line.tax_ids],
                                        columns=[rel.pos_order_line_id, rel.account_tax_id]))
        await env["audit.log"]._log_changes(cls, [(
            line_id, company_id, {**dict(zip(names, current)), "tax_ids": old_taxes},
            {**changes, "tax_ids": line.tax_ids})])

    @classmethod
    async def _delete(cls, env: "Env", ids: list[int]) -> None:
        await env["audit.log"]._log_unlink(cls, ids)
        rel = _tax_rel()
        await env.cr.run(rel.delete().where(rel.pos_order_line_id.in_(ids)))
        await env.cr.run(cls.delete().where(cls.id.in_(ids)))

    @classmethod
    async def _set_product_taxes(cls, env: "Env", ids: list[int], company_id: int) -> None:
        """Tax lines just created without taxes as their products are taxed."""
        rel = _tax_rel()
        logged = []
        for line_id, product_id in await env.cr.rows(
                cls.select(cls.id, cls.product_id).where(cls.id.in_(ids))):
            taxes = (await _product_taxes(env, [product_id], company_id)).get(product_id, [])
            if taxes:
                await env.cr.run(rel.insert([(line_id, tax) for tax in taxes],
                                            columns=[rel.pos_order_line_id, rel.account_tax_id]))
                logged.append((line_id, company_id, {"tax_ids": []}, {"tax_ids": taxes}))
        await env["audit.log"]._log_changes(cls, logged)

    # -- kitchen ---------------------------------------------------------------------
    @public("records")
    async def set_kitchen_status(cls, env: "Env", ids: Any, status: Any) -> bool:
        """Move single dishes in the kitchen (same rules as the order's method)."""
        orders = env.registry["pos.order"]
        ids = await orders._kitchen_writable(env, ids, cls)
        await cls._move_kitchen(env, ids, status)
        order_ids = {row[0] for row in await env.cr.rows(
            cls.select(cls.order_id).where(cls.id.in_(ids)))}
        await orders._refresh_kitchen_status(env, order_ids)
        return True

    @classmethod
    async def _move_kitchen(cls, env: "Env", ids: list[int], status: Any,
                            whole_orders: bool = False) -> None:
        if status not in KITCHEN_RANK:
            raise ValidationError(f"Invalid kitchen status {status!r}: expected one of "
                                  f"{', '.join(KITCHEN_RANK)}.",
                                  field_errors={"kitchen_status": "Unknown status"})
        may_go_back = env.su or env.user.has_group(security.POS_MANAGER)  # type: ignore[union-attr]
        orders = env.registry["pos.order"]
        rows = await env.cr.rows(cls.select(
            cls.id, cls.kitchen_status, cls.full_product_name, orders.name, orders.state)
            .join_from(cls, orders, on=(orders.id == cls.order_id))
            .where(cls.id.in_(ids)).order_by(cls.id))
        moved: dict[str, list[int]] = {}
        for line_id, current, product, order_name, order_state in rows:
            current = current or "new"
            if order_state == "cancel":
                raise UserError(f"The order {order_name} is cancelled: nothing to cook.")
            if current == status:
                continue
            if KITCHEN_RANK[status] < KITCHEN_RANK[current]:
                if whole_orders and not may_go_back:
                    continue            # a whole order never drags finished dishes back
                if not may_go_back:
                    raise UserError(
                        f"Cannot move {product} of order {order_name} back from "
                        f"'{KITCHEN_LABELS[current]}' to '{KITCHEN_LABELS[status]}': only a "
                        "manager can.")
            moved.setdefault(current, []).append(line_id)
        for current, line_ids in moved.items():
            await env.cr.run(cls.update({cls.kitchen_status: status}).where(
                cls.id.in_(line_ids) & (cls.kitchen_status == current)))
            await cls._notify_kitchen(env, line_ids, current, status)

    @classmethod
    async def _notify_kitchen(cls, env: "Env", ids: list[int], old: Any, new: str) -> None:
        for line_id, order_id, company_id in await env.cr.rows(
                cls.select(cls.id, cls.order_id, cls.company_id).where(cls.id.in_(ids))
                .order_by(cls.id)):
            await bus.send_restaurant(env, company_id, "kitchen_update", {
                "order_id": order_id, "line_id": line_id, "old_status": old, "new_status": new,
            })


class PosPayment(BaseModel):
    _name = "pos.payment"
    _audit = True
    _description = "Point of Sale Payments"
    _order = "id desc"

    name = F.Char("Label")
    pos_order_id = F.Many2one("pos.order", "Order", required=True, ondelete="cascade", index=True)
    payment_method_id = F.Many2one("pos.payment.method", "Payment Method", required=True,
                                   ondelete="restrict")
    amount = F.Monetary("Amount", required=True, default=0.0)
    payment_date = F.Datetime("Date", required=True, readonly=True, default=lambda env: now_utc())
    session_id = F.Many2one("pos.session", "Session", index=True, readonly=True)
    is_change = F.Boolean("Is this payment change?", default=False, readonly=True)
    card_type = F.Char("Type of card used")
    transaction_id = F.Char("Payment Transaction ID")
    payment_status = F.Char("Payment Status")
    uuid = F.Char("Uuid", readonly=True, copy=False)
    company_id = F.Many2one("res.company", "Company", required=True, readonly=True, index=True,
                            default=lambda env: env.company_id)

    @classmethod
    @batched
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r}: expected a dictionary")
        orders = env.registry["pos.order"]
        order_id = vals.get("pos_order_id")
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise ValidationError("A payment belongs to an order.",
                                  field_errors={"pos_order_id": "Order is required"})
        if env.su:
            row = await env.cr.first(orders.select(orders.session_id, orders.company_id)
                                     .where(orders.id == order_id))
            defaults = {"session_id": row[0], "company_id": row[1]} if row else {}
            new_id = await super()._create_one(env, {**defaults, **vals})
            await orders._recompute_amounts(env, [order_id])
            return new_id
        security.check_access(env, cls, security.CREATE)
        await orders._ensure_visible(env, [order_id])
        name, state, session_id = await env.cr.first(
            orders.select(orders.name, orders.state, orders.session_id)
            .where(orders.id == order_id))
        with payment_events.refusing(env, [order_id],
                                     [(vals.get("payment_method_id"), vals.get("amount"))]):
            if state != "draft":
                raise UserError(f"The order {name} is {STATE_LABELS[state]}: it takes no more "
                                "payments.")
            cls._split_vals(env, {k: v for k, v in vals.items() if k != "payment_date"})
            till = await Till.load(env.sudo(), session_id)
            payments = await cls._clean(env, till, [vals], f"Order {name}")
            if not payments:
                raise ValidationError(f"Order {name}: a payment needs an amount.",
                                      field_errors={"amount": "Cannot be zero"})
        (new_id,) = await cls._insert(env, order_id, till, payments)
        await orders._recompute_amounts(env, [order_id])
        return new_id

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        if not env.su:
            # another restaurant's payment stays Odoo's AccessError (or MissingError) by id
            security.check_access(env, cls, security.WRITE)
            await cls._ensure_visible(env, check_ids(ids))
            raise UserError("Payments cannot be modified: remove the payment from the open "
                            "order and add the right one.")
        return await super().write(env, ids, vals)

    @classmethod
    @batched
    async def unlink(cls, env: "Env", ids: Any) -> bool:
        ids = check_ids(ids)
        orders = env.registry["pos.order"]
        if not env.su:
            security.check_access(env, cls, security.UNLINK)
            ids = await cls._ensure_visible(env, ids, security.UNLINK)
        order_ids = sorted({row[0] for row in await env.cr.rows(
            cls.select(cls.pos_order_id).where(cls.id.in_(ids)))})
        if not env.su:
            for name, state in await env.cr.rows(orders.select(orders.name, orders.state)
                                                  .where(orders.id.in_(order_ids))):
                if state != "draft":
                    raise UserError(f"The order {name} is {STATE_LABELS[state]}: its payments "
                                    "can no longer be removed.")
        result = await super().unlink(env, ids)
        await orders._recompute_amounts(env, order_ids)
        return result

    @classmethod
    async def _clean(cls, env: "Env", till: "Till", raw: list[Any],
                     label: str) -> list[dict[str, Any]]:
        """Client payment values -> checked values (zero amounts are dropped)."""
        result = []
        for position, vals in enumerate(raw, start=1):
            if not isinstance(vals, dict):
                raise ValueError(f"Invalid payment {vals!r}: expected a dictionary")
            where = f"{label}, payment {position}"

            def fail(name: str, message: str) -> ValidationError:
                return ValidationError(f"{where}: {message}", field_errors={name: message})

            method = vals.get("payment_method_id")
            if isinstance(method, (list, tuple)) and method:
                method = method[0]
            if isinstance(method, bool) or method not in till.method_ids:
                raise fail("payment_method_id", f"Payment method {method!r} is not available at "
                                                "this till.")
            amount = _number(vals.get("amount") or 0, "amount", fail, till.rounding)
            if amount == 0:
                continue
            date = vals.get("payment_date") or vals.get("name")
            try:
                date = F.normalize_datetime(date) if isinstance(date, str) and date else now_utc()
            except ValueError:
                date = now_utc()
            uuid = vals.get("uuid")
            result.append({
                "amount": amount, "payment_method_id": method, "payment_date": date,
                "card_type": _text(vals.get("card_type")),
                "transaction_id": _text(vals.get("transaction_id")),
                "payment_status": _text(vals.get("payment_status")),
                "uuid": uuid if isinstance(uuid, str) and uuid else None,
                "is_change": False,
            })
        return result

    @classmethod
    async def _insert(cls, env: "Env", order_id: int, till: "Till",
                      payments: list[dict[str, Any]]) -> list[int]:
        ids = []
        stamp = now_utc()
        created = []
        for values in payments:
            columns = {
                **{cls._fields[name]: value for name, value in values.items()},
                cls.pos_order_id: order_id, cls.session_id: till.session_id,
                cls.company_id: till.company_id,
                cls.create_uid: env.uid, cls.write_uid: env.uid, cls.create_date: stamp,
                cls.write_date: stamp,
            }
            (payment_id,) = await env.cr.insert(cls.insert(columns).returning(cls.id))
            ids.append(payment_id)
            created.append((payment_id, columns))
            await bus.send_restaurant(env, till.company_id, "payment_completed", {
                "order_id": order_id, "payment_id": payment_id,
                "payment_method_id": values["payment_method_id"],
                "amount": float(values["amount"]),
            })
            if not values.get("is_change"):
                payment_events.tendered(env.cr, order_id, values["payment_method_id"],
                                        values["amount"])
        await env["audit.log"]._log_created(cls, created)
        return ids


# ---------------------------------------------------------------------------
# Where an order is rung up, and what a client sent
# ---------------------------------------------------------------------------

@dataclass
class CleanLine:
    product_id: int
    qty: Decimal
    price_unit: Decimal
    discount: Decimal
    full_product_name: str | None
    customer_note: str | None
    name: str
    uuid: str | None
    refunded_orderline_id: int | None
    tax_ids: list[int]
    line_id: int | None = None      # an Odoo 18 update of an existing line


@dataclass(frozen=True)
class Original:
    """A sold line, as a refund needs it."""

    id: int
    product_id: int
    qty: Decimal
    price_unit: Decimal
    discount: Decimal
    company_id: int
    order_name: str
    order_state: str
    product_name: str


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _tax_rel() -> peewee.Table:
    return peewee.Table("account_tax_pos_order_line_rel", ("pos_order_line_id", "account_tax_id"))


async def _roundings(env: "Env", order_ids: list[int]) -> dict[int, Decimal]:
    """Each order's currency rounding (the till's currency, else the restaurant's)."""
    orders = env.registry["pos.order"]
    Currency, Company = env.registry["res.currency"], env.registry["res.company"]
    own = Currency.alias("own_currency")
    company_currency = Currency.alias("company_currency")
    rows = await env.cr.rows(
        orders.select(orders.id, own.rounding, company_currency.rounding)
        .join_from(orders, own, peewee.JOIN.LEFT_OUTER, on=(own.id == orders.currency_id))
        .join_from(orders, Company, peewee.JOIN.LEFT_OUTER, on=(Company.id == orders.company_id))
        .join_from(Company, company_currency, peewee.JOIN.LEFT_OUTER,
                   on=(company_currency.id == Company.currency_id))
        .where(orders.id.in_(order_ids)))
    result = {order_id: CENT for order_id in order_ids}
    for order_id, rounding, fallback in rows:
        value = rounding or fallback
        if value:
            result[order_id] = to_decimal(value).normalize()
    return result


def _tax_spec(row: tuple) -> pos_taxes.Tax:
    tax_id, amount_type, amount, price_include, include_base_amount = row
    return pos_taxes.Tax(tax_id, amount_type, to_decimal(amount or 0), bool(price_include),
                         bool(include_base_amount))


async def _line_taxes(env: "Env", line_ids: list[int]) -> dict[int, list[pos_taxes.Tax]]:
    """{line id: its taxes in sequence order}."""
    if not line_ids:
        return {}
    Tax = env.registry["account.tax"]
    rel = _tax_rel()
    result: dict[int, list[pos_taxes.Tax]] = {}
    for row in await env.cr.rows(
            Tax.select(rel.pos_order_line_id, Tax.id, Tax.amount_type, Tax.amount,
                       Tax.price_include, Tax.include_base_amount)
            .join(rel, on=(rel.account_tax_id == Tax.id))
            .where(rel.pos_order_line_id.in_(line_ids))
            .order_by(Tax.sequence, Tax.id)):
        result.setdefault(row[0], []).append(_tax_spec(row[1:]))
    return result


async def _product_taxes(env: "Env", product_ids: list[int], company_id: int) -> dict[int, list]:
    """{product id: ids of its customer taxes of this restaurant} (Odoo filters by company)."""
    if not product_ids:
        return {}
    Tax = env.registry["account.tax"]
    rel = peewee.Table("product_taxes_rel", ("prod_id", "tax_id"))
    result: dict[int, list[int]] = {}
    for product_id, tax_id in await env.cr.rows(
            Tax.select(rel.prod_id, Tax.id).join(rel, on=(rel.tax_id == Tax.id))
            .where(rel.prod_id.in_(product_ids) & (Tax.company_id == company_id))
            .order_by(Tax.sequence, Tax.id)):
        result.setdefault(product_id, []).append(tax_id)
    return result


def _number(value: Any, name: str, fail: Any, step: Decimal) -> Decimal:
    """A number a client sent, exactly, at most as precise as ``step``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise fail(name, "Expected a number.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise fail(name, "Expected a number.") from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 12:
        raise fail(name, "Expected a number.")
    rounded = pos_taxes.round_to(number, step)
    if rounded != number:
        raise fail(name, f"At most {-step.as_tuple().exponent} decimals.")
    return rounded


def _shown(value: Decimal) -> str:
    return "0" if value == 0 else f"{value.normalize():f}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _m2m_ids(value: Any) -> list[int]:
    """Tax ids from what internal callers pass: ids, or [(6, 0, ids)] / [(4, id)] commands."""
    ids: list[int] = []
    for item in value or []:
        if isinstance(item, int):
            ids.append(item)
        elif isinstance(item, (list, tuple)) and item:
            if item[0] == 6:
                ids.extend(item[2] or [])
            elif item[0] == 4:
                ids.append(item[1])
    return list(dict.fromkeys(ids))


async def compute_amounts(env: "Env", order_ids: list[int]) -> None:
    """Recompute line subtotals and order totals (kept for callers of the first version)."""
    await PosOrder._recompute_amounts(env, order_ids)
