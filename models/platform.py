"""Platforms: a ``res.company`` with ``is_platform`` whose children are its restaurants.

The platform owner sees every restaurant below their platforms
(``ResUsers._user_info`` adds them to the user's allowed companies); a
restaurant's staff see their own restaurants only. What this module adds:

* ``res.users.switch_company(company_id)``: checks a switch of the active
  restaurant and answers the context a front keeps for the next calls
  (``allowed_company_ids``), so the check is the same on every front;
* ``res.company.commission_rate``: the percentage of a restaurant's sales its
  platform keeps. Only a platform owner (or the administrator) sets it,
  also when the restaurant's own manager may edit the rest of the company;
* ``res.company.commission_report`` (per restaurant) and
  ``res.company.platform_earnings`` (per platform).

Commission. *Gross* is the sum of ``amount_total`` (tax included) of the
orders the sales report counts (``reports.COUNTED_STATES``: paid, posted,
invoiced; refunds lower it). Per restaurant and period the commission is
``gross * rate / 100`` rounded half-up to the cent, and *net* is gross minus
commission; ``order_count`` counts the orders summed, refunds included.
Every total is the sum of its period figures, so a statement always adds
up, cent for cent. The restaurant's current rate applies to the
whole range asked: there is no rate history (the audit log keeps every
change of the rate, with its date).

Periods are each restaurant's local days (models/reports.py: its partner's
zone, else the caller's), and weeks and months of them, labelled as
read_group labels ``date_order`` buckets (weeks start on Sunday,
``"W47 2026"``). ``timezone`` names the zone when every restaurant listed
shares one, else ``"local"`` (each row then names its own). ``from``/``to``
of a period are its first day and the day after its last, as read_group's
``__range``.

The platform owner's views (:func:`platform_dashboard` and the others
below, the REST ``/platform`` routes) cover every restaurant of the
platforms the owner owns, and only those (a restaurant manager is refused).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from peewee import fn

from . import security
from .api import public
from .exceptions import AccessError, UserError, ValidationError
from .read_group import date_group
from .reports import (COMPANIES_REFUSED, COUNTED_STATES, ZERO, cents_sum, check_companies,
                      company_zones, counted_orders, day_expr, day_range, from_cents,
                      local_expr, number, round_money, zone_name)

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

PERIODS = ("day", "week", "month")
MAX_RATE = Decimal(100)


# ---------------------------------------------------------------------------
# Switching the active restaurant (mixed into res.users)
# ---------------------------------------------------------------------------

class CompanySwitch:
    """``res.users.switch_company``."""

    @public("model")
    async def switch_company(cls, env: "Env", company_id: Any) -> dict[str, Any]:
        """The context after switching to ``company_id``: AccessError unless the
        caller may work there (their restaurants; for a platform owner, any
        restaurant of their platforms). Switching to a platform selects the
        platform and every restaurant of it, the owner's whole view.

        The company also becomes the user's current one (``company_id``, what
        Odoo up to 12 wrote on a switch): the web session's ``session_info``
        shows it, and calls that send no ``allowed_company_ids`` (scripts,
        the next login) work there, so a front needs no state of its own."""
        if isinstance(company_id, bool) or not isinstance(company_id, int):
            raise ValueError(f"Invalid company id {company_id!r}")
        user = env.user
        allowed = user.allowed_company_ids if user is not None else ()
        if user is not None and company_id not in allowed:
            raise AccessError(COMPANIES_REFUSED)
        companies = env.registry["res.company"]
        row = await env.cr.first(companies.select(companies.is_platform, companies.active)
                                 .where(companies.id == company_id))
        if row is None or not row[1]:
            raise AccessError(COMPANIES_REFUSED)
        selected = [company_id]
        if row[0]:
            active = companies.active == True  # noqa: E712 - peewee expression
            children = await env.cr.rows(
                companies.select(companies.id).where((companies.parent_id == company_id) & active)
                .order_by(companies.sequence, companies.name, companies.id))
            selected += [cid for (cid,) in children if user is None or cid in allowed]
        if user is not None and user.company_id != company_id:
            await env.sudo()["res.users"].write([user.id], {"company_id": company_id})
        context = await cls.context_get(env)  # type: ignore[attr-defined]
        context["allowed_company_ids"] = selected
        return context


# ---------------------------------------------------------------------------
# Commission (mixed into res.company)
# ---------------------------------------------------------------------------

def period_start(day: dt.date, period: str) -> dt.date:
    if period == "day":
        return day
    if period == "week":            # the Sunday on or before (read_group's en_US weeks)
        return day - dt.timedelta(days=day.isoweekday() % 7)
    return day.replace(day=1)


def period_bounds(start: dt.date, period: str) -> dict[str, str]:
    label, span = date_group(start.isoformat(), period, False)
    return {"period": label, "from": span["from"], "to": span["to"]}


def _check_period(period: Any) -> str:
    if period not in PERIODS:
        raise ValueError(f"Invalid period {period!r}: expected one of {', '.join(PERIODS)}")
    return period


def _rate(value: Any) -> Decimal:
    """A commission rate as clients send it: a number from 0 to 100 (percent)."""
    error = ValidationError("A commission rate is a percentage from 0 to 100.",
                            field_errors={"commission_rate": "between 0 and 100"})
    if value is False or value is None:
        return ZERO
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise error
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise error from None
    if not rate.is_finite() or not ZERO <= rate <= MAX_RATE:
        raise error
    return rate


def _zone_groups(zones: dict[int, dt.tzinfo]) -> dict[str, tuple[dt.tzinfo, list[int]]]:
    groups: dict[str, tuple[dt.tzinfo, list[int]]] = {}
    for company_id, zone in zones.items():
        groups.setdefault(zone_name(zone), (zone, []))[1].append(company_id)
    return groups


def shared_zone(zones: dict[int, dt.tzinfo]) -> str:
    names = {zone_name(zone) for zone in zones.values()}
    return names.pop() if len(names) == 1 else "local"


async def _commissions(env: "Env", companies: list[dict[str, Any]], first: dt.date,
                       last: dt.date, period: str,
                       zones: dict[int, dt.tzinfo]) -> dict[int, list[dict[str, Any]]]:
    """{company id: [period figures, oldest first]}; amounts are Decimals. One grouped
    query per time zone among the restaurants (their local days differ)."""
    order = env.registry["pos.order"]
    buckets: dict[int, dict[dt.date, list[Any]]] = defaultdict(
        lambda: defaultdict(lambda: [0, ZERO]))
    for zone, ids in _zone_groups({c["id"]: zones[c["id"]] for c in companies}).values():
        _, _, start, stop = day_range(first.isoformat(), last.isoformat(), zone)
        day = day_expr(env.dialect_kind, local_expr(env.dialect_kind, order.date_order,
                                                    zone, start, stop))
        query = (order.select(order.company_id, day, fn.COUNT(order.id),
                              cents_sum(order.amount_total))
                 .where(counted_orders(env, ids, start, stop)).group_by(order.company_id, day))
        for company_id, raw_day, count, gross in await env.cr.rows(query):
            bucket = buckets[company_id][period_start(dt.date.fromisoformat(raw_day), period)]
            bucket[0] += count
            bucket[1] += from_cents(gross)
    result: dict[int, list[dict[str, Any]]] = {}
    for company in companies:
        rate = Decimal(str(company["commission_rate"] or 0))
        figures = []
        for start_day, (count, gross) in sorted(buckets[company["id"]].items()):
            commission = round_money(gross * rate / 100)
            figures.append({**period_bounds(start_day, period), "order_count": count,
                            "gross": gross, "commission": commission, "net": gross - commission})
        result[company["id"]] = figures
    return result


def _open_or_sold(companies: list[dict[str, Any]],
                  figures: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Restaurants to list: the open ones, and archived ones that sold in the range."""
    return [c for c in companies if c["active"] or figures[c["id"]]]


