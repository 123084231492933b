"""REST platform routes: a platform owner picks the restaurant they work in."""
from __future__ import annotations

from typing import Any

import pytest

from tests.test_api_envelope import assert_error
from tests.test_api_products import get, token


async def company(orm: Any, xmlid: str) -> int:
    return await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(xmlid))


async def switch(client: Any, headers: dict[str, str], company_id: Any) -> Any:
    return await client.post(f"/api/v1/platform/restaurants/{company_id}/switch", headers=headers)


async def test_the_owner_switches_and_then_works_there(client: Any, orm: Any) -> None:
    headers = await token(client, "owner")
    sushi = await company(orm, "gateway_demo.restaurant_sushi")
    response = await switch(client, headers, sushi)
    body = await response.json()
    assert response.status == 200 and body["success"], body
    assert body["data"] == {"company_id": sushi, "allowed_company_ids": [sushi]}
    # the same token now works in Sushi Koi: its menu, and its only
    products = (await get(client, "/api/v1/products", headers, per_page=100))["data"]
    expected = await orm.run(lambda env: env["product.product"].search_count(
        [("company_id", "=", sushi)]))
    assert len(products) == expected > 0
    me = (await get(client, "/api/v1/auth/me", headers))["data"]
    assert me["company"] == {"id": sushi, "name": "Sushi Koi"}


@pytest.mark.parametrize("login,target,status,code", [
    ("owner", "gateway_demo.restaurant_porto", 403, "FORBIDDEN"),     # another platform's
    ("waiter", "gateway_demo.restaurant_sushi", 403, "FORBIDDEN"),    # not their restaurant
    ("owner", None, 403, "FORBIDDEN"),                                # no such company
])
async def test_switches_that_are_refused(client: Any, orm: Any, login: str, target: Any,
                                         status: int, code: str) -> None:
    headers = await token(client, login)
    target_id = await company(orm, target) if target else 999_999
    before = await orm.run(lambda env: env["res.users"].search_read(
        [("login", "=", login)], ["company_id"]))
    response = await switch(client, headers, target_id)
    body = await response.json()
    assert response.status == status, body
    assert_error(body, code)
    after = await orm.run(lambda env: env["res.users"].search_read(
        [("login", "=", login)], ["company_id"]))
    assert after == before


async def test_switching_needs_a_token_and_an_id(client: Any, orm: Any) -> None:
    sushi = await company(orm, "gateway_demo.restaurant_sushi")
    response = await switch(client, {}, sushi)
    assert response.status == 401
    response = await switch(client, await token(client, "owner"), "sushi")
    assert response.status == 404


# -- the platform owner's figures -------------------------------------------------------------
# Expected figures are plain SQL over the demo orders, on the restaurants' local days
# (Europe/Brussels for Grill & Roll, Europe/Amsterdam for Harbour: their owners' zones).

import datetime as dt  # noqa: E402
from collections import defaultdict  # noqa: E402
from decimal import Decimal  # noqa: E402

from tests.test_api_reports import (  # noqa: E402
    BRUSSELS, SQLITE, assert_compared, dec, headline, local, local_today, money, span, sql,
    utc)

GRILL = ("bistro", "sushi")
PLATFORM_ROUTES = ["/api/v1/platform/dashboard", "/api/v1/platform/restaurants",
                   "/api/v1/platform/analytics/commission",
                   "/api/v1/platform/analytics/performance", "/api/v1/platform/health"]


async def restaurant_ids(orm: Any, *keys: str) -> dict[int, str]:
    return {await company(orm, f"gateway_demo.restaurant_{key}"): key for key in keys}


def week() -> tuple[dt.date, dt.date, dt.date, dt.date]:
    today = local_today()
    first = today - dt.timedelta(days=2)
    return first, today - dt.timedelta(days=1), first - dt.timedelta(days=2), \
        first - dt.timedelta(days=1)


