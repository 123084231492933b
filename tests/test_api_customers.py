"""REST customers: list/search, writes with field errors, scoping, roles, order history,
loyalty points earned on payment, taken back on refund, adjusted by managers."""
from __future__ import annotations

import itertools
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest

from tests.pos_support import demo_till, line, order_payload, payment
from tests.test_api_envelope import ENVELOPE_KEYS, assert_error
from tests.test_api_products import get, token

CUSTOMERS = "/api/v1/customers"
CUSTOMER_KEYS = {"id", "name", "email", "phone", "mobile", "street", "city", "zip", "active",
                 "loyalty_points", "create_date"}
ORDER_KEYS = {"id", "name", "pos_reference", "status", "date_order", "amount_tax",
              "amount_total", "amount_paid", "refunded_order"}
MOVE_KEYS = {"id", "date", "points", "balance_after", "kind", "reason", "order", "author"}
SQLITE = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

_uids = itertools.count(1)


async def call(client: Any, method: str, path: str, headers: dict[str, str], status: int,
               body: Any = None) -> dict[str, Any]:
    response = await client.request(method, path, headers=headers,
                                     **({} if body is None else {"json": body}))
    result = await response.json()
    assert response.status == status, result
    assert set(result) == ENVELOPE_KEYS
    return result


async def customers_of(orm: Any, login: str) -> list[dict[str, Any]]:
    """The restaurant's own customers (demo: ten each), as the model sees them."""
    return await orm.run(lambda env: env["res.partner"].search_read(
        [("company_id", "!=", False), ("user_ids", "=", False)], ["name", "email", "phone"],
        order="id"), login=login)


async def loyalty_state(orm: Any, partner_id: int) -> tuple[int, int, int]:
    """(balance, sum of the moves, number of moves) in the database, any restaurant."""
    async def read(env: Any) -> tuple[int, int, int]:
        sudo = env.sudo()
        cards = await sudo["loyalty.card"].search_read([("partner_id", "=", partner_id)],
                                                       ["points"])
        moves = await sudo["loyalty.move"].search_read([("partner_id", "=", partner_id)],
                                                       ["points"])
        return (sum(c["points"] for c in cards), sum(m["points"] for m in moves), len(moves))
    return await orm.run(read)


# -- listing ----------------------------------------------------------------------------------

async def test_list_search_and_sort(client: Any, orm: Any) -> None:
    mine = await customers_of(orm, "waiter")
    sushi = await customers_of(orm, "sushi.waiter")
    headers = await token(client)
    body = await get(client, CUSTOMERS, headers, per_page=100)
    assert {c["id"] for c in body["data"]} == {c["id"] for c in mine}
    assert body["meta"]["pagination"]["total"] == len(mine)
    assert set(body["data"][0]) == CUSTOMER_KEYS
    assert [c["name"] for c in body["data"]] == sorted(c["name"] for c in mine)
    assert all(isinstance(c["loyalty_points"], int) for c in body["data"])   # Bistro runs one
    # shared contacts (the staff's own partners) and another restaurant's are not customers
    assert "Wendy Waiter" not in {c["name"] for c in body["data"]}
    assert not {c["id"] for c in sushi} & {c["id"] for c in body["data"]}

    body = await get(client, CUSTOMERS, headers, sort="-name", per_page=3, page=2)
    assert [c["name"] for c in body["data"]] == sorted((c["name"] for c in mine),
                                                       reverse=True)[3:6]
    target = mine[4]
    for q in (target["name"].split()[0].upper(), target["email"][:6].upper(),
              target["phone"][-5:]):
        found = (await get(client, CUSTOMERS, headers, q=q))["data"]
        assert target["id"] in {c["id"] for c in found}, q
        assert all(q.lower() in f"{c['name']} {c['email']} {c['phone']}".lower()
                   for c in found)
    assert (await get(client, CUSTOMERS, headers, q=sushi[0]["email"]))["data"] == []


