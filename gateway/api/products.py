"""``/api/v1/products`` and ``/api/v1/categories``: the caller's restaurant menu.

Handlers parse, call the models' own methods (``search_read``, ``read``,
``create``, ``write``) with the caller's environment, and shape the answer.
The record rules scope everything to the caller's restaurant: another
restaurant's product is never listed, and asked for by id it is a 404 like a
product that does not exist (never a 403, which would tell that it exists).
An id in the URL must be digits (else the router answers 404).

Writes are for POS managers (403 ``FORBIDDEN`` for anyone else, before the
body is looked at). ``DELETE`` archives (``active = False``): a product that
orders refer to cannot be deleted, as in Odoo's POS; ``PATCH {"active": true}``
restores one. A product created here is ``available_in_pos`` unless told.

``GET /api/v1/products/mobile`` is the whole POS menu of the restaurant in
one answer, not paginated (a menu is a few hundred products at most and a
phone caches it whole), with a strong ``ETag``: the SHA-256 of the ``data``
JSON bytes (the envelope's ``timestamp`` would change every answer).
``If-None-Match`` (a list of tags, ``*``, weak comparison as RFC 9110
§13.1.2 says) gives a 304 with no body. ``Cache-Control: private, no-cache``:
a phone may keep it, and must revalidate.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson
from aiohttp import web

from models import security
from models.base import MAX_ID
from models.env import Env
from models.exceptions import MissingError, ValidationError

from .auth import Caller, authenticated, authenticated_in, run_as
from .body import json_object, path_id
from .envelope import ok
from .pagination import Listing, contains_any, equals_bool, equals_id, equals_text
from .shapes import text

PRODUCT = "product.product"
CATEGORY = "pos.category"
TAX = "account.tax"
IMAGE_SIZES = ("image_128", "image_512", "image_1024")
TYPES = ("consu", "service", "product")

READ_FIELDS = ["name", "display_name", "default_code", "barcode", "list_price", "pos_categ_ids",
               "taxes_id", "available_in_pos", "type", "uom_name", "active"]

LISTING = Listing(
    filters={
        "category_id": equals_id("pos_categ_ids"),
        "available_in_pos": equals_bool("available_in_pos"),
        "barcode": equals_text("barcode"),
        "q": contains_any("name", "default_code", "barcode"),
    },
    sortable={"name": "name", "list_price": "list_price", "id": "id",
              "default_code": "default_code"},
    default_order="name asc",
)
CATEGORIES = Listing(paginated=False)
MOBILE = Listing(paginated=False)

#: Body fields of POST/PATCH: API name -> model field.
WRITABLE = {"name": "name", "list_price": "list_price", "default_code": "default_code",
            "barcode": "barcode", "category_ids": "pos_categ_ids", "tax_ids": "taxes_id",
            "available_in_pos": "available_in_pos", "type": "type", "uom_name": "uom_name",
            "active": "active"}


# -- plumbing ---------------------------------------------------------------------------------


async def _manager(request: web.Request) -> Caller:
    return await authenticated_in(request, security.POS_MANAGER,
                                  "Only managers of the restaurant may change its products")


async def _shape(env: Env, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tax_ids = sorted({tax for record in records for tax in record["taxes_id"]})
    taxes = {tax["id"]: {"id": tax["id"], "name": tax["name"], "amount": tax["amount"],
                         "price_include": tax["price_include"]}
             for tax in await env[TAX].read(tax_ids, ["name", "amount", "price_include"])}
    return [{
        "id": record["id"], "name": record["name"], "display_name": record["display_name"],
        "default_code": text(record["default_code"]), "barcode": text(record["barcode"]),
        "list_price": record["list_price"], "category_ids": record["pos_categ_ids"],
        "taxes": [taxes[tax] for tax in record["taxes_id"] if tax in taxes],
        "available_in_pos": record["available_in_pos"], "type": record["type"],
        "uom_name": text(record["uom_name"]), "active": record["active"],
    } for record in records]


async def _one(env: Env, product_id: int) -> dict[str, Any]:
    """The product if the caller's restaurant has it (archived ones too), else 404."""
    if not await env[PRODUCT].exists([product_id]):
        raise MissingError("Product not found")
    return (await _shape(env, await env[PRODUCT].read([product_id], READ_FIELDS)))[0]


