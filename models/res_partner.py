"""``res.partner``: customers, suppliers, the people behind users."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peewee import JOIN, fn

from . import fields as F
from .api import public
from .base import BaseModel
from .domain.compile import _and
from .exceptions import Conflict

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env


class ResPartner(BaseModel):
    _name = "res.partner"
    _description = "Contact"
    _order = "complete_name ASC, id DESC"
    _rec_name_search = "complete_name"
    _display_name_depends = ("complete_name",)

    name = F.Char("Name", index=True)
    complete_name = F.Char("Complete Name", index=True, readonly=True)
    is_company = F.Boolean("Is a Company", default=False,
                           help="Check if the contact is a company, otherwise it is a person")
    parent_id = F.Many2one("res.partner", "Related Company", index=True)
    child_ids = F.One2many("res.partner", "parent_id", "Contact", domain=[("active", "=", True)])
    type = F.Selection([("contact", "Contact"), ("invoice", "Invoice Address"),
                        ("delivery", "Delivery Address"), ("other", "Other Address")],
                       "Address Type", default="contact")
    ref = F.Char("Reference", index=True)
    email = F.Char("Email")
    phone = F.Char("Phone")
    mobile = F.Char("Mobile")
    street = F.Char("Street")
    street2 = F.Char("Street2")
    city = F.Char("City")
    zip = F.Char("Zip")
    country_id = F.Many2one("res.country", "Country", ondelete="restrict")
    vat = F.Char("Tax ID", index=True)
    function = F.Char("Job Position")
    website = F.Char("Website Link")
    comment = F.Html("Notes")
    barcode = F.Char("Barcode")
    lang = F.Char("Language", default=lambda env: env.lang)
    tz = F.Char("Timezone", default=lambda env: env.context.get("tz") or False)
    color = F.Integer("Color Index", default=0)
    active = F.Boolean("Active", default=True)
    # Odoo leaves new contacts shared by every company; a customer created in a
    # restaurant belongs to it here, or the other restaurants would see it.
    company_id = F.Many2one("res.company", "Company", index=True, constraint=False,
                            default=lambda env: env.company_id)
    user_ids = F.One2many("res.users", "partner_id", "Users")

    @classmethod
    def _record_rule(cls, env: "Env") -> list[Any]:
        """The active companies' partners and shared ones, plus the user's own partner:
        Odoo's ``res_partner_rule`` always lets a user read it (``env.user.partner_id``)."""
        rule: list[Any] = ["|", ("company_id", "=", False),
                           ("company_id", "in", list(env.companies))]
        if env.user is not None and env.user.partner_id:
            rule = ["|", ("id", "=", env.user.partner_id)] + rule
        return rule

    #: A restaurant's customers: its own contacts that are not its staff. Shared contacts
    #: (no company: Odoo's shared address book, the platforms' partners) are left out,
    #: because every restaurant sees them and one restaurant's edit or archive would
    #: change them for all (loyalty is per restaurant too); the staff's own partners
    #: belong to their user.
    CUSTOMER_DOMAIN: list[Any] = [("company_id", "!=", False), ("user_ids", "=", False)]

    @classmethod
    async def _check_email_free(cls, env: "Env", email: str | None,
                                partner_id: int | None = None) -> None:
        """Conflict (409) if another active customer the caller sees has this email,
        compared without case. Archived customers do not block: they keep their history.

        Not a database constraint (it is case-insensitive, per restaurant and for active
        customers only), so two concurrent creations may both pass: a duplicate is a
        nuisance, not a corruption."""
        if not email:
            return
        domain = cls.CUSTOMER_DOMAIN + ([("id", "!=", partner_id)] if partner_id else [])
        clash = await env.cr.first(cls.select(cls.id).where(_and([
            fn.LOWER(cls.email) == email.lower(), cls._where(env, domain)])).limit(1))
        if clash:
            raise Conflict("Another customer of this restaurant has this email.",
                           field_errors={"email": "already used by another customer"})

    @classmethod
    async def _recompute_complete_name(cls, env: "Env", ids: list[int]) -> None:
        """``complete_name`` = "Company, Person" for contacts of a company, as in Odoo."""
        todo = list(ids)
        seen: set[int] = set()
        while todo:
            batch = [i for i in todo if i not in seen]
            seen.update(batch)
            if not batch:
                break
            parent = cls.alias("parent")
            query = (cls.select(cls.id, cls.name, cls.is_company, parent.name)
                     .join_from(cls, parent, JOIN.LEFT_OUTER, on=(parent.id == cls.parent_id))
                     .where(cls.id.in_(batch)))
            for record_id, name, is_company, parent_name in await env.cr.rows(query):
                complete = name or ""
                if parent_name and not is_company:
                    complete = f"{parent_name}, {complete}" if complete else parent_name
                await env.cr.run(cls.update({cls.complete_name: complete}).where(cls.id == record_id))
            children = await env.cr.rows(cls.select(cls.id).where(cls.parent_id.in_(batch)))
            todo = [row[0] for row in children]

    @public("create", name="create")
    async def create_records(cls, env: "Env", vals_list: Any) -> Any:
        result = await super().create_records(env, vals_list)
        await cls._recompute_complete_name(env, [result] if isinstance(result, int) else result)
        return result

    @public("records")
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        result = await super().write(env, ids, vals)
        if isinstance(vals, dict) and {"name", "parent_id", "is_company"} & set(vals):
            await cls._recompute_complete_name(env, ids if isinstance(ids, list) else [ids])
        return result
