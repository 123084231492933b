"""REST restaurants: settings, business hours (and orders refused when closed), taxes and
payment methods; the wall between restaurants and the managers' rights."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.business_hours import OutsideBusinessHours, is_open, parse_week
from models.exceptions import ValidationError
from tests.support import assert_odoo_error, call_kw, login as web_login
from tests.test_api_envelope import assert_error
from tests.test_api_products import get, token
from tests.test_restaurant import Demo, demo, open_order  # noqa: F401

SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


async def company_of(orm: Any, key: str) -> int:
    return await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(
        f"gateway_demo.restaurant_{key}"))


async def request(client: Any, method: str, path: str, login: str | None, json: Any = None,
                  status: int = 200) -> dict[str, Any]:
    headers = await token(client, login) if login else {}
    response = await client.request(method, path, headers=headers, json=json)
    body = await response.json()
    assert response.status == status, body
    return body


# -- restaurants ------------------------------------------------------------------------------

@SQLITE
async def test_list_and_read_restaurants(client: Any, orm: Any) -> None:
    bistro, sushi = await company_of(orm, "bistro"), await company_of(orm, "sushi")
    body = await get(client, "/api/v1/restaurants", await token(client, "manager"))
    assert [r["id"] for r in body["data"]] == [bistro] and body["meta"] == {"count": 1}
    one = body["data"][0]
    assert one["name"] == "Bistro Centrale" and one["current"] is True
    assert one["currency"]["code"] == "EUR" and one["timezone"] == "Europe/Brussels"
    assert one["refuse_orders_outside_hours"] is False
    assert one["platform"]["name"] == "Grill & Roll Group"

    body = await get(client, "/api/v1/restaurants", await token(client, "owner"))
    ids = {r["id"] for r in body["data"]}
    assert {bistro, sushi} <= ids and all(r["platform"] for r in body["data"])
    assert "Pizzeria Porto" not in {r["name"] for r in body["data"]}
    assert (await get(client, f"/api/v1/restaurants/{sushi}",
                      await token(client, "owner")))["data"]["name"] == "Sushi Koi"


@SQLITE
@pytest.mark.parametrize("login", ["sushi.manager", "porto.waiter", "porto.manager"])
async def test_other_restaurants_are_404(client: Any, orm: Any, login: str) -> None:
    bistro = await company_of(orm, "bistro")
    platform = await orm.run(lambda env: env["ir.model.data"]._xmlid_to_res_id(
        "gateway_demo.platform"))
    headers = await token(client, login)
    for path in (f"/api/v1/restaurants/{bistro}", f"/api/v1/restaurants/{bistro}/hours",
                 f"/api/v1/restaurants/{bistro}/taxes",
                 f"/api/v1/restaurants/{bistro}/payment-methods",
                 f"/api/v1/restaurants/{platform}", "/api/v1/restaurants/99999999999999"):
        response = await client.get(path, headers=headers)
        assert response.status == 404, path
        text = await response.text()
        assert "Bistro" not in text
        assert_error(await response.json(), "NOT_FOUND")
    if login.endswith("manager"):
        for method, path, json in (
                ("PATCH", f"/api/v1/restaurants/{bistro}", {"name": "Taken"}),
                ("PUT", f"/api/v1/restaurants/{bistro}/hours", {"hours": {}}),
                ("POST", f"/api/v1/restaurants/{bistro}/taxes", {"name": "X", "amount": 1}),
                ("POST", f"/api/v1/restaurants/{bistro}/payment-methods", {"name": "X"})):
            response = await client.request(method, path, headers=headers, json=json)
            assert response.status == 404, path
    name = await orm.run(lambda env: env["res.company"].read([bistro], ["name"]))
    assert name[0]["name"] == "Bistro Centrale"


@SQLITE
@pytest.mark.parametrize("method, path, json", [
    ("PATCH", "/api/v1/restaurants/{id}", {"name": "Nope"}),
    ("PUT", "/api/v1/restaurants/{id}/hours", {"hours": {}}),
    ("POST", "/api/v1/restaurants/{id}/taxes", {"name": "Nope", "amount": 1}),
    ("PATCH", "/api/v1/restaurants/{id}/taxes/1", {"name": "Nope"}),
    ("POST", "/api/v1/restaurants/{id}/payment-methods", {"name": "Nope"}),
    ("PATCH", "/api/v1/restaurants/{id}/payment-methods/1", {"name": "Nope"}),
])
async def test_writes_are_for_managers(client: Any, orm: Any, method: str, path: str,
                                       json: Any) -> None:
    path = path.format(id=await company_of(orm, "bistro"))
    for login in ("waiter", "kitchen"):
        body = await request(client, method, path, login, json, status=403)
        assert_error(body, "FORBIDDEN")
    response = await client.request(method, path, json=json)
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


@SQLITE
@pytest.mark.parametrize("path", ["/api/v1/restaurants", "/api/v1/restaurants/1",
                                  "/api/v1/restaurants/1/hours", "/api/v1/restaurants/1/taxes",
                                  "/api/v1/restaurants/1/payment-methods"])
async def test_reading_needs_a_token(client: Any, path: str) -> None:
    response = await client.get(path)
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


async def test_manager_updates_settings(client: Any, orm: Any) -> None:
    bistro = await company_of(orm, "bistro")
    country = await orm.run(lambda env: env["res.country"].search([("code", "=", "IT")]))
    body = await request(client, "PATCH", f"/api/v1/restaurants/{bistro}", "manager", {
        "phone": " +39 02 1234 ", "email": "bistro@example.com", "street": "Via Roma 1",
        "city": "Milano", "zip": "20100", "country_id": country[0],
        "timezone": "Europe/Rome", "forbid_negative_stock": True,
        "reservation_lead_minutes": 30, "website": None})
    data = body["data"]
    assert data["phone"] == "+39 02 1234" and data["timezone"] == "Europe/Rome"
    assert data["country"]["code"] == "IT" and data["forbid_negative_stock"] is True
    assert data["reservation_lead_minutes"] == 30 and data["website"] is None
    stored = await orm.run(lambda env: env["res.company"].read(
        [bistro], ["tz", "forbid_negative_stock", "city"]))
    assert stored[0]["tz"] == "Europe/Rome" and stored[0]["city"] == "Milano"
    # the owner manages a restaurant of the platform without switching
    sushi = await company_of(orm, "sushi")
    body = await request(client, "PATCH", f"/api/v1/restaurants/{sushi}", "owner",
                         {"name": "Sushi Koi Duomo"})
    assert body["data"]["name"] == "Sushi Koi Duomo" and body["data"]["current"] is False


@SQLITE
@pytest.mark.parametrize("body, field", [
    ({}, "body"), ({"name": ""}, "name"), ({"name": None}, "name"), ({"name": 3}, "name"),
    ({"email": "not-an-email"}, "email"), ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": "europe/rome "}, "timezone"), ({"timezone": 1}, "timezone"),
    ({"currency_id": 1}, "currency_id"), ({"currency": "USD"}, "currency"),
    ({"forbid_negative_stock": "yes"}, "forbid_negative_stock"),
    ({"reservation_lead_minutes": -1}, "reservation_lead_minutes"),
    ({"reservation_lead_minutes": 1.5}, "reservation_lead_minutes"),
    ({"country_id": 999999}, "country_id"), ({"country_id": "IT"}, "country_id"),
    ({"refuse_orders_outside_hours": True}, "refuse_orders_outside_hours"),
    ({"phone": "x" * 300}, "phone"), ({"city": "a\u0000b"}, "city"),
    ({"commission_rate": 0}, "commission_rate"),
])
async def test_settings_validation(client: Any, orm: Any, body: dict[str, Any],
                                   field: str) -> None:
    bistro = await company_of(orm, "bistro")
    answer = await request(client, "PATCH", f"/api/v1/restaurants/{bistro}", "manager", body,
                           status=422)
    assert set(assert_error(answer, "VALIDATION_ERROR")["field_errors"]) == {field}


async def test_timezone_is_checked_by_the_model_too(orm: Any) -> None:
    bistro = await company_of(orm, "bistro")
    with pytest.raises(ValidationError, match="Unknown time zone"):
        await orm.run(lambda env: env["res.company"].write([bistro], {"tz": "Nowhere/Land"}),
                      login="manager")


# -- business hours ---------------------------------------------------------------------------

WEEK = {"monday": [{"open": "11:30", "close": "15:00"}, {"open": "18:00", "close": "23:00"}],
        "friday": [{"open": "18:00", "close": "02:00"}],
        "saturday": [{"open": "18:00", "close": "24:00"}],
        "sunday": [{"open": "22:00", "close": "01:00"}]}


async def test_business_hours_round_trip(client: Any, orm: Any) -> None:
    bistro = await company_of(orm, "bistro")
    path = f"/api/v1/restaurants/{bistro}/hours"
    empty = (await get(client, path, await token(client, "waiter")))["data"]
    assert empty == {"timezone": "Europe/Brussels", "refuse_orders_outside_hours": False,
                     "hours": {day: [] for day in ("monday", "tuesday", "wednesday",
                                                   "thursday", "friday", "saturday", "sunday")}}
    body = await request(client, "PUT", path, "manager",
                         {"hours": WEEK, "refuse_orders_outside_hours": True})
    assert body["data"]["refuse_orders_outside_hours"] is True
    assert body["data"]["hours"]["monday"] == WEEK["monday"]
    assert body["data"]["hours"]["friday"] == WEEK["friday"]
    assert body["data"]["hours"]["tuesday"] == []
    again = (await get(client, path, await token(client, "waiter")))["data"]
    assert again == body["data"]
    # the flag is kept when left out; a new week replaces the old one
    body = await request(client, "PUT", path, "manager",
                         {"hours": {"tuesday": [{"open": "00:00", "close": "24:00"}]}})
    assert body["data"]["refuse_orders_outside_hours"] is True
    assert body["data"]["hours"]["monday"] == [] and len(body["data"]["hours"]["tuesday"]) == 1
    stored = await orm.run(lambda env: env["res.company"].read([bistro], ["business_hours"]))
    assert stored[0]["business_hours"] == "[[1,0,1440]]"


async def test_hours_and_refusal_are_not_written_around_the_rules(orm: Any) -> None:
    """Clients write the week through set_business_hours only: the fields are read-only."""
    bistro = await company_of(orm, "bistro")
    for vals in ({"refuse_orders_outside_hours": True}, {"business_hours": "[[0,0,10]]"}):
        with pytest.raises(Exception, match="read-only|readonly|not allowed"):
            await orm.run(lambda env: env["res.company"].write([bistro], vals), login="manager")
    with pytest.raises(ValidationError) as caught:
        await orm.run(lambda env: env["res.company"].set_business_hours(
            [bistro], {}, True), login="manager")
    assert set(caught.value.field_errors) == {"refuse_orders_outside_hours"}


@SQLITE
@pytest.mark.parametrize("body, field", [
    ({}, "hours"),
    ({"hours": []}, "hours"),
    ({"hours": {"funday": []}}, "hours.funday"),
    ({"hours": {"monday": {}}}, "hours.monday"),
    ({"hours": {"monday": ["11:00-12:00"]}}, "hours.monday[0]"),
    ({"hours": {"monday": [{"open": "11:00"}]}}, "hours.monday[0].close"),
    ({"hours": {"monday": [{"open": "7:00", "close": "12:00"}]}}, "hours.monday[0].open"),
    ({"hours": {"monday": [{"open": "24:00", "close": "12:00"}]}}, "hours.monday[0].open"),
    ({"hours": {"monday": [{"open": "11:00", "close": "24:30"}]}}, "hours.monday[0].close"),
    ({"hours": {"monday": [{"open": "11:00", "close": "11:00"}]}}, "hours.monday[0].close"),
    ({"hours": {"monday": [{"open": "11:00", "close": "12:00", "x": 1}]}},
     "hours.monday[0].x"),
    ({"hours": {"monday": [{"open": "11:00", "close": "15:00"},
                           {"open": "14:00", "close": "18:00"}]}}, "hours.monday[1].open"),
    ({"hours": {"monday": [{"open": "01:00", "close": "03:00"}],
                "sunday": [{"open": "22:00", "close": "02:00"}]}}, "hours.sunday[0].open"),
    ({"hours": {"friday": [{"open": "20:00", "close": "04:00"}],
                "saturday": [{"open": "03:00", "close": "10:00"}]}}, "hours.saturday[0].open"),
    ({"hours": {}, "refuse_orders_outside_hours": True}, "refuse_orders_outside_hours"),
    ({"hours": {}, "refuse_orders_outside_hours": "yes"}, "refuse_orders_outside_hours"),
    ({"hours": {}, "timezone": "UTC"}, "timezone"),
])
async def test_business_hours_validation(client: Any, orm: Any, body: dict[str, Any],
                                         field: str) -> None:
    bistro = await company_of(orm, "bistro")
    answer = await request(client, "PUT", f"/api/v1/restaurants/{bistro}/hours", "manager",
                           body, status=422)
    assert set(assert_error(answer, "VALIDATION_ERROR")["field_errors"]) == {field}


@pytest.mark.parametrize("moment, expected", [
    ("2026-11-20 17:59", False),     # Friday, before the evening
    ("2026-11-20 18:00", True),
    ("2026-11-21 01:59", True),      # Saturday night, still Friday's interval
    ("2026-11-21 02:00", False),
    ("2026-11-21 23:59", True),      # Saturday 18:00-24:00
    ("2026-11-22 00:30", False),
    ("2026-11-23 00:30", True),      # Monday morning: Sunday's 22:00-01:00
    ("2026-11-23 01:00", False),
    ("2026-11-23 15:00", False),     # between Monday's lunch and dinner
    ("2026-11-23 11:30", True),
])
def test_open_at(moment: str, expected: bool) -> None:
    assert is_open(parse_week(WEEK), dt.datetime.strptime(moment, "%Y-%m-%d %H:%M")) is expected


def _zone_where_it_is(hour: int) -> str:
    """A fixed-offset zone whose local hour is ``hour`` now (Etc/GMT signs are inverted)."""
    now = dt.datetime.now(dt.timezone.utc)
    for offset in range(-12, 15):
        if (now.hour + offset) % 24 == hour:
            return f"Etc/GMT{-offset:+d}" if offset else "UTC"
    raise AssertionError("no zone")   # pragma: no cover


def _weekday(days_from_today: int, zone: str) -> str:
    import zoneinfo
    local = dt.datetime.now(zoneinfo.ZoneInfo(zone)) + dt.timedelta(days=days_from_today)
    return local.strftime("%A").lower()


def _rest_order(product: int) -> dict[str, Any]:
    import uuid
    return {"uuid": f"hours-{uuid.uuid4().hex}", "lines": [{"product_id": product, "qty": 1}]}


async def test_orders_refused_outside_business_hours(client: Any, orm: Any,
                                                     demo: Demo) -> None:  # noqa: F811
    bistro = demo.a.company
    path = f"/api/v1/restaurants/{bistro}/hours"
    product = demo.a.products[0].id
    # local time is 01:xx: Yesterday's 20:00-03:00 is open (an overnight interval), whereas
    # yesterday's 20:00-01:00 and today's 03:00-12:00 leave it closed (an hour's margin
    # either way, so the test does not depend on the minute it runs)
    zone = _zone_where_it_is(1)
    await request(client, "PATCH", f"/api/v1/restaurants/{bistro}", "manager",
                  {"timezone": zone})
    yesterday, today = _weekday(-1, zone), _weekday(0, zone)
    closed = {yesterday: [{"open": "20:00", "close": "01:00"}],
              today: [{"open": "03:00", "close": "12:00"}]}
    await request(client, "PUT", path, "manager",
                  {"hours": closed, "refuse_orders_outside_hours": True})
    before = await orm.run(lambda env: env["pos.order"].search_count([]), login="manager")

    body = await request(client, "POST", "/api/v1/orders", "waiter", _rest_order(product),
                         status=409)
    error = assert_error(body, "OUTSIDE_BUSINESS_HOURS")
    assert "Bistro Centrale is closed now" in error["message"]
    with pytest.raises(OutsideBusinessHours):
        await open_order(orm, demo.a, demo.a.free_tables[0], [(demo.a.products[0], 1)])
    # a till on the Odoo front gets Odoo's UserError, with the message
    await web_login(client, "waiter")
    till_order = {"id": "hours-till-1", "data": {
        "uid": "hours-till-1", "name": "Order hours-till-1", "pos_session_id": demo.a.session,
        "creation_date": "2020-01-01 12:00:00", "statement_ids": [], "lines": [
            [0, 0, {"product_id": product, "qty": 1, "price_unit": 1, "discount": 0}]]}}
    answer = await call_kw(client, "pos.order", "create_from_ui", [[till_order]])
    assert_odoo_error(answer, "odoo.exceptions.UserError", message="is closed now")
    assert await orm.run(lambda env: env["pos.order"].search_count([]),
                         login="manager") == before

    # the flag off: taken at any hour
    await request(client, "PUT", path, "manager",
                  {"hours": closed, "refuse_orders_outside_hours": False})
    await request(client, "POST", "/api/v1/orders", "waiter", _rest_order(product), status=201)

    # inside the hours (yesterday's overnight interval): taken on both fronts
    await request(client, "PUT", path, "manager", {
        "hours": {yesterday: [{"open": "20:00", "close": "03:00"}]},
        "refuse_orders_outside_hours": True})
    created = await request(client, "POST", "/api/v1/orders", "waiter", _rest_order(product),
                            status=201)
    assert await open_order(orm, demo.a, demo.a.free_tables[0], [(demo.a.products[0], 1)])

    # closed again: an order already recorded is answered as it is, a new one refused
    await request(client, "PUT", path, "manager", {"hours": closed})
    resend = {"uuid": created["data"]["uuid"], "lines": [{"product_id": product, "qty": 1}]}
    await request(client, "POST", "/api/v1/orders", "waiter", resend, status=200)
    await request(client, "POST", "/api/v1/orders", "waiter", _rest_order(product), status=409)
    # another restaurant is not concerned
    sushi = {"uuid": "hours-sushi-1", "lines": [{"product_id": demo.b.products[0].id,
                                                 "qty": 1}]}
    await request(client, "POST", "/api/v1/orders", "sushi.waiter", sushi, status=201)


# -- taxes ------------------------------------------------------------------------------------

async def test_taxes_list_create_update(client: Any, orm: Any) -> None:
    bistro, sushi = await company_of(orm, "bistro"), await company_of(orm, "sushi")
    path = f"/api/v1/restaurants/{bistro}/taxes"
    listed = (await get(client, path, await token(client, "waiter")))["data"]
    expected = await orm.run(lambda env: env["account.tax"].search([]), login="waiter")
    assert {t["id"] for t in listed} == set(expected) and listed[0]["amount_type"]

    body = await request(client, "POST", path, "manager", {
        "name": "VAT 5%", "amount": 5, "amount_type": "percent", "price_include": True,
        "description": "5%"}, status=201)
    tax = body["data"]
    assert tax["name"] == "VAT 5%" and tax["amount"] == 5 and tax["price_include"] is True
    assert tax["active"] is True and tax["type_tax_use"] == "sale"
    company = await orm.run(lambda env: env["account.tax"].read([tax["id"]], ["company_id"]))
    assert company[0]["company_id"][0] == bistro

    body = await request(client, "PATCH", f"{path}/{tax['id']}", "manager",
                         {"amount": 5.5, "active": False})
    assert body["data"]["amount"] == 5.5 and body["data"]["active"] is False
    active = (await get(client, path, await token(client, "manager"), active="true"))["data"]
    assert tax["id"] not in {t["id"] for t in active}
    archived = (await get(client, path, await token(client, "manager"), active="false"))["data"]
    assert [t["id"] for t in archived] == [tax["id"]]

    # a tax of another restaurant, through this restaurant's path or the other's: 404
    sushi_tax = await orm.run(lambda env: env["account.tax"].search([], limit=1),
                              login="sushi.manager")
    for url in (f"{path}/{sushi_tax[0]}", f"/api/v1/restaurants/{sushi}/taxes/{sushi_tax[0]}"):
        answer = await request(client, "PATCH", url, "manager", {"name": "Mine"}, status=404)
        assert_error(answer, "NOT_FOUND")
    # the owner creates one for Sushi Koi: it is Sushi Koi's
    body = await request(client, "POST", f"/api/v1/restaurants/{sushi}/taxes", "owner",
                         {"name": "Sushi tax", "amount": 1.5, "amount_type": "fixed"},
                         status=201)
    company = await orm.run(lambda env: env["account.tax"].read([body["data"]["id"]],
                                                                ["company_id"]))
    assert company[0]["company_id"][0] == sushi


@SQLITE
@pytest.mark.parametrize("body, field", [
    ({"amount": 5}, "name"), ({"name": "", "amount": 5}, "name"),
    ({"name": "X"}, "amount"), ({"name": "X", "amount": "5"}, "amount"),
    ({"name": "X", "amount": True}, "amount"), ({"name": "X", "amount": 1e12}, "amount"),
    ({"name": "X", "amount": 150}, "amount"),
    ({"name": "X", "amount": 100, "amount_type": "division"}, "amount"),
    ({"name": "X", "amount": 5, "amount_type": "group"}, "amount_type"),
    ({"name": "X", "amount": 5, "price_include": "yes"}, "price_include"),
    ({"name": "X", "amount": 5, "type_tax_use": "both"}, "type_tax_use"),
    ({"name": "X", "amount": 5, "sequence": -1}, "sequence"),
    ({"name": "X", "amount": 5, "company_id": 1}, "company_id"),
    ({"name": "X", "amount": 5, "children": []}, "children"),
])
async def test_tax_validation(client: Any, orm: Any, body: dict[str, Any], field: str) -> None:
    bistro = await company_of(orm, "bistro")
    path = f"/api/v1/restaurants/{bistro}/taxes"
    before = await orm.run(lambda env: env["account.tax"].search_count([]), login="manager")
    answer = await request(client, "POST", path, "manager", body, status=422)
    assert set(assert_error(answer, "VALIDATION_ERROR")["field_errors"]) == {field}
    assert await orm.run(lambda env: env["account.tax"].search_count([]),
                         login="manager") == before


@SQLITE
@pytest.mark.parametrize("body, field", [
    ({}, "body"), ({"name": None}, "name"), ({"amount_type": "division", "amount": 100},
                                             "amount"), ({"id": 3}, "id"),
])
async def test_tax_update_validation(client: Any, orm: Any, body: dict[str, Any],
                                     field: str) -> None:
    bistro = await company_of(orm, "bistro")
    tax = await orm.run(lambda env: env["account.tax"].search([], limit=1), login="manager")
    answer = await request(client, "PATCH", f"/api/v1/restaurants/{bistro}/taxes/{tax[0]}",
                           "manager", body, status=422)
    assert set(assert_error(answer, "VALIDATION_ERROR")["field_errors"]) == {field}


# -- payment methods --------------------------------------------------------------------------

async def test_payment_methods_list_create_update(client: Any, orm: Any) -> None:
    bistro, sushi = await company_of(orm, "bistro"), await company_of(orm, "sushi")
    path = f"/api/v1/restaurants/{bistro}/payment-methods"
    listed = (await get(client, path, await token(client, "waiter")))["data"]
    assert {m["name"] for m in listed} >= {"Cash", "Card"}
    cash = next(m for m in listed if m["name"] == "Cash")
    assert cash["type"] == "cash" and cash["is_cash_count"] is True and cash["pos_config_ids"]
    configs = await orm.run(lambda env: env["pos.config"].search([]), login="manager")

    body = await request(client, "POST", path, "manager", {"name": "Meal vouchers"},
                         status=201)
    method = body["data"]
    assert method["type"] == "bank" and method["is_cash_count"] is False
    assert method["pos_config_ids"] == sorted(configs) and method["active"] is True

    body = await request(client, "PATCH", f"{path}/{method['id']}", "manager",
                         {"is_cash_count": True, "name": "Tips jar"})
    assert body["data"]["type"] == "cash" and body["data"]["is_cash_count"] is True
    body = await request(client, "PATCH", f"{path}/{method['id']}", "manager",
                         {"type": "pay_later", "active": False, "pos_config_ids": []})
    assert body["data"]["is_cash_count"] is False and body["data"]["active"] is False
    assert body["data"]["pos_config_ids"] == []
    active = (await get(client, path, await token(client, "manager"), active="true"))["data"]
    assert method["id"] not in {m["id"] for m in active}

    sushi_method = await orm.run(lambda env: env["pos.payment.method"].search([], limit=1),
                                 login="sushi.manager")
    answer = await request(client, "PATCH", f"{path}/{sushi_method[0]}", "manager",
                           {"name": "Mine"}, status=404)
    assert_error(answer, "NOT_FOUND")
    answer = await request(client, "PATCH",
                           f"/api/v1/restaurants/{sushi}/payment-methods/{sushi_method[0]}",
                           "manager", {"name": "Mine"}, status=404)


@SQLITE
@pytest.mark.parametrize("body, field", [
    ({}, "name"), ({"name": "  "}, "name"), ({"name": "X", "type": "crypto"}, "type"),
    ({"name": "X", "type": "cash", "is_cash_count": False}, "is_cash_count"),
    ({"name": "X", "type": "bank", "is_cash_count": True}, "is_cash_count"),
    ({"name": "X", "active": "no"}, "active"), ({"name": "X", "sequence": "1"}, "sequence"),
    ({"name": "X", "pos_config_ids": "all"}, "pos_config_ids"),
    ({"name": "X", "pos_config_ids": [999999]}, "pos_config_ids"),
    ({"name": "X", "pos_config_ids": ["SUSHI_CONFIG"]}, "pos_config_ids"),
    ({"name": "X", "journal_id": 1}, "journal_id"),
])
async def test_payment_method_validation(client: Any, orm: Any, body: dict[str, Any],
                                         field: str) -> None:
    bistro = await company_of(orm, "bistro")
    sushi_config = await orm.run(lambda env: env["pos.config"].search([], limit=1),
                                 login="sushi.manager")
    if body.get("pos_config_ids") == ["SUSHI_CONFIG"]:
        body = {**body, "pos_config_ids": sushi_config}
    answer = await request(client, "POST", f"/api/v1/restaurants/{bistro}/payment-methods",
                           "manager", body, status=422)
    assert set(assert_error(answer, "VALIDATION_ERROR")["field_errors"]) == {field}
