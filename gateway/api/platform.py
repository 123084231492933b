"""Platform routes: a platform owner chooses the restaurant they work in, and sees
the figures of every restaurant of their platforms (models/platform.py).

The switch is ``res.users.switch_company`` (the same check as on the Odoo
front): it makes the restaurant the user's current company, which every
later request of that user works in, on both fronts, until the next switch.

The figure routes are for platform owners only (a restaurant manager gets
403), whatever restaurant the owner works in: they cover every restaurant
below the platforms the owner owns, never another platform's. ``/platform/health``
includes ``printers_down``: the active printers of those restaurants whose last
recorded status (hardware bridge) says they cannot print.

``POST /platform/notifications`` sends a system notification to one
restaurant of the owner's or to all of them (``res.company.send_system_notification``,
models/system_notice.py, also reachable over JSON-RPC).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from models import platform as figures
from models import security
from models.env import Env

from .auth import authenticated, authenticated_in, run_as
from .body import json_object, raise_field_errors
from .envelope import PREFIX, ok
from .pagination import Listing, bool_value
from .reports import RANGE, choice, iso_day, query_values


async def switch_restaurant(request: web.Request) -> web.Response:
    caller = await authenticated(request)
    company_id = int(request.match_info["id"])    # the route allows digits only

    async def switch(env: Env) -> dict[str, Any]:
        context = await env["res.users"].switch_company(company_id)
        return {"company_id": company_id,
                "allowed_company_ids": context["allowed_company_ids"]}

    data = await run_as(request, caller, switch, readonly=False)
    return ok(data, message="Restaurant switched")


def _range(request: web.Request, **extra: Any) -> dict[str, Any]:
    ranges = {"date_from": RANGE["date_from"], "date_to": RANGE["date_to"]}
    return {k: v for k, v in query_values(request, **ranges, **extra).items() if v is not None}


def _between(low: int, high: int) -> Any:
    def parse(raw: str) -> list[Any]:
        text = raw.strip()
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(f"must be an integer from {low} to {high}")
        return [int(text)]
    return parse


async def _answer(request: web.Request, compute: Any, **arguments: Any) -> web.Response:
    caller = await authenticated(request)

    async def unit(env: Env) -> Any:
        return await compute(env, **arguments)

    return ok(await run_as(request, caller, unit, readonly=True))


async def dashboard(request: web.Request) -> web.Response:
    await authenticated(request)
    return await _answer(request, figures.platform_dashboard, **_range(request))


async def commission(request: web.Request) -> web.Response:
    await authenticated(request)
    return await _answer(request, figures.platform_commission,
                         **_range(request, period=choice(*figures.PERIODS)))


async def performance(request: web.Request) -> web.Response:
    await authenticated(request)
    return await _answer(request, figures.platform_performance, **_range(request))


async def health(request: web.Request) -> web.Response:
    await authenticated(request)
    params = {k: v for k, v in query_values(
        request, open_hours=_between(1, figures.HEALTH_MAX_HOURS),
        inactive_days=_between(1, figures.HEALTH_MAX_DAYS)).items() if v is not None}
    return await _answer(request, figures.platform_health, **params)


RESTAURANTS = Listing(
    filters={"q": lambda raw: [("q", raw.strip())],
             "active": lambda raw: [("active", bool_value(raw))],
             "date_from": lambda raw: [("date_from", iso_day(raw)[0])],
             "date_to": lambda raw: [("date_to", iso_day(raw)[0])]},
    sortable={name: name for name in figures.RANKINGS},
    default_order="revenue desc",
)


async def restaurants(request: web.Request) -> web.Response:
    """The owner's restaurants ranked over a range, a page at a time (the list is short:
    the model ranks all of them, this pages the answer)."""
    caller = await authenticated(request)
    listing = RESTAURANTS.parse(request.query)
    params = dict(listing.domain)
    order = [(term.split()[0], term.split()[1] == "desc") for term in listing.order.split(", ")]
    page = listing.page
    assert page is not None

    async def unit(env: Env) -> Any:
        return await figures.platform_restaurants(env, order=order, **params)

    meta, rows = await run_as(request, caller, unit, readonly=True)
    return ok(rows[page.offset:page.offset + page.limit],
              meta={**meta, "pagination": page.meta(len(rows))})


NOTICE_FIELDS = ("title", "message", "level", "restaurant_id")


async def send_notification(request: web.Request) -> web.Response:
    """201 ``{sent_to: [restaurant ids]}``; the model checks every field (422) and the
    restaurant (another platform's: 404)."""
    caller = await authenticated_in(request, security.PLATFORM_OWNER,
                                    "Only platform owners send system notifications.")
    body = await json_object(request)
    raise_field_errors({name: "unknown field" for name in body if name not in NOTICE_FIELDS},
                       "notification")
    values = {name: body[name] for name in NOTICE_FIELDS if name in body}
    values.setdefault("title", None)
    values.setdefault("message", None)

    async def send(env: Env) -> dict[str, Any]:
        return await env["res.company"].send_system_notification(**values)

    data = await run_as(request, caller, send, readonly=False)
    return ok(data, message="Notification sent", status=201)


#: (method, path, handler), added to the app by routes.py (the switch is in its core table).
ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/platform/dashboard", dashboard),
    ("GET", f"{PREFIX}/platform/restaurants", restaurants),
    ("GET", f"{PREFIX}/platform/analytics/commission", commission),
    ("GET", f"{PREFIX}/platform/analytics/performance", performance),
    ("GET", f"{PREFIX}/platform/health", health),
    ("POST", f"{PREFIX}/platform/notifications", send_notification),
]
