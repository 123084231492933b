"""Sales reports (``pos.report.sales``) and the dashboards' read_group queries.

Orders are made here with known lines, taxes and payments, on dates no demo
order has (May 2031), and every expected figure is computed in the test from
what is read back (orders, lines, payments, categories), with ``Decimal``;
the headline figures are also written out by hand below, so that a mistake
in both the report and the test's arithmetic cannot agree silently.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from models.exceptions import AccessError
from tests.support import call_kw, login, result

CENT = Decimal("0.01")
COUNTED = ("paid", "done", "invoiced")

#: product key -> (price, tax included in it, POS categories)
PRODUCTS = {
    "pasta": ("11.20", "food", ["mains"]),
    "wine": ("6.05", "drink", ["drinks"]),
    "combo": ("16.80", "food", ["drinks", "mains"]),    # counts in mains (first by sequence)
    "bread": ("2.24", "food", []),
}
TAX_RATES = {"food": Decimal(12), "drink": Decimal(21)}


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Shop:
    """A demo restaurant, with a small menu of its own made for the test."""

    key: str
    company: int
    config: int
    session: int
    methods: dict[str, int]
    taxes: dict[str, int]
    users: dict[str, int]
    categories: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)


STAFF = {"bistro": ("waiter", "manager"), "sushi": ("sushi.waiter", "sushi.manager")}


async def make_shop(env: Any, key: str, company: int | None = None) -> Shop:
    """As superuser: find a restaurant's till, session, taxes and methods; add the menu."""
    if company is None:
        company = await env["ir.model.data"]._xmlid_to_res_id(f"gateway_demo.restaurant_{key}")
    mine = [("company_id", "=", company)]
    (config,) = await env["pos.config"].search(mine, limit=1)
    sessions = await env["pos.session"].search(mine, limit=1)
    session = sessions[0] if sessions else await env["pos.session"].create({
        "config_id": config, "company_id": company, "state": "opened"})
    methods = {}
    for name, kind in (("cash", "cash"), ("card", "bank")):
        found = await env["pos.payment.method"].search(mine + [("type", "=", kind)], limit=1)
        methods[name] = found[0] if found else await env["pos.payment.method"].create({
            "name": name.title(), "type": kind, "company_id": company})
    taxes = {}
    for name, rate in TAX_RATES.items():
        taxes[name] = await env["account.tax"].create({
            "name": f"Report VAT {rate}%", "amount": float(rate), "price_include": True,
            "company_id": company})
    users = {}
    for role, login_name in zip(("waiter", "manager"), STAFF.get(key, ())):
        (users[role],) = await env["res.users"].search([("login", "=", login_name)])
    shop = Shop(key, company, config, session, methods, taxes, users)
    for sequence, name in enumerate(("mains", "drinks"), start=1):
        shop.categories[name] = await env["pos.category"].create({
            "name": f"Report {name.title()}", "sequence": sequence, "company_id": company})
    for name, (price, tax, categories) in PRODUCTS.items():
        shop.products[name] = await env["product.product"].create({
            "name": f"Report {name.title()}", "list_price": float(price),
            "available_in_pos": True, "company_id": company,
            "taxes_id": [(6, 0, [taxes[tax]])],
            "pos_categ_ids": [(6, 0, [shop.categories[c] for c in categories])]})
    return shop


def line_figures(product: str, qty: int) -> tuple[Decimal, Decimal]:
    """(subtotal with tax, without) of a line: the tax is included in the price."""
    price, tax, _ = PRODUCTS[product]
    incl = cents(Decimal(price) * qty)
    return incl, cents(incl / (1 + TAX_RATES[tax] / 100))


