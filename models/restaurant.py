"""``restaurant.floor`` and ``restaurant.table``: the floor plan."""
from __future__ import annotations

from . import fields as F
from .base import BaseModel


class RestaurantFloor(BaseModel):
    _name = "restaurant.floor"
    _description = "Restaurant Floor"
    _order = "sequence, name"

    name = F.Char("Floor Name", required=True)
    pos_config_ids = F.Many2many("pos.config", "pos_config_restaurant_floor_rel",
                                 "restaurant_floor_id", "pos_config_id", "Point of Sales")
    background_color = F.Char("Background Color", default="rgb(210, 210, 210)")
    table_ids = F.One2many("restaurant.table", "floor_id", "Tables")
    sequence = F.Integer("Sequence", default=1)
    active = F.Boolean("Active", default=True)
    company_id = F.Many2one("res.company", "Restaurant", required=True, index=True,
                            default=lambda env: env.company_id)


class RestaurantTable(BaseModel):
    _name = "restaurant.table"
    _description = "Restaurant Table"
    _order = "name"

    name = F.Char("Table Name", required=True)
    floor_id = F.Many2one("restaurant.floor", "Floor", index=True)
    shape = F.Selection([("square", "Square"), ("round", "Round")], "Shape", required=True,
                        default="square")
    position_h = F.Float("Horizontal Position", default=10.0)
    position_v = F.Float("Vertical Position", default=10.0)
    width = F.Float("Width", default=50.0)
    height = F.Float("Height", default=50.0)
    seats = F.Integer("Seats", default=1)
    color = F.Char("Color")
    active = F.Boolean("Active", default=True)
    company_id = F.Many2one("res.company", "Restaurant", required=True, index=True,
                            default=lambda env: env.company_id)
