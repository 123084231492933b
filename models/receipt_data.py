"""The data of one order's receipt, read as the caller, for the hardware bridge.

The printer side (``hardware_bridge.receipt.Receipt.from_data``) takes a plain
dict and never touches the database; this is where an order becomes that
dict. The order, its lines and payments are read through the ORM as the
environment's user, so a waiter of one restaurant cannot print another
restaurant's order (the record rules refuse it as they refuse a read). What
the receipt only names (company, products, categories, taxes, payment
methods, currency) is read as superuser once the order itself was allowed,
as the reports do: a product may have been archived since the sale.

Amounts are the stored ones (the server computed them at intake), except the
per-tax breakdown, which Odoo prints and does not store: it is recomputed from
each line's taxes with ``pos_taxes.compute_all``, the same arithmetic the
stored totals came from. The date is the order's in the restaurant's time
zone (``reports.company_zones``: the company's ``tz``, else its partner's,
else the user's). The company's ``logo`` (base64, as read) is printed at the
top.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import pos_taxes, reports
from .exceptions import MissingError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

__all__ = ["receipt_data"]

_ORDER_FIELDS = ["name", "pos_reference", "date_order", "user_id", "partner_id", "table_id",
                 "config_id",
                 "customer_count", "lines", "payment_ids", "amount_tax", "amount_total",
                 "amount_paid", "amount_return", "company_id", "note", "state"]
_LINE_FIELDS = ["full_product_name", "product_id", "qty", "price_unit", "discount",
                "price_subtotal", "price_subtotal_incl", "customer_note", "uuid", "tax_ids"]
_TAX_FIELDS = ["name", "amount_type", "amount", "price_include", "include_base_amount",
               "sequence"]


def _name(pair: Any) -> str:
    """The display name of a many2one as ``read`` gives it (``[id, name]`` or False)."""
    return pair[1] if isinstance(pair, (list, tuple)) and len(pair) == 2 else ""


def _id(pair: Any) -> int | None:
    return pair[0] if isinstance(pair, (list, tuple)) and pair else None


async def receipt_data(env: Env, order_id: int) -> dict[str, Any]:
    """The plain receipt dict of ``order_id`` (see ``hardware_bridge/receipt.py``).

    :raises MissingError: the order does not exist.
    :raises AccessError: the user may not read it.
    """
    orders = await env["pos.order"].read([order_id], _ORDER_FIELDS)
    if not orders:
        raise MissingError(f"Record does not exist or has been deleted. (pos.order {order_id})")
    order = orders[0]
    lines = await env["pos.order.line"].read(order["lines"], _LINE_FIELDS)
    payments = await env["pos.payment"].read(order["payment_ids"],
                                             ["payment_method_id", "amount", "is_change"])
    sudo = env.sudo()
    company_id = _id(order["company_id"])
    company = await _company(sudo, company_id)
    categories = await _categories(sudo, [_id(line["product_id"]) for line in lines])
    header, footer = "", ""
    if _id(order["config_id"]):          # the till's own receipt header and footer, as Odoo
        (config,) = await sudo["pos.config"].read([_id(order["config_id"])],
                                                  ["receipt_header", "receipt_footer"])
        header, footer = config["receipt_header"] or "", config["receipt_footer"] or ""
    return {
        "company": company["company"],
        "currency": company["currency"],
        "reference": order["pos_reference"] or order["name"],
        "date": await _local_date(env, company_id, order["date_order"]),
        "table": _name(order["table_id"]),
        "waiter": _name(order["user_id"]),
        "guests": order["customer_count"] or 0,
        "customer": _name(order["partner_id"]),
        "note": order["note"] or "",
        "lines": [{
            "uuid": line["uuid"] or f"line-{line['id']}",
            "name": line["full_product_name"] or _name(line["product_id"]),
            "qty": line["qty"],
            "price_unit": line["price_unit"],
            "discount": line["discount"],
            "total": line["price_subtotal_incl"],
            "note": line["customer_note"] or "",
            "modifiers": [],
            "category_ids": sorted(categories.get(_id(line["product_id"]), ())),
        } for line in lines],
        "taxes": await _taxes(sudo, lines, company["rounding"]),
        "subtotal": sum((Decimal(str(line["price_subtotal"])) for line in lines), Decimal(0)),
        "tax_total": order["amount_tax"],
        "total": order["amount_total"],
        "payments": [{"name": _name(p["payment_method_id"]), "amount": p["amount"]}
                     for p in sorted(payments, key=lambda p: p["id"]) if not p["is_change"]],
        "change": order["amount_return"],
        "header": header,
        "footer": footer,
    }


async def _company(sudo: Env, company_id: int | None) -> dict[str, Any]:
    (company,) = await sudo["res.company"].read(
        [company_id], ["name", "street", "street2", "zip", "city", "country_id", "phone",
                       "vat", "website", "currency_id", "logo"])
    city = " ".join(part for part in (company["zip"], company["city"]) if part)
    address = [part for part in (company["street"], company["street2"], city,
                                 _name(company["country_id"])) if part]
    currency = {"symbol": "", "position": "after", "decimals": 2}
    rounding = pos_taxes.CENT
    if _id(company["currency_id"]):
        (row,) = await sudo["res.currency"].read([_id(company["currency_id"])],
                                                  ["symbol", "position", "decimal_places",
                                                   "rounding"])
        currency = {"symbol": row["symbol"] or "", "position": row["position"] or "after",
                    "decimals": row["decimal_places"] if row["decimal_places"] is not None
                    else 2}
        if row["rounding"]:
            rounding = pos_taxes.to_decimal(row["rounding"]).normalize()
    return {
        "company": {"name": company["name"], "address": address, "phone": company["phone"] or "",
                    "vat": company["vat"] or "", "website": company["website"] or "",
                    "logo": company["logo"] or None},
        "currency": currency,
        "rounding": rounding,
    }


async def _categories(sudo: Env, product_ids: list[int | None]) -> dict[int, set[int]]:
    """{product id: its POS categories and their ancestors} (routing matches parents)."""
    ids = sorted({i for i in product_ids if i})
    if not ids:
        return {}
    products = await sudo["product.product"].read(ids, ["pos_categ_ids"])
    parents: dict[int, int | None] = {}
    pending = {c for p in products for c in p["pos_categ_ids"]}
    while pending:
        rows = await sudo["pos.category"].read(sorted(pending), ["parent_id"])
        for row in rows:
            parents[row["id"]] = _id(row["parent_id"])
        pending = {p for p in parents.values() if p and p not in parents}
    result = {}
    for product in products:
        found: set[int] = set()
        for category in product["pos_categ_ids"]:
            while category and category not in found:
                found.add(category)
                category = parents.get(category)
        result[product["id"]] = found
    return result


async def _taxes(sudo: Env, lines: list[dict[str, Any]], rounding: Decimal
                 ) -> list[dict[str, Any]]:
    """Each tax of the order with its amount and base, in the taxes' sequence order."""
    tax_ids = sorted({t for line in lines for t in line["tax_ids"]})
    if not tax_ids:
        return []
    records = {row["id"]: row for row in await sudo["account.tax"].read(tax_ids, _TAX_FIELDS)}
    totals: dict[int, list[Decimal]] = {}
    for line in lines:
        ordered = sorted((records[t] for t in line["tax_ids"] if t in records),
                         key=lambda r: (r["sequence"], r["id"]))
        specs = [pos_taxes.Tax(r["id"], r["amount_type"], pos_taxes.to_decimal(r["amount"]),
                               bool(r["price_include"]), bool(r["include_base_amount"]))
                 for r in ordered]
        price = pos_taxes.to_decimal(line["price_unit"]) * (
            1 - pos_taxes.to_decimal(line["discount"]) / pos_taxes.HUNDRED)
        result = pos_taxes.compute_all(specs, price, line["qty"], rounding)
        for amount in result.taxes:
            base, total = totals.setdefault(amount.tax_id, [Decimal(0), Decimal(0)])
            totals[amount.tax_id] = [base + amount.base, total + amount.amount]
    ordered_ids = sorted(totals, key=lambda t: (records[t]["sequence"], t))
    return [{"name": records[t]["name"], "amount": str(pos_taxes.round_to(totals[t][1], rounding)),
             "base": str(pos_taxes.round_to(totals[t][0], rounding))} for t in ordered_ids]


async def _local_date(env: Env, company_id: int | None, date_order: Any) -> str:
    """``date_order`` (UTC, as stored) in the restaurant's time zone, to the minute."""
    if not date_order:
        return ""
    if isinstance(date_order, str):
        moment = dt.datetime.fromisoformat(date_order)
    else:
        moment = date_order
    zones = await reports.company_zones(env, [company_id] if company_id else [])
    zone = zones.get(company_id) if company_id else None
    if zone is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    local = moment.replace(tzinfo=dt.UTC).astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M")
