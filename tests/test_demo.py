"""``gateway demo`` as a user gets it: the default month, checked from the database.

The other tests share a template with a few days of history (see
``DEMO_DAYS`` in conftest); this module loads the full default demo once,
on SQLite, and checks what the issue asks of it: two platforms, three
restaurants, floors and tables, 200 products with taxes and categories,
users of each role, and a month of orders whose figures add up, computed
here by plain SQL rather than by the code that wrote them.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from decimal import Decimal
from typing import Any, Iterator

import pytest

from gateway import bootstrap, demo
from models.env import Env
from models.reports import local_today, utc_instant, zone_named
from tests.conftest import make_config


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """(config, sqlite3 connection) of a database loaded with the default demo."""
    config = make_config(str(tmp_path_factory.mktemp("demo-month")))
    backend = bootstrap.backend_for(config)
    bootstrap.migrate_schema(backend)

    async def populate() -> None:
        registry = bootstrap.registry_for(backend, config)
        await bootstrap.install_base(backend, registry, "admin")
        assert await demo.load_demo(backend, registry)
    asyncio.run(populate())
    conn = sqlite3.connect(backend.path)  # type: ignore[attr-defined]
    yield config, conn
    conn.close()


def rows(conn: sqlite3.Connection, sql: str, *args: Any) -> list[tuple]:
    return conn.execute(sql, args).fetchall()


def restaurants(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(rows(conn, "SELECT name, id FROM res_company WHERE parent_id IS NOT NULL "
                           "AND NOT is_platform"))


def test_two_platforms_own_three_restaurants(month: Any) -> None:
    _config, conn = month
    owned = rows(conn, "SELECT p.name, r.name, r.commission_rate FROM res_company r "
                       "JOIN res_company p ON p.id = r.parent_id WHERE p.is_platform "
                       "ORDER BY r.id")
    assert [(p, r) for p, r, _rate in owned] == [
        ("Grill & Roll Group", "Bistro Centrale"), ("Grill & Roll Group", "Sushi Koi"),
        ("Harbour Dining Co.", "Pizzeria Porto")]
    assert all(rate > 0 for _p, _r, rate in owned)


def test_floors_and_tables_in_every_restaurant(month: Any) -> None:
    _config, conn = month
    for name, company in restaurants(conn).items():
        ((floors,),) = rows(conn, "SELECT count(*) FROM restaurant_floor WHERE company_id = ?",
                            company)
        ((tables, seats),) = rows(conn, "SELECT count(*), min(seats) FROM restaurant_table "
                                        "WHERE company_id = ?", company)
        assert floors == 2 and tables >= 12 and seats >= 2, name


def test_two_hundred_products_with_taxes_and_categories(month: Any) -> None:
    _config, conn = month
    products = rows(conn, "SELECT p.id, p.categ_id, p.company_id, p.barcode, "
                          "(SELECT count(*) FROM product_taxes_rel t WHERE t.prod_id = p.id), "
                          "(SELECT count(*) FROM pos_category_product_product_rel c "
                          " WHERE c.product_product_id = p.id) "
                          "FROM product_product p WHERE p.available_in_pos")
    assert len(products) == 200
    assert all(categ and company and taxes >= 1 and pos_categories == 1
               for _id, categ, company, _barcode, taxes, pos_categories in products)
    assert any(taxes == 2 for *_rest, taxes, _pc in products), "a line with two taxes"
    for *_rest, barcode, _taxes, _pc in products:    # scanners check the EAN-13 digit
        digits = [int(d) for d in barcode]
        assert len(digits) == 13 and sum(d * (3 if i % 2 else 1)
                                         for i, d in enumerate(digits)) % 10 == 0
    kinds = {bool(row[0]) for row in rows(conn, "SELECT price_include FROM account_tax t "
                                                "WHERE t.company_id IN (SELECT id FROM "
                                                "res_company WHERE parent_id IS NOT NULL)")}
    assert kinds == {True, False}, "tax-included and tax-excluded menus"


def test_users_of_each_role(month: Any) -> None:
    _config, conn = month
    logins = {row[0] for row in rows(conn, "SELECT login FROM res_users")}
    for spec in demo.DEMO_USERS:
        assert spec.login in logins
    for restaurant in demo.RESTAURANTS:
        roles = {u.role for u in demo.DEMO_USERS if u.restaurant == restaurant.key}
        assert roles == {"restaurant manager", "cashier / waiter", "kitchen"}, restaurant.key
    assert {u.restaurant for u in demo.DEMO_USERS if u.role == "platform owner"} == {
        p.key for p in demo.PLATFORMS}


def test_a_month_of_sessions_and_orders(month: Any) -> None:
    _config, conn = month
    today = dt.datetime.now(dt.timezone.utc).date()
    for name, company in restaurants(conn).items():
        sessions = rows(conn, "SELECT state, cash_register_balance_end_real, start_at "
                              "FROM pos_session WHERE company_id = ? ORDER BY id", company)
        assert [s[0] for s in sessions] == ["closed"] * demo.DEFAULT_DAYS + ["opened"], name
        assert all(counted is not None for _s, counted, _start in sessions[:-1])
        days = {row[0] for row in rows(conn, "SELECT DISTINCT substr(date_order, 1, 10) "
                                             "FROM pos_order WHERE company_id = ? AND state "
                                             "IN ('paid', 'done', 'invoiced')", company)}
        first = (today - dt.timedelta(days=demo.DEFAULT_DAYS)).isoformat()
        assert min(days) == first and len(days) >= demo.DEFAULT_DAYS, name
        ((refunds,),) = rows(conn, "SELECT count(*) FROM pos_order WHERE company_id = ? "
                                   "AND refunded_order_id IS NOT NULL", company)
        assert refunds >= 1, name


def test_order_figures_add_up(month: Any) -> None:
    """Every recorded order: its lines' subtotals make its total, its payments pay it."""
    _config, conn = month
    bad = rows(conn, """
        SELECT o.id, o.amount_total, o.amount_paid, o.amount_return,
               (SELECT sum(price_subtotal_incl) FROM pos_order_line l WHERE l.order_id = o.id),
               (SELECT sum(amount) FROM pos_payment p WHERE p.pos_order_id = o.id)
        FROM pos_order o WHERE o.state IN ('paid', 'done')""")
    assert len(bad) > 1000
    for order_id, total, paid, change, lines, payments in bad:
        assert Decimal(str(total)) == Decimal(str(lines)).quantize(Decimal("0.01")), order_id
        assert Decimal(str(paid)) == Decimal(str(payments)).quantize(Decimal("0.01")) \
            == Decimal(str(total)).quantize(Decimal("0.01")), order_id
        assert change >= 0


