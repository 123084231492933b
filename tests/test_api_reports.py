"""REST reports and analytics, checked against plain SQL over the demo orders.

Expected figures come from SQL written here (sums, counts, the rows of the
range) and local days computed here with zoneinfo, not from the code under
test. Demo restaurants have no zone of their own, so their days are the
caller's (every demo user: their platform's zone, Europe/Brussels for the
Grill & Roll restaurants).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.test_api_envelope import assert_error
from tests.test_api_products import get, token

BRUSSELS = ZoneInfo("Europe/Brussels")
CENT = Decimal("0.01")
COUNTED = "('paid', 'done', 'invoiced')"
KINDS = ("dashboard", "sales", "employees", "customers", "inventory")
SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def money(value: Any) -> Decimal:
    return dec(value).quantize(CENT, rounding=ROUND_HALF_UP)


async def sql(orm: Any, text: str, *args: Any) -> list[tuple]:
    async def run(env: Any) -> list[tuple]:
        return await env.cr.fetchall(text.replace("?", env.cr.dialect.param), args)
    return await orm.run(run)


async def company(orm: Any, key: str) -> int:
    return await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(
        f"gateway_demo.restaurant_{key}"))


def local_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).astimezone(BRUSSELS).date()


def utc(day: dt.date) -> str:
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=BRUSSELS)
    return start.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def local(stamp: Any) -> dt.datetime:
    moment = stamp if isinstance(stamp, dt.datetime) else dt.datetime.fromisoformat(str(stamp))
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(BRUSSELS)


async def orders(orm: Any, company_id: int, first: dt.date, last: dt.date,
                 columns: str = "amount_total") -> list[tuple]:
    return await sql(orm, f"SELECT {columns} FROM pos_order WHERE company_id = ? "
                          f"AND state IN {COUNTED} AND date_order >= ? AND date_order < ?",
                     company_id, utc(first), utc(last + dt.timedelta(days=1)))


async def headline(orm: Any, company_id: int, first: dt.date, last: dt.date) -> dict[str, Any]:
    rows = await sql(
        orm, "SELECT CASE WHEN amount_total < 0 THEN 1 ELSE 0 END, COUNT(*), SUM(amount_total) "
             f"FROM pos_order WHERE company_id = ? AND state IN {COUNTED} "
             "AND date_order >= ? AND date_order < ? GROUP BY 1",
        company_id, utc(first), utc(last + dt.timedelta(days=1)))
    got = {int(flag): (count, money(total)) for flag, count, total in rows}
    sales, gross = got.get(0, (0, Decimal(0)))
    refund_count, refunds = got.get(1, (0, Decimal(0)))
    return {"revenue": gross + refunds, "orders": sales, "refunds": refunds,
            "refund_count": refund_count,
            "average_ticket": money(gross / sales) if sales else Decimal(0)}


def change(current: Decimal, previous: Decimal) -> Any:
    if previous == 0:
        return None
    return float(((current - previous) * 100 / abs(previous)).quantize(
        CENT, rounding=ROUND_HALF_UP))


def assert_compared(figures: dict[str, Any], current: dict[str, Any],
                    previous: dict[str, Any]) -> None:
    for key in ("revenue", "orders", "refunds", "refund_count", "average_ticket"):
        assert figures[key] == {"current": float(current[key]) if key not in (
            "orders", "refund_count") else current[key],
            "previous": float(previous[key]) if key not in ("orders", "refund_count")
            else previous[key],
            "change_percent": change(dec(current[key]), dec(previous[key]))}, key


def halves() -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """A range whose previous period holds demo sales too (2 days, and the 2 before)."""
    today = local_today()
    first = today - dt.timedelta(days=2)
    return first, today - dt.timedelta(days=1), first - dt.timedelta(days=2), \
        first - dt.timedelta(days=1)


def span(first: dt.date, last: dt.date, **more: Any) -> dict[str, Any]:
    return {"date_from": first.isoformat(), "date_to": last.isoformat(), **more}


# -- figures against SQL ------------------------------------------------------------------------

async def test_dashboard_and_its_comparison(client: Any, orm: Any) -> None:
    bistro = await company(orm, "bistro")
    first, last, prev_first, prev_last = halves()
    body = await get(client, "/api/v1/analytics/dashboard", await token(client, "manager"),
                     **span(first, last))
    data = body["data"]
    assert data["timezone"] == "Europe/Brussels"
    assert data["previous"] == {"date_from": prev_first.isoformat(),
                                "date_to": prev_last.isoformat()}
    current = await headline(orm, bistro, first, last)
    previous = await headline(orm, bistro, prev_first, prev_last)
    assert current["orders"] > 0 and previous["orders"] > 0
    assert_compared(data["figures"], current, previous)
    # top products: line totals per product, straight from the lines
    lines = await sql(orm, "SELECT l.product_id, SUM(l.price_subtotal_incl) FROM pos_order_line l "
                           f"JOIN pos_order o ON o.id = l.order_id WHERE o.company_id = ? "
                           f"AND o.state IN {COUNTED} AND o.date_order >= ? AND o.date_order < ? "
                           "GROUP BY l.product_id", bistro, utc(first),
                      utc(last + dt.timedelta(days=1)))
    best = sorted((money(total) for _pid, total in lines), reverse=True)[:10]
    assert [dec(p["revenue"]) for p in data["top_products"]] == best
    # busiest hours: local hours of the orders
    hours: dict[int, int] = defaultdict(int)
    for (stamp,) in await orders(orm, bistro, first, last, "date_order"):
        hours[local(stamp).hour] += 1
    top = sorted(hours.items(), key=lambda item: (-item[1], item[0]))[:5]
    assert [(h["hour"], h["orders"]) for h in data["busiest_hours"]] == top


@pytest.mark.parametrize("group_by", ["day", "week", "month", "hour", "category",
                                      "payment_method"])
async def test_sales_by_group(client: Any, orm: Any, group_by: str) -> None:
    bistro = await company(orm, "bistro")
    today = local_today()
    first = today - dt.timedelta(days=9)
    headers = await token(client, "manager")
    data = (await get(client, "/api/v1/analytics/sales", headers,
                      **span(first, today, group_by=group_by)))["data"]
    current = await headline(orm, bistro, first, today)
    previous = await headline(orm, bistro, first - dt.timedelta(days=10),
                              first - dt.timedelta(days=1))
    assert_compared(data["figures"], current, previous)
    rows = data["rows"]
    if group_by in ("day", "hour"):
        expected: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
        for stamp, total in await orders(orm, bistro, first, today, "date_order, amount_total"):
            moment = local(stamp)
            key = moment.date().isoformat() if group_by == "day" else str(moment.hour)
            expected[key][0] += 1 if dec(total) >= 0 else 0
            expected[key][1] += dec(total)
        got = {r["key"]: [r["orders"], dec(r["revenue"])] for r in rows
               if r["orders"] or r["refund_count"]}
        assert got == {k: [v[0], money(v[1])] for k, v in expected.items()}
        assert len(rows) == (24 if group_by == "hour" else 10)
    elif group_by in ("week", "month"):
        assert sum(r["orders"] for r in rows) == current["orders"]
        assert sum(dec(r["revenue"]) for r in rows) == current["revenue"]
    elif group_by == "category":
        assert sum(dec(r["revenue"]) for r in rows) == current["revenue"]
    else:
        paid = await sql(orm, "SELECT p.payment_method_id, SUM(p.amount) FROM pos_payment p "
                              "JOIN pos_order o ON o.id = p.pos_order_id WHERE o.company_id = ? "
                              f"AND o.state IN {COUNTED} AND o.date_order >= ? "
                              "AND o.date_order < ? GROUP BY 1",
                         bistro, utc(first), utc(today + dt.timedelta(days=1)))
        assert {int(r["key"]): dec(r["amount"]) for r in rows} == {
            method: money(total) for method, total in paid}


async def test_employees_against_sql(client: Any, orm: Any) -> None:
    bistro = await company(orm, "bistro")
    first, last, prev_first, prev_last = halves()
    data = (await get(client, "/api/v1/analytics/employees", await token(client, "manager"),
                      **span(first, last)))["data"]
    per: dict[Any, dict[str, Any]] = {}
    for days, key in (((first, last), "current"), ((prev_first, prev_last), "previous")):
        for user_id, total in await orders(orm, bistro, *days, columns="user_id, amount_total"):
            figures = per.setdefault(user_id, {"current": defaultdict(Decimal),
                                               "previous": defaultdict(Decimal)})[key]
            figures["orders" if dec(total) >= 0 else "refund_count"] += 1
            figures["gross" if dec(total) >= 0 else "refunds"] += dec(total)
    assert {e["user_id"] for e in data["employees"]} == set(per)
    for employee in data["employees"]:
        figures = per[employee["user_id"]]
        for key in ("current", "previous"):
            f = figures[key]
            expected = {"revenue": money(f["gross"] + f["refunds"]), "orders": int(f["orders"]),
                        "refunds": money(f["refunds"]), "refund_count": int(f["refund_count"]),
                        "average_ticket": money(f["gross"] / f["orders"]) if f["orders"]
                        else Decimal(0)}
            figures[key] = expected
        assert_compared(employee["figures"], figures["current"], figures["previous"])


async def test_customers_new_and_returning(client: Any, orm: Any) -> None:
    bistro = await company(orm, "bistro")
    first, last, _, _ = halves()
    data = (await get(client, "/api/v1/analytics/customers", await token(client, "manager"),
                      **span(first, last)))["data"]
    stop = utc(last + dt.timedelta(days=1))
    firsts = dict(await sql(orm, "SELECT partner_id, MIN(date_order) FROM pos_order "
                                 f"WHERE company_id = ? AND state IN {COUNTED} "
                                 "AND partner_id IS NOT NULL GROUP BY partner_id",
                            bistro))
    in_range = await orders(orm, bistro, first, last, "partner_id, amount_total")
    visits: dict[int, int] = defaultdict(int)
    spend: dict[int, Decimal] = defaultdict(Decimal)
    for partner, total in in_range:
        if partner:
            visits[partner] += 1
            spend[partner] += dec(total)
    new = [p for p in visits if str(firsts[p])[:19] >= utc(first)]
    figures = data["figures"]
    assert figures["customers"]["current"] == len(visits) > 0
    assert figures["new_customers"]["current"] == len(new)
    assert figures["returning_customers"]["current"] == len(visits) - len(new)
    assert figures["walk_in_orders"]["current"] == sum(1 for p, _ in in_range if not p)
    assert stop > utc(first)
    top = sorted(spend.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert [(c["partner_id"], dec(c["revenue"]), c["orders"]) for c in data["top_customers"]] \
        == [(p, money(s), visits[p]) for p, s in top]
    assert sum(b["customers"] for b in data["visit_frequency"]) == len(visits)


async def test_inventory_against_sql(client: Any, orm: Any) -> None:
    bistro = await company(orm, "bistro")
    first, last, _, _ = halves()
    data = (await get(client, "/api/v1/analytics/inventory", await token(client, "manager"),
                      **span(first, last)))["data"]
    stock = await sql(orm, "SELECT p.id, p.standard_price, q.quantity FROM product_product p "
                           "JOIN stock_quant q ON q.product_id = p.id AND q.company_id = ? "
                           "WHERE p.type = 'product' AND p.active", bistro)
    assert len(stock) == len(data["products"]) > 0
    values = {pid: money(dec(qty) * dec(cost)) for pid, cost, qty in stock}
    assert {p["product_id"]: dec(p["value"]) for p in data["products"]} == values
    assert dec(data["figures"]["stock_value"]) == sum(values.values())
    moves = await sql(orm, "SELECT product_id, SUM(quantity) FROM stock_move WHERE company_id = ? "
                           "AND reason IN ('sale', 'refund') AND date >= ? AND date < ? "
                           "GROUP BY product_id", bistro, utc(first),
                      utc(last + dt.timedelta(days=1)))
    consumed = {pid: -dec(qty) for pid, qty in moves}
    assert {p["product_id"]: dec(p["consumed"]) for p in data["products"]
            if p["consumed"]} == {k: v for k, v in consumed.items() if v}
    assert dec(data["figures"]["consumed"]["current"]) == sum(consumed.values(), Decimal(0))


async def test_local_days_move_a_late_order(client: Any, orm: Any) -> None:
    """An order at 23:30 UTC is past midnight in Brussels: it counts on the next local day,
    in the REST report and over the Odoo front's model method alike."""
    bistro = await company(orm, "bistro")
    day = local_today() - dt.timedelta(days=3)
    (order_id, total), = await sql(orm, f"SELECT id, amount_total FROM pos_order WHERE "
                                        f"company_id = ? AND state IN {COUNTED} "
                                        "AND amount_total > 0 ORDER BY id LIMIT 1", bistro)

    async def move(env: Any) -> None:
        await env.cr.execute(f"UPDATE pos_order SET date_order = {env.cr.dialect.param} "
                             f"WHERE id = {env.cr.dialect.param}",
                             (f"{day.isoformat()} 23:30:00", order_id))
    await orm.run(move)
    headers = await token(client, "manager")
    next_day = (day + dt.timedelta(days=1)).isoformat()
    report = (await get(client, "/api/v1/pos/reports/daily_sales", headers,
                        date=next_day))["data"]
    assert report["timezone"] == "Europe/Brussels"
    assert report["revenue"] == float(money((await headline(
        orm, bistro, day + dt.timedelta(days=1), day + dt.timedelta(days=1)))["revenue"]))
    hours = {h["hour"]: h for h in report["by_hour"]}
    assert hours[0]["order_count"] >= 1 or hours[1]["order_count"] >= 1   # CET or CEST
    odoo = await orm.run(lambda env: env["pos.report.sales"].daily_sales(next_day),
                         login="manager")
    assert odoo == report
    assert total > 0