def _summed(figures: list[dict[str, Any]]) -> dict[str, Any]:
    return {"order_count": sum(f["order_count"] for f in figures),
            "gross": sum((f["gross"] for f in figures), ZERO),
            "commission": sum((f["commission"] for f in figures), ZERO),
            "net": sum((f["net"] for f in figures), ZERO)}


def _numbers(figures: dict[str, Any]) -> dict[str, Any]:
    return {key: number(value) if isinstance(value, Decimal) else value
            for key, value in figures.items()}


class PlatformCompany:
    """The platform side of ``res.company``: who sets the rate, and what it yields."""

    _COMPANY_FIELDS = ["name", "commission_rate", "parent_id", "is_platform", "currency_id",
                       "active"]

    @classmethod
    def _check_commission_vals(cls, env: "Env", vals: Any) -> None:
        if not isinstance(vals, dict) or "commission_rate" not in vals:
            return
        if not env.su and not (env.user and env.user.has_group(security.PLATFORM_OWNER)):
            raise AccessError("Only the platform owner may set a restaurant's commission rate.")
        _rate(vals["commission_rate"])

    @classmethod
    async def create_records(cls, env: "Env", vals_list: Any) -> Any:
        for vals in vals_list if isinstance(vals_list, (list, tuple)) else [vals_list]:
            cls._check_commission_vals(env, vals)
        return await super().create_records(env, vals_list)  # type: ignore[misc]

    @classmethod
    async def write(cls, env: "Env", ids: Any, vals: Any) -> bool:
        cls._check_commission_vals(env, vals)
        return await super().write(env, ids, vals)  # type: ignore[misc]

    @classmethod
    async def _companies(cls, env: "Env", ids: list[int]) -> list[dict[str, Any]]:
        """The companies' facts, archived ones included (their past sales still count)."""
        return await env.sudo().with_context(active_test=False)["res.company"].search_read(
            [("id", "in", ids)], cls._COMPANY_FIELDS)

    @classmethod
    async def _restaurants_of(cls, env: "Env", platform_ids: list[int]) -> list[int]:
        if not platform_ids:
            return []
        return await env.sudo().with_context(active_test=False)["res.company"].search(
            [("id", "child_of", platform_ids), ("is_platform", "=", False)])

    @public("model", readonly=True)
    async def commission_report(cls, env: "Env", date_from: Any, date_to: Any = None,
                                period: Any = "day", company_ids: Any = None) -> dict[str, Any]:
        """Gross, commission and net per restaurant, and per period within each.

        ``company_ids`` (default: the active companies) may name any company
        the caller could switch to; a platform among them stands for its
        restaurants. For restaurant managers and platform owners.
        """
        if not env.su and not (env.user and env.user.has_group(security.POS_MANAGER)):
            raise AccessError("Only restaurant managers and platform owners see commissions.")
        period = _check_period(period)
        first, last, _start, _stop = day_range(date_from, date_to)
        if company_ids in (None, False):
            requested = list(env.companies)
        elif isinstance(company_ids, (list, tuple)):
            requested = check_companies(env, list(company_ids))
        else:
            raise ValueError(f"Invalid company_ids {company_ids!r}")
        named = await cls._companies(env, requested)
        platforms = [c["id"] for c in named if c["is_platform"]]
        allowed = set(env.user.allowed_company_ids) if env.user and not env.su else None
        ids = [c["id"] for c in named if not c["is_platform"]] + [
            cid for cid in await cls._restaurants_of(env, platforms)
            if allowed is None or cid in allowed]
        restaurants = await cls._companies(env, list(dict.fromkeys(ids)))
        zones = await company_zones(env, [c["id"] for c in restaurants])
        figures = await _commissions(env, restaurants, first, last, period, zones)
        restaurants = _open_or_sold(restaurants, figures)
        rows = []
        for company in restaurants:
            periods = figures[company["id"]]
            rows.append({"company_id": company["id"], "name": company["name"],
                         "platform_id": company["parent_id"][0] if company["parent_id"] else False,
                         "commission_rate": company["commission_rate"],
                         "timezone": zone_name(zones[company["id"]]),
                         **_numbers(_summed(periods)),
                         "periods": [_numbers(p) for p in periods]})
        return {"period": period, "date_from": first.isoformat(), "date_to": last.isoformat(),
                "timezone": shared_zone({c["id"]: zones[c["id"]] for c in restaurants}),
                "restaurants": rows,
                "total": _numbers(_summed([p for periods in figures.values() for p in periods]))}

    @public("model", readonly=True)
    async def platform_earnings(cls, env: "Env", date_from: Any, date_to: Any = None,
                                period: Any = "month", platform_id: Any = None) -> dict[str, Any]:
        """What a platform earns (the commissions of its restaurants) per period.

        ``platform_id`` defaults to the platform among the active companies.
        For platform owners, on their own platforms only.
        """
        if not env.su and not (env.user and env.user.has_group(security.PLATFORM_OWNER)):
            raise AccessError("Only the platform owner sees the platform's earnings.")
        period = _check_period(period)
        first, last, _start, _stop = day_range(date_from, date_to)
        if platform_id in (None, False):
            active = await cls._companies(env, list(env.companies))
            platform_id = next((c["id"] for c in active if c["is_platform"]), None)
            if platform_id is None:
                raise UserError("No platform is active: switch to your platform, or name it.")
        (platform_id,) = check_companies(env, [platform_id])
        platform = await cls._companies(env, [platform_id])
        if not platform or not platform[0]["is_platform"]:
            raise UserError(f"Company {platform_id} is not a platform.")
        restaurants = await cls._companies(env, await cls._restaurants_of(env, [platform_id]))
        zones = await company_zones(env, [c["id"] for c in restaurants])
        figures = await _commissions(env, restaurants, first, last, period, zones)
        restaurants = _open_or_sold(restaurants, figures)
        by_period: dict[str, dict[str, Any]] = {}
        for periods in figures.values():
            for figure in periods:
                entry = by_period.setdefault(figure["from"], {
                    "period": figure["period"], "from": figure["from"], "to": figure["to"],
                    "order_count": 0, "gross": ZERO, "earnings": ZERO})
                entry["order_count"] += figure["order_count"]
                entry["gross"] += figure["gross"]
                entry["earnings"] += figure["commission"]
        total = _summed([p for periods in figures.values() for p in periods])
        return {
            "platform_id": platform_id, "name": platform[0]["name"],
            "currency": platform[0]["currency_id"][1] if platform[0]["currency_id"] else False,
            "period": period, "date_from": first.isoformat(), "date_to": last.isoformat(),
            "timezone": shared_zone({c["id"]: zones[c["id"]] for c in restaurants}),
            "periods": [_numbers(by_period[key]) for key in sorted(by_period)],
            "restaurants": [{"company_id": c["id"], "name": c["name"],
                             "commission_rate": c["commission_rate"],
                             **_numbers(_summed(figures[c["id"]]))} for c in restaurants],
            "total": {"order_count": total["order_count"], "gross": number(total["gross"]),
                      "earnings": number(total["commission"])},
        }


