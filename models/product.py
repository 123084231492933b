"""The menu: ``product.product``, its categories and taxes."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import fields as F
from .base import BaseModel

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env


async def _default_category(env: "Env") -> int | None:
    from .ir_model import IrModelData
    return await IrModelData._xmlid_to_res_id(env, "product.product_category_all")


class ProductCategory(BaseModel):
    _name = "product.category"
    _description = "Product Category"
    _order = "complete_name"
    _rec_name_search = "complete_name"
    _display_name_depends = ("complete_name",)

    name = F.Char("Name", required=True, index=True)
    complete_name = F.Char("Complete Name", readonly=True, index=True)
    parent_id = F.Many2one("product.category", "Parent Category", ondelete="cascade")
    child_id = F.One2many("product.category", "parent_id", "Child Categories")

    @classmethod
    async def _recompute_complete_name(cls, env: "Env", ids: list[int]) -> None:
        """"All / Saleable / Desks": the path from the root, as Odoo stores it."""
        todo = list(ids)
        while todo:
            for record_id in todo:
                row = await env.cr.first(cls.select(cls.name, cls.parent_id).where(cls.id == record_id))
                if row is None:
                    continue
                name, parent_id = row
                complete = name
                if parent_id:
                    parent = await env.cr.first(cls.select(cls.complete_name).where(cls.id == parent_id))
                    if parent and parent[0]:
                        complete = f"{parent[0]} / {name}"
                await env.cr.run(cls.update({cls.complete_name: complete}).where(cls.id == record_id))
            todo = [row[0] for row in await env.cr.rows(
                cls.select(cls.id).where(cls.parent_id.in_(todo)))]

    @classmethod
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        new_id = await super()._create_one(env, vals)
        await cls._recompute_complete_name(env, [new_id])
        return new_id

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:  # type: ignore[override]
        result = await super().write(env, ids, vals)
        if isinstance(vals, dict) and {"name", "parent_id"} & set(vals):
            await cls._recompute_complete_name(env, ids if isinstance(ids, list) else [ids])
        return result


class PosCategory(BaseModel):
    _name = "pos.category"
    _description = "Point of Sale Category"
    _order = "sequence, name"

    name = F.Char("Category Name", required=True)
    parent_id = F.Many2one("pos.category", "Parent Category", index=True)
    child_id = F.One2many("pos.category", "parent_id", "Children Categories")
    sequence = F.Integer("Sequence", default=0)
    color = F.Integer("Color", default=0)
    company_id = F.Many2one("res.company", "Restaurant", index=True,
                            default=lambda env: env.company_id)


class AccountTax(BaseModel):
    _name = "account.tax"
    _audit = True
    _description = "Tax"
    _order = "sequence, id"

    name = F.Char("Tax Name", required=True)
    type_tax_use = F.Selection([("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")],
                               "Tax Type", required=True, default="sale")
    amount_type = F.Selection([("group", "Group of Taxes"), ("fixed", "Fixed"),
                               ("percent", "Percentage of Price"),
                               ("division", "Percentage of Price Tax Included")],
                              "Tax Computation", required=True, default="percent")
    amount = F.Float("Amount", digits=(16, 4), required=True, default=0.0)
    price_include = F.Boolean("Included in Price", default=False)
    include_base_amount = F.Boolean("Affect Base of Subsequent Taxes", default=False)
    description = F.Char("Label on Invoices")
    sequence = F.Integer("Sequence", required=True, default=1)
    active = F.Boolean("Active", default=True)
    company_id = F.Many2one("res.company", "Company", required=True,
                            default=lambda env: env.company_id)


class ProductProduct(BaseModel):
    _name = "product.product"
    _audit = ("list_price", "standard_price")
    _description = "Product"
    _order = "default_code, name, id"
    _rec_name_search = "display_name"
    _display_name_depends = ("default_code", "name")

    name = F.Char("Name", required=True, index=True)
    default_code = F.Char("Internal Reference", index=True)
    barcode = F.Char("Barcode", index=True,
                     help="International Article Number used for product identification.")
    type = F.Selection([("consu", "Consumable"), ("service", "Service"),
                        ("product", "Storable Product")], "Product Type", required=True,
                       default="consu")
    list_price = F.Float("Sales Price", digits=(16, 2), default=1.0,
                         help="Price at which the product is sold to customers.")
    standard_price = F.Float("Cost", digits=(16, 2), default=0.0)
    categ_id = F.Many2one("product.category", "Product Category", required=True,
                          default=_default_category)
    pos_categ_ids = F.Many2many("pos.category", "pos_category_product_product_rel",
                                "product_product_id", "pos_category_id", "Point of Sale Category")
    available_in_pos = F.Boolean("Available in POS", default=False,
                                 help="Check if you want this product to appear in the Point of Sale.")
    to_weight = F.Boolean("To Weigh With Scale", default=False)
    sale_ok = F.Boolean("Can be Sold", default=True)
    taxes_id = F.Many2many("account.tax", "product_taxes_rel", "prod_id", "tax_id",
                           "Customer Taxes")
    uom_name = F.Char("Unit of Measure Name", default="Units")
    description = F.Text("Description")
    description_sale = F.Text("Sales Description")
    active = F.Boolean("Active", default=True)
    low_stock_threshold = F.Float(
        "Low Stock Threshold", digits=(16, 3), default=0.0,
        help="Storable products: warn the staff when the quantity on hand falls to this (0: "
             "only when it runs out).")
    # A dish created in a restaurant is on that restaurant's menu (Odoo: shared).
    company_id = F.Many2one("res.company", "Company", index=True,
                            default=lambda env: env.company_id)

    class Meta:
        indexes = ((("barcode", "company_id"), True),)

    @classmethod
    def _compute_display_name(cls, values: dict[str, Any]) -> Any:
        code = values.get("default_code")
        name = values.get("name") or ""
        return f"[{code}] {name}" if code else name

    @classmethod
    def _search_display_name(cls, operator: str, value: Any) -> list[Any]:
        if operator in ("!=", "not like", "not ilike", "not in"):
            return ["&", ("default_code", operator, value), ("name", operator, value)]
        return ["|", ("default_code", operator, value), ("name", operator, value)]