# -- CSV ----------------------------------------------------------------------------------------

def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("kind,params", [
    ("dashboard", {}), ("sales", {"group_by": "day"}), ("sales", {"group_by": "category"}),
    ("sales", {"group_by": "payment_method"}), ("employees", {}), ("customers", {}),
    ("inventory", {}),
])
async def test_csv_parses_back_to_the_same_figures(client: Any, kind: str,
                                                   params: dict[str, str]) -> None:
    headers = await token(client, "manager")
    today = local_today()
    first = today - dt.timedelta(days=6)
    query = span(first, today, **params)
    data = (await get(client, f"/api/v1/analytics/{kind}", headers, **query))["data"]
    response = await client.get(f"/api/v1/analytics/{kind}", headers=headers,
                                params={**query, "format": "csv"})
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{kind}-{first.isoformat()}-{today.isoformat()}.csv"')
    text = await response.text()
    assert "e-" not in text and "e+" not in text
    rows = parse_csv(text)

    def same(cell: str, value: Any) -> None:
        if value is None:
            assert cell == ""
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            assert Decimal(cell) == Decimal(str(value))
        else:
            assert cell == str(value)

    if kind == "dashboard":
        assert [r["metric"] for r in rows] == list(data["figures"])
        for row in rows:
            figure = data["figures"][row["metric"]]
            for part in ("current", "previous", "change_percent"):
                same(row[part], figure[part])
    elif kind == "sales":
        assert len(rows) == len(data["rows"]) > 0
        for row, expected in zip(rows, data["rows"]):
            assert set(row) <= set(expected)
            for key in row:
                same(row[key], expected[key])
    elif kind == "employees":
        assert len(rows) == len(data["employees"]) > 0
        for row, employee in zip(rows, data["employees"]):
            same(row["user_id"], employee["user_id"])
            for metric, figure in employee["figures"].items():
                same(row[metric], figure["current"])
                same(row[f"{metric}_previous"], figure["previous"])
                same(row[f"{metric}_change_percent"], figure["change_percent"])
    else:
        listed = data["top_customers"] if kind == "customers" else data["products"]
        assert len(rows) == len(listed) > 0
        for row, expected in zip(rows, listed):
            for key in row:
                same(row[key], expected[key])