# -- reading ----------------------------------------------------------------------------------

async def list_products(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    wanted = LISTING.parse(request.query)

    async def fetch(env: Env) -> tuple[list[dict[str, Any]], int]:
        records, total = await wanted.read(env[PRODUCT], READ_FIELDS)
        return await _shape(env, records), total

    data, total = await run_as(request, caller, fetch)
    return ok(data, meta={"pagination": wanted.page.meta(total)})  # type: ignore[union-attr]


async def get_product(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    product_id = path_id(request, "Product")
    return ok(await run_as(request, caller, lambda env: _one(env, product_id)))


async def product_by_barcode(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    code = request.match_info["code"]
    if "\x00" in code:        # no barcode has one (and PostgreSQL refuses NUL in text)
        raise MissingError("No product with this barcode")

    async def fetch(env: Env) -> list[dict[str, Any]]:
        return await _shape(env, await env[PRODUCT].search_read(
            [("barcode", "=", code)], READ_FIELDS, limit=1))

    found = await run_as(request, caller, fetch)
    if not found:
        raise MissingError("No product with this barcode")
    return ok(found[0])


async def list_categories(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    CATEGORIES.parse(request.query)

    async def fetch(env: Env) -> list[dict[str, Any]]:
        return [{"id": c["id"], "name": c["name"],
                 "parent_id": c["parent_id"][0] if c["parent_id"] else None,
                 "sequence": c["sequence"], "color": c["color"]}
                for c in await env[CATEGORY].search_read(
                    [], ["name", "parent_id", "sequence", "color"])]

    found = await run_as(request, caller, fetch)
    return ok(found, meta={"count": len(found)})


# -- the phone's menu, with an ETag ------------------------------------------------------------

_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def none_match(header: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` matches ``etag`` (weak comparison: ``W/`` is ignored).

    A malformed header matches nothing (the full answer is sent)."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    opaque = etag[2:] if etag.startswith("W/") else etag
    position, tags = 0, []
    header = header.strip()
    while position < len(header):
        found = _ENTITY_TAG.match(header, position)
        if found is None or found.end() == position:
            return False
        tags.append(found.group(1))
        position = found.end()
    return opaque in tags


#: A phone keeps the menu and asks again each time, answered 304 while it is unchanged.
MOBILE_CACHE_CONTROL = "private, no-cache"


async def mobile_products(request: web.Request) -> web.StreamResponse:
    caller = await authenticated(request)
    MOBILE.parse(request.query)

    async def fetch(env: Env) -> list[dict[str, Any]]:
        return [{
            "id": p["id"], "name": p["name"], "price": p["list_price"],
            "category_id": p["pos_categ_ids"][0] if p["pos_categ_ids"] else None,
            "barcode": text(p["barcode"]),
            "image_urls": {size: f"/web/image/product.product/{p['id']}/{size}"
                           for size in IMAGE_SIZES},
        } for p in await env[PRODUCT].search_read(
            [("available_in_pos", "=", True)],
            ["name", "list_price", "pos_categ_ids", "barcode"], order="name asc")]

    data = await run_as(request, caller, fetch)
    etag = '"' + hashlib.sha256(orjson.dumps(data)).hexdigest() + '"'
    headers = {"ETag": etag, "Vary": "Authorization", "Cache-Control": MOBILE_CACHE_CONTROL}
    if none_match(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    response = ok(data, meta={"count": len(data)})
    response.headers.update(headers)
    return response


# -- managers: create, update, archive ---------------------------------------------------------

def _id_list(value: Any) -> list[int] | None:
    if not isinstance(value, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in value):
        return None
    return list(dict.fromkeys(value))


async def _product_values(env: Env, body: dict[str, Any], *, create: bool,
                          product_id: int | None = None) -> dict[str, Any]:
    """The model values of a POST/PATCH body; a 422 naming every bad field."""
    errors: dict[str, str] = {}
    vals: dict[str, Any] = {}
    for name in body:
        if name not in WRITABLE:
            errors[name] = "unknown field"
    if not create and not body:
        raise ValidationError("Nothing to update", field_errors={"body": "no field given"})

    if "name" in body or create:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            errors["name"] = "required" if name in (None, "") else "must be a non-empty string"
        else:
            vals["name"] = name.strip()
    if "list_price" in body:
        price = body["list_price"]
        if isinstance(price, bool) or not isinstance(price, (int, float)):
            errors["list_price"] = "must be a number"
        elif not 0 <= price < 1e12:
            errors["list_price"] = "must be 0 or more (and below 10^12)"
        else:
            vals["list_price"] = float(price)
    for name in ("default_code", "barcode", "uom_name"):
        if name in body:
            value = body[name]
            if value is not None and not isinstance(value, str):
                errors[name] = "must be a string or null"
            else:
                vals[name] = value.strip() or None if isinstance(value, str) else None
    if "uom_name" in vals and vals["uom_name"] is None:
        errors["uom_name"] = "must not be empty"
    for name in ("available_in_pos", "active"):
        if name in body:
            if not isinstance(body[name], bool):
                errors[name] = "must be a boolean"
            else:
                vals[name] = body[name]
    if create:
        vals.setdefault("available_in_pos", True)
    if "type" in body:
        if body["type"] not in TYPES:
            errors["type"] = f"must be one of {', '.join(TYPES)}"
        else:
            vals["type"] = body["type"]
    for name, model in (("category_ids", CATEGORY), ("tax_ids", TAX)):
        if name not in body:
            continue
        ids = _id_list(body[name])
        if ids is None:
            errors[name] = "must be a list of ids"
        elif set(await env[model].exists(ids)) != set(ids):
            errors[name] = "unknown in this restaurant"
        else:
            vals[WRITABLE[name]] = [(6, 0, ids)]

    barcode = vals.get("barcode")
    if barcode and "barcode" not in errors:
        others = [("id", "!=", product_id)] if product_id else []
        clash = await env.with_context(active_test=False)[PRODUCT].search(
            [("barcode", "=", barcode)] + others, limit=1)
        if clash:
            errors["barcode"] = "already used by another product of the restaurant"
    if errors:
        raise ValidationError("Invalid product: " + ", ".join(sorted(errors)),
                              field_errors=errors)
    return vals


async def create_product(request: web.Request) -> web.Response:
    caller = await _manager(request)
    body = await json_object(request)

    async def create(env: Env) -> dict[str, Any]:
        vals = await _product_values(env, body, create=True)
        return await _one(env, await env[PRODUCT].create(vals))

    return ok(await run_as(request, caller, create, readonly=False), message="Product created",
              status=201)


async def update_product(request: web.Request) -> web.Response:
    caller = await _manager(request)
    product_id = path_id(request, "Product")
    body = await json_object(request)

    async def update(env: Env) -> dict[str, Any]:
        await _one(env, product_id)
        vals = await _product_values(env, body, create=False, product_id=product_id)
        await env[PRODUCT].write([product_id], vals)
        return await _one(env, product_id)

    return ok(await run_as(request, caller, update, readonly=False), message="Product updated")


async def archive_product(request: web.Request) -> web.Response:
    caller = await _manager(request)
    product_id = path_id(request, "Product")

    async def archive(env: Env) -> dict[str, Any]:
        await _one(env, product_id)
        await env[PRODUCT].write([product_id], {"active": False})
        return await _one(env, product_id)

    return ok(await run_as(request, caller, archive, readonly=False), message="Product archived")
