"""Loyalty points per restaurant: ``loyalty.program`` (the rules), ``loyalty.card``
(a customer's balance) and ``loyalty.move`` (why the balance changed).

The settings live on a small model, one row per restaurant, rather than on
``res.company``: a restaurant without a row (or with ``enabled`` off) simply
has no loyalty, the rules travel together (rate and rounding), they can grow
(expiry, rewards) without widening the company table, and ``res.company`` is
an access-affecting, audited model whose every write bumps the access
version. Odoo itself keeps loyalty in ``loyalty.program`` per company.

Points are whole numbers. A paid order with a customer earns
``amount_total x points_per_unit``, rounded as the restaurant chose (down,
half up or up); a refund takes back the same share of what its order earned
as the share of the order's total it returns, counted over all the refunds
of that order so that rounding never drifts (refunding 1/3 three times takes
back exactly what was earned). Both are moves written by
:func:`apply_paid_orders`, called by ``pos.order._mark_paid`` (the one place
an order becomes paid, whether it came from a till's ``create_from_ui``, an
Odoo 18 ``sync_from_ui`` or REST ``/pay``), in the payment's transaction.

The balance is kept in ``loyalty.card.points``, changed only by
:func:`_shift`: one ``INSERT ... ON CONFLICT DO UPDATE SET points = points +
change RETURNING points``, as stock quants are. The sum of the moves is
always equal to it (the tests check it), but a sum cannot guard the "never
below zero" rule: two concurrent adjustments would each read 10 and each
write -10 (write skew: they insert different rows, nothing conflicts). The
upsert makes the database do the arithmetic on one row, which PostgreSQL
locks until commit (the second transaction's serialization failure is
retried by the unit of work); SQLite units run one at a time. A manager's
adjustment that would go below zero is refused and rolled back; a refund
takes back at most the current balance (the customer may have been adjusted
down meanwhile), so the balance never goes below zero either way.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from peewee import EXCLUDED, fn

from . import security
from . import fields as F
from .api import public
from .base import BaseModel, check_ids, now_utc
from .exceptions import UserError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

ROUNDING = [("down", "Round down"), ("half_up", "Round half up"), ("up", "Round up")]
_ROUNDING_MODES = {"down": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "up": ROUND_CEILING}
KINDS = [("earned", "Earned on an order"), ("refunded", "Taken back on a refund"),
         ("adjusted", "Adjusted by a manager")]
#: The largest change a manager may make at once, and the largest balance there may be
#: (the points are 32-bit integers in the database; an order earns up to the ceiling).
MAX_ADJUST = 1_000_000
MAX_BALANCE = 1_000_000_000
MAX_REASON = 200
#: Orders that count as sold (as pos.order's SOLD_STATES: not imported, to stay below it).
_SOLD_STATES = ("paid", "done", "invoiced")

class LoyaltyNotEnabled(UserError):
    """The restaurant does not run a loyalty program (REST: 409 ``LOYALTY_NOT_ENABLED``:
    the customer exists, the restaurant's settings refuse; a 404 would read as an unknown
    customer). A plain UserError for Odoo's fronts."""

    http_status = 409
    code = "LOYALTY_NOT_ENABLED"


class LoyaltyProgram(BaseModel):
    _name = "loyalty.program"
    _description = "Loyalty Program"
    _order = "id"

    name = F.Char("Program Name", required=True, default="Loyalty points")
    # One program per restaurant: what _program relies on.
    company_id = F.Many2one("res.company", "Restaurant", required=True, unique=True,
                            default=lambda env: env.company_id)
    enabled = F.Boolean("Enabled", default=True,
                        help="Customers earn points on paid orders and managers may adjust them.")
    points_per_unit = F.Float("Points per Currency Unit", digits=(12, 4), required=True,
                              default=1.0, help="Points earned per unit of the order's total "
                                                "(taxes included).")
    rounding = F.Selection(ROUNDING, "Rounding", required=True, default="down",
                           help="How a fractional number of points is rounded.")

    @classmethod
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        _check_rate(vals)
        return await super()._create_one(env, vals)

    @public("records")
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        _check_rate(vals)
        return await super().write(env, ids, vals)


def _check_rate(vals: Any) -> None:
    rate = vals.get("points_per_unit") if isinstance(vals, dict) else None
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float))
                             or not 0 <= rate <= 1000):
        raise ValidationError("Points per currency unit must be a number from 0 to 1000.",
                              field_errors={"points_per_unit": "Must be from 0 to 1000"})


