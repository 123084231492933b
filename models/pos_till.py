"""Where an order is rung up: a session of a till, and what checking an order needs of it.

Every way an order reaches the server (``create_from_ui``, ``sync_from_ui``,
the ORM, payments added later) starts here: the session must exist, belong
to a restaurant the caller works in, and be open; the till gives the
currency rounding, the payment methods it accepts, which of them is cash,
and whether its prices are the menu's (``restrict_price_control``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import peewee

from . import security
from .exceptions import UserError, ValidationError
from .pos_taxes import CENT, to_decimal

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env


@dataclass(frozen=True)
class Till:
    """The session an order is rung up in, with what checking it needs."""

    session_id: int
    session_state: str
    company_id: int
    config_id: int
    currency_id: int | None
    rounding: Decimal
    restrict_price_control: bool
    method_ids: frozenset[int]
    cash_method_ids: frozenset[int]

    @classmethod
    async def load(cls, env: "Env", session_id: Any, *, field: str = "session_id",
                   check_open: bool = True, reroute: bool = False) -> "Till":
        """The till of ``session_id``, which must be open to take orders.

        ``reroute``: an order sent to a session closed meanwhile (an offline
        POS catching up) goes to the till's open session, as Odoo 18 does;
        without one it is refused, never recorded in a closed session.
        """
        Session = env.registry["pos.session"]
        if isinstance(session_id, bool) or not isinstance(session_id, int):
            raise ValidationError("An order is rung up in a session.",
                                  field_errors={field: "A session is required"})
        if not env.su:
            found = await Session._visible_ids(env, [session_id])
            if not found:
                await Session._raise_hidden(env, [session_id], security.READ)
        row = await env.cr.first(Session.select(
            Session.id, Session.state, Session.company_id, Session.config_id, Session.name)
            .where(Session.id == session_id))
        if row is None:
            raise ValidationError(f"Session {session_id} does not exist.",
                                  field_errors={field: "Session does not exist"})
        _id, state, company_id, config_id, name = row
        if check_open and state != "opened":
            if reroute and state in ("closing_control", "closed"):
                current = await env.cr.first(Session.select(Session.id).where(
                    (Session.config_id == config_id) & (Session.state == "opened"))
                    .order_by(Session.id.desc()))
                if current is not None:
                    return await cls.load(env.sudo(), current[0], field=field)
                raise UserError(f"The session {name} is closed and no other session of its point "
                                "of sale is open. Please open a new session to capture the "
                                "order.")
            label = dict(Session._fields["state"].selection).get(state, state)
            raise ValidationError(f"The session {name} is not open ({label}): orders can only be "
                                  "recorded in an open session.",
                                  field_errors={field: "The session is not open"})
        Config, Currency = env.registry["pos.config"], env.registry["res.currency"]
        Company, Method = env.registry["res.company"], env.registry["pos.payment.method"]
        config = await env.cr.first(Config.select(
            Config.currency_id, Config.restrict_price_control).where(Config.id == config_id))
        currency_id = config[0] if config else None
        if not currency_id:
            company = await env.cr.first(Company.select(Company.currency_id)
                                         .where(Company.id == company_id))
            currency_id = company[0] if company else None
        rounding = CENT
        if currency_id:
            found_rounding = await env.cr.first(Currency.select(Currency.rounding)
                                                .where(Currency.id == currency_id))
            if found_rounding and found_rounding[0]:
                rounding = to_decimal(found_rounding[0]).normalize()
        rel = peewee.Table("pos_config_pos_payment_method_rel",
                           ("pos_config_id", "pos_payment_method_id"))
        methods = await env.cr.rows(
            Method.select(Method.id, Method.type, Method.is_cash_count)
            .join(rel, on=(rel.pos_payment_method_id == Method.id))
            .where((rel.pos_config_id == config_id) & (Method.active == True)  # noqa: E712
                   & (Method.company_id == company_id)))
        # Unset (a till older than the setting) counts as restricted: the safe side.
        restricted = config is None or config[1] is None or bool(config[1])
        return cls(session_id, state, company_id, config_id, currency_id, rounding,
                   restricted, frozenset(row[0] for row in methods),
                   frozenset(row[0] for row in methods if row[1] == "cash" or row[2]))

    def may_change_prices(self, env: "Env") -> bool:
        """POS managers always; other users where the till lets them (Odoo's setting)."""
        if env.su or not self.restrict_price_control:
            return True
        return bool(env.user and env.user.has_group(security.POS_MANAGER))