@SQLITE
@pytest.mark.parametrize("params,field", [
    ({"sort": "phone"}, "sort"), ({"q": "  "}, "q"), ({"q": "x" * 101}, "q"),
    ({"per_page": "0"}, "per_page"), ({"page": "-1"}, "page"), ({"colour": "red"}, "colour"),
    ({"q": "a\x00b"}, "q"),
])
async def test_list_bad_parameters(client: Any, params: dict[str, str], field: str) -> None:
    body = await get(client, CUSTOMERS, await token(client), 422, **params)
    assert field in assert_error(body, "VALIDATION_ERROR")["field_errors"]


# -- writing ----------------------------------------------------------------------------------

async def test_create_read_update_archive(client: Any, orm: Any) -> None:
    waiter, manager = await token(client), await token(client, "manager")
    created = (await call(client, "POST", CUSTOMERS, waiter, 201, {
        "name": "  Ada Lovelace ", "email": "Ada@Example.org", "phone": "+32 (470) 12-34-56",
        "city": "Brussels"}))["data"]
    assert set(created) == CUSTOMER_KEYS
    assert created["name"] == "Ada Lovelace" and created["active"] is True
    assert created["loyalty_points"] == 0 and created["mobile"] is None
    path = f"{CUSTOMERS}/{created['id']}"
    assert (await get(client, path, waiter))["data"] == created
    company = await orm.run(lambda env: env["res.partner"].read([created["id"]], ["company_id"]),
                            login="waiter")
    bistro = await orm.run(lambda env: env["res.company"].search(
        [("name", "=", "Bistro Centrale")]), login="waiter")
    assert company[0]["company_id"][0] == bistro[0]

    # the same email, whatever its case, is a conflict; so is taking it by PATCH
    body = await call(client, "POST", CUSTOMERS, waiter, 409,
                      {"name": "Other Ada", "email": "ada@EXAMPLE.org"})
    error = assert_error(body, "CONFLICT")
    assert "email" in error["message"]
    # the model's Conflict names the field; errors.py passes field_errors on for 422 only
    assert error["field_errors"] == {"email": "already used by another customer"}
    other = (await call(client, "POST", CUSTOMERS, waiter, 201,
                        {"name": "Other", "email": "other@example.org"}))["data"]
    await call(client, "PATCH", f"{CUSTOMERS}/{other['id']}", waiter, 409,
               {"email": "ADA@example.org"})
    # another restaurant may have a customer with the same email
    await call(client, "POST", CUSTOMERS, await token(client, "sushi.waiter"), 201,
               {"name": "Ada at Sushi", "email": "ada@example.org"})

    updated = (await call(client, "PATCH", path, waiter, 200,
                          {"phone": None, "email": "ada@example.org", "zip": "1000"}))["data"]
    assert updated["phone"] is None and updated["zip"] == "1000"
    assert updated["email"] == "ada@example.org"     # its own email is no conflict

    # archiving is for managers; the orders keep their customer
    till = await demo_till(orm)
    uid = f"00077-{next(_uids):03d}-0001"
    product = till.product(0)

    async def sell(env: Any) -> int:
        (order,) = await env["pos.order"].create_from_ui([order_payload(
            uid, till.session_id, [line(product)],
            [payment(till.card, product["list_price"])], partner_id=created["id"])])
        return int(order["id"])
    order_id = await orm.run(sell, login="waiter")
    assert_error(await call(client, "DELETE", path, waiter, 403), "FORBIDDEN")
    archived = (await call(client, "DELETE", path, manager, 200))["data"]
    assert archived["active"] is False
    assert (await get(client, path, waiter))["data"]["active"] is False
    listed = (await get(client, CUSTOMERS, waiter, per_page=100))["data"]
    assert created["id"] not in {c["id"] for c in listed}
    history = (await get(client, f"{path}/orders", waiter))["data"]
    assert [o["id"] for o in history] == [order_id]
    # an archived customer's email no longer blocks a new one
    await call(client, "POST", CUSTOMERS, waiter, 201,
               {"name": "New Ada", "email": "ada@example.org"})