async def make_order(env: Any, shop: Shop, when: str, state: str,
                     lines: list[tuple[str, int]], payments: list[tuple[str, str]] | None = None,
                     user: str = "waiter", tag: str = "") -> int:
    """An order with known amounts (as superuser, as the POS sync would leave it)."""
    total = tax = Decimal(0)
    line_values = []
    for index, (product, qty) in enumerate(lines):
        incl, untaxed = line_figures(product, qty)
        total += incl
        tax += incl - untaxed
        line_values.append((0, 0, {
            "product_id": shop.products[product], "qty": qty,
            "price_unit": float(PRODUCTS[product][0]), "full_product_name": product,
            "name": f"{tag}/{index}", "company_id": shop.company,
            "tax_ids": [(6, 0, [shop.taxes[PRODUCTS[product][1]]])],
            "price_subtotal": float(untaxed), "price_subtotal_incl": float(incl)}))
    if payments is None:
        payments = [("card", str(total))] if state in COUNTED else []
    paid = sum((Decimal(amount) for _, amount in payments), Decimal(0))
    order = await env["pos.order"].create({
        "name": tag or f"R/{when}", "uuid": f"report-{shop.key}-{tag or when}",
        "company_id": shop.company, "config_id": shop.config, "session_id": shop.session,
        "user_id": shop.users.get(user, False), "date_order": when, "state": state,
        "amount_total": float(total), "amount_tax": float(tax), "amount_paid": float(paid),
        "amount_return": float(max(paid - total, Decimal(0))), "lines": line_values})
    for method, amount in payments:       # 'change': cash given back
        await env["pos.payment"].create({
            "pos_order_id": order, "payment_method_id": shop.methods[
                "cash" if method == "change" else method],
            "amount": float(amount), "payment_date": when, "session_id": shop.session,
            "company_id": shop.company, "is_change": method == "change"})
    return order


#: The May 2031 scenario of Bistro Centrale: (tag, when, state, lines, payments, user).
SCENARIO: list[tuple[str, str, str, list[tuple[str, int]], Any, str]] = [
    ("O1", "2031-05-05 09:15:00", "paid", [("pasta", 2), ("wine", 1)], None, "waiter"),
    ("O2", "2031-05-05 12:40:00", "done", [("combo", 1), ("bread", 3)],
     [("cash", "30.00"), ("change", "-6.48")], "manager"),
    ("O3", "2031-05-06 19:05:00", "invoiced", [("wine", 4)],
     [("card", "20.00"), ("cash", "4.20")], "waiter"),
    ("O4", "2031-05-06 20:30:00", "paid", [("pasta", -1)], [("cash", "-11.20")], "waiter"),
    ("O5", "2031-05-06 13:00:00", "draft", [("pasta", 5)], None, "waiter"),
    ("O6", "2031-05-07 10:00:00", "cancel", [("wine", 2)], None, "waiter"),
    ("O7", "2031-05-07 23:59:59", "paid", [("bread", 1)], None, "manager"),
    ("O8", "2031-05-08 00:00:00", "paid", [("pasta", 1)], None, "waiter"),    # after the range
    ("O9", "2031-05-04 23:59:59", "paid", [("wine", 1)], None, "waiter"),     # before it
]
RANGE = ("2031-05-05", "2031-05-07")


@dataclass
class Scenario:
    bistro: Shop
    sushi: Shop
    orders: dict[str, int]


@pytest.fixture
async def scenario(orm: Any) -> Scenario:
    async def build(env: Any) -> Scenario:
        bistro = await make_shop(env, "bistro")
        sushi = await make_shop(env, "sushi")
        # the reports count the restaurant's local days: UTC here, as the expected sums
        await env["res.company"].write([bistro.company, sushi.company], {"tz": "UTC"})
        orders = {}
        for tag, when, state, lines, payments, user in SCENARIO:
            orders[tag] = await make_order(env, bistro, when, state, lines, payments, user, tag)
        # Another restaurant's sale on the same day: never in Bistro's figures.
        orders["S1"] = await make_order(env, sushi, "2031-05-06 12:00:00", "paid",
                                        [("combo", 2)], None, "waiter", "S1")
        return Scenario(bistro, sushi, orders)
    return await orm.run(build)


async def report(orm: Any, login_name: str = "manager", *args: Any, **kwargs: Any) -> Any:
    return await orm.run(lambda env: env["pos.report.sales"].daily_sales(*args, **kwargs),
                         login=login_name)


# ---------------------------------------------------------------------------
# The expected report, computed from the records read back
# ---------------------------------------------------------------------------

