"""``/api/v1/restaurants``: a restaurant's settings, business hours, taxes and payment methods.

A restaurant is a ``res.company`` that is not a platform. The caller sees
the restaurants of their allowed companies (a platform owner: every
restaurant of their platforms); any other id is a 404, as one that does not
exist. The routes under ``/restaurants/{id}`` work on that restaurant (its
company made the active one for the unit), so an owner can manage every
restaurant of the platform without switching.

Writes are for POS managers (403 ``FORBIDDEN`` before the body is looked
at). Settings are the real fields of ``res.company``: its name, contact and
address, ``timezone`` (an IANA name, the time of its business hours),
``forbid_negative_stock`` (Odoo's default lets stock go negative) and
``reservation_lead_minutes``; ``currency`` is read-only (amounts already
recorded are in it). Taxes and payment methods are never deleted, only
archived (``active: false``): orders refer to them.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from aiohttp import web

from models import security
from models.base import MAX_ID
from models.business_hours import valid_timezone
from models.env import Env
from models.exceptions import MissingError, ValidationError

from .auth import Caller, authenticated, authenticated_in, run_as
from .body import is_int, json_object, path_id, raise_field_errors
from .envelope import PREFIX, ok
from .pagination import Listing, equals_bool
from .shapes import many2one, text

COMPANY = "res.company"
TAX = "account.tax"
METHOD = "pos.payment.method"
CONFIG = "pos.config"

COMPANY_FIELDS = ["name", "phone", "email", "website", "vat", "street", "street2", "city",
                  "zip", "country_id", "currency_id", "tz", "forbid_negative_stock",
                  "reservation_lead_minutes", "refuse_orders_outside_hours", "parent_id",
                  "active"]
TAX_FIELDS = ["name", "amount", "amount_type", "price_include", "include_base_amount",
              "type_tax_use", "description", "sequence", "active"]
METHOD_FIELDS = ["name", "type", "is_cash_count", "split_transactions", "sequence", "active",
                 "config_ids"]

AMOUNT_TYPES = ("percent", "fixed", "division")
TAX_USES = ("sale", "purchase", "none")
METHOD_TYPES = ("cash", "bank", "pay_later")
MAX_TEXT = 256
MAX_LEAD_MINUTES = 7 * 24 * 60
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

TAXES = Listing(filters={"active": equals_bool("active")}, paginated=False)
METHODS = Listing(filters={"active": equals_bool("active")}, paginated=False)
PLAIN = Listing(paginated=False)


# -- plumbing ---------------------------------------------------------------------------------


async def _manager(request: web.Request) -> Caller:
    return await authenticated_in(request, security.POS_MANAGER,
                                  "Only managers of the restaurant may change its settings")


async def _restaurant_env(env: Env, company_id: int) -> Env:
    """The environment with ``company_id`` active, if it is one of the caller's restaurants;
    else 404 (another restaurant's id tells nothing)."""
    user = env.user
    if user is not None and company_id not in user.allowed_company_ids:
        raise MissingError("Restaurant not found")
    found = await env.sudo().with_context(active_test=False)[COMPANY].search_read(
        [("id", "=", company_id)], ["is_platform"])
    if not found or found[0]["is_platform"]:
        raise MissingError("Restaurant not found")
    return env.with_context(allowed_company_ids=[company_id])


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _string(body: dict[str, Any], name: str, errors: dict[str, str], vals: dict[str, Any],
            *, required: bool = False, nullable: bool = True, target: str | None = None,
            check: Callable[[str], str | None] | None = None) -> None:
    """A text field of the body into ``vals`` (stripped; "" and null clear it)."""
    if name not in body and not required:
        return
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required or not nullable:
            errors[name] = "required" if value in (None, "") else "must not be empty"
        else:
            vals[target or name] = None
        return
    if not isinstance(value, str):
        errors[name] = "must be a string"
    elif len(value) > MAX_TEXT or "\x00" in value:
        errors[name] = f"must be at most {MAX_TEXT} characters, with no NUL"
    else:
        problem = check(value.strip()) if check else None
        if problem:
            errors[name] = problem
        else:
            vals[target or name] = value.strip()


def _boolean(body: dict[str, Any], name: str, errors: dict[str, str],
             vals: dict[str, Any], target: str | None = None) -> None:
    if name in body:
        if not isinstance(body[name], bool):
            errors[name] = "must be a boolean"
        else:
            vals[target or name] = body[name]


def _unknown(body: dict[str, Any], known: set[str], errors: dict[str, str],
             read_only: tuple[str, ...] = ()) -> None:
    for name in body:
        if name in read_only:
            errors[name] = "read-only"
        elif name not in known:
            errors[name] = "unknown field"


# -- restaurants --------------------------------------------------------------------------------

async def _restaurants(env: Env, ids: list[int]) -> list[dict[str, Any]]:
    records = await env.sudo().with_context(active_test=False)[COMPANY].read(ids, COMPANY_FIELDS)
    countries = {row["id"]: row for row in await env.sudo()["res.country"].read(
        sorted({r["country_id"][0] for r in records if r["country_id"]}), ["name", "code"])}
    currencies = {row["id"]: row for row in await env.sudo()["res.currency"].read(
        sorted({r["currency_id"][0] for r in records if r["currency_id"]}),
        ["name", "symbol", "decimal_places"])}
    current = env.user.company_id if env.user else None
    result = []
    for record in records:
        country = countries.get(record["country_id"][0]) if record["country_id"] else None
        currency = currencies.get(record["currency_id"][0]) if record["currency_id"] else None
        result.append({
            "id": record["id"], "name": record["name"], "phone": text(record["phone"]),
            "email": text(record["email"]), "website": text(record["website"]),
            "vat": text(record["vat"]), "street": text(record["street"]),
            "street2": text(record["street2"]), "city": text(record["city"]),
            "zip": text(record["zip"]),
            "country": {"id": country["id"], "code": country["code"], "name": country["name"]}
            if country else None,
            "currency": {"id": currency["id"], "code": currency["name"],
                         "symbol": currency["symbol"],
                         "decimal_places": currency["decimal_places"]} if currency else None,
            "timezone": text(record["tz"]) or "UTC",
            "forbid_negative_stock": bool(record["forbid_negative_stock"]),
            "reservation_lead_minutes": record["reservation_lead_minutes"],
            "refuse_orders_outside_hours": bool(record["refuse_orders_outside_hours"]),
            "platform": many2one(record["parent_id"]), "active": record["active"],
            "current": record["id"] == current,
        })
    return result


async def list_restaurants(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    PLAIN.parse(request.query)

    async def fetch(env: Env) -> list[dict[str, Any]]:
        ids = await env[COMPANY].search([("is_platform", "=", False)], order="name asc, id asc")
        return await _restaurants(env, ids)

    found = await run_as(request, caller, fetch)
    return ok(found, meta={"count": len(found)})


async def get_restaurant(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    company_id = path_id(request, "Restaurant", "id")

    async def fetch(env: Env) -> dict[str, Any]:
        await _restaurant_env(env, company_id)
        return (await _restaurants(env, [company_id]))[0]

    return ok(await run_as(request, caller, fetch))


def _email(value: str) -> str | None:
    return None if _EMAIL.match(value) else "must be an email address"


def _timezone(value: str) -> str | None:
    return None if valid_timezone(value) else "must be an IANA time zone, such as Europe/Rome"


SETTINGS = {"name", "phone", "email", "website", "vat", "street", "street2", "city", "zip",
            "country_id", "timezone", "forbid_negative_stock", "reservation_lead_minutes"}


async def _settings_values(env: Env, body: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    vals: dict[str, Any] = {}
    _unknown(body, SETTINGS, errors, read_only=("id", "currency", "currency_id", "platform",
                                                "refuse_orders_outside_hours", "current"))
    if not body:
        raise ValidationError("Nothing to update", field_errors={"body": "no field given"})
    _string(body, "name", errors, vals, nullable=False)
    for name in ("phone", "website", "vat", "street", "street2", "city", "zip"):
        _string(body, name, errors, vals)
    _string(body, "email", errors, vals, check=_email)
    _string(body, "timezone", errors, vals, target="tz", check=_timezone)
    _boolean(body, "forbid_negative_stock", errors, vals)
    if "reservation_lead_minutes" in body:
        lead = body["reservation_lead_minutes"]
        if not is_int(lead) or not 0 <= lead <= MAX_LEAD_MINUTES:
            errors["reservation_lead_minutes"] = f"must be an integer from 0 to {MAX_LEAD_MINUTES}"
        else:
            vals["reservation_lead_minutes"] = lead
    if "country_id" in body:
        country = body["country_id"]
        if country is None:
            vals["country_id"] = False
        elif not is_int(country) or not 0 < country <= MAX_ID:
            errors["country_id"] = "must be a positive integer id or null"
        elif not await env["res.country"].exists([country]):
            errors["country_id"] = "unknown country"
        else:
            vals["country_id"] = country
    raise_field_errors(errors, "settings")
    return vals


async def update_restaurant(request: web.Request) -> web.Response:
    caller = await _manager(request)
    company_id = path_id(request, "Restaurant", "id")
    body = await json_object(request)

    async def update(env: Env) -> dict[str, Any]:
        scoped = await _restaurant_env(env, company_id)
        vals = await _settings_values(scoped, body)
        await scoped[COMPANY].write([company_id], vals)
        return (await _restaurants(env, [company_id]))[0]

    return ok(await run_as(request, caller, update, readonly=False), message="Restaurant updated")


# -- business hours -----------------------------------------------------------------------------

async def get_hours(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    company_id = path_id(request, "Restaurant", "id")

    async def fetch(env: Env) -> dict[str, Any]:
        scoped = await _restaurant_env(env, company_id)
        return await scoped[COMPANY].get_business_hours([company_id])

    return ok(await run_as(request, caller, fetch))


async def put_hours(request: web.Request) -> web.Response:
    caller = await _manager(request)
    company_id = path_id(request, "Restaurant", "id")
    body = await json_object(request)
    errors: dict[str, str] = {}
    _unknown(body, {"hours", "refuse_orders_outside_hours"}, errors,
             read_only=("timezone",))
    if "hours" not in body:
        errors["hours"] = "required"
    if "refuse_orders_outside_hours" in body and not isinstance(
            body["refuse_orders_outside_hours"], bool):
        errors["refuse_orders_outside_hours"] = "must be a boolean"
    raise_field_errors(errors, "business hours")

    async def put(env: Env) -> dict[str, Any]:
        scoped = await _restaurant_env(env, company_id)
        return await scoped[COMPANY].set_business_hours(
            [company_id], body["hours"], body.get("refuse_orders_outside_hours"))

    return ok(await run_as(request, caller, put, readonly=False),
              message="Business hours updated")


# -- taxes --------------------------------------------------------------------------------------

def _tax(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "name": record["name"], "amount": record["amount"],
            "amount_type": record["amount_type"], "price_include": record["price_include"],
            "include_base_amount": record["include_base_amount"],
            "type_tax_use": record["type_tax_use"], "description": text(record["description"]),
            "sequence": record["sequence"], "active": record["active"]}


async def _one_tax(env: Env, tax_id: int) -> dict[str, Any]:
    """The tax if the restaurant has it (archived ones too), else 404."""
    taxes = env.with_context(active_test=False)[TAX]
    if not await taxes.exists([tax_id]):
        raise MissingError("Tax not found")
    return _tax((await taxes.read([tax_id], TAX_FIELDS))[0])


TAX_WRITABLE = {"name", "amount", "amount_type", "price_include", "include_base_amount",
                "type_tax_use", "description", "sequence", "active"}


def _tax_values(body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """POST/PATCH body -> account.tax values; 422 naming each bad field. A division tax
    (price tax-included, Odoo's ``division``) of 100% or more would divide by zero."""
    errors: dict[str, str] = {}
    vals: dict[str, Any] = {}
    _unknown(body, TAX_WRITABLE, errors, read_only=("id", "company_id"))
    if current is not None and not body:
        raise ValidationError("Nothing to update", field_errors={"body": "no field given"})
    _string(body, "name", errors, vals, required=current is None, nullable=False)
    _string(body, "description", errors, vals)
    for name in ("price_include", "include_base_amount", "active"):
        _boolean(body, name, errors, vals)
    for name, allowed in (("amount_type", AMOUNT_TYPES), ("type_tax_use", TAX_USES)):
        if name in body:
            if body[name] not in allowed:
                errors[name] = f"must be one of {', '.join(allowed)}"
            else:
                vals[name] = body[name]
    if "amount" in body or current is None:
        amount = body.get("amount")
        if amount is None:
            errors["amount"] = "required"
        elif not _is_number(amount) or not -1e9 < amount < 1e9:
            errors["amount"] = "must be a number (below 10^9 in size)"
        else:
            vals["amount"] = float(amount)
    if "sequence" in body:
        if not is_int(body["sequence"]) or not 0 <= body["sequence"] <= 100000:
            errors["sequence"] = "must be an integer from 0 to 100000"
        else:
            vals["sequence"] = body["sequence"]
    if "amount" not in errors and "amount_type" not in errors:
        kind = vals.get("amount_type") or (current or {}).get("amount_type") or "percent"
        amount = vals.get("amount", (current or {}).get("amount", 0.0))
        if kind in ("percent", "division") and not -100 <= amount <= 100:
            errors["amount"] = "a percentage must be from -100 to 100"
        elif kind == "division" and amount >= 100:
            errors["amount"] = "a division tax must be below 100%"
    raise_field_errors(errors, "tax")
    return vals


async def list_taxes(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    company_id = path_id(request, "Restaurant", "id")
    wanted = TAXES.parse(request.query)

    async def fetch(env: Env) -> list[dict[str, Any]]:
        scoped = (await _restaurant_env(env, company_id)).with_context(active_test=False)
        return [_tax(r) for r in await scoped[TAX].search_read(
            wanted.domain, TAX_FIELDS, order="sequence asc, id asc")]

    found = await run_as(request, caller, fetch)
    return ok(found, meta={"count": len(found)})


async def create_tax(request: web.Request) -> web.Response:
    caller = await _manager(request)
    company_id = path_id(request, "Restaurant", "id")
    body = await json_object(request)

    async def create(env: Env) -> dict[str, Any]:
        scoped = await _restaurant_env(env, company_id)
        vals = _tax_values(body, None)
        vals["company_id"] = company_id
        return await _one_tax(scoped, await scoped[TAX].create(vals))

    return ok(await run_as(request, caller, create, readonly=False), message="Tax created",
              status=201)


async def update_tax(request: web.Request) -> web.Response:
    caller = await _manager(request)
    company_id = path_id(request, "Restaurant", "id")
    tax_id = path_id(request, "Tax", "tax_id")
    body = await json_object(request)

    async def update(env: Env) -> dict[str, Any]:
        scoped = await _restaurant_env(env, company_id)
        current = await _one_tax(scoped, tax_id)
        await scoped.with_context(active_test=False)[TAX].write(
            [tax_id], _tax_values(body, current))
        return await _one_tax(scoped, tax_id)

    return ok(await run_as(request, caller, update, readonly=False), message="Tax updated")


# -- payment methods ----------------------------------------------------------------------------

def _method(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "name": record["name"], "type": record["type"],
            "is_cash_count": record["is_cash_count"],
            "split_transactions": record["split_transactions"], "sequence": record["sequence"],
            "active": record["active"], "pos_config_ids": sorted(record["config_ids"])}


async def _one_method(env: Env, method_id: int) -> dict[str, Any]:
    methods = env.with_context(active_test=False)[METHOD]
    if not await methods.exists([method_id]):
        raise MissingError("Payment method not found")
    return _method((await methods.read([method_id], METHOD_FIELDS))[0])


METHOD_WRITABLE = {"name", "type", "is_cash_count", "split_transactions", "sequence", "active",
                   "pos_config_ids"}


async def _method_values(env: Env, body: dict[str, Any],
                         current: dict[str, Any] | None) -> dict[str, Any]:
    """POST/PATCH body -> pos.payment.method values. A cash method is counted in the
    drawer: ``type: cash`` and ``is_cash_count`` go together (the till reads either)."""
    errors: dict[str, str] = {}
    vals: dict[str, Any] = {}
    _unknown(body, METHOD_WRITABLE, errors, read_only=("id", "company_id"))
    if current is not None and not body:
        raise ValidationError("Nothing to update", field_errors={"body": "no field given"})
    _string(body, "name", errors, vals, required=current is None, nullable=False)
    for name in ("is_cash_count", "split_transactions", "active"):
        _boolean(body, name, errors, vals)
    if "type" in body:
        if body["type"] not in METHOD_TYPES:
            errors["type"] = f"must be one of {', '.join(METHOD_TYPES)}"
        else:
            vals["type"] = body["type"]
    if "sequence" in body:
        if not is_int(body["sequence"]) or not 0 <= body["sequence"] <= 100000:
            errors["sequence"] = "must be an integer from 0 to 100000"
        else:
            vals["sequence"] = body["sequence"]
    if "pos_config_ids" in body:
        ids = body["pos_config_ids"]
        if not isinstance(ids, list) or not all(is_int(i) and 0 < i <= MAX_ID for i in ids):
            errors["pos_config_ids"] = "must be a list of ids"
        elif set(await env[CONFIG].exists(list(set(ids)))) != set(ids):
            errors["pos_config_ids"] = "unknown point of sale in this restaurant"
        else:
            vals["config_ids"] = [(6, 0, sorted(set(ids)))]
    if not errors and ("type" in vals or "is_cash_count" in vals or current is None):
        kind, cash = vals.get("type"), vals.get("is_cash_count")
        if kind is None and cash is None:
            kind, cash = "bank", False
        elif cash is None:
            cash = kind == "cash"
        elif kind is None:
            keep = (current or {}).get("type")
            kind = "cash" if cash else (keep if keep and keep != "cash" else "bank")
        if (kind == "cash") != cash:
            errors["is_cash_count"] = "true with type cash, and only then"
        vals["type"], vals["is_cash_count"] = kind, cash
    raise_field_errors(errors, "payment method")
    return vals


async def list_methods(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    company_id = path_id(request, "Restaurant", "id")
    wanted = METHODS.parse(request.query)

    async def fetch(env: Env) -> list[dict[str, Any]]:
        scoped = (await _restaurant_env(env, company_id)).with_context(active_test=False)
        return [_method(r) for r in await scoped[METHOD].search_read(
            wanted.domain, METHOD_FIELDS, order="sequence asc, id asc")]

    found = await run_as(request, caller, fetch)
    return ok(found, meta={"count": len(found)})


async def create_method(request: web.Request) -> web.Response:
    caller = await _manager(request)
    company_id = path_id(request, "Restaurant", "id")
    body = await json_object(request)

    async def create(env: Env) -> dict[str, Any]:
        scoped = await _restaurant_env(env, company_id)
        vals = await _method_values(scoped, body, None)
        vals["company_id"] = company_id
        if "config_ids" not in vals:    # usable at every till of the restaurant unless told
            vals["config_ids"] = [(6, 0, await scoped[CONFIG].search([]))]
        return await _one_method(scoped, await scoped[METHOD].create(vals))

    return ok(await run_as(request, caller, create, readonly=False),
              message="Payment method created", status=201)


async def update_method(request: web.Request) -> web.Response:
    caller = await _manager(request)
    company_id = path_id(request, "Restaurant", "id")
    method_id = path_id(request, "Payment method", "pm_id")
    body = await json_object(request)

    async def update(env: Env) -> dict[str, Any]:
        scoped = await _restaurant_env(env, company_id)
        current = await _one_method(scoped, method_id)
        await scoped.with_context(active_test=False)[METHOD].write(
            [method_id], await _method_values(scoped, body, current))
        return await _one_method(scoped, method_id)

    return ok(await run_as(request, caller, update, readonly=False),
              message="Payment method updated")


_ID = "{id:\\d+}"
ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/restaurants", list_restaurants),
    ("GET", f"{PREFIX}/restaurants/{_ID}", get_restaurant),
    ("PATCH", f"{PREFIX}/restaurants/{_ID}", update_restaurant),
    ("GET", f"{PREFIX}/restaurants/{_ID}/hours", get_hours),
    ("PUT", f"{PREFIX}/restaurants/{_ID}/hours", put_hours),
    ("GET", f"{PREFIX}/restaurants/{_ID}/taxes", list_taxes),
    ("POST", f"{PREFIX}/restaurants/{_ID}/taxes", create_tax),
    ("PATCH", f"{PREFIX}/restaurants/{_ID}/taxes/{{tax_id:\\d+}}", update_tax),
    ("GET", f"{PREFIX}/restaurants/{_ID}/payment-methods", list_methods),
    ("POST", f"{PREFIX}/restaurants/{_ID}/payment-methods", create_method),
    ("PATCH", f"{PREFIX}/restaurants/{_ID}/payment-methods/{{pm_id:\\d+}}", update_method),
]
