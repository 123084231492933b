"""The records every database starts with (Odoo's ``base`` module data).

Groups with their external ids, currencies, countries, the root product
category, the superuser ``__system__`` (uid 1, inactive, as in Odoo), the
main company and the administrator ``admin`` (uid 2, partner 3 as in Odoo's
demo databases). Installing is idempotent: what already exists is left alone.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import access_version, security

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

CURRENCIES = (
    ("EUR", "€", "after"), ("USD", "$", "before"), ("GBP", "£", "before"),
    ("CHF", "CHF", "after"), ("CAD", "$", "before"), ("AUD", "$", "before"),
    ("JPY", "¥", "before"), ("SEK", "kr", "after"), ("DKK", "kr", "after"),
    ("NOK", "kr", "after"), ("PLN", "zł", "after"), ("BRL", "R$", "before"),
    ("MXN", "$", "before"), ("INR", "₹", "before"),
)
NO_DECIMALS = {"JPY"}

COUNTRIES = (
    ("BE", "Belgium", 32, "EUR"), ("FR", "France", 33, "EUR"), ("DE", "Germany", 49, "EUR"),
    ("NL", "Netherlands", 31, "EUR"), ("LU", "Luxembourg", 352, "EUR"), ("IT", "Italy", 39, "EUR"),
    ("ES", "Spain", 34, "EUR"), ("PT", "Portugal", 351, "EUR"), ("IE", "Ireland", 353, "EUR"),
    ("AT", "Austria", 43, "EUR"), ("CH", "Switzerland", 41, "CHF"),
    ("GB", "United Kingdom", 44, "GBP"), ("US", "United States", 1, "USD"),
    ("CA", "Canada", 1, "CAD"), ("AU", "Australia", 61, "AUD"), ("JP", "Japan", 81, "JPY"),
    ("SE", "Sweden", 46, "SEK"), ("DK", "Denmark", 45, "DKK"), ("NO", "Norway", 47, "NOK"),
    ("PL", "Poland", 48, "PLN"), ("BR", "Brazil", 55, "BRL"), ("MX", "Mexico", 52, "MXN"),
    ("IN", "India", 91, "INR"),
)

ADMIN_GROUPS = (security.SYSTEM, security.ERP_MANAGER, security.PLATFORM_OWNER,
                security.POS_MANAGER, security.POS_USER, security.USER)


async def _xmlid(env: "Env", xmlid: str) -> int | None:
    return await env["ir.model.data"]._xmlid_to_res_id(xmlid)


async def _ensure(env: "Env", xmlid: str, model: str, values: dict) -> int:
    record_id = await _xmlid(env, xmlid)
    if record_id is None:
        record_id = await env[model].create(values)
        await env["ir.model.data"]._set_xmlid(xmlid, model, record_id)
    return record_id


async def install(env: "Env", admin_password: str = "admin") -> bool:
    """Create the base records if missing; answer whether anything was created."""
    assert env.su, "base data is installed as the superuser"
    await access_version.ensure(env.cr)
    await env["ir.model"]._sync()
    if await _xmlid(env, "base.user_admin") is not None:
        return False

    group_ids = {}
    for group in security.GROUPS:
        module, name = group.xmlid.split(".")
        group_ids[group.xmlid] = await _ensure(env, group.xmlid, "res.groups", {
            "name": group.name, "category_name": group.category})
    for group in security.GROUPS:
        if group.implied:
            await env["res.groups"].write([group_ids[group.xmlid]], {
                "implied_ids": [(6, 0, [group_ids[x] for x in group.implied])]})

    currency_ids = {}
    for code, symbol, position in CURRENCIES:
        currency_ids[code] = await _ensure(env, f"base.{code}", "res.currency", {
            "name": code, "symbol": symbol, "position": position,
            "decimal_places": 0 if code in NO_DECIMALS else 2,
            "rounding": 1.0 if code in NO_DECIMALS else 0.01})
    for code, name, phone, currency in COUNTRIES:
        await _ensure(env, f"base.{code.lower()}", "res.country", {
            "name": name, "code": code, "phone_code": phone, "currency_id": currency_ids[currency]})

    company_id = await _ensure(env, "base.main_company", "res.company", {
        "name": "My Company", "currency_id": currency_ids["EUR"], "sequence": 0})
    env = env.with_context(allowed_company_ids=[company_id])
    company_partner = await _ensure(env, "base.main_partner", "res.partner", {
        "name": "My Company", "is_company": True, "company_id": False})
    await env["res.company"].write([company_id], {"partner_id": company_partner})

    await _ensure(env, "base.user_root", "res.users", {
        "login": "__system__", "name": "OdooBot", "active": False, "company_id": company_id,
        "company_ids": [(6, 0, [company_id])],
        "groups_id": [(6, 0, [group_ids[security.SYSTEM]])]})
    await _ensure(env, "base.user_admin", "res.users", {
        "login": "admin", "name": "Administrator", "password": admin_password,
        "company_id": company_id, "company_ids": [(6, 0, [company_id])], "tz": "UTC",
        "groups_id": [(6, 0, [group_ids[g] for g in ADMIN_GROUPS])]})

    await _ensure(env, "product.product_category_all", "product.category", {"name": "All"})
    return True