async def expected_report(orm: Any, company: int, first: str, last: str,
                          top: int = 10) -> dict[str, Any]:
    stop = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()

    async def read(env: Any) -> dict[str, Any]:
        orders = await env["pos.order"].search_read(
            [("company_id", "=", company), ("state", "in", list(COUNTED)),
             ("date_order", ">=", f"{first} 00:00:00"), ("date_order", "<", f"{stop} 00:00:00")],
            ["amount_total", "amount_tax", "date_order", "user_id"])
        ids = [o["id"] for o in orders]
        lines = await env["pos.order.line"].search_read(
            [("order_id", "in", ids)], ["product_id", "qty", "price_subtotal",
                                        "price_subtotal_incl"])
        payments = await env["pos.payment"].search_read(
            [("pos_order_id", "in", ids)], ["payment_method_id", "amount"])
        product_ids = sorted({line["product_id"][0] for line in lines})
        products = await env.with_context(active_test=False)["product.product"].read(
            product_ids, ["display_name", "pos_categ_ids"]) if product_ids else []
        category_ids = sorted({c for p in products for c in p["pos_categ_ids"]})
        categories = await env["pos.category"].read(category_ids, ["name", "sequence"])
        methods = await env.with_context(active_test=False)["pos.payment.method"].search_read(
            [], ["name"])
        users = await env.with_context(active_test=False)["res.users"].search_read(
            [("id", "in", sorted({o["user_id"][0] for o in orders if o["user_id"]}))],
            ["display_name"])
        company_row = await env["res.company"].read([company], ["name", "currency_id"])
        return dict(orders=orders, lines=lines, payments=payments, products=products,
                    categories=categories, methods=methods, users=users, company=company_row[0])

    data = await orm.run(read)
    orders = data["orders"]
    sales = [o for o in orders if dec(o["amount_total"]) >= 0]
    refunds = [o for o in orders if dec(o["amount_total"]) < 0]
    gross = sum((dec(o["amount_total"]) for o in sales), Decimal(0))
    refunded = sum((dec(o["amount_total"]) for o in refunds), Decimal(0))
    tax = sum((dec(o["amount_tax"]) for o in orders), Decimal(0))

    def breakdown(key: Any) -> dict[Any, dict[str, Any]]:
        groups: dict[Any, dict[str, Any]] = defaultdict(
            lambda: {"order_count": 0, "refund_count": 0, "revenue": Decimal(0), "tax": Decimal(0)})
        for order in orders:
            group = groups[key(order)]
            group["refund_count" if dec(order["amount_total"]) < 0 else "order_count"] += 1
            group["revenue"] += dec(order["amount_total"])
            group["tax"] += dec(order["amount_tax"])
        return groups

    days = breakdown(lambda o: o["date_order"][:10])
    hours = breakdown(lambda o: int(o["date_order"][11:13]))
    users = breakdown(lambda o: o["user_id"][0] if o["user_id"] else False)
    user_names = {u["id"]: u["display_name"] for u in data["users"]}

    per_method: dict[int, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for payment in data["payments"]:
        per_method[payment["payment_method_id"][0]][0] += 1
        per_method[payment["payment_method_id"][0]][1] += dec(payment["amount"])
    method_order = [m["id"] for m in data["methods"]]    # pos.payment.method's _order

    per_product: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: {"qty": Decimal(0), "incl": Decimal(0), "excl": Decimal(0)})
    for line in data["lines"]:
        figures = per_product[line["product_id"][0]]
        figures["qty"] += dec(line["qty"])
        figures["incl"] += dec(line["price_subtotal_incl"])
        figures["excl"] += dec(line["price_subtotal"])
    names = {p["id"]: p["display_name"] for p in data["products"]}
    rank = {c["id"]: (c["sequence"], c["name"], c["id"]) for c in data["categories"]}
    category_names = {c["id"]: c["name"] for c in data["categories"]}
    first_category = {p["id"]: min(p["pos_categ_ids"], key=rank.__getitem__)
                      for p in data["products"] if p["pos_categ_ids"]}
    per_category: dict[Any, dict[str, Decimal]] = defaultdict(
        lambda: {"qty": Decimal(0), "incl": Decimal(0), "excl": Decimal(0)})
    for product_id, figures in per_product.items():
        bucket = per_category[first_category.get(product_id, False)]
        for key in ("qty", "incl", "excl"):
            bucket[key] += figures[key]
    products = sorted(per_product.items(), key=lambda item: (-item[1]["incl"],
                                                             -item[1]["qty"], item[0]))
    return {
        "company_id": company, "company_name": data["company"]["name"],
        "currency": data["company"]["currency_id"][1] if data["company"]["currency_id"] else False,
        "date_from": first, "date_to": last, "timezone": "UTC",
        "order_count": len(sales),
        "gross_sales": float(gross),
        "refunds": {"count": len(refunds), "amount": float(refunded)},
        "revenue": float(gross + refunded),
        "tax": float(tax),
        "revenue_untaxed": float(gross + refunded - tax),
        "average_ticket": float(cents(gross / len(sales))) if sales else 0.0,
        "by_day": [{"date": day, "order_count": g["order_count"],
                    "refund_count": g["refund_count"], "revenue": float(g["revenue"]),
                    "tax": float(g["tax"])} for day, g in sorted(days.items())],
        "by_hour": [{"hour": hour, "order_count": g["order_count"],
                     "refund_count": g["refund_count"], "revenue": float(g["revenue"])}
                    for hour, g in sorted(hours.items())],
        "by_employee": [{"user_id": uid, "name": user_names.get(uid, "") if uid else "",
                         "order_count": g["order_count"], "refund_count": g["refund_count"],
                         "revenue": float(g["revenue"])}
                        for uid, g in sorted(users.items(), key=lambda item: (
                            -item[1]["revenue"], user_names.get(item[0], ""), item[0] or 0))],
        "by_payment_method": [{"payment_method_id": mid, "name": next(
            m["name"] for m in data["methods"] if m["id"] == mid), "count": per_method[mid][0],
            "amount": float(per_method[mid][1])} for mid in method_order if mid in per_method],
        "by_category": [{"pos_categ_id": cid, "name": category_names.get(cid, "") if cid else "",
                         "qty": float(b["qty"]), "revenue": float(b["incl"]),
                         "revenue_untaxed": float(b["excl"])}
                        for cid, b in sorted(per_category.items(), key=lambda item: (
                            item[0] is False, -item[1]["incl"],
                            category_names.get(item[0], "") if item[0] else ""))],
        "top_products": [{"product_id": pid, "name": names[pid], "qty": float(f["qty"]),
                          "revenue": float(f["incl"]), "revenue_untaxed": float(f["excl"])}
                         for pid, f in products[:top]],
    }


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

