"""Platforms: switching the active restaurant, the commission rate, commissions and earnings.

Two platforms: the demo's 'Grill & Roll Group' (Bistro Centrale, Sushi Koi)
and 'Taco Holdings' (Taco Loco), made here with an owner of its own. Orders
of March-April 2031 (no demo order is that late) have known totals; the
expected commissions are computed in the test from the orders read back,
with its own period arithmetic, and the headline figures are worked out by
hand as well.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from models import security
from models.exceptions import AccessError, UserError, ValidationError
from tests.support import call_kw, login, result, rpc
from tests.test_reports import COUNTED, make_order, make_shop

CENT = Decimal("0.01")
RATES = {"bistro": Decimal("12.5"), "sushi": Decimal("7.25"), "taco": Decimal("10")}


@dataclass
class World:
    companies: dict[str, int]       # platform, bistro, sushi, closed, other_platform, taco
    users: dict[str, int]


async def _add_user(env: Any, login_name: str, company: int, companies: list[int],
                    groups: list[str]) -> int:
    data = env["ir.model.data"]
    return await env["res.users"].create({
        "login": login_name, "name": login_name.title(), "password": login_name,
        "company_id": company, "company_ids": [(6, 0, companies)],
        "groups_id": [(6, 0, [await data._xmlid_to_res_id(g) for g in groups])]})


@pytest.fixture
async def world(orm: Any) -> World:
    async def build(env: Any) -> World:
        data = env["ir.model.data"]
        companies = {
            "platform": await data._xmlid_to_res_id("gateway_demo.platform"),
            "bistro": await data._xmlid_to_res_id("gateway_demo.restaurant_bistro"),
            "sushi": await data._xmlid_to_res_id("gateway_demo.restaurant_sushi"),
        }
        eur = await data._xmlid_to_res_id("base.EUR")
        companies["closed"] = await env["res.company"].create({
            "name": "Closed Diner", "parent_id": companies["platform"], "active": False,
            "currency_id": eur})
        companies["other_platform"] = await env["res.company"].create({
            "name": "Taco Holdings", "is_platform": True, "currency_id": eur})
        companies["taco"] = await env["res.company"].create({
            "name": "Taco Loco", "parent_id": companies["other_platform"], "currency_id": eur})
        await env.with_context(allowed_company_ids=[companies["taco"]])["pos.config"].create({
            "name": "Taco Till", "company_id": companies["taco"]})
        owner_groups = [security.PLATFORM_OWNER, security.POS_MANAGER, security.POS_USER,
                        security.USER]
        users = {
            "owner2": await _add_user(env, "owner2", companies["other_platform"],
                                      [companies["other_platform"]], owner_groups),
            "taco.manager": await _add_user(env, "taco.manager", companies["taco"],
                                            [companies["taco"]],
                                            [security.POS_MANAGER, security.POS_USER,
                                             security.USER]),
        }
        for login_name in ("owner", "manager", "waiter", "sushi.manager", "admin"):
            (users[login_name],) = await env["res.users"].search([("login", "=", login_name)])
        return World(companies, users)
    return await orm.run(build)


# ---------------------------------------------------------------------------
# Switching the active restaurant
# ---------------------------------------------------------------------------

SWITCHES = [
    # login, target, the companies the new context selects (None: refused)
    ("owner", "bistro", ["bistro"]),
    ("owner", "sushi", ["sushi"]),
    ("owner", "platform", ["platform", "bistro", "sushi"]),    # the whole platform
    ("owner", "taco", None),                                   # another platform's restaurant
    ("owner", "other_platform", None),
    ("owner", "closed", None),                                 # archived
    ("manager", "bistro", ["bistro"]),
    ("manager", "sushi", None),                                # only their own restaurant
    ("manager", "platform", None),
    ("sushi.manager", "sushi", ["sushi"]),
    ("sushi.manager", "bistro", None),
    ("waiter", "bistro", ["bistro"]),
    ("waiter", "sushi", None),
    ("owner2", "taco", ["taco"]),
    ("owner2", "other_platform", ["other_platform", "taco"]),
    ("owner2", "bistro", None),
    ("owner2", "platform", None),
    ("taco.manager", "taco", ["taco"]),
    ("taco.manager", "other_platform", None),
]


@pytest.mark.parametrize("login_name,target,selected", SWITCHES)
async def test_switch_company(orm: Any, world: World, login_name: str, target: str,
                              selected: list[str] | None) -> None:
    company = world.companies[target]
    call = orm.run(lambda env: env["res.users"].switch_company(company), login=login_name)
    if selected is None:
        with pytest.raises(AccessError, match="unauthorized or invalid companies"):
            await call
        return
    context = await call
    assert context["allowed_company_ids"] == [world.companies[c] for c in selected]
    assert context["uid"] == world.users[login_name]
    assert {"lang", "tz"} <= set(context)
    # The context works as is: searches see the selected restaurants' records only.
    orders = await orm.run(lambda env: env["pos.order"].search_read([], ["company_id"]),
                           login=login_name, context=context)
    assert {o["company_id"][0] for o in orders} <= {world.companies[c] for c in selected}


@pytest.mark.parametrize("value", ["1", None, True, 1.0, [1]])
async def test_switch_company_needs_an_id(orm: Any, world: World, value: Any) -> None:
    with pytest.raises(ValueError):
        await orm.run(lambda env: env["res.users"].switch_company(value), login="owner")


async def test_missing_company_is_refused_like_a_foreign_one(orm: Any, world: World) -> None:
    with pytest.raises(AccessError, match="unauthorized or invalid companies"):
        await orm.run(lambda env: env["res.users"].switch_company(999_999), login="owner")


async def test_switch_over_json_rpc_then_work_there(client: Any, orm: Any, world: World) -> None:
    await login(client, "owner")
    context = result(await call_kw(client, "res.users", "switch_company",
                                   [world.companies["sushi"]]))
    assert context["allowed_company_ids"] == [world.companies["sushi"]]
    orders = result(await call_kw(client, "pos.order", "search_read", [[]],
                                  {"fields": ["company_id"], "context": context}))
    assert orders and {o["company_id"][0] for o in orders} == {world.companies["sushi"]}
    refused = await call_kw(client, "res.users", "switch_company", [world.companies["taco"]])
    assert refused["error"]["data"]["name"] == "odoo.exceptions.AccessError"
    # the session's current company follows the switch, and so do calls without a context
    info = result(await rpc(client, "/web/session/get_session_info", {}))
    assert info["user_companies"]["current_company"] == world.companies["sushi"]
    orders = result(await call_kw(client, "pos.order", "search_read", [[]],
                                  {"fields": ["company_id"]}))
    assert orders and {o["company_id"][0] for o in orders} == {world.companies["sushi"]}
    result(await call_kw(client, "res.users", "switch_company", [world.companies["bistro"]]))
    info = result(await rpc(client, "/web/session/get_session_info", {}))
    assert info["user_companies"]["current_company"] == world.companies["bistro"]


# ---------------------------------------------------------------------------
# The commission rate: the platform owner's to set
# ---------------------------------------------------------------------------

RATE_WRITES = [
    ("owner", "bistro", {"commission_rate": 12.5}, None),
    ("owner", "sushi", {"commission_rate": 100}, None),
    ("owner", "bistro", {"commission_rate": 0}, None),
    ("admin", "sushi", {"commission_rate": 3}, None),
    ("owner2", "taco", {"commission_rate": 9.99}, None),
    ("manager", "bistro", {"commission_rate": 0}, AccessError),          # their own restaurant
    ("manager", "bistro", {"phone": "+32 2 000 00 00", "commission_rate": 1}, AccessError),
    ("sushi.manager", "sushi", {"commission_rate": 1}, AccessError),
    ("taco.manager", "taco", {"commission_rate": 1}, AccessError),
    ("owner2", "bistro", {"commission_rate": 50}, AccessError),           # another platform
    ("owner", "taco", {"commission_rate": 50}, AccessError),
    ("owner", "bistro", {"commission_rate": -1}, ValidationError),
    ("owner", "bistro", {"commission_rate": 100.01}, ValidationError),
    ("owner", "bistro", {"commission_rate": "ten"}, ValidationError),
    ("owner", "bistro", {"commission_rate": True}, ValidationError),
    ("owner", "bistro", {"commission_rate": "NaN"}, ValidationError),
]


@pytest.mark.parametrize("login_name,target,vals,error", RATE_WRITES)
async def test_who_sets_the_commission_rate(orm: Any, world: World, login_name: str, target: str,
                                            vals: dict[str, Any], error: type | None) -> None:
    company = world.companies[target]

    async def rate(env: Any) -> float:
        return (await env["res.company"].read([company], ["commission_rate"]))[0][
            "commission_rate"]

    before = await orm.run(rate)
    call = orm.run(lambda env: env["res.company"].write([company], vals), login=login_name)
    if error is None:
        assert await call is True
        assert await orm.run(rate) == float(vals["commission_rate"])
    else:
        with pytest.raises(error):
            await call
        assert await orm.run(rate) == before


async def test_the_manager_still_edits_the_rest_of_the_restaurant(orm: Any, world: World) -> None:
    await orm.run(lambda env: env["res.company"].write([world.companies["bistro"]],
                                                       {"phone": "+32 2 000 00 00"}),
                  login="manager")


async def test_owner_creates_a_restaurant_with_a_rate(orm: Any, world: World) -> None:
    new = await orm.run(lambda env: env["res.company"].create({
        "name": "Pasta Bar", "parent_id": world.companies["platform"], "commission_rate": 8}),
        login="owner")
    read = await orm.run(lambda env: env["res.company"].read([new], ["commission_rate"]))
    assert read[0]["commission_rate"] == 8.0
    context = await orm.run(lambda env: env["res.users"].switch_company(new), login="owner")
    assert context["allowed_company_ids"] == [new]      # seen at once (access version)


# ---------------------------------------------------------------------------
# Commissions and earnings
# ---------------------------------------------------------------------------

#: (restaurant, when, state, lines)
SALES = [
    ("bistro", "2031-03-01 10:00:00", "paid", [("pasta", 3)]),          # 33.60
    ("bistro", "2031-03-01 18:00:00", "done", [("wine", 1)]),           # 6.05
    ("bistro", "2031-03-02 12:00:00", "invoiced", [("combo", 1)]),      # 16.80, a Sunday
    ("bistro", "2031-03-02 13:00:00", "draft", [("pasta", 10)]),        # never counted
    ("bistro", "2031-03-03 09:00:00", "cancel", [("wine", 3)]),         # never counted
    ("bistro", "2031-03-31 23:00:00", "paid", [("bread", 7)]),          # 15.68
    ("bistro", "2031-04-01 08:00:00", "paid", [("pasta", 1)]),          # 11.20
    ("bistro", "2031-04-01 09:00:00", "paid", [("pasta", -1)]),         # refund -11.20
    ("sushi", "2031-03-01 12:00:00", "paid", [("wine", 3)]),            # 18.15
    ("sushi", "2031-03-15 12:00:00", "paid", [("combo", 1)]),           # 16.80
    ("taco", "2031-03-01 12:00:00", "paid", [("pasta", 1)]),            # 11.20
    ("bistro", "2031-05-01 12:00:00", "paid", [("wine", 1)]),           # after the range
]
RANGE = ("2031-03-01", "2031-04-30")


@pytest.fixture
async def sales(orm: Any, world: World) -> World:
    async def build(env: Any) -> None:
        shops = {key: await make_shop(env, key, world.companies[key])
                 for key in ("bistro", "sushi", "taco")}
        for index, (key, when, state, lines) in enumerate(SALES):
            await make_order(env, shops[key], when, state, lines, tag=f"C{index}")
        # earnings count each restaurant's local days: UTC here, as the expected sums
        await env["res.company"].write(
            [world.companies[key] for key in ("bistro", "sushi", "taco", "closed")], {"tz": "UTC"})
        for key, rate in RATES.items():
            await env["res.company"].write([world.companies[key]],
                                           {"commission_rate": float(rate)})
    await orm.run(build)
    return world


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":        # Sunday-based weeks, as read_group's en_US weeks
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)
    return day.replace(day=1) if period == "month" else day


async def expected(orm: Any, company: int, period: str) -> list[dict[str, Any]]:
    """Per period: order count, gross, commission (rounded per period), net; from the orders."""
    orders = await orm.run(lambda env: env["pos.order"].search_read(
        [("company_id", "=", company), ("state", "in", list(COUNTED)),
         ("date_order", ">=", f"{RANGE[0]} 00:00:00"), ("date_order", "<", "2031-05-01 00:00:00")],
        ["amount_total", "date_order"]))
    buckets: dict[dt.date, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for order in orders:
        start = period_start(dt.date.fromisoformat(order["date_order"][:10]), period)
        buckets[start][0] += 1
        buckets[start][1] += Decimal(str(order["amount_total"]))
    rate = (await orm.run(lambda env: env["res.company"].read([company], ["commission_rate"])))[
        0]["commission_rate"]
    result = []
    for start, (count, gross) in sorted(buckets.items()):
        commission = (gross * Decimal(str(rate)) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        result.append({"from": start.isoformat(), "order_count": count, "gross": float(gross),
                       "commission": float(commission), "net": float(gross - commission)})
    return result


def strip(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in p.items() if k not in ("period", "to")} for p in periods]


def total(rows: list[dict[str, Any]], key: str) -> float:
    return float(sum((Decimal(str(r[key])) for r in rows), Decimal(0)))


@pytest.mark.parametrize("period", ["day", "week", "month"])
async def test_commission_report_per_restaurant_and_period(orm: Any, sales: World,
                                                           period: str) -> None:
    got = await orm.run(lambda env: env["res.company"].commission_report(
        *RANGE, period=period), login="owner")     # the owner's platform: both restaurants
    assert [r["company_id"] for r in got["restaurants"]] == [
        sales.companies["bistro"], sales.companies["sushi"]]
    for row in got["restaurants"]:
        want = await expected(orm, row["company_id"], period)
        assert strip(row["periods"]) == want
        for key in ("order_count", "gross", "commission", "net"):
            assert row[key] == total(want, key)             # totals add their periods up
            assert got["total"][key] == total(got["restaurants"], key)
        for item in row["periods"]:
            start = dt.date.fromisoformat(item["from"])
            end = {"day": start + dt.timedelta(days=1), "week": start + dt.timedelta(days=7),
                   "month": (start + dt.timedelta(days=32)).replace(day=1)}[period]
            assert item["to"] == end.isoformat()


async def test_commission_figures_by_hand(orm: Any, sales: World) -> None:
    """Month: Bistro 72.13 x 12.5% = 9.01625 -> 9.02; Sushi 34.95 x 7.25% = 2.533875 -> 2.53.
    By day Sushi's 1.315875 and 1.218 round to 1.32 + 1.22 = 2.54: every period is
    rounded, and the totals are the sums of the periods."""
    month = await orm.run(lambda env: env["res.company"].commission_report(
        *RANGE, period="month"), login="owner")
    rows = {r["name"]: r for r in month["restaurants"]}
    assert [(p["period"], p["order_count"], p["gross"], p["commission"], p["net"])
            for p in rows["Bistro Centrale"]["periods"]] == [
        ("March 2031", 4, 72.13, 9.02, 63.11), ("April 2031", 2, 0.0, 0.0, 0.0)]
    assert (rows["Sushi Koi"]["gross"], rows["Sushi Koi"]["commission"]) == (34.95, 2.53)
    assert rows["Bistro Centrale"]["commission_rate"] == 12.5
    day = await orm.run(lambda env: env["res.company"].commission_report(
        *RANGE, period="day", company_ids=[sales.companies["sushi"]]), login="owner")
    assert [(p["period"], p["commission"]) for p in day["restaurants"][0]["periods"]] == [
        ("01 Mar 2031", 1.32), ("15 Mar 2031", 1.22)]
    assert day["total"]["commission"] == 2.54
    week = await orm.run(lambda env: env["res.company"].commission_report(
        *RANGE, period="week", company_ids=[sales.companies["bistro"]]), login="owner")
    assert [(p["period"], p["from"], p["gross"]) for p in week["restaurants"][0]["periods"]] == [
        ("W9 2031", "2031-02-23", 39.65), ("W10 2031", "2031-03-02", 16.80),
        ("W14 2031", "2031-03-30", 15.68)]


@pytest.mark.parametrize("login_name,company_ids,restaurants", [
    ("manager", None, ["bistro"]),                      # default: the active restaurant
    ("manager", ["bistro"], ["bistro"]),
    ("manager", ["sushi"], None),
    ("manager", ["platform"], None),
    ("sushi.manager", None, ["sushi"]),
    ("owner", None, ["bistro", "sushi"]),               # the platform stands for its restaurants
    ("owner", ["sushi"], ["sushi"]),
    ("owner", ["taco"], None),
    ("owner2", None, ["taco"]),
    ("owner2", ["bistro"], None),
    ("taco.manager", None, ["taco"]),
    ("waiter", None, None),
])
async def test_who_sees_which_commissions(orm: Any, sales: World, login_name: str,
                                          company_ids: list[str] | None,
                                          restaurants: list[str] | None) -> None:
    ids = None if company_ids is None else [sales.companies[c] for c in company_ids]
    call = orm.run(lambda env: env["res.company"].commission_report(
        *RANGE, period="month", company_ids=ids), login=login_name)
    if restaurants is None:
        with pytest.raises(AccessError):
            await call
        return
    got = await call
    assert [r["company_id"] for r in got["restaurants"]] == [
        sales.companies[c] for c in restaurants]


@pytest.mark.parametrize("period", ["day", "week", "month"])
async def test_platform_earnings(orm: Any, sales: World, period: str) -> None:
    got = await orm.run(lambda env: env["res.company"].platform_earnings(
        *RANGE, period=period), login="owner")
    assert got["platform_id"] == sales.companies["platform"]
    per_period: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for key in ("bistro", "sushi"):
        for item in await expected(orm, sales.companies[key], period):
            per_period[item["from"]][0] += item["order_count"]
            per_period[item["from"]][1] += Decimal(str(item["gross"]))
            per_period[item["from"]][2] += Decimal(str(item["commission"]))
    assert [(p["from"], p["order_count"], p["gross"], p["earnings"]) for p in got["periods"]] == [
        (start, count, float(gross), float(earned))
        for start, (count, gross, earned) in sorted(per_period.items())]
    assert got["total"]["earnings"] == total(got["periods"], "earnings")
    assert got["total"]["earnings"] == total(got["restaurants"], "commission")
    assert {r["company_id"] for r in got["restaurants"]} == {
        sales.companies[c] for c in ("bistro", "sushi")}   # not the archived one: it sold nothing


async def test_platform_earnings_by_hand(orm: Any, sales: World) -> None:
    got = await orm.run(lambda env: env["res.company"].platform_earnings(
        *RANGE, period="month"), login="owner")
    assert [(p["period"], p["gross"], p["earnings"]) for p in got["periods"]] == [
        ("March 2031", 107.08, 11.55), ("April 2031", 0.0, 0.0)]
    assert got["total"] == {"order_count": 8, "gross": 107.08, "earnings": 11.55}
    other = await orm.run(lambda env: env["res.company"].platform_earnings(
        *RANGE, period="month"), login="owner2")
    assert other["platform_id"] == sales.companies["other_platform"]
    assert [(p["period"], p["gross"], p["earnings"]) for p in other["periods"]] == [
        ("March 2031", 11.20, 1.12)]


async def test_an_archived_restaurant_still_counts_its_sales(orm: Any, sales: World) -> None:
    closed = sales.companies["closed"]

    async def sell(env: Any) -> None:
        await env["pos.config"].create({"name": "Diner Till", "company_id": closed})
        shop = await make_shop(env, "closed", closed)
        await make_order(env, shop, "2031-03-10 12:00:00", "paid", [("pasta", 1)], tag="D1")
        await env["res.company"].write([closed], {"commission_rate": 10})
    await orm.run(sell)
    got = await orm.run(lambda env: env["res.company"].platform_earnings(
        *RANGE, period="month"), login="owner")
    rows = {r["company_id"]: r for r in got["restaurants"]}
    assert (rows[closed]["gross"], rows[closed]["commission"]) == (11.20, 1.12)
    assert got["periods"][0]["earnings"] == 12.67       # 11.55 + 1.12


@pytest.mark.parametrize("login_name,platform,error", [
    ("owner", "other_platform", AccessError),       # not their platform
    ("owner2", "platform", AccessError),
    ("owner", "bistro", UserError),                 # a restaurant is not a platform
    ("manager", None, AccessError),                 # restaurant managers: commissions only
    ("manager", "platform", AccessError),
    ("waiter", None, AccessError),
])
async def test_earnings_are_the_platform_owners(orm: Any, sales: World, login_name: str,
                                                platform: str | None, error: type) -> None:
    platform_id = sales.companies[platform] if platform else None
    with pytest.raises(error):
        await orm.run(lambda env: env["res.company"].platform_earnings(
            *RANGE, platform_id=platform_id), login=login_name)


async def test_earnings_need_an_active_platform(orm: Any, sales: World) -> None:
    context = {"allowed_company_ids": [sales.companies["bistro"]]}
    with pytest.raises(UserError, match="No platform is active"):
        await orm.run(lambda env: env["res.company"].platform_earnings(*RANGE),
                      login="owner", context=context)


@pytest.mark.parametrize("kwargs", [{"period": "year"}, {"period": None},
                                    {"company_ids": "1"}, {"date_to": "2031-02-01"}])
async def test_invalid_commission_arguments(orm: Any, sales: World,
                                            kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        await orm.run(lambda env: env["res.company"].commission_report(
            RANGE[0], **{"date_to": RANGE[1], **kwargs}), login="owner")


async def test_earnings_over_json_rpc(client: Any, sales: World) -> None:
    await login(client, "owner")
    got = result(await call_kw(client, "res.company", "platform_earnings", list(RANGE),
                               {"period": "month"}))
    assert got["total"]["earnings"] == 11.55
    await login(client, "manager")
    body = await call_kw(client, "res.company", "platform_earnings", list(RANGE))
    assert body["error"]["data"]["name"] == "odoo.exceptions.AccessError"