FIELD_ERRORS = [
    ("name missing", {"email": "a@b.example"}, "name", "required"),
    ("name empty", {"name": "   "}, "name", "required"),
    ("name null", {"name": None}, "name", "required"),
    ("name not a string", {"name": 42}, "name", "must be a string"),
    ("name too long", {"name": "x" * 129}, "name", "at most 128"),
    ("name with a bell", {"name": "a\x07b"}, "name", "control characters"),
    ("email no at", {"name": "A", "email": "nobody.example.org"}, "email", "valid email"),
    ("email no domain dot", {"name": "A", "email": "a@localhost"}, "email", "valid email"),
    ("email spaces", {"name": "A", "email": "a b@c.org"}, "email", "valid email"),
    ("email not a string", {"name": "A", "email": ["a@b.org"]}, "email", "must be a string"),
    ("email too long", {"name": "A", "email": "a" * 250 + "@b.org"}, "email", "at most 254"),
    ("phone letters", {"name": "A", "phone": "call me"}, "phone", "valid phone"),
    ("phone too short", {"name": "A", "phone": "12-34"}, "phone", "valid phone"),
    ("phone plus inside", {"name": "A", "phone": "12+345678"}, "phone", "valid phone"),
    ("phone a number", {"name": "A", "phone": 32470123456}, "phone", "must be a string"),
    ("mobile bool", {"name": "A", "mobile": True}, "mobile", "must be a string"),
    ("zip too long", {"name": "A", "zip": "1" * 17}, "zip", "at most 16"),
    ("unknown field", {"name": "A", "company_id": 1}, "company_id", "unknown field"),
]


@SQLITE
@pytest.mark.parametrize("case,body,field,message", FIELD_ERRORS,
                         ids=[case[0] for case in FIELD_ERRORS])
async def test_create_field_errors(client: Any, orm: Any, case: str, body: dict[str, Any],
                                   field: str, message: str) -> None:
    before = len(await customers_of(orm, "waiter"))
    result = await call(client, "POST", CUSTOMERS, await token(client), 422, body)
    errors = assert_error(result, "VALIDATION_ERROR")["field_errors"]
    assert message in errors[field], errors
    assert len(await customers_of(orm, "waiter")) == before


@SQLITE
async def test_update_field_errors_and_bodies(client: Any, orm: Any) -> None:
    headers = await token(client)
    customer = (await customers_of(orm, "waiter"))[0]
    path = f"{CUSTOMERS}/{customer['id']}"
    for body, field in (({}, "body"), ({"name": None}, "name"), ({"email": "x@"}, "email"),
                        ({"active": False}, "active"), ({"name": "x" * 200, "city": 3}, "city")):
        errors = assert_error(await call(client, "PATCH", path, headers, 422, body),
                              "VALIDATION_ERROR")["field_errors"]
        assert field in errors, (body, errors)
    for raw, content_type in ((b"[1, 2]", "application/json"), (b"{", "application/json"),
                              (b"", "application/json")):
        response = await client.patch(path, data=raw,
                                      headers={**headers, "Content-Type": content_type})
        assert response.status == 400
    after = (await customers_of(orm, "waiter"))[0]
    assert after == customer


# -- who may ------------------------------------------------------------------------------------

ROUTES = [("GET", CUSTOMERS), ("POST", CUSTOMERS), ("GET", f"{CUSTOMERS}/1"),
          ("PATCH", f"{CUSTOMERS}/1"), ("DELETE", f"{CUSTOMERS}/1"),
          ("GET", f"{CUSTOMERS}/1/orders"), ("GET", f"{CUSTOMERS}/1/loyalty"),
          ("POST", f"{CUSTOMERS}/1/loyalty/adjust")]


@SQLITE
@pytest.mark.parametrize("method,path", ROUTES)
async def test_token_required(client: Any, method: str, path: str) -> None:
    response = await client.request(method, path, json={"name": "x"})
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