async def test_platform_dashboard_against_sql(client: Any, orm: Any) -> None:
    ids = await restaurant_ids(orm, *GRILL)
    first, last, prev_first, prev_last = week()
    data = (await get(client, "/api/v1/platform/dashboard", await token(client, "owner"),
                      **span(first, last)))["data"]
    assert {r["company_id"] for r in data["restaurants"]} == set(ids)
    per = {cid: await headline(orm, cid, first, last) for cid in ids}
    before = {cid: await headline(orm, cid, prev_first, prev_last) for cid in ids}

    def total(figures: dict[int, dict[str, Any]]) -> dict[str, Any]:
        sales = sum(f["orders"] for f in figures.values())
        refunds = sum(f["refunds"] for f in figures.values())
        gross = sum(f["revenue"] for f in figures.values()) - refunds
        return {"revenue": gross + refunds, "orders": sales, "refunds": refunds,
                "refund_count": sum(f["refund_count"] for f in figures.values()),
                "average_ticket": money(gross / sales) if sales else Decimal(0)}

    assert_compared(data["figures"], total(per), total(before))
    revenue = total(per)["revenue"]
    rates = dict(await sql(orm, "SELECT id, commission_rate FROM res_company WHERE id IN "
                                f"({', '.join(str(i) for i in ids)})"))
    commission = Decimal(0)
    for row in data["restaurants"]:
        cid = row["company_id"]
        assert dec(row["revenue"]) == per[cid]["revenue"]
        assert row["orders"] == per[cid]["orders"]
        assert dec(row["share_percent"]) == money(per[cid]["revenue"] * 100 / revenue)
        # commission: per local month, on gross (refunds included), rounded half-up
        months: dict[str, Decimal] = defaultdict(Decimal)
        for stamp, amount in await sql(
                orm, "SELECT date_order, amount_total FROM pos_order WHERE company_id = ? "
                     "AND state IN ('paid', 'done', 'invoiced') AND date_order >= ? "
                     "AND date_order < ?", cid, utc(first), utc(last + dt.timedelta(days=1))):
            months[local(stamp).strftime("%Y-%m")] += dec(amount)
        earned = sum((money(g * dec(rates[cid]) / 100) for g in months.values()), Decimal(0))
        assert dec(row["commission"]) == earned
        commission += earned
    assert dec(data["commission"]) == commission


async def test_harbour_owner_never_sees_grill_and_roll(client: Any, orm: Any) -> None:
    grill = await restaurant_ids(orm, *GRILL)
    porto = await company(orm, "gateway_demo.restaurant_porto")
    headers = await token(client, "harbour.owner")
    today = local_today()
    first = today - dt.timedelta(days=6)
    seen: set[int] = set()
    for path in ("dashboard", "analytics/commission", "analytics/performance"):
        data = (await get(client, f"/api/v1/platform/{path}", headers,
                          **span(first, today)))["data"]
        seen |= {r["company_id"] for r in data["restaurants"]}
    listed = (await get(client, "/api/v1/platform/restaurants", headers))["data"]
    seen |= {r["company_id"] for r in listed}
    health = (await get(client, "/api/v1/platform/health", headers, open_hours="1",
                        inactive_days="1"))["data"]
    for key in ("no_sales_today", "sessions_open_too_long", "inactive"):
        seen |= {r["company_id"] for r in health[key]}
    assert porto in seen and not seen & set(grill)
    dashboard = (await get(client, "/api/v1/platform/dashboard", headers,
                           **span(first, today)))["data"]
    assert dec(dashboard["figures"]["revenue"]["current"]) == (
        await headline_in(orm, porto, first, today, "Europe/Amsterdam"))