async def test_daily_sales_matches_the_records(orm: Any, scenario: Scenario) -> None:
    got = await report(orm, "manager", *RANGE)
    assert got == await expected_report(orm, scenario.bistro.company, *RANGE)


async def test_daily_sales_headline_figures_by_hand(orm: Any, scenario: Scenario) -> None:
    """The scenario's figures, worked out on paper (see SCENARIO)."""
    got = await report(orm, "manager", *RANGE)
    shop = scenario.bistro
    assert (got["order_count"], got["gross_sales"], got["refunds"]) == (
        4, 78.41, {"count": 1, "amount": -11.20})
    assert (got["revenue"], got["tax"], got["revenue_untaxed"], got["average_ticket"]) == (
        67.21, 9.21, 58.00, 19.60)
    assert [(d["date"], d["order_count"], d["refund_count"], d["revenue"])
            for d in got["by_day"]] == [
        ("2031-05-05", 2, 0, 51.97), ("2031-05-06", 1, 1, 13.00), ("2031-05-07", 1, 0, 2.24)]
    assert [(h["hour"], h["revenue"]) for h in got["by_hour"]] == [
        (9, 28.45), (12, 23.52), (19, 24.20), (20, -11.20), (23, 2.24)]
    assert {p["payment_method_id"]: (p["count"], p["amount"])
            for p in got["by_payment_method"]} == {
        shop.methods["card"]: (3, 50.69), shop.methods["cash"]: (4, 16.52)}
    assert [(c["pos_categ_id"], c["qty"], c["revenue"]) for c in got["by_category"]] == [
        (shop.categories["drinks"], 5.0, 30.25), (shop.categories["mains"], 2.0, 28.00),
        (False, 4.0, 8.96)]
    assert [(p["product_id"], p["qty"], p["revenue"]) for p in got["top_products"]] == [
        (shop.products["wine"], 5.0, 30.25), (shop.products["combo"], 1.0, 16.80),
        (shop.products["pasta"], 1.0, 11.20), (shop.products["bread"], 4.0, 8.96)]
    assert [(e["user_id"], e["order_count"], e["refund_count"], e["revenue"])
            for e in got["by_employee"]] == [
        (shop.users["waiter"], 2, 1, 41.45), (shop.users["manager"], 2, 0, 25.76)]