async def test_another_restaurants_customer_is_404(client: Any, orm: Any) -> None:
    bistro = (await customers_of(orm, "waiter"))[0]
    shared = await orm.run(lambda env: env["res.partner"].search(
        [("company_id", "=", False)], limit=1), login="waiter")
    path = f"{CUSTOMERS}/{bistro['id']}"
    requests = [("GET", path, None), ("PATCH", path, {"name": "Mine now"}),
                ("DELETE", path, None), ("GET", f"{path}/orders", None),
                ("GET", f"{path}/loyalty", None),
                ("POST", f"{path}/loyalty/adjust", {"points": 5, "reason": "x"})]
    for login in ("sushi.manager", "porto.manager"):
        headers = await token(client, login)
        for method, url, body in requests:
            result = await call(client, method, url, headers, 404, body)
            assert_error(result, "NOT_FOUND")
            assert bistro["name"] not in str(result)
    # a shared contact (no restaurant) is no customer either, even for Bistro's staff
    await call(client, "GET", f"{CUSTOMERS}/{shared[0]}", await token(client), 404)
    for unknown in (f"{CUSTOMERS}/0", f"{CUSTOMERS}/2147483648", f"{CUSTOMERS}/99999999"):
        await call(client, "GET", unknown, await token(client), 404)
    assert (await customers_of(orm, "waiter"))[0] == bistro
    assert (await get(client, path, await token(client)))["data"]["active"] is True


@SQLITE
async def test_roles(client: Any, orm: Any) -> None:
    customer = (await customers_of(orm, "waiter"))[0]
    path = f"{CUSTOMERS}/{customer['id']}"
    kitchen = await token(client, "kitchen")
    for method, url, body in (("GET", CUSTOMERS, None), ("POST", CUSTOMERS, {"name": "K"}),
                              ("GET", path, None), ("GET", f"{path}/loyalty", None)):
        assert_error(await call(client, method, url, kitchen, 403, body), "FORBIDDEN")
    waiter = await token(client)
    # managers' routes refuse a waiter before looking at the body
    assert_error(await call(client, "DELETE", path, waiter, 403), "FORBIDDEN")
    assert_error(await call(client, "POST", f"{path}/loyalty/adjust", waiter, 403,
                            {"points": "lots"}), "FORBIDDEN")
    assert (await get(client, path, waiter))["data"]["active"] is True


# -- history ----------------------------------------------------------------------------------

async def test_order_history_newest_first(client: Any, orm: Any) -> None:
    headers = await token(client)

    async def best(env: Any) -> tuple[int, list[dict[str, Any]]]:
        groups = await env["pos.order"].read_group([("partner_id", "!=", False)],
                                                   ["partner_id"], ["partner_id"])
        partner = max(groups, key=lambda g: g["partner_id_count"])["partner_id"][0]
        return partner, await env["pos.order"].search_read(
            [("partner_id", "=", partner)], ["amount_total", "state"],
            order="date_order desc, id desc")
    partner_id, orders = await orm.run(best, login="waiter")
    assert len(orders) > 3
    body = await get(client, f"{CUSTOMERS}/{partner_id}/orders", headers, per_page=3)
    assert body["meta"]["pagination"]["total"] == len(orders)
    assert set(body["data"][0]) == ORDER_KEYS
    assert [o["id"] for o in body["data"]] == [o["id"] for o in orders[:3]]
    assert [(o["amount_total"], o["status"]) for o in body["data"]] == [
        (o["amount_total"], o["state"]) for o in orders[:3]]
    dates = [o["date_order"] for o in body["data"]]
    assert dates == sorted(dates, reverse=True)
    bad = await get(client, f"{CUSTOMERS}/{partner_id}/orders", headers, 422, sort="name")
    assert "sort" in assert_error(bad, "VALIDATION_ERROR")["field_errors"]


# -- loyalty ----------------------------------------------------------------------------------

