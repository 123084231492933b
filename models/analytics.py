"""Analytics of one restaurant: dashboard, sales, employees, customers, inventory.

Every figure counts what the sales report counts (``reports.COUNTED_STATES``;
a refund is a counted order with a negative total), over the restaurant's
local days (``reports.company_zones``), summed by the database in whole
cents and turned into exact ``Decimal`` here. Each headline figure comes
with the same figure over the previous period of equal length (the days
just before ``date_from``) and the change in percent, rounded half-up to two
decimals; null when the previous figure is 0 (no growth rate from nothing).

Ranges: ``date_from``/``date_to`` are ISO dates, ``date_from <= date_to``,
at most :data:`MAX_DAYS` days; a bad one is a ``ValidationError`` naming the
argument. Without them the range is the last 7 local days, today included.

For restaurant managers (and platform owners, who are managers too); a
waiter or the kitchen gets an AccessError: these are the restaurant's
business figures, and each waiter's own takings are in their session.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from peewee import JOIN, SQL, Case, fn

from . import platform as _platform  # the module: models/platform.py imports this one
from . import security
from .exceptions import AccessError, ValidationError
from .reports import (COUNTED_STATES, ZERO, PosReportSales, cents_sum, company_zones,
                      counted_orders, day_expr, from_cents, from_milli, hour_expr, local_expr,
                      local_today, milli_sum, number, refund_flag, round_money, utc_instant,
                      zone_name)
from .stock import STORABLE, _status, to_quantity

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

MAX_DAYS = 366
#: The days a range may cover: the previous period and the zone shifts stay within Python's.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9998, 12, 31)
DEFAULT_DAYS = 7
GROUPINGS = ("day", "week", "month", "hour", "category", "payment_method")
TOP = 10
PERCENT = Decimal("0.01")
#: Visit-frequency buckets: (label, fewest visits, most visits or None).
VISITS = (("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6+", 6, None))


# -- ranges ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    start: str          # UTC instant the first local day begins
    stop: str           # UTC instant after the last local day

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def meta(self) -> dict[str, str]:
        return {"date_from": self.first.isoformat(), "date_to": self.last.isoformat()}


@dataclass(frozen=True)
class Scope:
    """One restaurant, its zone, the period asked and the one before it."""

    company_id: int
    zone: dt.tzinfo
    current: Period
    previous: Period

    def meta(self) -> dict[str, Any]:
        return {**self.current.meta(), "timezone": zone_name(self.zone),
                "previous": self.previous.meta()}


def _day(value: Any, name: str, errors: dict[str, str]) -> dt.date | None:
    if value in (None, False, ""):
        return None
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 \
            else None
    except ValueError:
        day = None
    if day is None:
        errors[name] = "Expected a date YYYY-MM-DD"
    elif not FIRST_DAY <= day <= LAST_DAY:
        errors[name] = f"Between {FIRST_DAY} and {LAST_DAY}"
    else:
        return day
    return None


def period(first: dt.date, last: dt.date, zone: dt.tzinfo) -> Period:
    return Period(first, last, utc_instant(first, zone),
                  utc_instant(last + dt.timedelta(days=1), zone))


def check_range(date_from: Any, date_to: Any, today: dt.date) -> tuple[dt.date, dt.date]:
    """(first, last) local days; a ValidationError naming each bad argument."""
    errors: dict[str, str] = {}
    first = _day(date_from, "date_from", errors)
    last = _day(date_to, "date_to", errors)
    if errors:
        raise ValidationError("Invalid date range.", field_errors=errors)
    if last is None:
        last = max(first, today) if first is not None else today
    if first is None:
        first = last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationError("date_from is after date_to.",
                              field_errors={"date_from": "Must be on or before date_to"})
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(f"A range covers at most {MAX_DAYS} days.",
                              field_errors={"date_to": f"At most {MAX_DAYS} days after "
                                                       "date_from"})
    return first, last


def check_manager(env: "Env") -> None:
    if not env.su and not (env.user and env.user.has_group(security.POS_MANAGER)):
        raise AccessError("Only restaurant managers see the restaurant's analytics.")


async def scope(env: "Env", date_from: Any, date_to: Any,
                company_id: int | None = None) -> Scope:
    """The caller's current restaurant (or ``company_id``, checked by the caller)."""
    company_id = company_id or env.company_id
    if company_id is None:
        raise AccessError("No restaurant is active.")
    zone = (await company_zones(env, [company_id]))[company_id]
    first, last = check_range(date_from, date_to, local_today(zone))
    span = dt.timedelta(days=(last - first).days + 1)
    return Scope(company_id, zone, period(first, last, zone),
                 period(first - span, first - dt.timedelta(days=1), zone))