class LoyaltyCard(BaseModel):
    _name = "loyalty.card"
    _description = "Loyalty Balance"
    _order = "id"
    _rec_name = "partner_id"

    partner_id = F.Many2one("res.partner", "Customer", required=True, readonly=True,
                            ondelete="cascade", index=True)
    company_id = F.Many2one("res.company", "Restaurant", required=True, readonly=True,
                            index=True)
    points = F.Integer("Points", required=True, readonly=True, default=0,
                       help="The sum of the customer's moves in this restaurant; changed only "
                            "with a move.")

    class Meta:
        # One balance per customer and restaurant: what _shift's upsert relies on.
        indexes = ((("partner_id", "company_id"), True),)

    _display_name_depends = ("points",)

    @classmethod
    def _compute_display_name(cls, values: dict[str, Any]) -> Any:
        """A balance reads as its points (the customer is its own field, as in Odoo's card)."""
        return f"{values.get('points') or 0} points"

    @public("model", readonly=True)
    async def get_loyalty(cls, env: "Env", partner_id: Any) -> dict[str, Any]:
        """The customer's balance in the current restaurant (0 before any move);
        LoyaltyNotEnabled when the restaurant has no enabled program."""
        security.check_access(env, cls, security.READ)
        partner_id = _partner_arg(partner_id)
        await env.registry["res.partner"]._ensure_visible(env, [partner_id], security.READ)
        program = await _program(env, env.company_id)
        if program is None:
            raise LoyaltyNotEnabled("This restaurant does not run a loyalty program.")
        cards = await env["loyalty.card"].search_read(
            [("partner_id", "=", partner_id), ("company_id", "=", env.company_id)],
            ["points"], load=None)
        return {"partner_id": partner_id, "points": cards[0]["points"] if cards else 0,
                "points_per_unit": program[0], "rounding": program[1]}

    @public("model")
    async def adjust(cls, env: "Env", partner_id: Any, points: Any, reason: Any) -> dict[str, Any]:
        """Add (or, negative, remove) ``points`` for a reason, in the current restaurant.

        Managers only (the write right on balances). A balance may not go below
        zero: a ValidationError on ``points`` whose raise rolls the whole
        transaction back, balance included, so nothing is written.
        """
        security.check_access(env, cls, security.WRITE)
        partner_id = _partner_arg(partner_id)
        await env.registry["res.partner"]._ensure_visible(env, [partner_id], security.WRITE)
        company_id = env.company_id
        if company_id is None or await _program(env, company_id) is None:
            raise LoyaltyNotEnabled("This restaurant does not run a loyalty program.")
        errors: dict[str, str] = {}
        if isinstance(points, bool) or not isinstance(points, int):
            errors["points"] = "Must be a whole number"
        elif points == 0 or abs(points) > MAX_ADJUST:
            errors["points"] = f"Must be a whole number from -{MAX_ADJUST} to {MAX_ADJUST}, not 0"
        if not isinstance(reason, str) or not reason.strip():
            errors["reason"] = "Required"
        elif len(reason.strip()) > MAX_REASON:
            errors["reason"] = f"At most {MAX_REASON} characters"
        if errors:
            raise ValidationError("Invalid adjustment: " + ", ".join(sorted(errors)),
                                  field_errors=errors)
        old, new = await _shift(env, partner_id, company_id, points)
        if new < 0:
            raise ValidationError(
                f"The balance is {old} points: removing {-points} would leave it below zero.",
                field_errors={"points": f"The balance is {old}: it cannot go below zero"})
        if new > MAX_BALANCE:
            raise ValidationError(
                f"A balance cannot exceed {MAX_BALANCE} points.",
                field_errors={"points": f"The balance would exceed {MAX_BALANCE}"})
        move_id = await _record(env, partner_id, company_id, None, points, new, "adjusted",
                                reason.strip())  # type: ignore[union-attr]
        return {"partner_id": partner_id, "points": new, "move_id": move_id}


class LoyaltyMove(BaseModel):
    _name = "loyalty.move"
    _description = "Loyalty Points Move"
    _order = "date desc, id desc"
    _rec_name = "reason"

    date = F.Datetime("Date", required=True, readonly=True, index=True,
                      default=lambda env: now_utc())
    partner_id = F.Many2one("res.partner", "Customer", required=True, readonly=True,
                            ondelete="cascade", index=True)
    company_id = F.Many2one("res.company", "Restaurant", required=True, readonly=True,
                            index=True)
    order_id = F.Many2one("pos.order", "Order", readonly=True, index=True,
                          help="The order that earned the points, or the refund that took "
                               "them back.")
    points = F.Integer("Points", required=True, readonly=True,
                       help="Signed: negative for points taken back or removed.")
    balance_after = F.Integer("Balance After", required=True, readonly=True)
    kind = F.Selection(KINDS, "Kind", required=True, readonly=True, index=True)
    reason = F.Char("Reason", required=True, readonly=True)


# ---------------------------------------------------------------------------
# What pos.order calls
# ---------------------------------------------------------------------------