@pytest.mark.parametrize("first,last,tags", [
    ("2031-05-05", None, {"O1", "O2"}),                 # one day
    ("2031-05-04", "2031-05-04", {"O9"}),               # 23:59:59 is still the 4th
    ("2031-05-08", "2031-05-08", {"O8"}),               # midnight starts the 8th
    ("2031-05-04", "2031-05-08", {"O1", "O2", "O3", "O4", "O7", "O8", "O9"}),
    ("2031-06-01", "2031-06-30", set()),
])
async def test_day_boundaries_are_utc_midnights(orm: Any, scenario: Scenario, first: str,
                                                last: str | None, tags: set[str]) -> None:
    got = await report(orm, "manager", first, last)
    counted = sum(d["order_count"] + d["refund_count"] for d in got["by_day"])
    assert counted == len(tags)
    assert got == await expected_report(orm, scenario.bistro.company, first, last or first)


async def test_top_limits_the_products(orm: Any, scenario: Scenario) -> None:
    got = await report(orm, "manager", *RANGE, top=2)
    assert [p["product_id"] for p in got["top_products"]] == [
        scenario.bistro.products["wine"], scenario.bistro.products["combo"]]
    assert len(got["by_category"]) == 3         # categories still count every product


async def test_daily_sales_on_the_demo_orders(orm: Any) -> None:
    """The demo's sixty days of orders (drafts among them), through call_kw's user."""
    today = dt.datetime.now(dt.timezone.utc).date()
    first = (today - dt.timedelta(days=61)).isoformat()
    company = await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(
        "gateway_demo.restaurant_bistro"))
    await orm.run(lambda env: env["res.company"].write([company], {"tz": "UTC"}))  # UTC days
    got = await report(orm, "manager", first, today.isoformat())
    assert got["order_count"] > 0
    assert got == await expected_report(orm, company, first, today.isoformat())


async def test_sushi_is_reported_apart(orm: Any, scenario: Scenario) -> None:
    got = await report(orm, "sushi.manager", *RANGE)
    assert got["company_id"] == scenario.sushi.company
    assert (got["order_count"], got["revenue"]) == (1, 33.60)
    assert got == await expected_report(orm, scenario.sushi.company, *RANGE)


# ---------------------------------------------------------------------------
# Who may see it
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("login_name,company,allowed", [
    ("manager", "bistro", True),
    ("manager", "sushi", False),          # another restaurant
    ("sushi.manager", "bistro", False),
    ("owner", "bistro", True),            # the platform owner: every restaurant of it
    ("owner", "sushi", True),
    ("admin", "sushi", True),
    ("waiter", "bistro", False),          # staff without the manager's rights
    ("kitchen", "bistro", False),
])
async def test_who_may_read_a_restaurant_report(orm: Any, scenario: Scenario, login_name: str,
                                                company: str, allowed: bool) -> None:
    company_id = getattr(scenario, company).company
    call = report(orm, login_name, *RANGE, company_id=company_id)
    if allowed:
        assert (await call)["company_id"] == company_id
    else:
        with pytest.raises(AccessError):
            await call