# ---------------------------------------------------------------------------
# The platform owner's views over their restaurants (the REST /platform routes)
# ---------------------------------------------------------------------------

RANKINGS = {"revenue": "revenue", "orders": "orders", "average_ticket": "average_ticket"}
HEALTH_MAX_HOURS = 24 * 366
HEALTH_MAX_DAYS = 3660


def check_owner(env: "Env") -> None:
    if not env.su and not (env.user and env.user.has_group(security.PLATFORM_OWNER)):
        raise AccessError("Only platform owners see the platform's figures.")


async def owned_restaurants(env: "Env") -> list[dict[str, Any]]:
    """The restaurants of every platform the caller owns (archived ones included: their
    past sales count), each with its platform and time zone."""
    check_owner(env)
    model = env.sudo().with_context(active_test=False)["res.company"]
    allowed = list(env.user.allowed_company_ids) if env.user else []
    platforms = await model.search([("id", "in", allowed), ("is_platform", "=", True)])
    ids = [cid for cid in await PlatformCompany._restaurants_of(env, platforms)
           if cid in allowed]
    restaurants = await PlatformCompany._companies(env, ids)
    zones = await company_zones(env, [r["id"] for r in restaurants])
    for restaurant in restaurants:
        restaurant["zone"] = zones[restaurant["id"]]
    return restaurants