def floor_points(amount: Any) -> int:
    """Bistro's demo program: 1 point per euro of the total, rounded down."""
    return int(Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_FLOOR))


async def test_points_earned_on_payment_and_taken_back_on_refund(client: Any,
                                                                 orm: Any) -> None:
    """Through create_from_ui, as a till sends it: a paid order earns, a refund of half
    of it takes back half, the second half the rest; each is a move."""
    customer = (await customers_of(orm, "waiter"))[1]
    path = f"{CUSTOMERS}/{customer['id']}/loyalty"
    headers = await token(client)
    before = (await get(client, path, headers))["data"]["balance"]
    till = await demo_till(orm)
    product = till.product(2)
    uid = f"00078-{next(_uids):03d}-0001"

    async def sell(env: Any) -> dict[str, Any]:
        (order,) = await env["pos.order"].create_from_ui([order_payload(
            uid, till.session_id, [line(product, qty=4)],
            [payment(till.card, product["list_price"] * 4)], partner_id=customer["id"])])
        (read,) = await env["pos.order"].read([order["id"]], ["amount_total", "lines", "name"])
        return read
    order = await orm.run(sell, login="waiter")
    earned = floor_points(order["amount_total"])
    assert earned > 0
    body = await get(client, path, headers)
    data = body["data"]
    assert data["balance"] == before + earned
    assert data["program"] == {"points_per_unit": 1.0, "rounding": "down"}
    newest = data["movements"][0]
    assert set(newest) == MOVE_KEYS
    assert newest["points"] == earned and newest["kind"] == "earned"
    assert newest["order"]["id"] == order["id"] and newest["balance_after"] == before + earned
    assert newest["author"]["name"] == "Wendy Waiter"
    customer_row = (await get(client, f"{CUSTOMERS}/{customer['id']}", headers))["data"]
    assert customer_row["loyalty_points"] == before + earned

    async def refund(env: Any, qty: int) -> int:
        (result,) = await env["pos.order"].create_from_ui([order_payload(
            f"00078-{next(_uids):03d}-0002", till.session_id,
            [line(product, qty=-qty, refunded_orderline_id=order["lines"][0])],
            [payment(till.cash, -product["list_price"] * qty)])])
        return int(result["id"])
    first = await orm.run(lambda env: refund(env, 2), login="waiter")
    data = (await get(client, path, headers))["data"]
    half = floor_points(Decimal(earned) / 2)
    assert data["balance"] == before + earned - half
    assert data["movements"][0]["kind"] == "refunded"
    assert data["movements"][0]["points"] == -half
    assert data["movements"][0]["order"]["id"] == first
    await orm.run(lambda env: refund(env, 2), login="waiter")
    data = (await get(client, path, headers))["data"]
    assert data["balance"] == before                 # all of it taken back, no drift
    balance, total, _count = await loyalty_state(orm, customer["id"])
    assert balance == total == before


async def test_points_earned_through_rest_pay(client: Any, orm: Any) -> None:
    customer = (await customers_of(orm, "waiter"))[2]
    headers = await token(client)
    path = f"{CUSTOMERS}/{customer['id']}/loyalty"
    before = (await get(client, path, headers))["data"]["balance"]
    till = await demo_till(orm)
    draft = (await call(client, "POST", "/api/v1/orders", headers, 201, {
        "uuid": f"loyalty-{next(_uids)}", "partner_id": customer["id"],
        "lines": [{"product_id": till.product(0)["id"], "qty": 3}]}))["data"]
    assert (await get(client, path, headers))["data"]["balance"] == before   # not paid yet
    paid = (await call(client, "POST", f"/api/v1/orders/{draft['id']}/pay", headers, 200, {
        "payments": [{"payment_method_id": till.card, "amount": draft["amount_total"]}]}))["data"]
    data = (await get(client, path, headers))["data"]
    assert data["balance"] == before + floor_points(paid["amount_total"])
    assert data["movements"][0]["order"]["id"] == draft["id"]
    # an order without a customer earns nobody anything
    moves = await loyalty_state(orm, customer["id"])
    await call(client, "POST", "/api/v1/orders", headers, 201, {
        "uuid": f"loyalty-{next(_uids)}", "pay": True,
        "lines": [{"product_id": till.product(0)["id"], "qty": 1}],
        "payments": [{"payment_method_id": till.cash, "amount": 1000}]})
    assert await loyalty_state(orm, customer["id"]) == moves