@pytest.mark.parametrize("args,kwargs", [
    (("2031-5-05",), {}),
    (("2031-05-32",), {}),
    ((None,), {}),
    (("2031-05-07", "2031-05-05"), {}),         # backwards
    (("2031-05-05 00:00:00",), {}),
    (RANGE, {"company_id": "1"}),
    (RANGE, {"top": -1}),
])
async def test_invalid_arguments_are_value_errors(orm: Any, args: tuple[Any, ...],
                                                  kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        await report(orm, "manager", *args, **kwargs)


async def test_over_json_rpc(client: Any, orm: Any, scenario: Scenario) -> None:
    await login(client, "manager")
    got = result(await call_kw(client, "pos.report.sales", "daily_sales", list(RANGE)))
    assert got == await expected_report(orm, scenario.bistro.company, *RANGE)
    await login(client, "waiter")
    body = await call_kw(client, "pos.report.sales", "daily_sales", list(RANGE))
    assert body["error"]["data"]["name"] == "odoo.exceptions.AccessError"


# ---------------------------------------------------------------------------
# read_group: what POS dashboards ask
# ---------------------------------------------------------------------------

async def _rows(orm: Any, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
    return await orm.run(lambda env: env[model].search_read(domain, fields), login="manager")


DASHBOARD = [("state", "in", list(COUNTED))]


@pytest.mark.parametrize("groupby,key", [
    ("date_order:day", lambda o: o["date_order"][:10]),
    ("user_id", lambda o: o["user_id"][0] if o["user_id"] else False),
    ("state", lambda o: o["state"]),
])
async def test_read_group_amount_total_by(orm: Any, scenario: Scenario, groupby: str,
                                          key: Any) -> None:
    orders = await _rows(orm, "pos.order", DASHBOARD, ["amount_total", "date_order", "user_id",
                                                       "state"])
    expected: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for order in orders:
        expected[key(order)][0] += 1
        expected[key(order)][1] += dec(order["amount_total"])
    groups = await orm.run(lambda env: env["pos.order"].read_group(
        DASHBOARD, ["amount_total:sum"], [groupby], lazy=False), login="manager")
    got = {}
    for group in groups:
        value = group[groupby]
        if groupby == "date_order:day":
            value = group["__range"][groupby]["from"][:10]
        elif isinstance(value, list):
            value = value[0]
        got[value] = [group["__count"], cents(dec(group["amount_total"]))]
    assert got == {k: [count, cents(total)] for k, (count, total) in expected.items()}


async def test_read_group_line_totals_by_product(orm: Any, scenario: Scenario) -> None:
    lines = await _rows(orm, "pos.order.line", [], ["product_id", "price_subtotal_incl"])
    expected: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        expected[line["product_id"][0]] += dec(line["price_subtotal_incl"])
    groups = await orm.run(lambda env: env["pos.order.line"].read_group(
        [], ["price_subtotal_incl:sum"], ["product_id"], orderby="price_subtotal_incl desc",
        limit=5), login="manager")
    best = sorted(expected.items(), key=lambda item: -item[1])[:5]
    assert [cents(dec(g["price_subtotal_incl"])) for g in groups] == [cents(v) for _, v in best]
    names = await orm.run(lambda env: env["product.product"].name_get(
        [g["product_id"][0] for g in groups]), login="manager")
    assert [g["product_id"] for g in groups] == names
    for group in groups:
        assert group["product_id_count"] == sum(
            1 for line in lines if line["product_id"][0] == group["product_id"][0])


async def test_read_group_dashboard_over_json_rpc(client: Any, orm: Any,
                                                  scenario: Scenario) -> None:
    await login(client, "manager")
    groups = result(await call_kw(client, "pos.order", "read_group", [], {
        "domain": [("date_order", ">=", "2031-05-05 00:00:00"),
                   ("date_order", "<", "2031-05-08 00:00:00")] + DASHBOARD,
        "fields": ["amount_total:sum"], "groupby": ["date_order:day"], "lazy": False}))
    got = await report(orm, "manager", *RANGE)
    assert [(g["date_order:day"], g["__count"], g["amount_total"]) for g in groups] == [
        ("05 May 2031", 2, 51.97), ("06 May 2031", 2, 13.0), ("07 May 2031", 1, 2.24)]
    assert [(d["order_count"] + d["refund_count"], d["revenue"]) for d in got["by_day"]] == [
        (g["__count"], g["amount_total"]) for g in groups]