async def _figures(env: "Env", restaurants: list[dict[str, Any]], first: dt.date,
                   last: dt.date) -> dict[int, dict[str, Any]]:
    """Headline figures (analytics.totals) per restaurant over their local days."""
    from . import analytics
    result: dict[int, dict[str, Any]] = {}
    groups = _zone_groups({r["id"]: r["zone"] for r in restaurants})
    order = env.registry["pos.order"]
    for zone, ids in groups.values():
        span = analytics.period(first, last, zone)
        result.update(await analytics.totals(env, ids, span.start, span.stop, order.company_id))
    return {r["id"]: result.get(r["id"], analytics.EMPTY) for r in restaurants}


def _range(date_from: Any, date_to: Any, restaurants: list[dict[str, Any]]
           ) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(first, last, previous first, previous last); 'today' is the first zone's."""
    from . import analytics
    from .reports import local_today
    zone = restaurants[0]["zone"] if restaurants else dt.timezone.utc
    first, last = analytics.check_range(date_from, date_to, local_today(zone))
    span = dt.timedelta(days=(last - first).days + 1)
    return first, last, first - span, first - dt.timedelta(days=1)


def _meta(first: dt.date, last: dt.date, restaurants: list[dict[str, Any]]) -> dict[str, Any]:
    return {"date_from": first.isoformat(), "date_to": last.isoformat(),
            "timezone": shared_zone({r["id"]: r["zone"] for r in restaurants})}


