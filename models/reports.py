"""Sales reports of a restaurant: ``pos.report.sales`` (model-level methods only).

What counts: orders in ``paid``, ``done`` or ``invoiced`` (money changed
hands); drafts and cancelled orders never do. A *refund* is a counted order
whose total is negative (the POS refunds by selling negative quantities).

Time zones: dates are the restaurant's **local** calendar days. The
restaurant's zone is its own ``res.company.tz`` (the one its business hours
use), else its partner's ``tz`` (where Odoo keeps it), else the caller's
(``res.users.tz``; every demo user carries their platform's zone), else UTC
(:func:`company_zones`).
``date_from``/``date_to`` select ``[date_from 00:00, date_to + 1 day 00:00)``
local time, turned into UTC instants (datetimes are stored in UTC), and the
days and hours of the breakdowns are local too: the database shifts each
``date_order`` by the zone's offset in force at that instant (a ``CASE`` over
the daylight-saving transitions inside the range, :func:`local_expr`), so a
service at 00:30 local time counts on the local day on both backends, and
the Odoo front and the REST API answer the same days. (read_group still
buckets in UTC: models/read_group.py.)

Money is exact: the database sums whole cents (``SUM(ROUND(x * 100))``, an
integer sum on both backends) and Python divides by 100 in ``Decimal``;
every amount is rounded to the cent and answered as a JSON number.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import peewee
from peewee import SQL, NodeList, fn

from . import security
from .api import public
from .base import BaseModel
from .exceptions import AccessError

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

#: Order states in which the sale happened: paid, posted by the session's closing, invoiced.
COUNTED_STATES = ("paid", "done", "invoiced")
CENT = Decimal("0.01")
ZERO = Decimal(0)
COMPANIES_REFUSED = "Access to unauthorized or invalid companies."


# ---------------------------------------------------------------------------
# SQL pieces shared with models/platform.py (constant SQL text: no parameters,
# so that PostgreSQL matches a GROUP BY expression with its SELECT twin)
# ---------------------------------------------------------------------------

def _wrap(before: str, node: Any, after: str) -> Any:
    return NodeList((SQL(before), node, SQL(after)), glue="")


def day_expr(kind: str, column: Any) -> Any:
    """The day of a datetime expression, as text 'YYYY-MM-DD' on both backends."""
    if kind == "postgresql":
        return _wrap("to_char(", column, ", 'YYYY-MM-DD')")
    return _wrap("date(", column, ")")


def hour_expr(kind: str, column: Any) -> Any:
    """The hour (0-23) of a datetime expression, as an integer."""
    if kind == "postgresql":
        return _wrap("CAST(EXTRACT(HOUR FROM ", column, ") AS INTEGER)")
    return _wrap("CAST(strftime('%H', ", column, ") AS INTEGER)")


def _shifted(kind: str, column: Any, seconds: int) -> Any:
    if not seconds:
        return column
    if kind == "postgresql":
        return _wrap("(", column, f" + interval '{seconds} seconds')")
    return _wrap("datetime(", column, f", '{seconds:+d} seconds')")


def offsets(zone: dt.tzinfo, start: str, stop: str) -> list[tuple[str, int]]:
    """The zone's UTC offsets (seconds) over ``[start, stop)`` (UTC instants): the
    first with an empty boundary, then each transition with the UTC instant it
    starts at. A transition is found by bisecting the day it falls in."""
    def offset(moment: dt.datetime) -> int:
        delta = moment.replace(tzinfo=dt.timezone.utc).astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    low = dt.datetime.fromisoformat(start)
    end = dt.datetime.fromisoformat(stop)
    result = [("", offset(low))]
    while low < end:
        high = min(low + dt.timedelta(days=1), end)
        if offset(high) != offset(low):
            a, b = low, high            # offset(a) != offset(b): the change is in (a, b]
            while b - a > dt.timedelta(seconds=1):
                middle = a + (b - a) / 2
                middle = middle.replace(microsecond=0)
                if offset(middle) == offset(a):
                    a = middle
                else:
                    b = middle
            if b < end:
                result.append((b.isoformat(sep=" "), offset(b)))
        low = high
    return result


def local_expr(kind: str, column: Any, zone: dt.tzinfo, start: str, stop: str) -> Any:
    """A UTC datetime column as local time of ``zone``, for rows in ``[start, stop)``.

    Constant SQL text (the offsets and instants are ours, not the client's),
    so a GROUP BY over it matches its SELECT twin on PostgreSQL."""
    spans = offsets(zone, start, stop)
    if len(spans) == 1:
        return _shifted(kind, column, spans[0][1])
    parts: list[Any] = [SQL("CASE")]
    for (_, seconds), (boundary, _next) in zip(spans, spans[1:]):
        parts += [SQL("WHEN"), column, SQL(f"< '{boundary}' THEN"),
                  _shifted(kind, column, seconds)]
    parts += [SQL("ELSE"), _shifted(kind, column, spans[-1][1]), SQL("END")]
    return NodeList(parts)


def zone_named(name: Any) -> dt.tzinfo:
    """The IANA zone named, or UTC for none or an unknown name (a stale setting must not
    break a report)."""
    if not isinstance(name, str) or not name:
        return dt.timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone.utc


def zone_name(zone: dt.tzinfo) -> str:
    return getattr(zone, "key", None) or "UTC"


async def company_zones(env: "Env", company_ids: list[int]) -> dict[int, dt.tzinfo]:
    """Each restaurant's zone: its own, else its partner's, else the caller's, else UTC."""
    companies = env.registry["res.company"]
    partners = env.registry["res.partner"]
    rows = await env.cr.rows(
        companies.select(companies.id, peewee.fn.COALESCE(companies.tz, partners.tz))
        .join(partners, peewee.JOIN.LEFT_OUTER, on=(partners.id == companies.partner_id))
        .where(companies.id.in_(list(company_ids) or [0])))
    fallback = zone_named(env.user.tz if env.user is not None else env.context.get("tz"))
    found = {company_id: zone_named(tz) if tz else fallback for company_id, tz in rows}
    return {company_id: found.get(company_id, fallback) for company_id in company_ids}


def local_today(zone: dt.tzinfo) -> dt.date:
    return dt.datetime.now(dt.timezone.utc).astimezone(zone).date()


def utc_instant(day: dt.date, zone: dt.tzinfo) -> str:
    """The UTC instant (stored format) at which local ``day`` begins in ``zone``."""
    local = dt.datetime.combine(day, dt.time(0, 0))
    utc = local.replace(tzinfo=zone).astimezone(dt.timezone.utc).replace(tzinfo=None)
    return utc.isoformat(sep=" ")


def cents_sum(column: Any) -> Any:
    """SUM of a money column in whole cents: exact on both backends (see module doc)."""
    return _wrap("SUM(ROUND(", column, " * 100))")


def milli_sum(column: Any) -> Any:
    """SUM of a quantity (3 decimals) in thousandths, exact for the same reason."""
    return _wrap("SUM(ROUND(", column, " * 1000))")


def refund_flag(column: Any) -> Any:
    return _wrap("CASE WHEN ", column, " < 0 THEN 1 ELSE 0 END")


def from_cents(raw: Any) -> Decimal:
    return Decimal(int(round(raw or 0))) / 100


def from_milli(raw: Any) -> Decimal:
    return Decimal(int(round(raw or 0))) / 1000


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Decimal) -> float:
    """An exact amount as the JSON/XML-RPC number clients expect (Odoo sends floats)."""
    return float(value)