async def test_adjust_by_managers_never_below_zero(client: Any, orm: Any) -> None:
    customer = (await customers_of(orm, "waiter"))[3]
    manager = await token(client, "manager")
    path = f"{CUSTOMERS}/{customer['id']}/loyalty"
    before = (await get(client, path, manager))["data"]["balance"]
    added = (await call(client, "POST", f"{path}/adjust", manager, 201,
                        {"points": 50, "reason": "Birthday gift"}))["data"]
    assert added["balance"] == before + 50
    assert added["movement"]["kind"] == "adjusted" and added["movement"]["points"] == 50
    assert added["movement"]["reason"] == "Birthday gift"
    assert added["movement"]["author"]["name"] == "Marco Manager"
    state = await loyalty_state(orm, customer["id"])
    assert state[0] == state[1] == before + 50

    refused = await call(client, "POST", f"{path}/adjust", manager, 422,
                         {"points": -(before + 51), "reason": "Too much"})
    errors = assert_error(refused, "VALIDATION_ERROR")["field_errors"]
    assert "below zero" in errors["points"]
    assert await loyalty_state(orm, customer["id"]) == state          # nothing written

    emptied = (await call(client, "POST", f"{path}/adjust", manager, 201,
                          {"points": -(before + 50), "reason": "Redeemed"}))["data"]
    assert emptied["balance"] == 0
    listed = (await get(client, path, manager, per_page=2))["data"]["movements"]
    assert [m["points"] for m in listed] == [-(before + 50), 50]


@SQLITE
@pytest.mark.parametrize("body,field", [
    ({"reason": "no points"}, "points"), ({"points": 0, "reason": "zero"}, "points"),
    ({"points": 1.5, "reason": "half"}, "points"), ({"points": "5", "reason": "text"}, "points"),
    ({"points": True, "reason": "bool"}, "points"),
    ({"points": 2**64, "reason": "huge"}, "points"), ({"points": 5}, "reason"),
    ({"points": 5, "reason": "  "}, "reason"), ({"points": 5, "reason": "x" * 201}, "reason"),
    ({"points": 5, "reason": "ok", "note": "extra"}, "note"),
])
async def test_adjust_field_errors(client: Any, orm: Any, body: dict[str, Any],
                                   field: str) -> None:
    customer = (await customers_of(orm, "waiter"))[0]
    state = await loyalty_state(orm, customer["id"])
    result = await call(client, "POST", f"{CUSTOMERS}/{customer['id']}/loyalty/adjust",
                        await token(client, "manager"), 422, body)
    assert field in assert_error(result, "VALIDATION_ERROR")["field_errors"]
    assert await loyalty_state(orm, customer["id"]) == state


@SQLITE
async def test_loyalty_not_enabled(client: Any, orm: Any) -> None:
    customer = (await customers_of(orm, "sushi.waiter"))[0]
    path = f"{CUSTOMERS}/{customer['id']}"
    waiter = await token(client, "sushi.waiter")
    assert (await get(client, path, waiter))["data"]["loyalty_points"] is None
    assert_error(await call(client, "GET", f"{path}/loyalty", waiter, 409),
                 "LOYALTY_NOT_ENABLED")
    assert_error(await call(client, "POST", f"{path}/loyalty/adjust",
                            await token(client, "sushi.manager"), 409,
                            {"points": 5, "reason": "x"}), "LOYALTY_NOT_ENABLED")
    assert await loyalty_state(orm, customer["id"]) == (0, 0, 0)