async def test_daily_sales_csv_and_json(client: Any, orm: Any) -> None:
    bistro = await company(orm, "bistro")
    headers = await token(client, "manager")
    first, last, _, _ = halves()
    data = (await get(client, "/api/v1/pos/reports/daily_sales", headers,
                      **span(first, last)))["data"]
    assert Decimal(str(data["revenue"])) == (await headline(orm, bistro, first, last))["revenue"]
    response = await client.get("/api/v1/pos/reports/daily_sales", headers=headers,
                                params=span(first, last, format="csv"))
    assert response.content_type == "text/csv"
    rows = parse_csv(await response.text())
    assert [(r["date"], Decimal(r["revenue"])) for r in rows] == [
        (d["date"], Decimal(str(d["revenue"]))) for d in data["by_day"]]


# -- tenancy and roles --------------------------------------------------------------------------

async def test_porto_never_sees_bistro(client: Any, orm: Any) -> None:
    porto, bistro = await company(orm, "porto"), await company(orm, "bistro")
    today = local_today()
    first = today - dt.timedelta(days=9)
    headers = await token(client, "porto.manager")
    data = (await get(client, "/api/v1/analytics/dashboard", headers,
                      **span(first, today)))["data"]
    mine = await headline(orm, porto, first, today)
    theirs = await headline(orm, bistro, first, today)
    assert dec(data["figures"]["revenue"]["current"]) == mine["revenue"] != theirs["revenue"]
    employees = (await get(client, "/api/v1/analytics/employees", headers,
                           **span(first, today)))["data"]["employees"]
    staff = {uid for (uid,) in await sql(orm, "SELECT DISTINCT user_id FROM pos_order "
                                              "WHERE company_id = ?", bistro)}
    assert staff and not staff & {e["user_id"] for e in employees}
    stock = (await get(client, "/api/v1/analytics/inventory", headers))["data"]["products"]
    bistro_products = {pid for (pid,) in await sql(
        orm, "SELECT id FROM product_product WHERE company_id = ?", bistro)}
    assert not bistro_products & {p["product_id"] for p in stock}
    report = (await get(client, "/api/v1/pos/reports/daily_sales", headers,
                        **span(first, today)))["data"]
    assert report["company_id"] == porto