async def headline_in(orm: Any, company_id: int, first: dt.date, last: dt.date,
                      zone: str) -> Decimal:
    from zoneinfo import ZoneInfo

    def start(day: dt.date) -> str:
        return dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(zone)).astimezone(
            dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    (total,), = await sql(orm, "SELECT SUM(amount_total) FROM pos_order WHERE company_id = ? "
                               "AND state IN ('paid', 'done', 'invoiced') AND date_order >= ? "
                               "AND date_order < ?", company_id, start(first),
                          start(last + dt.timedelta(days=1)))
    return money(total)


async def test_restaurants_ranked_filtered_and_paged(client: Any, orm: Any) -> None:
    ids = await restaurant_ids(orm, *GRILL)
    headers = await token(client, "owner")
    first, last, _, _ = week()
    figures = {cid: await headline(orm, cid, first, last) for cid in ids}
    for sort in ("revenue", "-revenue", "orders", "-average_ticket"):
        body = await get(client, "/api/v1/platform/restaurants", headers, sort=sort,
                         **span(first, last))
        key = sort.lstrip("-")
        got = [(r["company_id"], dec(r[key])) for r in body["data"]]
        assert got == sorted(((cid, dec(f[key])) for cid, f in figures.items()),
                             key=lambda item: item[1], reverse=sort.startswith("-"))
        for row in body["data"]:
            assert dec(row["revenue"]) == figures[row["company_id"]]["revenue"]
            assert dec(row["average_ticket"]) == figures[row["company_id"]]["average_ticket"]
    page = await get(client, "/api/v1/platform/restaurants", headers, per_page=1, page=2,
                     **span(first, last))
    assert page["meta"]["pagination"] == {"page": 2, "per_page": 1, "total": 2, "pages": 2,
                                          "next": None, "prev": 1}
    assert len(page["data"]) == 1
    sushi = await get(client, "/api/v1/platform/restaurants", headers, q="sUsHi")
    assert [r["name"] for r in sushi["data"]] == ["Sushi Koi"]
    archived = await get(client, "/api/v1/platform/restaurants", headers, active="false")
    assert archived["data"] == []


async def test_commission_per_restaurant_and_period(client: Any, orm: Any) -> None:
    ids = await restaurant_ids(orm, *GRILL)
    first, last, _, _ = week()
    data = (await get(client, "/api/v1/platform/analytics/commission",
                      await token(client, "owner"), period="day", **span(first, last)))["data"]
    rates = dict(await sql(orm, "SELECT id, commission_rate FROM res_company WHERE id IN "
                                f"({', '.join(str(i) for i in ids)})"))
    assert {r["company_id"] for r in data["restaurants"]} == set(ids)
    for row in data["restaurants"]:
        days: dict[str, Decimal] = defaultdict(Decimal)
        for stamp, amount in await sql(
                orm, "SELECT date_order, amount_total FROM pos_order WHERE company_id = ? "
                     "AND state IN ('paid', 'done', 'invoiced') AND date_order >= ? "
                     "AND date_order < ?", row["company_id"], utc(first),
                utc(last + dt.timedelta(days=1))):
            days[local(stamp).date().isoformat()] += dec(amount)
        rate = dec(rates[row["company_id"]])
        assert [(p["from"], dec(p["gross"]), dec(p["commission"])) for p in row["periods"]] == [
            (day, money(g), money(g * rate / 100)) for day, g in sorted(days.items())]


async def test_performance_compares_each_restaurant(client: Any, orm: Any) -> None:
    ids = await restaurant_ids(orm, *GRILL)
    first, last, prev_first, prev_last = week()
    data = (await get(client, "/api/v1/platform/analytics/performance",
                      await token(client, "owner"), **span(first, last)))["data"]
    assert {r["company_id"] for r in data["restaurants"]} == set(ids)
    for row in data["restaurants"]:
        assert_compared(row["figures"], await headline(orm, row["company_id"], first, last),
                        await headline(orm, row["company_id"], prev_first, prev_last))


async def test_health_flags_old_sessions_and_quiet_restaurants(client: Any, orm: Any) -> None:
    ids = await restaurant_ids(orm, *GRILL)
    sushi = next(cid for cid, key in ids.items() if key == "sushi")
    (session_id,), *_ = await sql(orm, "SELECT id FROM pos_session WHERE company_id = ? "
                                       "AND state != 'closed' ORDER BY id", sushi)
    opened = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=30)).strftime(
        "%Y-%m-%d %H:%M:%S")
    ten_days_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)).strftime(
        "%Y-%m-%d %H:%M:%S")

    async def age(env: Any) -> None:
        param = env.cr.dialect.param
        await env.cr.execute(f"UPDATE pos_session SET start_at = {param} WHERE id = {param}",
                             (opened, session_id))
        # Sushi's sales all moved 10 days back: its last sale is that old
        await env.cr.execute(f"UPDATE pos_order SET date_order = {param} "
                             f"WHERE company_id = {param}", (ten_days_ago, sushi))
    await orm.run(age)
    headers = await token(client, "owner")
    data = (await get(client, "/api/v1/platform/health", headers))["data"]
    assert data["open_hours"] == 24 and data["inactive_days"] == 7
    assert [s["session_id"] for s in data["sessions_open_too_long"]] == [session_id]
    assert data["sessions_open_too_long"][0]["open_hours"] in (29, 30)
    assert {r["company_id"] for r in data["no_sales_today"]} >= {sushi}
    assert [r["company_id"] for r in data["inactive"]] == [sushi]
    assert data["inactive"][0]["last_order_at"] == ten_days_ago
    # longer limits: nothing is flagged
    relaxed = (await get(client, "/api/v1/platform/health", headers, open_hours="48",
                         inactive_days="30"))["data"]
    assert relaxed["sessions_open_too_long"] == [] and relaxed["inactive"] == []
    # who sold today, by local day, as the SQL says
    sold_today = {cid for (cid,) in await sql(
        orm, "SELECT DISTINCT company_id FROM pos_order WHERE state IN ('paid', 'done', "
             "'invoiced') AND date_order >= ?", utc(local_today()))}
    assert {r["company_id"] for r in data["no_sales_today"]} == set(ids) - sold_today
    assert BRUSSELS