# -- comparison ------------------------------------------------------------------------------

def change_percent(current: Decimal, previous: Decimal) -> float | None:
    if previous == 0:
        return None
    change = (current - previous) * 100 / abs(previous)
    return float(change.quantize(PERCENT, rounding=ROUND_HALF_UP))


def compared(current: Any, previous: Any) -> dict[str, Any]:
    """``{current, previous, change_percent}``; amounts (Decimal) become numbers."""
    cur, prev = Decimal(current), Decimal(previous)
    shown = number if isinstance(current, Decimal) else int
    return {"current": shown(current), "previous": shown(previous),
            "change_percent": change_percent(cur, prev)}


def compare_all(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    return {key: compared(current[key], previous[key]) for key in current}


# -- order figures ---------------------------------------------------------------------------

def _where(env: "Env", company_id: int, span: Period) -> Any:
    return counted_orders(env, [company_id], span.start, span.stop)


def _local(env: "Env", zone: dt.tzinfo, span: Period) -> Any:
    return local_expr(env.dialect_kind, env.registry["pos.order"].date_order, zone,
                      span.start, span.stop)


def _headline(sales: int, gross: Decimal, refund_count: int, refunds: Decimal) -> dict[str, Any]:
    return {"revenue": gross + refunds, "orders": sales,
            "average_ticket": round_money(gross / sales) if sales else ZERO,
            "refunds": refunds, "refund_count": refund_count}


async def totals(env: "Env", company_ids: list[int], start: str, stop: str,
                 key: Any = None) -> dict[Any, dict[str, Any]]:
    """Headline figures per ``key`` (a column; None: one bucket keyed None):
    ``revenue`` (net of refunds, tax included), ``orders`` (sales), ``average_ticket``
    (sales' total / sales), ``refunds`` (amount, <= 0), ``refund_count``."""
    order = env.registry["pos.order"]
    keys = ([key] if key is not None else []) + [refund_flag(order.amount_total)]
    query = (order.select(*keys, fn.COUNT(order.id), cents_sum(order.amount_total))
             .where(counted_orders(env, company_ids, start, stop)).group_by(*keys))
    raw: dict[Any, list[Any]] = defaultdict(lambda: [0, ZERO, 0, ZERO])
    for row in await env.cr.rows(query):
        bucket_key = row[0] if key is not None else None
        refund, count, cents = row[-3:]
        bucket = raw[bucket_key]
        if refund:
            bucket[2] += count
            bucket[3] += from_cents(cents)
        else:
            bucket[0] += count
            bucket[1] += from_cents(cents)
    return {k: _headline(*v) for k, v in raw.items()}


EMPTY = _headline(0, ZERO, 0, ZERO)


async def _one(env: "Env", company_id: int, span: Period) -> dict[str, Any]:
    return (await totals(env, [company_id], span.start, span.stop)).get(None, EMPTY)


# -- dashboard -------------------------------------------------------------------------------

async def dashboard(env: "Env", date_from: Any = None, date_to: Any = None) -> dict[str, Any]:
    """Headline figures compared, the best products and the busiest local hours."""
    check_manager(env)
    s = await scope(env, date_from, date_to)
    current = await _one(env, s.company_id, s.current)
    previous = await _one(env, s.company_id, s.previous)
    where = _where(env, s.company_id, s.current)
    products = await PosReportSales._product_figures(env, where)
    order = env.registry["pos.order"]
    hour = hour_expr(env.dialect_kind, _local(env, s.zone, s.current))
    rows = await env.cr.rows(
        order.select(hour, fn.COUNT(order.id), cents_sum(order.amount_total))
        .where(where).group_by(hour)
        .order_by(fn.COUNT(order.id).desc(), SQL("1")).limit(5))
    return {**s.meta(), "figures": compare_all(current, previous),
            "top_products": [{"product_id": p["product_id"], "name": p["name"],
                              "qty": p["qty"], "revenue": p["revenue"]}
                             for p in products[:TOP]],
            "busiest_hours": [{"hour": int(h), "orders": count, "revenue": number(from_cents(c))}
                              for h, count, c in rows]}


# -- sales -----------------------------------------------------------------------------------

def _calendar(first: dt.date, last: dt.date, group_by: str) -> list[dt.date]:
    """Every bucket start of the range, so a chart shows the empty ones as 0."""
    starts, day = [], first
    while day <= last:
        start = _platform.period_start(day, group_by)
        if not starts or starts[-1] != start:
            starts.append(start)
        day += dt.timedelta(days=1)
    return starts


async def sales(env: "Env", date_from: Any = None, date_to: Any = None,
                group_by: Any = "day") -> dict[str, Any]:
    """Totals compared, and the current period's rows per ``group_by``."""
    check_manager(env)
    if group_by not in GROUPINGS:
        raise ValidationError("Invalid group_by.",
                              field_errors={"group_by": f"One of {', '.join(GROUPINGS)}"})
    s = await scope(env, date_from, date_to)
    current = await _one(env, s.company_id, s.current)
    previous = await _one(env, s.company_id, s.previous)
    where = _where(env, s.company_id, s.current)
    kind = env.dialect_kind
    rows: list[dict[str, Any]]
    if group_by in ("day", "week", "month", "hour"):
        local = _local(env, s.zone, s.current)
        key = hour_expr(kind, local) if group_by == "hour" else day_expr(kind, local)
        figures = await totals(env, [s.company_id], s.current.start, s.current.stop, key)
        if group_by == "hour":
            rows = [{"key": str(h), "label": f"{h:02d}:00",
                     **_shown(figures.get(h, EMPTY))} for h in range(24)]
        else:
            merged: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
            for raw_day, figure in figures.items():
                start = _platform.period_start(dt.date.fromisoformat(raw_day), group_by)
                merged[start].append(figure)
            rows = []
            for start in _calendar(s.current.first, s.current.last, group_by):
                bounds = _platform.period_bounds(start, group_by) if group_by != "day" else {
                    "period": start.isoformat()}
                rows.append({"key": start.isoformat(), "label": bounds["period"],
                             **_shown(_merge(merged.get(start, [])))})
    elif group_by == "category":
        products = await PosReportSales._product_figures(env, where)
        rows = [{"key": str(c["pos_categ_id"] or ""), "label": c["name"], "qty": c["qty"],
                 "revenue": c["revenue"], "revenue_untaxed": c["revenue_untaxed"]}
                for c in await PosReportSales._category_figures(env, products)]
    else:
        rows = [{"key": str(m["payment_method_id"]), "label": m["name"], "count": m["count"],
                 "amount": m["amount"]}
                for m in await PosReportSales._payment_figures(env, where)]
    return {**s.meta(), "group_by": group_by, "figures": compare_all(current, previous),
            "rows": rows}


def _merge(figures: list[dict[str, Any]]) -> dict[str, Any]:
    sales_ = sum(f["orders"] for f in figures)
    gross = sum((f["revenue"] - f["refunds"] for f in figures), ZERO)
    return _headline(sales_, gross, sum(f["refund_count"] for f in figures),
                     sum((f["refunds"] for f in figures), ZERO))


def _shown(figure: dict[str, Any]) -> dict[str, Any]:
    return {key: number(value) if isinstance(value, Decimal) else value
            for key, value in figure.items()}


# -- employees -------------------------------------------------------------------------------

async def employees(env: "Env", date_from: Any = None, date_to: Any = None) -> dict[str, Any]:
    """Per employee who rang up orders in either period: each figure compared."""
    check_manager(env)
    s = await scope(env, date_from, date_to)
    user = env.registry["pos.order"].user_id
    current = await totals(env, [s.company_id], s.current.start, s.current.stop, user)
    previous = await totals(env, [s.company_id], s.previous.start, s.previous.stop, user)
    ids = [uid for uid in dict.fromkeys([*current, *previous]) if uid]
    names = await _names(env, "res.users", ids)
    rows = [{"user_id": uid or None, "name": names.get(uid, "") if uid else "",
             "figures": compare_all(current.get(uid, EMPTY), previous.get(uid, EMPTY))}
            for uid in dict.fromkeys([*current, *previous])]
    rows.sort(key=lambda r: (-Decimal(str(r["figures"]["revenue"]["current"])), r["name"],
                             r["user_id"] or 0))
    return {**s.meta(), "employees": rows}


async def _names(env: "Env", model: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    records = await env.sudo().with_context(active_test=False)[model].read(
        list(ids), ["display_name"])
    return {r["id"]: r["display_name"] for r in records}


# -- customers -------------------------------------------------------------------------------

async def _customer_counts(env: "Env", company_id: int, span: Period) -> dict[str, Any]:
    """Customers (named partners) who ordered in the period, new (first counted order
    of the restaurant in it) or returning; walk-in orders; visits per customer."""
    order = env.registry["pos.order"]
    where = _where(env, company_id, span)
    per = (order.select(order.partner_id, fn.MIN(order.date_order).alias("first_order"))
           .where(order.company_id == company_id)
           .where(order.state.in_(COUNTED_STATES))
           .where(order.partner_id.is_null(False) & (order.date_order < span.stop))
           .group_by(order.partner_id)
           .having(fn.MAX(order.date_order) >= span.start)).alias("per")
    first_order = per.c.first_order
    new_flag = Case(None, [(first_order >= span.start, SQL("1"))], SQL("0"))
    customers, new = await env.cr.first(
        order.select(fn.COUNT(SQL("*")), fn.SUM(new_flag)).from_(per))
    visits = await env.cr.rows(
        order.select(order.partner_id.is_null(), fn.COUNT(order.id))
        .where(where).group_by(order.partner_id.is_null()))
    walk_in = sum(count for anonymous, count in visits if anonymous)
    named = sum(count for anonymous, count in visits if not anonymous)
    customers, new = int(customers or 0), int(new or 0)
    return {"customers": customers, "new_customers": new, "returning_customers": customers - new,
            "customer_orders": named, "walk_in_orders": walk_in,
            "visits_per_customer": (Decimal(named) / customers).quantize(
                PERCENT, rounding=ROUND_HALF_UP) if customers else ZERO}


async def customers(env: "Env", date_from: Any = None, date_to: Any = None) -> dict[str, Any]:
    check_manager(env)
    s = await scope(env, date_from, date_to)
    current = await _customer_counts(env, s.company_id, s.current)
    previous = await _customer_counts(env, s.company_id, s.previous)
    order = env.registry["pos.order"]
    where = _where(env, s.company_id, s.current) & order.partner_id.is_null(False)
    spend = cents_sum(order.amount_total)
    top = await env.cr.rows(
        order.select(order.partner_id, fn.COUNT(order.id), spend).where(where)
        .group_by(order.partner_id).order_by(SQL("3 DESC"), order.partner_id).limit(TOP))
    names = await _names(env, "res.partner", [row[0] for row in top])
    per_customer = (order.select(fn.COUNT(order.id).alias("visits")).where(where)
                    .group_by(order.partner_id)).alias("per")
    histogram = dict(await env.cr.rows(
        order.select(per_customer.c.visits, fn.COUNT(SQL("*"))).from_(per_customer)
        .group_by(per_customer.c.visits)))
    frequency = [{"visits": label, "customers": sum(
        n for visits, n in histogram.items() if visits >= low and (high is None or visits <= high))}
        for label, low, high in VISITS]
    return {**s.meta(), "figures": compare_all(current, previous),
            "top_customers": [{"partner_id": pid, "name": names.get(pid, ""), "orders": count,
                               "revenue": number(from_cents(cents))} for pid, count, cents in top],
            "visit_frequency": frequency}


# -- inventory -------------------------------------------------------------------------------

async def _consumption(env: "Env", company_id: int, span: Period) -> dict[int, dict[str, Any]]:
    """Per product: what sales took (refunds given back), what was wasted."""
    move = env.registry["stock.move"]
    sold = Case(None, [(move.reason.in_(("sale", "refund")), move.quantity)], SQL("0"))
    waste = Case(None, [(move.reason == "waste", move.quantity)], SQL("0"))
    rows = await env.cr.rows(
        move.select(move.product_id, milli_sum(sold), milli_sum(waste))
        .where((move.company_id == company_id) & (move.date >= span.start)
               & (move.date < span.stop))
        .group_by(move.product_id))
    return {pid: {"consumed": -from_milli(s), "wasted": -from_milli(w)} for pid, s, w in rows}


async def inventory(env: "Env", date_from: Any = None, date_to: Any = None) -> dict[str, Any]:
    """On hand now per storable product with its status and value (on hand x cost,
    rounded to the cent per product); consumption in the period, compared."""
    check_manager(env)
    s = await scope(env, date_from, date_to)
    product = env.registry["product.product"]
    quant = env.registry["stock.quant"]
    rows = await env.cr.rows(
        product.select(product.id, product.name, product.standard_price,
                       product.low_stock_threshold, quant.quantity)
        .join(quant, JOIN.LEFT_OUTER, on=((quant.product_id == product.id)
                                          & (quant.company_id == s.company_id)))
        .where(((product.company_id == s.company_id) | product.company_id.is_null())
               & (product.type == STORABLE)
               & (product.active == True))  # noqa: E712 - peewee expression
        .order_by(product.name, product.id))
    current = await _consumption(env, s.company_id, s.current)
    previous = await _consumption(env, s.company_id, s.previous)
    products, value = [], ZERO
    counts = {"available": 0, "low": 0, "out": 0}
    for pid, name, cost, threshold, qty in rows:
        on_hand = to_quantity(qty)
        worth = round_money(on_hand * Decimal(str(cost or 0)))
        status = _status(on_hand, to_quantity(threshold))
        counts[status] += 1
        value += worth
        used = current.get(pid, {"consumed": ZERO, "wasted": ZERO})
        products.append({"product_id": pid, "name": name, "on_hand": float(on_hand),
                         "low_stock_threshold": float(to_quantity(threshold)),
                         "status": status, "cost": number(Decimal(str(cost or 0))),
                         "value": number(worth), "consumed": float(used["consumed"]),
                         "wasted": float(used["wasted"])})

    def total(figures: dict[int, dict[str, Any]], key: str) -> Decimal:
        return sum((f[key] for f in figures.values()), ZERO)

    return {**s.meta(),
            "figures": {"stock_value": number(value), "products": len(products),
                        "low_stock": counts["low"], "out_of_stock": counts["out"],
                        "consumed": compared(total(current, "consumed"),
                                             total(previous, "consumed")),
                        "wasted": compared(total(current, "wasted"),
                                           total(previous, "wasted"))},
            "products": products}
