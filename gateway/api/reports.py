"""``/pos/reports/*`` and ``/api/v1/analytics/*``: sales figures over date ranges, with CSV export.

The figures are the models' (``pos.report.sales.daily_sales``,
models/analytics.py); this module reads the query string (a 422 naming each
unknown, repeated or malformed parameter), and shapes the answer: the JSON
envelope, or with ``format=csv`` one table of the answer as ``text/csv``
(a header row, numbers as plain decimals, a ``Content-Disposition``
filename naming the report and its range). Which table: dashboard and
daily sales, the headline figures (metric, current, previous,
change_percent) and the days; sales, its rows; employees, one row per
employee; customers, the top customers; inventory, the products.

Managers only: the models refuse waiters and the kitchen (403).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any, Awaitable, Callable

from aiohttp import web

from models import analytics
from models.env import Env
from models.exceptions import ValidationError

from .auth import authenticated, run_as
from .envelope import PREFIX, ok
from .pagination import Listing, date_value

FORMATS = ("json", "csv")


def iso_day(raw: str) -> list[Any]:
    return [date_value(raw).isoformat()]


def choice(*allowed: str) -> Callable[[str], list[Any]]:
    def parse(raw: str) -> list[Any]:
        if raw.strip() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return [raw.strip()]
    return parse


def query_values(request: web.Request, **parsers: Callable[[str], list[Any]]) -> dict[str, Any]:
    """The declared query parameters, parsed (422 for anything else); absent ones are None.

    Parsed through :class:`Listing` (no pagination) so unknown and repeated
    parameters are refused as on every list route."""
    listing = Listing(filters={name: (lambda p, n=name: lambda raw: [(n, p(raw)[0])])(parser)
                               for name, parser in parsers.items()}, paginated=False)
    given = dict(listing.parse(request.query).domain)
    return {name: given.get(name) for name in parsers}


RANGE = {"date_from": iso_day, "date_to": iso_day, "format": choice(*FORMATS)}


# -- CSV ----------------------------------------------------------------------------------------

def plain(value: Any) -> str:
    """A cell: numbers as plain decimals (never 1e-05), null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def csv_response(name: str, data: dict[str, Any], header: list[str],
                 rows: list[list[Any]]) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([plain(cell) for cell in row] for row in rows)
    filename = f"{name}-{data['date_from']}-{data['date_to']}.csv"
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


FIGURE_HEADER = ["metric", "current", "previous", "change_percent"]


def figure_rows(figures: dict[str, Any]) -> list[list[Any]]:
    """Compared figures as rows; plain ones (stock value, counts) with empty comparison."""
    rows = []
    for metric, figure in figures.items():
        if isinstance(figure, dict):
            rows.append([metric, figure["current"], figure["previous"], figure["change_percent"]])
        else:
            rows.append([metric, figure, None, None])
    return rows


METRICS = ("revenue", "orders", "average_ticket", "refunds", "refund_count")
SALES_COLUMNS = {
    "time": ["key", "label", *METRICS],
    "category": ["key", "label", "qty", "revenue", "revenue_untaxed"],
    "payment_method": ["key", "label", "count", "amount"],
}
EMPLOYEE_HEADER = ["user_id", "name"] + [
    f"{metric}{suffix}" for metric in METRICS for suffix in ("", "_previous", "_change_percent")]
CUSTOMER_HEADER = ["partner_id", "name", "orders", "revenue"]
INVENTORY_HEADER = ["product_id", "name", "on_hand", "low_stock_threshold", "status", "cost",
                    "value", "consumed", "wasted"]


def _table(kind: str, data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    if kind == "dashboard":
        return FIGURE_HEADER, figure_rows(data["figures"])
    if kind == "sales":
        columns = SALES_COLUMNS.get(data["group_by"], SALES_COLUMNS["time"])
        return columns, [[row[c] for c in columns] for row in data["rows"]]
    if kind == "employees":
        return EMPLOYEE_HEADER, [
            [e["user_id"], e["name"]] + [e["figures"][m][part] for m in METRICS
                                          for part in ("current", "previous", "change_percent")]
            for e in data["employees"]]
    if kind == "customers":
        return CUSTOMER_HEADER, [[c[k] for k in CUSTOMER_HEADER] for c in data["top_customers"]]
    return INVENTORY_HEADER, [[p[k] for k in INVENTORY_HEADER] for p in data["products"]]


# -- analytics ---------------------------------------------------------------------------------

Compute = Callable[..., Awaitable[dict[str, Any]]]


def _analytics_route(kind: str, compute: Compute,
                     extra: dict[str, Callable[[str], list[Any]]] | None = None) -> Any:
    async def handler(request: web.Request) -> web.Response:
        caller = await authenticated(request)
        params = query_values(request, **RANGE, **(extra or {}))
        wanted = params.pop("format") or "json"
        arguments = {name: value for name, value in params.items() if value is not None}

        async def unit(env: Env) -> dict[str, Any]:
            return await compute(env, **arguments)

        data = await run_as(request, caller, unit, readonly=True)
        if wanted == "csv":
            return csv_response(kind, data, *_table(kind, data))
        return ok(data)

    handler.__name__ = f"analytics_{kind}"
    return handler


# -- the daily sales report --------------------------------------------------------------------

DAY_HEADER = ["date", "order_count", "refund_count", "revenue", "tax"]


async def daily_sales(request: web.Request) -> web.Response:
    """``date`` (one day) or ``date_from``/``date_to``: the report of the current restaurant."""
    caller = await authenticated(request)
    params = query_values(request, date=iso_day, **RANGE)
    wanted = params["format"] or "json"
    if params["date"] is not None and (params["date_from"] or params["date_to"]):
        raise ValidationError("Give date, or date_from and date_to.",
                              field_errors={"date": "Not with date_from or date_to"})
    first = params["date"] or params["date_from"]
    last = params["date"] or params["date_to"]
    if first is None:
        raise ValidationError("A date is required.",
                              field_errors={"date": "Required (or date_from)"})
    try:
        analytics.check_range(first, last, dt.date.fromisoformat(first))
    except ValidationError as exc:
        if params["date"] is not None:       # the client named one day: name it back
            exc.field_errors = {"date": reason for reason in exc.field_errors.values()}
        raise

    async def unit(env: Env) -> dict[str, Any]:
        return await env["pos.report.sales"].daily_sales(first, last)

    data = await run_as(request, caller, unit, readonly=True)
    if wanted == "csv":
        return csv_response("daily-sales", data, DAY_HEADER,
                            [[day[c] for c in DAY_HEADER] for day in data["by_day"]])
    return ok(data)


#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = [
    ("GET", f"{PREFIX}/pos/reports/daily_sales", daily_sales),
    ("GET", f"{PREFIX}/analytics/dashboard", _analytics_route("dashboard", analytics.dashboard)),
    ("GET", f"{PREFIX}/analytics/sales", _analytics_route(
        "sales", analytics.sales, {"group_by": choice(*analytics.GROUPINGS)})),
    ("GET", f"{PREFIX}/analytics/employees", _analytics_route("employees", analytics.employees)),
    ("GET", f"{PREFIX}/analytics/customers", _analytics_route("customers", analytics.customers)),
    ("GET", f"{PREFIX}/analytics/inventory", _analytics_route("inventory", analytics.inventory)),
]
