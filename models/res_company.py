"""``res.company`` (a restaurant, or the platform that owns restaurants),
``res.currency`` and ``res.country``."""
from __future__ import annotations

import base64
import binascii
import io
from typing import TYPE_CHECKING, Any

from PIL import Image

from . import bus
from . import fields as F
from .base import BaseModel, check_ids
from .exceptions import ValidationError
from .business_hours import BusinessHoursCompany
from .platform import PlatformCompany
from .system_notice import SystemNoticeCompany

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

#: What a receipt printer can take as a logo (hardware_bridge prints it as a raster image).
LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_PIXELS = 4_000_000
TEMPLATE_MAX_CHARS = 20_000


def check_logo(value: Any) -> None:
    """A logo is a PNG or JPEG of reasonable size, checked when it is saved (a receipt that
    cannot be printed is found out at the till, too late). The pixel count is read from
    the header before anything is decoded (decompression bombs)."""
    if value in (None, False, ""):
        return
    data = value
    if isinstance(value, str):
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("The logo must be base64 text.",
                                  field_errors={"logo": "base64 text"}) from None
    problem = None
    if not isinstance(data, (bytes, bytearray)) or len(data) > LOGO_MAX_BYTES:
        problem = f"at most {LOGO_MAX_BYTES // 1024} KB"
    else:
        try:
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
                width, height = image.size
                image.verify()
            if width * height > LOGO_MAX_PIXELS:
                problem = f"at most {LOGO_MAX_PIXELS:,} pixels ({width}x{height} given)"
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            problem = "a PNG or JPEG image"
    if problem:
        raise ValidationError(f"The logo must be {problem}.", field_errors={"logo": problem})


class ResCurrency(BaseModel):
    _name = "res.currency"
    _description = "Currency"
    _order = "active desc, name"

    name = F.Char("Currency", size=3, required=True, unique=True, help="ISO 4217 code")
    symbol = F.Char("Symbol", required=True)
    position = F.Selection([("after", "After Amount"), ("before", "Before Amount")],
                           "Symbol Position", default="after")
    decimal_places = F.Integer("Decimal Places", default=2)
    rounding = F.Float("Rounding Factor", digits=(12, 6), default=0.01)
    active = F.Boolean("Active", default=True)


class ResCountry(BaseModel):
    _name = "res.country"
    _description = "Country"
    _order = "name"

    name = F.Char("Country Name", required=True)
    code = F.Char("Country Code", size=2, unique=True,
                  help="The ISO country code in two chars.")
    phone_code = F.Integer("Country Calling Code")
    currency_id = F.Many2one("res.currency", "Currency")