async def platform_dashboard(env: "Env", date_from: Any = None,
                             date_to: Any = None) -> dict[str, Any]:
    """Totals across the owner's restaurants, each restaurant's share of the revenue
    (percent, 2 decimals) and the commission earned (as commission_report computes it)."""
    from . import analytics
    restaurants = await owned_restaurants(env)
    first, last, prev_first, prev_last = _range(date_from, date_to, restaurants)
    current = await _figures(env, restaurants, first, last)
    previous = await _figures(env, restaurants, prev_first, prev_last)
    zones = {r["id"]: r["zone"] for r in restaurants}
    commissions = await _commissions(env, restaurants, first, last, "month", zones)
    shown = _open_or_sold(restaurants, commissions)
    revenue = sum((f["revenue"] for f in current.values()), ZERO)
    rows = []
    for r in shown:
        f = current[r["id"]]
        summed = _summed(commissions[r["id"]])
        rows.append({"company_id": r["id"], "name": r["name"], "active": r["active"],
                     "revenue": number(f["revenue"]), "orders": f["orders"],
                     "share_percent": number((f["revenue"] * 100 / revenue).quantize(
                         Decimal("0.01"), rounding=ROUND_HALF_UP)) if revenue else None,
                     "commission_rate": r["commission_rate"],
                     "commission": number(summed["commission"])})
    rows.sort(key=lambda row: (-Decimal(str(row["revenue"])), row["name"], row["company_id"]))

    def total(figures: dict[int, dict[str, Any]]) -> dict[str, Any]:
        sales = sum(f["orders"] for f in figures.values())
        refunds = sum((f["refunds"] for f in figures.values()), ZERO)
        gross = sum((f["revenue"] for f in figures.values()), ZERO) - refunds
        return analytics._headline(sales, gross, sum(f["refund_count"] for f in figures.values()),
                                   refunds)

    commission = sum((_summed(c)["commission"] for c in commissions.values()), ZERO)
    return {**_meta(first, last, restaurants),
            "previous": {"date_from": prev_first.isoformat(), "date_to": prev_last.isoformat()},
            "figures": analytics.compare_all(total(current), total(previous)),
            "commission": number(commission), "restaurants": rows}


