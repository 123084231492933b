"""``pos.session``: a shift on one point of sale, from opening cash to closing count."""
from __future__ import annotations

from . import fields as F
from .base import BaseModel

SESSION_STATES = [
    ("opening_control", "Opening Control"),
    ("opened", "In Progress"),
    ("closing_control", "Closing Control"),
    ("closed", "Closed & Posted"),
]


class PosSession(BaseModel):
    _name = "pos.session"
    _description = "Point of Sale Session"
    _order = "id desc"

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
    cash_register_balance_start = F.Monetary("Starting Balance", readonly=True)
    cash_register_balance_end_real = F.Monetary("Ending Balance", readonly=True)
    cash_register_difference = F.Monetary("Difference", readonly=True)
    order_ids = F.One2many("pos.order", "session_id", "Orders")
    payment_method_ids = F.Many2many("pos.payment.method", "pos_payment_method_pos_session_rel",
                                     "pos_session_id", "pos_payment_method_id", "Payment Methods")