async def apply_paid_orders(env: "Env", order_ids: list[int]) -> None:
    """Earn points for paid orders with a customer; take them back for paid refunds.

    Called by ``pos.order._mark_paid`` once the orders are paid, in its
    transaction. An order that has a move already is skipped (a repeated call
    changes nothing). Restaurants without an enabled program earn nothing;
    a refund takes back what its order earned even if the program was turned
    off since.
    """
    order_ids = check_ids(order_ids)
    if not order_ids:
        return
    orders, moves = env.registry["pos.order"], env.registry["loyalty.move"]
    done = {row[0] for row in await env.cr.rows(
        moves.select(moves.order_id).distinct().where(moves.order_id.in_(order_ids)))}
    rows = await env.cr.rows(orders.select(
        orders.id, orders.name, orders.partner_id, orders.company_id, orders.amount_total,
        orders.refunded_order_id).where(orders.id.in_([i for i in order_ids if i not in done]))
        .order_by(orders.id))
    for order_id, name, partner_id, company_id, total, refunded_id in rows:
        if refunded_id:
            await _take_back(env, order_id, name, refunded_id)
            continue
        program = await _program(env, company_id)
        amount = _decimal(total)
        if not partner_id or program is None or amount <= 0:
            continue
        balance, _same = await _shift(env, partner_id, company_id, 0)    # locks the balance
        points = min(_rounded(amount * _decimal(program[0]), program[1]), MAX_BALANCE - balance)
        if points <= 0:
            continue
        _old, new = await _shift(env, partner_id, company_id, points)
        await _record(env, partner_id, company_id, order_id, points, new, "earned",
                      f"Order {name}")


async def _take_back(env: "Env", refund_id: int, refund_name: str, order_id: int) -> None:
    """The share of what ``order_id`` earned that its paid refunds return, less what
    earlier refunds took back already (at most the current balance)."""
    orders, moves = env.registry["pos.order"], env.registry["loyalty.move"]
    earned = await env.cr.first(
        moves.select(moves.partner_id, moves.company_id, fn.SUM(moves.points))
        .where((moves.order_id == order_id) & (moves.kind == "earned"))
        .group_by(moves.partner_id, moves.company_id))
    if earned is None or not earned[2] or earned[2] <= 0:
        return
    partner_id, company_id, points = earned
    original = await env.cr.first(orders.select(orders.amount_total, orders.name)
                                  .where(orders.id == order_id))
    if original is None or _decimal(original[0]) <= 0:
        return
    refunds = await env.cr.rows(orders.select(orders.id, orders.amount_total).where(
        (orders.refunded_order_id == order_id) & orders.state.in_(_SOLD_STATES)))
    returned = -sum((_decimal(total) for _id, total in refunds), Decimal(0))
    share = min(Decimal(1), max(Decimal(0), returned / _decimal(original[0])))
    program = await _program(env, company_id, enabled_only=False)
    target = _rounded(Decimal(points) * share, program[1] if program else "half_up")
    (taken,) = await env.cr.first(
        moves.select(fn.COALESCE(fn.SUM(moves.points), 0)).where(
            (moves.kind == "refunded") & (moves.partner_id == partner_id)
            & moves.order_id.in_([row[0] for row in refunds])))
    due = target + int(taken or 0)       # taken is negative
    if due <= 0:
        return
    balance, _same = await _shift(env, partner_id, company_id, 0)     # locks the balance
    change = -min(due, balance)
    if change == 0:
        return
    _old, new = await _shift(env, partner_id, company_id, change)
    await _record(env, partner_id, company_id, refund_id, change, new, "refunded",
                  f"Refund {refund_name} of {original[1]}")


# ---------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------

def _partner_arg(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Invalid partner id {value!r}")
    return value


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def _rounded(value: Decimal, rounding: str) -> int:
    return int(value.quantize(Decimal(1), rounding=_ROUNDING_MODES.get(rounding, ROUND_FLOOR)))


async def _program(env: "Env", company_id: int | None,
                   enabled_only: bool = True) -> tuple[float, str] | None:
    """(points per unit, rounding) of the restaurant's program, or None."""
    if company_id is None:
        return None
    model = env.registry["loyalty.program"]
    where = model.company_id == company_id
    if enabled_only:
        where &= model.enabled == True  # noqa: E712 - peewee expression
    row = await env.cr.first(model.select(model.points_per_unit, model.rounding).where(where))
    return (float(row[0] or 0), row[1]) if row else None


async def _shift(env: "Env", partner_id: int, company_id: int, change: int) -> tuple[int, int]:
    """Add ``change`` to the balance (created at 0 if need be); answer (before, after).

    The only statement that changes a balance (see the module docstring); a
    zero change takes the row lock without changing anything.
    """
    card = env.registry["loyalty.card"]
    stamp = now_utc()
    query = (card.insert({
        card.partner_id: partner_id, card.company_id: company_id, card.points: change,
        card.create_uid: env.uid, card.write_uid: env.uid,
        card.create_date: stamp, card.write_date: stamp,
    }).on_conflict(
        conflict_target=[card.partner_id, card.company_id],
        update={card.points: card.points + EXCLUDED.points,
                card.write_uid: env.uid, card.write_date: stamp},
    ).returning(card.points))
    ((after,),) = await env.cr.rows(query)
    return int(after) - change, int(after)


async def _record(env: "Env", partner_id: int, company_id: int, order_id: int | None,
                  points: int, balance: int, kind: str, reason: str) -> int:
    """One move, as the superuser (nobody writes moves directly), authored by the caller."""
    return await env.sudo()["loyalty.move"].create({
        "partner_id": partner_id, "company_id": company_id, "order_id": order_id,
        "points": points, "balance_after": balance, "kind": kind, "reason": reason[:MAX_REASON]})