ROUTES = [f"/api/v1/analytics/{kind}" for kind in KINDS] + ["/api/v1/pos/reports/daily_sales"]


@SQLITE
@pytest.mark.parametrize("path", ROUTES)
async def test_a_token_is_needed(client: Any, path: str) -> None:
    response = await client.get(path, params={"date": "2026-01-01"} if "daily" in path else {})
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


@SQLITE
@pytest.mark.parametrize("login", ["waiter", "kitchen", "porto.waiter"])
@pytest.mark.parametrize("path", ROUTES)
async def test_staff_are_refused(client: Any, login: str, path: str) -> None:
    params = {"date": "2026-01-01"} if "daily" in path else {}
    body = await get(client, path, await token(client, login), 403, **params)
    assert_error(body, "FORBIDDEN")


@SQLITE
@pytest.mark.parametrize("path,params,field", [
    ("/api/v1/analytics/sales", {"date_from": "2026-13-01"}, "date_from"),
    ("/api/v1/analytics/sales", {"date_from": "01/02/2026"}, "date_from"),
    ("/api/v1/analytics/sales", {"date_to": "yesterday"}, "date_to"),
    ("/api/v1/analytics/sales", {"date_from": ""}, "date_from"),
    ("/api/v1/analytics/sales", {"date_from": "2026-05-02", "date_to": "2026-05-01"},
     "date_from"),
    ("/api/v1/analytics/sales", {"date_from": "2025-01-01", "date_to": "2026-01-02"},
     "date_to"),
    ("/api/v1/analytics/sales", {"group_by": "year"}, "group_by"),
    ("/api/v1/analytics/dashboard", {"group_by": "day"}, "group_by"),
    ("/api/v1/analytics/dashboard", {"format": "xlsx"}, "format"),
    ("/api/v1/analytics/employees", {"page": "1"}, "page"),
    ("/api/v1/analytics/inventory", {"date_from": "2026-02-30"}, "date_from"),
    ("/api/v1/analytics/customers", {"date_from": "0001-01-01"}, "date_from"),
    ("/api/v1/analytics/customers", {"date_to": "9999-12-31"}, "date_to"),
    ("/api/v1/pos/reports/daily_sales", {"date": "0001-01-01"}, "date"),
    ("/api/v1/pos/reports/daily_sales", {}, "date"),
    ("/api/v1/pos/reports/daily_sales", {"date": "2026-01-01", "date_from": "2026-01-01"},
     "date"),
    ("/api/v1/pos/reports/daily_sales", {"date": "2026-1-1"}, "date"),
    ("/api/v1/pos/reports/daily_sales", {"date_from": "2026-01-02", "date_to": "2026-01-01"},
     "date_from"),
])
async def test_bad_parameters_are_field_errors(client: Any, path: str, params: dict[str, str],
                                               field: str) -> None:
    body = await get(client, path, await token(client, "manager"), 422, **params)
    error = assert_error(body, "VALIDATION_ERROR")
    assert field in error["field_errors"], error


