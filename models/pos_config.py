"""``pos.config`` (a point of sale: a till, a bar, a terrace) and its payment methods."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import fields as F
from . import security
from .api import public
from .base import BaseModel, check_ids

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env


class PosPaymentMethod(BaseModel):
    _name = "pos.payment.method"
    _audit = True
    _description = "Point of Sale Payment Methods"
    _order = "sequence, id"

    name = F.Char("Method", required=True)
    sequence = F.Integer("Sequence", default=1)
    type = F.Selection([("cash", "Cash"), ("bank", "Bank"), ("pay_later", "Customer Account")],
                       "Type", required=True, default="bank")
    is_cash_count = F.Boolean("Cash", default=False)
    split_transactions = F.Boolean("Identify Customer", default=False)
    active = F.Boolean("Active", default=True)
    company_id = F.Many2one("res.company", "Company", required=True,
                            default=lambda env: env.company_id)
    config_ids = F.Many2many("pos.config", "pos_config_pos_payment_method_rel",
                             "pos_payment_method_id", "pos_config_id", "Point of Sale")


class PosConfig(BaseModel):
    _name = "pos.config"
    _audit = True
    # mirrors of its session's state, whose changes the session logs (models/audit.py)
    _audit_exclude = ("current_session_id", "current_session_state")
    _description = "Point of Sale Configuration"
    _order = "id"

    name = F.Char("Point of Sale", required=True, index=True)
    active = F.Boolean("Active", default=True)
    company_id = F.Many2one("res.company", "Company", required=True,
                            default=lambda env: env.company_id)
    currency_id = F.Many2one("res.currency", "Currency")
    module_pos_restaurant = F.Boolean("Is a Bar/Restaurant", default=False)
    payment_method_ids = F.Many2many("pos.payment.method", "pos_config_pos_payment_method_rel",
                                     "pos_config_id", "pos_payment_method_id", "Payment Methods")
    floor_ids = F.Many2many("restaurant.floor", "pos_config_restaurant_floor_rel",
                            "pos_config_id", "restaurant_floor_id", "Restaurant Floors")
    current_session_id = F.Many2one("pos.session", "Current Session", readonly=True,
                                    constraint=False, copy=False)
    current_session_state = F.Char("Current Session State", readonly=True, copy=False)
    cash_control = F.Boolean("Advanced Cash Control", default=False)
    # Odoo's setting, with the other default: Odoo lets every cashier change prices and
    # give discounts until someone ticks it; a platform for many restaurants starts safe.
    restrict_price_control = F.Boolean(
        "Restrict Price Modifications to Managers", default=True,
        help="Only POS managers may sell below or above the menu price or give discounts.")
    iface_print_via_proxy = F.Boolean("Print via Proxy", default=False)
    iface_cashdrawer = F.Boolean("Cashdrawer", default=False)
    iface_scan_via_proxy = F.Boolean("Scan via Proxy", default=False)
    proxy_ip = F.Char("IP Address", size=45)
    receipt_header = F.Text("Receipt Header")
    receipt_footer = F.Text("Receipt Footer")
    sequence_number = F.Integer("Order Sequence Number", default=1, readonly=True)

    @public("records")
    async def open_ui(cls, env: "Env", ids: Any) -> dict[str, Any]:
        """Odoo's ``open_ui``: open a session on this point of sale unless one is open,
        and answer the action that takes the browser to the POS."""
        ids = check_ids(ids)
        if len(ids) != 1:
            raise ValueError("Expected singleton: open_ui works on one point of sale")
        security.check_access(env, cls, security.READ)
        (config_id,) = await cls._ensure_visible(env, ids, security.READ)
        Session = env.registry["pos.session"]
        current = await env.cr.first(Session.select(Session.id).where(
            (Session.config_id == config_id) & (Session.state != "closed")))
        if current is None:
            await env["pos.session"].create({"config_id": config_id})
        return {"type": "ir.actions.act_url", "url": f"/pos/ui?config_id={config_id}",
                "target": "self"}