def parse_day(value: Any, name: str) -> dt.date:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError(f"Invalid {name} {value!r}: expected a date 'YYYY-MM-DD'")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Invalid {name} {value!r}: expected a date 'YYYY-MM-DD'") from None


def day_range(date_from: Any, date_to: Any,
              zone: dt.tzinfo = dt.timezone.utc) -> tuple[dt.date, dt.date, str, str]:
    """(first day, last day, UTC instant the first local day starts, UTC instant after
    the last local day)."""
    first = parse_day(date_from, "date_from")
    last = parse_day(date_to, "date_to") if date_to not in (None, False) else first
    if last < first:
        raise ValueError(f"date_to {date_to!r} is before date_from {date_from!r}")
    return first, last, utc_instant(first, zone), utc_instant(last + dt.timedelta(days=1), zone)


def check_companies(env: "Env", company_ids: list[Any]) -> list[int]:
    """Companies a caller names in a report's arguments: only those they may switch to."""
    user = env.user
    clean = []
    for company_id in company_ids:
        if isinstance(company_id, bool) or not isinstance(company_id, int):
            raise ValueError(f"Invalid company id {company_id!r}")
        if user is not None and not env.su and company_id not in user.allowed_company_ids:
            raise AccessError(COMPANIES_REFUSED)
        clean.append(company_id)
    return list(dict.fromkeys(clean))


def counted_orders(env: "Env", company_ids: list[int], start: str, stop: str) -> Any:
    """The WHERE of the orders a report counts (the callers checked the companies)."""
    order = env.registry["pos.order"]
    return (order.company_id.in_(company_ids) & order.state.in_(COUNTED_STATES)
            & (order.date_order >= start) & (order.date_order < stop))


# ---------------------------------------------------------------------------
# The report model
# ---------------------------------------------------------------------------