def test_stock_follows_the_sales(month: Any) -> None:
    _config, conn = month
    quants = rows(conn, "SELECT q.product_id, q.quantity, (SELECT sum(m.quantity) FROM "
                        "stock_move m WHERE m.product_id = q.product_id AND m.company_id = "
                        "q.company_id), (SELECT count(*) FROM stock_move m WHERE m.product_id "
                        "= q.product_id AND m.reason = 'sale') FROM stock_quant q")
    assert len(quants) >= 15
    for product, quantity, moved, sales in quants:
        assert quantity == pytest.approx(moved), product
    assert sum(sales for *_r, sales in quants) > 50
    ((low,),) = rows(conn, "SELECT count(*) FROM stock_quant q JOIN product_product p ON "
                           "p.id = q.product_id WHERE q.quantity <= p.low_stock_threshold")
    assert low >= 1, "some bottled drinks ran low over the month"


def test_reports_show_the_month(month: Any) -> None:
    """The daily sales report of each restaurant equals the orders summed in SQL, over the
    restaurant's local days (the demo gives each restaurant its platform's zone)."""
    config, conn = month

    async def report(company: int, first: str, last: str) -> dict[str, Any]:
        backend = bootstrap.backend_for(config)
        registry = bootstrap.registry_for(backend, config)
        await backend.start()
        try:
            return await backend.run_unit(lambda cr: Env(cr, registry, None)[
                "pos.report.sales"].daily_sales(first, last, company))
        finally:
            await backend.close()

    for name, company in restaurants(conn).items():
        ((tz,),) = rows(conn, "SELECT tz FROM res_company WHERE id = ?", company)
        zone = zone_named(tz)
        today = local_today(zone)
        first = today - dt.timedelta(days=demo.DEFAULT_DAYS)
        figures = asyncio.run(report(company, first.isoformat(),
                                     (today - dt.timedelta(days=1)).isoformat()))
        ((count, revenue),) = rows(conn, "SELECT count(*), sum(amount_total) FROM pos_order "
                                         "WHERE company_id = ? AND state IN ('paid', 'done', "
                                         "'invoiced') AND date_order >= ? AND date_order < ? "
                                         "AND amount_total >= 0", company,
                                   utc_instant(first, zone), utc_instant(today, zone))
        assert figures["order_count"] == count > 100, name
        assert figures["gross_sales"] == pytest.approx(revenue, abs=0.005), name
        assert figures["refunds"]["count"] >= 1 and figures["tax"] > 0
        assert len(figures["by_payment_method"]) == 2 and len(figures["by_employee"]) >= 2
        assert len(figures["by_category"]) >= 5 and len(figures["top_products"]) == 10
        assert len(figures["by_day"]) == demo.DEFAULT_DAYS


def test_bookings_for_tomorrow_and_no_stale_notifications(month: Any) -> None:
    _config, conn = month
    tomorrow = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)).isoformat()
    ((bookings,),) = rows(conn, "SELECT count(*) FROM restaurant_reservation WHERE "
                                "substr(start_datetime, 1, 10) = ?", tomorrow)
    assert bookings == 3 * len(demo.RESTAURANTS)
    assert rows(conn, "SELECT count(*) FROM bus_bus") == [(0,)]
