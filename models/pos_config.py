"""``pos.config`` (a point of sale: a till, a bar, a terrace) and its payment methods."""
from __future__ import annotations

from . import fields as F
from .base import BaseModel


class PosPaymentMethod(BaseModel):
    _name = "pos.payment.method"
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
    iface_print_via_proxy = F.Boolean("Print via Proxy", default=False)
    iface_cashdrawer = F.Boolean("Cashdrawer", default=False)
    iface_scan_via_proxy = F.Boolean("Scan via Proxy", default=False)
    proxy_ip = F.Char("IP Address", size=45)
    receipt_header = F.Text("Receipt Header")
    receipt_footer = F.Text("Receipt Footer")
    sequence_number = F.Integer("Order Sequence Number", default=1, readonly=True)