class ResCompany(PlatformCompany, BusinessHoursCompany, SystemNoticeCompany, BaseModel):
    _name = "res.company"
    _affects_access = True
    _audit = True
    _description = "Companies"
    _order = "sequence, name"

    name = F.Char("Company Name", required=True)
    partner_id = F.Many2one("res.partner", "Partner", constraint=False)
    parent_id = F.Many2one("res.company", "Parent Company")
    child_ids = F.One2many("res.company", "parent_id", "Branches")
    sequence = F.Integer("Sequence", default=10)
    currency_id = F.Many2one("res.currency", "Currency")
    email = F.Char("Email")
    phone = F.Char("Phone")
    street = F.Char("Street")
    street2 = F.Char("Street2")
    city = F.Char("City")
    zip = F.Char("Zip")
    country_id = F.Many2one("res.country", "Country")
    vat = F.Char("Tax ID")
    website = F.Char("Website")
    active = F.Boolean("Active", default=True)
    is_platform = F.Boolean("Is a Platform", default=False,
                            help="A platform owns restaurants (its child companies).")
    commission_rate = F.Float("Platform Commission (%)", digits=(5, 2), default=0.0,
                              help="The share of the restaurant's sales its platform keeps "
                                   "(models/platform.py); set by the platform owner only.")
    forbid_negative_stock = F.Boolean(
        "Forbid Selling Below Zero", default=False,
        help="Refuse a payment that would take a storable product below zero on hand (Odoo "
             "lets stock go negative, which is the default here too).")
    reservation_lead_minutes = F.Integer(
        "Reserved Ahead (minutes)", default=60,
        help="How long before a confirmed reservation starts its table shows as reserved.")
    # Odoo keeps a time zone on partners and users only; a restaurant's business hours
    # (models/business_hours.py) need the restaurant's own.
    logo = F.Binary("Company Logo", help="PNG or JPEG, printed at the top of receipts.")
    receipt_template = F.Text(
        "Receipt Template", help="The restaurant's own receipt layout (docs/hardware.md); "
                                 "empty: the default one.")
    kitchen_template = F.Text(
        "Kitchen Ticket Template", help="The restaurant's own kitchen ticket layout; "
                                        "empty: the default one.")
    tz = F.Char("Timezone", help="IANA time zone of the restaurant (Europe/Rome); UTC when "
                                 "unset.")
    # both set by set_business_hours only (models/business_hours.py)
    business_hours = F.Text("Business Hours", readonly=True, copy=False,
                            help="JSON [[weekday, open minute, close minute], ...] in the "
                                 "restaurant's time zone.")
    refuse_orders_outside_hours = F.Boolean(
        "Refuse Orders When Closed", default=False, readonly=True,
        help="Refuse new orders placed outside the business hours.")

    @classmethod
    def _record_rule(cls, env: "Env") -> list[Any]:
        """A user sees their own companies (all of them, not only the active ones)."""
        assert env.user is not None
        return [("id", "in", list(env.user.allowed_company_ids))]

    @classmethod
    async def _create_one(cls, env: "Env", vals: Any) -> int:
        if isinstance(vals, dict):
            cls._check_printables(env, vals)
        return await super()._create_one(env, vals)

    @classmethod
    def _check_printables(cls, env: "Env", vals: dict[str, Any]) -> None:
        """What only shows on paper is checked when saved, not found out at the till: the
        logo, and the templates (compiled by the checker the app hands the registry as
        ``template_check``: the template language lives in the hardware bridge)."""
        check_logo(vals.get("logo"))
        check = env.registry.options.get("template_check")
        for field, kind in (("receipt_template", "receipt"), ("kitchen_template", "kitchen")):
            source = vals.get(field)
            if source in (None, False, ""):
                continue
            if not isinstance(source, str) or len(source) > TEMPLATE_MAX_CHARS:
                raise ValidationError(f"The {kind} template must be text of at most "
                                      f"{TEMPLATE_MAX_CHARS:,} characters.",
                                      field_errors={field: "text, at most 20,000 characters"})
            if check is not None:
                try:
                    check(source, kind)
                except ValueError as exc:
                    raise ValidationError(f"The {kind} template has an error: {exc}",
                                          field_errors={field: str(exc)}) from None

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        """Archiving or restoring a restaurant tells its staff (``restaurant_status``)."""
        if isinstance(vals, dict):
            cls._check_printables(env, vals)
        if not isinstance(vals, dict) or "active" not in vals:
            return await super().write(env, ids, vals)
        ids = check_ids(ids)
        before = await cls._active(env, ids)
        result = await super().write(env, ids, vals)
        for company_id, active in (await cls._active(env, ids)).items():
            if active != before.get(company_id, active):
                await bus.send_restaurant(env, company_id, "restaurant_status", {
                    "status": "active" if active else "archived", "session_id": None,
                    "reason": "restaurant restored" if active else "restaurant archived"})
        return result

    @classmethod
    async def _active(cls, env: "Env", ids: list[int]) -> dict[int, bool]:
        return {row[0]: bool(row[1]) for row in await env.cr.rows(
            cls.select(cls.id, cls.active).where(cls.id.in_(ids)))}