@SQLITE
async def test_a_repeated_parameter_is_refused(client: Any) -> None:
    response = await client.get("/api/v1/analytics/sales?date_from=2026-01-01"
                                "&date_from=2026-01-02",
                                headers=await token(client, "manager"))
    assert response.status == 422
    assert "date_from" in assert_error(await response.json(), "VALIDATION_ERROR")["field_errors"]


@SQLITE
async def test_a_full_year_is_accepted(client: Any) -> None:
    body = await get(client, "/api/v1/analytics/sales", await token(client, "manager"),
                     date_from="2025-01-01", date_to="2026-01-01", group_by="month")
    assert len(body["data"]["rows"]) == 13


def test_offsets_follow_daylight_saving() -> None:
    from models.reports import offsets
    assert offsets(BRUSSELS, "2026-03-20 00:00:00", "2026-11-05 00:00:00") == [
        ("", 3600), ("2026-03-29 01:00:00", 7200), ("2026-10-25 01:00:00", 3600)]
    assert offsets(dt.timezone.utc, "2026-03-20 00:00:00", "2026-04-20 00:00:00") == [("", 0)]


async def test_hours_across_a_daylight_saving_change(client: Any, orm: Any) -> None:
    """The database shifts each order by the offset in force at its instant (a CASE over the
    transitions of the range): 10:30 UTC is 11:30 before the change and 12:30 after it."""
    bistro = await company(orm, "bistro")
    ids = [oid for (oid,) in await sql(orm, f"SELECT id FROM pos_order WHERE company_id = ? "
                                            f"AND state IN {COUNTED} AND amount_total > 0 "
                                            "ORDER BY id LIMIT 2", bistro)]

    async def move(env: Any) -> None:
        param = env.cr.dialect.param
        for oid, when in zip(ids, ("2026-03-28 10:30:00", "2026-03-30 10:30:00")):
            await env.cr.execute(f"UPDATE pos_order SET date_order = {param} WHERE id = {param}",
                                 (when, oid))
    await orm.run(move)
    headers = await token(client, "manager")
    hours = (await get(client, "/api/v1/analytics/sales", headers, date_from="2026-03-20",
                       date_to="2026-04-05", group_by="hour"))["data"]["rows"]
    assert {r["label"]: r["orders"] for r in hours if r["orders"]} == {"11:00": 1, "12:00": 1}
    days = (await get(client, "/api/v1/analytics/sales", headers, date_from="2026-03-20",
                      date_to="2026-04-05"))["data"]["rows"]
    assert [r["key"] for r in days if r["orders"]] == ["2026-03-28", "2026-03-30"]