async def platform_restaurants(env: "Env", date_from: Any = None, date_to: Any = None,
                               q: str | None = None, active: bool | None = None,
                               order: Any = (("revenue", True),)
                               ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(meta, rows): the owner's restaurants matching ``q`` (in the name, any case) and
    ``active``, ranked by ``order`` ((``revenue``|``orders``|``average_ticket``,
    descending) terms; ties by name) over the range. The caller pages the (short) list."""
    restaurants = await owned_restaurants(env)
    first, last, _, _ = _range(date_from, date_to, restaurants)
    for key, _descending in order:
        if key not in RANKINGS:
            raise ValidationError("Invalid sort.", field_errors={
                "sort": f"One of {', '.join(RANKINGS)}, '-' before it for descending"})
    if q:
        restaurants = [r for r in restaurants if q.casefold() in r["name"].casefold()]
    if active is not None:
        restaurants = [r for r in restaurants if bool(r["active"]) == active]
    figures = await _figures(env, restaurants, first, last)
    rows = [{"company_id": r["id"], "name": r["name"], "active": r["active"],
             "platform_id": r["parent_id"][0] if r["parent_id"] else None,
             "timezone": zone_name(r["zone"]), "revenue": number(figures[r["id"]]["revenue"]),
             "orders": figures[r["id"]]["orders"],
             "average_ticket": number(figures[r["id"]]["average_ticket"]),
             "refunds": number(figures[r["id"]]["refunds"]),
             "refund_count": figures[r["id"]]["refund_count"]} for r in restaurants]
    rows.sort(key=lambda row: (row["name"].casefold(), row["company_id"]))
    for key, descending in reversed(list(order)):
        rows.sort(key=lambda row: Decimal(str(row[key])), reverse=descending)
    return _meta(first, last, restaurants), rows


async def platform_commission(env: "Env", date_from: Any = None, date_to: Any = None,
                              period: Any = "month") -> dict[str, Any]:
    """commission_report over every restaurant of the owner's platforms."""
    restaurants = await owned_restaurants(env)
    first, last, _, _ = _range(date_from, date_to, restaurants)
    if period not in PERIODS:
        raise ValidationError("Invalid period.", field_errors={"period": ", ".join(PERIODS)})
    if not restaurants:
        return {"period": period, **_meta(first, last, restaurants), "restaurants": [],
                "total": _numbers(_summed([]))}
    return await PlatformCompany.commission_report(
        env, first.isoformat(), last.isoformat(), period, [r["id"] for r in restaurants])


async def platform_performance(env: "Env", date_from: Any = None,
                               date_to: Any = None) -> dict[str, Any]:
    """Per restaurant: revenue, orders, average ticket, refunds, each compared."""
    from . import analytics
    restaurants = await owned_restaurants(env)
    first, last, prev_first, prev_last = _range(date_from, date_to, restaurants)
    current = await _figures(env, restaurants, first, last)
    previous = await _figures(env, restaurants, prev_first, prev_last)
    rows = [{"company_id": r["id"], "name": r["name"], "active": r["active"],
             "figures": analytics.compare_all(current[r["id"]], previous[r["id"]])}
            for r in restaurants
            if r["active"] or current[r["id"]]["orders"] or current[r["id"]]["refund_count"]]
    rows.sort(key=lambda row: (-Decimal(str(row["figures"]["revenue"]["current"])),
                               row["name"], row["company_id"]))
    return {**_meta(first, last, restaurants),
            "previous": {"date_from": prev_first.isoformat(), "date_to": prev_last.isoformat()},
            "restaurants": rows}


async def platform_health(env: "Env", open_hours: int = 24, inactive_days: int = 7
                          ) -> dict[str, Any]:
    """Open restaurants that need a look: no sale yet today (their local day), a POS
    session open for more than ``open_hours``, no sale for more than ``inactive_days``
    days (or never), and active printers whose last recorded status (the hardware
    bridge's poller and worker) says they cannot print."""
    from .reports import local_today, utc_instant
    restaurants = [r for r in await owned_restaurants(env) if r["active"]]
    ids = [r["id"] for r in restaurants]
    order = env.registry["pos.order"]
    session = env.registry["pos.session"]
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    last_orders = dict(await env.cr.rows(
        order.select(order.company_id, fn.MAX(order.date_order))
        .where(order.company_id.in_(ids or [0]) & order.state.in_(COUNTED_STATES))
        .group_by(order.company_id)))
    no_sales_today, inactive = [], []
    for r in restaurants:
        last_order = _instant(last_orders.get(r["id"]))
        today_starts = dt.datetime.fromisoformat(utc_instant(local_today(r["zone"]), r["zone"]))
        entry = {"company_id": r["id"], "name": r["name"],
                 "last_order_at": last_order.isoformat(sep=" ") if last_order else None}
        if last_order is None or last_order < today_starts:
            no_sales_today.append(entry)
        if last_order is None or last_order < now - dt.timedelta(days=inactive_days):
            inactive.append(entry)
    open_since = (now - dt.timedelta(hours=open_hours)).isoformat(sep=" ")
    names = {r["id"]: r["name"] for r in restaurants}
    sessions = await env.cr.rows(
        session.select(session.id, session.name, session.company_id, session.start_at)
        .where(session.company_id.in_(ids or [0]) & (session.state != "closed")
               & (session.start_at < open_since))
        .order_by(session.start_at, session.id))
    return {"checked_at": now.isoformat(sep=" "), "open_hours": open_hours,
            "inactive_days": inactive_days,
            "no_sales_today": no_sales_today,
            "sessions_open_too_long": [
                {"session_id": sid, "name": name, "company_id": cid,
                 "restaurant": names.get(cid, ""),
                 "opened_at": _instant(start).isoformat(sep=" "),
                 "open_hours": int((now - _instant(start)).total_seconds() // 3600)}
                for sid, name, cid, start in sessions],
            "inactive": inactive,
            "printers_down": await _printers_down(env, names)}


async def _printers_down(env: "Env", restaurants: dict[int, str]) -> list[dict[str, Any]]:
    from .hardware import DOWN
    printer = env.registry["hw.printer"]
    rows = await env.cr.rows(
        printer.select(printer.id, printer.name, printer.company_id, printer.status,
                       printer.last_error, printer.last_check_date)
        .where(printer.company_id.in_(list(restaurants) or [0]) & (printer.active == True)  # noqa: E712
               & printer.status.in_(sorted(DOWN)))
        .order_by(printer.company_id, printer.name, printer.id))
    return [{"printer_id": pid, "name": name, "company_id": cid,
             "restaurant": restaurants.get(cid, ""), "status": status,
             "last_error": last_error or None,
             "last_check_at": _instant(checked).isoformat(sep=" ") if checked else None}
            for pid, name, cid, status, last_error, checked in rows]


def _instant(value: Any) -> dt.datetime | None:
    """A datetime as either backend answers it (SQLite: text)."""
    if value in (None, False):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    return dt.datetime.fromisoformat(str(value)).replace(microsecond=0)