@SQLITE
@pytest.mark.parametrize("path", PLATFORM_ROUTES)
async def test_platform_routes_need_a_token(client: Any, path: str) -> None:
    response = await client.get(path)
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


@SQLITE
@pytest.mark.parametrize("login", ["manager", "porto.manager", "waiter", "kitchen"])
@pytest.mark.parametrize("path", PLATFORM_ROUTES)
async def test_platform_routes_are_for_owners(client: Any, login: str, path: str) -> None:
    body = await get(client, path, await token(client, login), 403)
    assert_error(body, "FORBIDDEN")


@SQLITE
@pytest.mark.parametrize("path,params,field", [
    ("dashboard", {"date_from": "2026-02-30"}, "date_from"),
    ("dashboard", {"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_from"),
    ("dashboard", {"date_from": "2024-01-01", "date_to": "2026-01-01"}, "date_to"),
    ("dashboard", {"format": "csv"}, "format"),
    ("restaurants", {"sort": "name"}, "sort"),
    ("restaurants", {"active": "maybe"}, "active"),
    ("restaurants", {"per_page": "1000"}, "per_page"),
    ("restaurants", {"page": str(2 ** 64)}, "page"),
    ("analytics/commission", {"period": "year"}, "period"),
    ("analytics/performance", {"date_to": "tomorrow"}, "date_to"),
    ("health", {"open_hours": "0"}, "open_hours"),
    ("health", {"open_hours": "-3"}, "open_hours"),
    ("health", {"inactive_days": str(2 ** 64)}, "inactive_days"),
    ("health", {"date_from": "2026-01-01"}, "date_from"),
])
async def test_platform_field_errors(client: Any, path: str, params: dict[str, str],
                                     field: str) -> None:
    body = await get(client, f"/api/v1/platform/{path}", await token(client, "owner"), 422,
                     **params)
    assert field in assert_error(body, "VALIDATION_ERROR")["field_errors"]
