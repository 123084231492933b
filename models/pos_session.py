"""``pos.session``: a shift on one point of sale, from opening cash to closing count.

States, as in Odoo::

    opening_control --> opened --> closing_control --> closed
                           \\----------------------------/

A point of sale has at most one session that is not closed, and the
database says so: ``open_config_id`` holds the till while the session is
not closed (NULL once closed) under a UNIQUE index, so two cashiers opening
the same till at the same moment cannot both succeed, whatever the code
checked before. ``pos.config.current_session_id``/``current_session_state``
follow every change.

Closing (the Odoo 16/17 closing popup): ``get_closing_control_data`` shows
the expected cash (opening float + cash payments, change included) and the
other methods' totals, ``post_closing_cash_details`` stores the counted
cash and the difference, ``close_session_from_ui`` posts the paid orders
(``done``) and closes. A session with unpaid (draft) orders cannot close.

The restaurant is open while one of its sessions is not closed: the first
session to open sends ``restaurant_status`` "open", the last one to close
"closed" (models/bus.py). Openings and closings of one restaurant take the
restaurant's row lock first, so two tills opening at once cannot both be
the first.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import peewee

from . import bus, security
from . import fields as F
from .api import public
from .audit import batched
from .base import BaseModel, check_ids, now_utc
from .exceptions import AccessError, Conflict, InvalidStateTransition, UserError, ValidationError
from .pos_config import PosConfig
from .pos_taxes import ZERO, round_to, to_decimal

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

SESSION_STATES = [
    ("opening_control", "Opening Control"),
    ("opened", "In Progress"),
    ("closing_control", "Closing Control"),
    ("closed", "Closed & Posted"),
]
SESSION_LABELS = dict(SESSION_STATES)
SESSION_TRANSITIONS = {
    "opening_control": ("opened",),
    "opened": ("closing_control", "closed"),
    "closing_control": ("closed",),
}
DRAFTS_LEFT = "You cannot close the POS when orders are still in draft"


class PosSession(BaseModel):
    _name = "pos.session"
    _audit = True
    _description = "Point of Sale Session"
    _order = "id desc"
    _private_fields = ("open_config_id",)

    name = F.Char("Session ID", required=True, readonly=True, default="/")
    config_id = F.Many2one("pos.config", "Point of Sale", required=True, index=True)
    user_id = F.Many2one("res.users", "Opened By", required=True, index=True,
                         default=lambda env: env.uid)
    company_id = F.Many2one("res.company", "Company", required=True, index=True,
                            default=lambda env: env.company_id)
    currency_id = F.Many2one("res.currency", "Currency")
    state = F.Selection(SESSION_STATES, "Status", required=True, readonly=True,
                        default="opening_control", index=True)
    start_at = F.Datetime("Opening Date", readonly=True)
    stop_at = F.Datetime("Closing Date", readonly=True, copy=False)
    sequence_number = F.Integer("Order Sequence Number", default=1)
    login_number = F.Integer("Login Sequence Number", default=0)
    rescue = F.Boolean("Recovery Session", default=False, readonly=True)
    opening_notes = F.Text("Opening Notes")
    closing_notes = F.Text("Closing Notes")
    cash_register_balance_start = F.Monetary("Starting Balance", readonly=True)
    cash_register_balance_end_real = F.Monetary("Ending Balance", readonly=True)
    cash_register_difference = F.Monetary("Difference", readonly=True)
    order_ids = F.One2many("pos.order", "session_id", "Orders")
    payment_method_ids = F.Many2many("pos.payment.method", "pos_payment_method_pos_session_rel",
                                     "pos_session_id", "pos_payment_method_id", "Payment Methods")
    # The till while the session is not closed, NULL once it is: see the module docstring.
    open_config_id = F.Integer("Open on Point of Sale", readonly=True, index=False)

    class Meta:
        indexes = ((("open_config_id",), True),)

    # ------------------------------------------------------------------
    # ORM paths
    # ------------------------------------------------------------------
    @classmethod
    @batched
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r}: expected a dictionary")
        vals = dict(vals)
        config_id = vals.get("config_id") or env.context.get("default_config_id")
        if isinstance(config_id, bool) or not isinstance(config_id, int):
            raise UserError("You should assign a Point of Sale to your session.")
        Config = env.registry["pos.config"]
        creator = env
        if not env.su:
            cls._split_vals(env, vals)                  # no read-only field from clients
            await Config._ensure_visible(env, [config_id], security.READ)
            creator = env.sudo()
        config = await env.cr.first(Config.select(
            Config.company_id, Config.currency_id, Config.cash_control, Config.name)
            .where(Config.id == config_id))
        if config is None:
            raise ValidationError(f"Point of sale {config_id} does not exist.",
                                  field_errors={"config_id": "Record does not exist"})
        company_id, currency_id, cash_control, config_name = config
        if vals.get("state", "opening_control") != "closed":
            # Writing the till's row serializes two openings of it: on PostgreSQL the second
            # waits, fails, is retried and then finds the first session (the unique index
            # on open_config_id is the backstop, not the everyday answer).
            await env.cr.run(Config.update({Config.id: Config.id}).where(Config.id == config_id))
            open_one = await env.cr.first(cls.select(cls.name).where(
                (cls.config_id == config_id) & (cls.state != "closed")))
            if open_one is not None:
                raise Conflict(
                    f"Another session is already opened for this point of sale ({config_name}: "
                    f"{open_one[0]}).", field_errors={"config_id": "A session is already open"})
        vals.update(config_id=config_id, company_id=company_id)
        vals.setdefault("currency_id", currency_id)
        new_id = await super()._create_one(creator, vals)
        values: dict[Any, Any] = {}
        if vals.get("name") in (None, False, "", "/"):
            values[cls.name] = f"POS/{new_id:05d}"
        names = ("state", "name", "start_at", "cash_register_balance_start")
        (*created, company_id) = await env.cr.first(cls.select(
            *(cls._fields[name] for name in names), cls.company_id).where(cls.id == new_id))
        state = created[0]
        if state == "opening_control":
            values[cls.start_at] = now_utc()
            if cash_control:    # the float left by the last session is counted in
                last = await env.cr.first(cls.select(cls.cash_register_balance_end_real).where(
                    (cls.config_id == config_id) & (cls.id != new_id)).order_by(cls.id.desc()))
                values[cls.cash_register_balance_start] = last[0] if last and last[0] else 0
            else:
                values[cls.state] = "opened"
        if values:
            await env.cr.run(cls.update(values).where(cls.id == new_id))
            # in the batch: merged into the creation's entry
            await env["audit.log"]._log_changes(cls, [(new_id, company_id,
                                                       dict(zip(names, created)), values)])
        await cls._sync_config(env, [new_id])
        if state != "closed":       # (opening_control may have become opened: still open)
            await cls._announce(env, new_id, company_id, opened=True)
        return new_id

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        moving = isinstance(vals, dict) and "state" in vals    # the superuser's path only
        sessions = await cls._restaurant_of(env, check_ids(ids)) if moving else {}
        before = await cls._open_restaurants(env, set(sessions.values()))
        result = await super().write(env, ids, vals)
        if isinstance(vals, dict) and {"state", "config_id"} & set(vals):
            await cls._sync_config(env, check_ids(ids))
        if moving:
            after = await cls._open_restaurants(env, set(sessions.values()))
            for session_id, company_id in sessions.items():
                if (company_id in before) != (company_id in after):
                    await cls._send_status(env, company_id, session_id, company_id in after)
                    before ^= {company_id}           # once per restaurant
        return result

    @classmethod
    async def _restaurant_of(cls, env: "Env", ids: list[int]) -> dict[int, int]:
        """session id -> its restaurant."""
        return dict(await env.cr.rows(cls.select(cls.id, cls.company_id).where(cls.id.in_(ids))
                                      .order_by(cls.id)))

    @classmethod
    async def _open_restaurants(cls, env: "Env", company_ids: set[int]) -> set[int]:
        """Those of ``company_ids`` with a session that is not closed."""
        if not company_ids:
            return set()
        return {row[0] for row in await env.cr.rows(
            cls.select(cls.company_id).distinct().where(
                cls.company_id.in_(sorted(company_ids)) & (cls.state != "closed")))}

    @classmethod
    async def _announce(cls, env: "Env", session_id: int, company_id: int,
                        opened: bool) -> None:
        """``restaurant_status`` when ``session_id`` just made its restaurant open (the
        first session not closed) or closed (the last one closed)."""
        Company = env.registry["res.company"]
        await env.cr.run(Company.update({Company.id: Company.id}).where(Company.id == company_id))
        other = await env.cr.first(cls.select(cls.id).where(
            (cls.company_id == company_id) & (cls.state != "closed") & (cls.id != session_id))
            .limit(1))
        if other is None:
            await cls._send_status(env, company_id, session_id, opened)

    @classmethod
    async def _send_status(cls, env: "Env", company_id: int, session_id: int,
                           opened: bool) -> None:
        await bus.send_restaurant(env, company_id, "restaurant_status", {
            "status": "open" if opened else "closed", "session_id": session_id,
            "reason": "session opened" if opened else "session closed"})

    @classmethod
    async def _sync_config(cls, env: "Env", ids: list[int]) -> None:
        """``open_config_id`` and the till's current session, after a change of state."""
        Config = env.registry["pos.config"]
        for session_id, config_id, state in await env.cr.rows(
                cls.select(cls.id, cls.config_id, cls.state).where(cls.id.in_(ids))):
            closed = state == "closed"
            await env.cr.run(cls.update({cls.open_config_id: None if closed else config_id})
                             .where(cls.id == session_id))
            if closed:
                await env.cr.run(Config.update({Config.current_session_id: None,
                                                Config.current_session_state: None})
                                 .where((Config.id == config_id)
                                        & (Config.current_session_id == session_id)))
            else:
                await env.cr.run(Config.update({Config.current_session_id: session_id,
                                                Config.current_session_state: state})
                                 .where(Config.id == config_id))

    # ------------------------------------------------------------------
    # State changes
    # ------------------------------------------------------------------
    @classmethod
    async def _sessions(cls, env: "Env", ids: Any, operation: str = security.WRITE) -> list[int]:
        ids = check_ids(ids)
        security.check_access(env, cls, operation)
        return await cls._ensure_visible(env, ids, operation)

    @classmethod
    async def _set_state(cls, env: "Env", session_id: int, new_state: str,
                         values: dict[Any, Any] | None = None) -> None:
        """Move the session to ``new_state`` with ``values``, logged with the old values
        read here."""
        extra = sorted({column.name for column in values or {}} - {"name", "state"})
        (name, state, company_id, *before) = await env.cr.first(cls.select(
            cls.name, cls.state, cls.company_id, *(cls._fields[column] for column in extra))
            .where(cls.id == session_id))
        if state == "closed" and new_state == "closed":
            raise InvalidStateTransition("This session is already closed.")
        if new_state != state and new_state not in SESSION_TRANSITIONS.get(state, ()):
            raise InvalidStateTransition(f"Cannot change the session {name} from "
                                         f"'{SESSION_LABELS[state]}' to "
                                         f"'{SESSION_LABELS[new_state]}'.")
        changes = {cls.state: new_state, cls.write_uid: env.uid, cls.write_date: now_utc()}
        changes.update(values or {})
        await env.cr.run(cls.update(changes).where(cls.id == session_id))
        await env["audit.log"]._log_changes(cls, [(
            session_id, company_id, {"name": name, "state": state, **dict(zip(extra, before))},
            changes)])
        await cls._sync_config(env, [session_id])
        if new_state == "closed":
            await cls._announce(env, session_id, company_id, opened=False)

    @public("records")
    async def action_pos_session_open(cls, env: "Env", ids: Any) -> bool:
        for session_id in await cls._sessions(env, ids):
            (state, start_at) = await env.cr.first(cls.select(cls.state, cls.start_at)
                                                   .where(cls.id == session_id))
            if state == "opening_control":
                await cls._set_state(env, session_id, "opened",
                                     {cls.start_at: start_at or now_utc()})
        return True

    @public("records")
    async def set_cashbox_pos(cls, env: "Env", ids: Any, cashbox_value: Any,
                              notes: Any = None) -> None:
        """The opening cash count: the session opens with this float in the drawer."""
        (session_id,) = await cls._one(env, ids)
        amount = _amount(cashbox_value, "cashbox_value")
        (state, start_at) = await env.cr.first(cls.select(cls.state, cls.start_at)
                                               .where(cls.id == session_id))
        values = {cls.cash_register_balance_start: amount,
                  cls.opening_notes: notes if isinstance(notes, str) else None,
                  cls.start_at: start_at or now_utc()}
        if state in ("opening_control", "opened"):
            await cls._set_state(env, session_id, "opened", values)
        else:
            await cls._set_state(env, session_id, "opened")   # refused: names both states

    @public("records")
    async def login(cls, env: "Env", ids: Any) -> int:
        (session_id,) = await cls._one(env, ids)
        (old, company_id) = await env.cr.first(cls.select(cls.login_number, cls.company_id)
                                               .where(cls.id == session_id))
        number = (old or 0) + 1
        await env.cr.run(cls.update({cls.login_number: number}).where(cls.id == session_id))
        await env["audit.log"]._log_changes(cls, [(session_id, company_id,
                                                   {"login_number": old},
                                                   {"login_number": number})])
        return number

    @classmethod
    async def _one(cls, env: "Env", ids: Any) -> list[int]:
        ids = await cls._sessions(env, ids)
        if len(ids) != 1:
            raise ValueError(f"Expected singleton: pos.session{tuple(ids)}")
        return ids

    # ------------------------------------------------------------------
    # Money of a session
    # ------------------------------------------------------------------
    @classmethod
    async def _totals(cls, env: "Env", session_id: int) -> dict[str, Any]:
        """Sales and payments of the session's sold (paid, posted, invoiced) orders."""
        Order, Payment = env.registry["pos.order"], env.registry["pos.payment"]
        Method = env.registry["pos.payment.method"]
        sold = ("paid", "done", "invoiced")
        orders = await env.cr.rows(Order.select(Order.amount_total, Order.amount_tax).where(
            (Order.session_id == session_id) & Order.state.in_(sold)))
        payments = await env.cr.rows(
            Payment.select(Payment.payment_method_id, Payment.amount)
            .join_from(Payment, Order, on=(Order.id == Payment.pos_order_id))
            .where((Order.session_id == session_id) & Order.state.in_(sold)))
        config_id, start = await env.cr.first(cls.select(
            cls.config_id, cls.cash_register_balance_start).where(cls.id == session_id))
        rel = PosConfig._fields["payment_method_ids"]
        table = peewee.Table(rel.relation, (rel.column1, rel.column2))
        methods = await env.cr.rows(
            Method.select(Method.id, Method.name, Method.type, Method.is_cash_count)
            .join(table, on=(getattr(table, rel.column2) == Method.id))
            .where(getattr(table, rel.column1) == config_id).order_by(Method.sequence, Method.id))
        used = {row[0] for row in payments}
        known = {row[0] for row in methods}
        if used - known:        # a method since removed from the till still counts
            methods += await env.cr.rows(
                Method.select(Method.id, Method.name, Method.type, Method.is_cash_count)
                .where(Method.id.in_(sorted(used - known))).order_by(Method.sequence, Method.id))
        by_method = {row[0]: [ZERO, 0] for row in methods}
        for method_id, amount in payments:
            by_method[method_id][0] += to_decimal(amount)
            by_method[method_id][1] += 1
        cash = next((row for row in methods if row[2] == "cash" or row[3]), None)
        return {
            "orders": len(orders),
            "amount_total": sum((to_decimal(row[0]) for row in orders), ZERO),
            "amount_tax": sum((to_decimal(row[1]) for row in orders), ZERO),
            "methods": methods, "by_method": by_method, "cash": cash,
            "opening": to_decimal(start or 0),
        }

    @public("records", readonly=True)
    async def get_session_totals(cls, env: "Env", ids: Any) -> list[dict[str, Any]]:
        """What each session sold and took, per payment method, and its cash drawer."""
        ids = await cls._sessions(env, ids, security.READ)
        result = []
        for session_id in ids:
            totals = await cls._totals(env, session_id)
            name, state, counted, difference = await env.cr.first(cls.select(
                cls.name, cls.state, cls.cash_register_balance_end_real,
                cls.cash_register_difference).where(cls.id == session_id))
            cash = totals["cash"]
            cash_in = totals["by_method"][cash[0]][0] if cash else ZERO
            result.append({
                "id": session_id, "name": name, "state": state,
                "orders_count": totals["orders"],
                "amount_total": float(totals["amount_total"]),
                "amount_tax": float(totals["amount_tax"]),
                "payments": [{"payment_method_id": method_id, "name": method_name,
                              "type": method_type,
                              "amount": float(totals["by_method"][method_id][0]),
                              "count": totals["by_method"][method_id][1]}
                             for method_id, method_name, method_type, _cash in totals["methods"]],
                "cash": {"opening": float(totals["opening"]), "payments": float(cash_in),
                         "expected": float(totals["opening"] + cash_in),
                         "counted": float(counted) if counted is not None else False,
                         "difference": float(difference) if difference is not None else False},
            })
        return result

    @public("records", readonly=True)
    async def get_closing_control_data(cls, env: "Env", ids: Any) -> dict[str, Any]:
        """The closing popup of the Odoo 16/17 POS (keys as Odoo 16 answers them)."""
        if not env.su and not env.user.has_group(security.POS_USER):  # type: ignore[union-attr]
            raise AccessError("You don't have the access rights to get the point of sale closing "
                              "control data.")
        ids = await cls._sessions(env, ids, security.READ)
        if len(ids) != 1:
            raise ValueError(f"Expected singleton: pos.session{tuple(ids)}")
        session_id = ids[0]
        totals = await cls._totals(env, session_id)
        (notes,) = await env.cr.first(cls.select(cls.opening_notes).where(cls.id == session_id))
        cash = totals["cash"]
        by_method = totals["by_method"]
        cash_payments = by_method[cash[0]][0] if cash else ZERO
        pay_later = sum((by_method[m[0]][0] for m in totals["methods"] if m[2] == "pay_later"),
                        ZERO)
        return {
            "orders_details": {"quantity": totals["orders"],
                               "amount": float(totals["amount_total"])},
            "payments_amount": float(sum((v[0] for v in by_method.values()), ZERO) - pay_later),
            "pay_later_amount": float(pay_later),
            "opening_notes": notes or False,
            "default_cash_details": {
                "name": cash[1], "amount": float(totals["opening"] + cash_payments),
                "opening": float(totals["opening"]), "payment_amount": float(cash_payments),
                "moves": [], "id": cash[0],
            } if cash else None,
            "other_payment_methods": [{
                "name": name, "amount": float(by_method[method_id][0]),
                "number": by_method[method_id][1], "id": method_id, "type": method_type,
            } for method_id, name, method_type, _is_cash in totals["methods"]
                if not cash or method_id != cash[0]],
            "is_manager": bool(env.su or env.user.has_group(  # type: ignore[union-attr]
                security.POS_MANAGER)),
            "amount_authorized_diff": None,
        }

    @classmethod
    async def _cannot_close(cls, env: "Env", session_id: int) -> dict[str, Any] | None:
        Order = env.registry["pos.order"]
        (state,) = await env.cr.first(cls.select(cls.state).where(cls.id == session_id))
        if await env.cr.first(Order.select(Order.id).where(
                (Order.session_id == session_id) & (Order.state == "draft")).limit(1)):
            return {"successful": False, "message": DRAFTS_LEFT, "redirect": False}
        if state == "closed":
            return {"successful": False, "type": "alert", "title": "Session already closed",
                    "message": "The session has been already closed by another User.",
                    "redirect": True}
        return None

    @public("records")
    async def post_closing_cash_details(cls, env: "Env", ids: Any,
                                        counted_cash: Any) -> dict[str, Any]:
        """The counted cash, and its difference with what the drawer should hold."""
        (session_id,) = await cls._one(env, ids)
        refused = await cls._cannot_close(env, session_id)
        if refused:
            return refused
        counted = _amount(counted_cash, "counted_cash")
        totals = await cls._totals(env, session_id)
        cash = totals["cash"]
        if not cash:
            raise UserError("There is no cash register in this session.")
        expected = totals["opening"] + totals["by_method"][cash[0]][0]
        changes = {cls.cash_register_balance_end_real: counted,
                   cls.cash_register_difference: counted - expected}
        Log = env["audit.log"]
        before = await Log._snapshot(cls, [session_id], changes, {})
        changes.update({cls.write_uid: env.uid, cls.write_date: now_utc()})
        await env.cr.run(cls.update(changes).where(cls.id == session_id))
        if before:
            await Log._log_write(cls, [session_id], before, changes)
        return {"successful": True}

    @public("records")
    async def update_closing_control_state_session(cls, env: "Env", ids: Any,
                                                   notes: Any = None) -> None:
        (session_id,) = await cls._one(env, ids)
        await cls._set_state(env, session_id, "closing_control", {
            cls.stop_at: now_utc(), cls.closing_notes: notes if isinstance(notes, str) else None})

    @public("records")
    async def close_session_from_ui(cls, env: "Env", ids: Any,
                                    bank_payment_method_diff_pairs: Any = None) -> dict[str, Any]:
        """Close the session from the POS: ``{successful: true}``, or why not."""
        (session_id,) = await cls._one(env, ids)
        refused = await cls._cannot_close(env, session_id)
        if refused:
            return refused
        await cls._close(env, session_id)
        return {"successful": True}

    @public("records")
    async def action_pos_session_closing_control(cls, env: "Env", ids: Any,
                                                 balancing_account: Any = False,
                                                 amount_to_balance: Any = 0,
                                                 bank_payment_method_diffs: Any = None) -> bool:
        """Close sessions from the back office (a UserError if orders are unpaid)."""
        for session_id in await cls._sessions(env, ids):
            refused = await cls._cannot_close(env, session_id)
            if refused:
                raise UserError(refused["message"])
            await cls._close(env, session_id)
        return True

    @classmethod
    @batched
    async def _close(cls, env: "Env", session_id: int) -> None:
        """Post the paid orders and close."""
        Order = env.registry["pos.order"]
        paid = [row[0] for row in await env.cr.rows(Order.select(Order.id).where(
            (Order.session_id == session_id) & (Order.state == "paid")).order_by(Order.id))]
        await Order._mark_done(env, paid)
        (stop_at,) = await env.cr.first(cls.select(cls.stop_at).where(cls.id == session_id))
        await cls._set_state(env, session_id, "closed", {cls.stop_at: stop_at or now_utc()})


def _amount(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValidationError(f"Invalid {name} {value!r}: expected an amount",
                              field_errors={name: "Expected an amount"})
    try:
        amount = to_decimal(value)
    except Exception:
        raise ValidationError(f"Invalid {name} {value!r}: expected an amount",
                              field_errors={name: "Expected an amount"}) from None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 12:
        raise ValidationError(f"Invalid {name} {value!r}: expected an amount",
                              field_errors={name: "Expected an amount"})
    return round_to(amount)