class PosReportSales(BaseModel):
    """Sales figures of one restaurant over a range of its local days."""

    _name = "pos.report.sales"
    _description = "Point of Sale Sales Report"
    _auto = False
    _rec_name = "id"

    @classmethod
    def _compute_display_name(cls, values: dict[str, Any]) -> Any:
        return cls._description

    @public("model", readonly=True)
    async def daily_sales(cls, env: "Env", date_from: Any, date_to: Any = None,
                          company_id: Any = None, top: Any = 10) -> dict[str, Any]:
        """The sales report of ``company_id`` (default: the current company; a platform
        owner names the restaurant, or switches to it first).

        Keys: ``order_count`` (sales, refunds apart), ``gross_sales`` (their
        totals, tax included), ``refunds`` ``{count, amount}`` (amount <= 0),
        ``revenue`` (gross_sales + refunds), ``tax``, ``revenue_untaxed``,
        ``average_ticket`` (gross_sales / order_count), and the breakdowns
        ``by_day``, ``by_hour``, ``by_payment_method``, ``by_category``,
        ``top_products`` (the ``top`` best by revenue) and ``by_employee``.
        In the breakdowns ``order_count`` counts sales and ``revenue`` is net
        of refunds, tax included.
        """
        security.check_access(env, cls, security.READ)
        if company_id in (None, False):
            company_id = env.company_id
        (company_id,) = check_companies(env, [company_id])
        if isinstance(top, bool) or not isinstance(top, int) or top < 0:
            raise ValueError(f"Invalid top {top!r}")
        zone = (await company_zones(env, [company_id]))[company_id]
        first, last, start, stop = day_range(date_from, date_to, zone)
        where = counted_orders(env, [company_id], start, stop)
        local = local_expr(env.dialect_kind, env.registry["pos.order"].date_order,
                           zone, start, stop)
        su = env.sudo()
        company = await su["res.company"].read([company_id], ["name", "currency_id"])
        if not company:
            raise AccessError(COMPANIES_REFUSED)
        report: dict[str, Any] = {
            "company_id": company_id, "company_name": company[0]["name"],
            "currency": company[0]["currency_id"][1] if company[0]["currency_id"] else False,
            "date_from": first.isoformat(), "date_to": last.isoformat(),
            "timezone": zone_name(zone),
        }
        report.update(await cls._order_figures(env, where, local))
        report["by_payment_method"] = await cls._payment_figures(env, where)
        products = await cls._product_figures(env, where)
        report["by_category"] = await cls._category_figures(env, products)
        report["top_products"] = [
            {key: value for key, value in row.items() if not key.startswith("_")}
            for row in products[:top]]
        return report

    # -- orders: totals, days, hours, employees (one grouped query) -------------------
    @classmethod
    async def _order_figures(cls, env: "Env", where: Any, local: Any) -> dict[str, Any]:
        """``local``: ``date_order`` in the restaurant's time (:func:`local_expr`)."""
        order = env.registry["pos.order"]
        kind = env.dialect_kind
        keys = [day_expr(kind, local), hour_expr(kind, local),
                order.user_id, refund_flag(order.amount_total)]
        query = (order.select(*keys, fn.COUNT(order.id), cents_sum(order.amount_total),
                              cents_sum(order.amount_tax))
                 .where(where).group_by(*keys))
        zero = {"order_count": 0, "refund_count": 0, "revenue": ZERO, "tax": ZERO}
        days: dict[str, dict[str, Any]] = defaultdict(lambda: dict(zero))
        hours: dict[int, dict[str, Any]] = defaultdict(lambda: dict(zero))
        users: dict[Any, dict[str, Any]] = defaultdict(lambda: dict(zero))
        gross = refunds = tax = ZERO
        sales = refund_count = 0
        for day, hour, user_id, refund, count, total, taxes in await env.cr.rows(query):
            total, taxes = from_cents(total), from_cents(taxes)
            tax += taxes
            if refund:
                refunds += total
                refund_count += count
            else:
                gross += total
                sales += count
            for bucket in (days[day], hours[int(hour)], users[user_id]):
                bucket["refund_count" if refund else "order_count"] += count
                bucket["revenue"] += total
                bucket["tax"] += taxes
        names = await _names(env, "res.users", [uid for uid in users if uid])
        revenue = gross + refunds
        return {
            "order_count": sales,
            "gross_sales": number(gross),
            "refunds": {"count": refund_count, "amount": number(refunds)},
            "revenue": number(revenue),
            "tax": number(tax),
            "revenue_untaxed": number(revenue - tax),
            "average_ticket": number(round_money(gross / sales)) if sales else 0.0,
            "by_day": [{"date": day, "order_count": b["order_count"],
                        "refund_count": b["refund_count"], "revenue": number(b["revenue"]),
                        "tax": number(b["tax"])} for day, b in sorted(days.items())],
            "by_hour": [{"hour": hour, "order_count": b["order_count"],
                         "refund_count": b["refund_count"], "revenue": number(b["revenue"])}
                        for hour, b in sorted(hours.items())],
            "by_employee": [
                {"user_id": uid or False, "name": names.get(uid, "") if uid else "",
                 "order_count": b["order_count"], "refund_count": b["refund_count"],
                 "revenue": number(b["revenue"])}
                for uid, b in sorted(users.items(), key=lambda item: (
                    -item[1]["revenue"], names.get(item[0], ""), item[0] or 0))],
        }

    # -- payments ----------------------------------------------------------------------
    @classmethod
    async def _payment_figures(cls, env: "Env", where: Any) -> list[dict[str, Any]]:
        """Money taken per payment method (change given back is a negative payment)."""
        order = env.registry["pos.order"]
        payment = env.registry["pos.payment"]
        query = (payment.select(payment.payment_method_id, fn.COUNT(payment.id),
                                cents_sum(payment.amount))
                 .join(order, on=(order.id == payment.pos_order_id))
                 .where(where).group_by(payment.payment_method_id))
        rows = {method_id: (count, from_cents(amount))
                for method_id, count, amount in await env.cr.rows(query)}
        every = env.sudo().with_context(active_test=False)
        methods = await every["pos.payment.method"].search_read(
            [("id", "in", list(rows))], ["name"]) if rows else []
        return [{"payment_method_id": m["id"], "name": m["name"], "count": rows[m["id"]][0],
                 "amount": number(rows[m["id"]][1])} for m in methods]

    # -- lines: products and categories ---------------------------------------------
    @classmethod
    async def _product_figures(cls, env: "Env", where: Any) -> list[dict[str, Any]]:
        """Per product, best first: quantity and line totals (with and without tax)."""
        order = env.registry["pos.order"]
        line = env.registry["pos.order.line"]
        query = (line.select(line.product_id, milli_sum(line.qty),
                             cents_sum(line.price_subtotal_incl), cents_sum(line.price_subtotal))
                 .join(order, on=(order.id == line.order_id))
                 .where(where).group_by(line.product_id))
        rows = await env.cr.rows(query)
        names = await _names(env, "product.product", [row[0] for row in rows])
        products = [{"product_id": product_id, "name": names.get(product_id, ""),
                     "_qty": from_milli(qty), "_revenue": from_cents(incl),
                     "_untaxed": from_cents(excl)} for product_id, qty, incl, excl in rows]
        products.sort(key=lambda p: (-p["_revenue"], -p["_qty"], p["product_id"]))
        for product in products:
            product.update(qty=float(product["_qty"]), revenue=number(product["_revenue"]),
                           revenue_untaxed=number(product["_untaxed"]))
        return products

    @classmethod
    async def _category_figures(cls, env: "Env",
                                products: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per POS category. A product in several categories counts in its first one
        (by the categories' order: sequence, name), so the categories add up to the
        lines' total; products in none are grouped under ``pos_categ_id`` False."""
        category = env.registry["pos.category"]
        rel = peewee.Table("pos_category_product_product_rel",
                           ("product_product_id", "pos_category_id"))
        first: dict[int, int] = {}
        names: dict[int, str] = {}
        if products:
            query = (rel.select(rel.product_product_id, category.id, category.name)
                     .join(category, on=(category.id == rel.pos_category_id))
                     .where(rel.product_product_id.in_([p["product_id"] for p in products]))
                     .order_by(category.sequence, category.name, category.id))
            for product_id, category_id, name in await env.cr.rows(query):
                first.setdefault(product_id, category_id)
                names[category_id] = name
        zero = {"qty": ZERO, "revenue": ZERO, "untaxed": ZERO}
        totals: dict[int | None, dict[str, Decimal]] = defaultdict(lambda: dict(zero))
        for product in products:
            bucket = totals[first.get(product["product_id"])]
            bucket["qty"] += product["_qty"]
            bucket["revenue"] += product["_revenue"]
            bucket["untaxed"] += product["_untaxed"]
        ordered = sorted(totals.items(), key=lambda item: (
            item[0] is None, -item[1]["revenue"], names.get(item[0], "") if item[0] else ""))
        return [{"pos_categ_id": category_id or False,
                 "name": names.get(category_id, "") if category_id else "",
                 "qty": float(b["qty"]), "revenue": number(b["revenue"]),
                 "revenue_untaxed": number(b["untaxed"])} for category_id, b in ordered]


async def _names(env: "Env", model: str, ids: list[int]) -> dict[int, str]:
    """Display names of records a report mentions (read as superuser: the report's
    access was checked; a waiter or product of the restaurant may be archived)."""
    ids = list(dict.fromkeys(i for i in ids if i))
    if not ids:
        return {}
    records = await env.sudo()[model].read(ids, ["display_name"])
    return {record["id"]: record["display_name"] for record in records}
