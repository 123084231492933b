"""REST orders: the mobile format onto create_from_ui, payments, states, lines, scoping."""
from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from tests.pos_support import Till, demo_till
from tests.test_api_envelope import ENVELOPE_KEYS, assert_error
from tests.test_api_products import get, token

ORDERS = "/api/v1/orders"
SUMMARY_KEYS = {"id", "name", "uuid", "pos_reference", "status", "kitchen_status", "date_order",
                "table", "employee", "partner", "amount_tax", "amount_total", "amount_paid",
                "amount_return"}
DETAIL_KEYS = SUMMARY_KEYS | {"lines", "payments"}
LINE_KEYS = {"id", "product", "qty", "price_unit", "discount", "subtotal", "subtotal_incl",
             "kitchen_status", "note"}
PAYMENT_KEYS = {"id", "method", "amount", "date", "is_change"}

_uuids = itertools.count(1)


def new_uuid() -> str:
    return f"mobile-{next(_uuids):05d}"


async def post(client: Any, path: str, headers: dict[str, str], body: Any,
               status: int) -> dict[str, Any]:
    response = await client.post(path, headers=headers, json=body)
    result = await response.json()
    assert response.status == status, result
    assert set(result) == ENVELOPE_KEYS
    return result


async def create(client: Any, headers: dict[str, str], till: Till, *, pay: bool = False,
                 status: int = 201, **extra: Any) -> dict[str, Any]:
    body = {"uuid": new_uuid(), "lines": [{"product_id": till.product(0)["id"], "qty": 2},
                                          {"product_id": till.product(1)["id"], "qty": 1}],
            "pay": pay, **extra}
    return (await post(client, ORDERS, headers, body, status))["data"]


async def model_order(orm: Any, order_id: int) -> dict[str, Any]:
    async def read(env: Any) -> dict[str, Any]:
        (order,) = await env["pos.order"].read([order_id], [
            "state", "amount_total", "amount_tax", "amount_paid", "amount_return", "lines",
            "uuid"])
        return order
    return await orm.run(read, login="waiter")


async def listing(client: Any, headers: dict[str, str], params: dict[str, Any],
                  status: int = 200) -> dict[str, Any]:
    """``GET /api/v1/orders`` (``get`` of the products tests takes ``status`` for itself)."""
    response = await client.get(ORDERS, headers=headers, params=params)
    body = await response.json()
    assert response.status == status, body
    assert set(body) == ENVELOPE_KEYS
    return body


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# -- creating -----------------------------------------------------------------------------------

async def test_create_then_resend_is_the_same_order(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    body = {"uuid": new_uuid(), "table_id": till.tables[0], "guests": 3, "note": "window",
            "lines": [{"product_id": till.product(0)["id"], "qty": 2, "note": "no salt"},
                      {"product_id": till.product(1)["id"], "qty": 1}]}
    created = await post(client, ORDERS, headers, body, 201)
    order = created["data"]
    assert set(order) == DETAIL_KEYS and order["status"] == "draft"
    assert order["uuid"] == body["uuid"] and order["table"]["id"] == till.tables[0]
    assert order["employee"]["name"] and len(order["lines"]) == 2
    assert set(order["lines"][0]) == LINE_KEYS
    assert order["lines"][0]["note"] == "no salt"
    assert order["lines"][0]["price_unit"] == till.product(0)["list_price"]
    # totals are the model's
    model = await model_order(orm, order["id"])
    for key in ("amount_total", "amount_tax", "amount_paid"):
        assert order[key] == model[key]
    expected = sum(Decimal(str(till.product(i)["list_price"])) * q for i, q in ((0, 2), (1, 1)))
    assert cents(order["amount_total"]) == cents(expected)      # prices include tax
    assert order == (await get(client, f"{ORDERS}/{order['id']}", headers))["data"]

    again = await post(client, ORDERS, headers, dict(body, lines=[
        {"product_id": till.product(2)["id"], "qty": 9}]), 200)
    assert again["data"] == order                                # nothing changed
    count = await orm.run(lambda env: env["pos.order"].search_count(
        [("uuid", "=", body["uuid"])]), login="waiter")
    assert count == 1


async def test_create_paid_with_payments(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    draft = await create(client, headers, till)
    total = draft["amount_total"]
    order = await create(client, headers, till, pay=True,
                         payments=[{"payment_method_id": till.cash, "amount": total + 5}])
    assert order["status"] == "paid" and order["name"] != "/"
    assert cents(order["amount_return"]) == Decimal("5.00")
    assert [p["is_change"] for p in order["payments"]] == [False, True]
    assert set(order["payments"][0]) == PAYMENT_KEYS
    assert order["payments"][0]["method"]["id"] == till.cash


async def _sushi_product(orm: Any) -> int:
    till = await demo_till(orm, "sushi.waiter")
    return int(till.product(0)["id"])


@pytest.mark.parametrize("case, body, fields", [
    ("empty", {}, {"uuid", "lines"}),
    ("lines not a list", {"uuid": "u", "lines": "abc"}, {"lines"}),
    ("empty lines", {"uuid": "u", "lines": []}, {"lines"}),
    ("line not an object", {"uuid": "u", "lines": [3]}, {"lines[0]"}),
    ("qty not a number", {"uuid": "u", "lines": [{"product_id": "P", "qty": "two"}]},
     {"lines[0].qty"}),
    ("product missing", {"uuid": "u", "lines": [{"product_id": "P"}, {"qty": 1}]},
     {"lines[1].product_id"}),
    ("product not an id", {"uuid": "u", "lines": [{"product_id": "x"}]},
     {"lines[0].product_id"}),
    ("bool as number", {"uuid": "u", "lines": [{"product_id": "P", "discount": True}]},
     {"lines[0].discount"}),
    ("uuid not a string", {"uuid": 5, "lines": [{"product_id": "P"}]}, {"uuid"}),
    ("pay not a boolean", {"uuid": "u", "pay": "yes", "lines": [{"product_id": "P"}]}, {"pay"}),
    ("guests negative", {"uuid": "u", "guests": -1, "lines": [{"product_id": "P"}]},
     {"guests"}),
    ("table not an id", {"uuid": "u", "table_id": "T1", "lines": [{"product_id": "P"}]},
     {"table_id"}),
    ("unknown field", {"uuid": "u", "colour": 1, "lines": [{"product_id": "P", "size": 2}]},
     {"colour", "lines[0].size"}),
    ("payments not a list", {"uuid": "u", "payments": {}, "lines": [{"product_id": "P"}]},
     {"payments"}),
    ("payment amount", {"uuid": "u", "payments": [{"payment_method_id": "CASH", "amount": "1"}],
                        "lines": [{"product_id": "P"}]}, {"payments[0].amount"}),
    # the model's rules, named in the mobile format
    ("zero quantity", {"uuid": "u", "lines": [{"product_id": "P"}, {"product_id": "P", "qty": 0}]},
     {"lines[1].qty"}),
    ("another restaurant's product", {"uuid": "u", "lines": [{"product_id": "SUSHI"}]},
     {"lines[0].product_id"}),
    ("discount over 100", {"uuid": "u", "lines": [{"product_id": "P", "discount": 150}]},
     {"lines[0].discount"}),
    ("unknown table", {"uuid": "u", "table_id": 999999, "lines": [{"product_id": "P"}]},
     {"table_id"}),
    ("another restaurant's session", {"uuid": "u", "session_id": "SUSHI_SESSION",
                                      "lines": [{"product_id": "P"}]}, {"session_id"}),
    ("unknown session", {"uuid": "u", "session_id": 999999, "lines": [{"product_id": "P"}]},
     {"session_id"}),
    ("paid without payment", {"uuid": "u", "pay": True, "lines": [{"product_id": "P"}]},
     {"payments"}),
])
async def test_create_validation(client: Any, orm: Any, case: str, body: dict[str, Any],
                                 fields: set[str]) -> None:
    till = await demo_till(orm)
    sushi = await _sushi_product(orm)

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return {"P": till.product(0)["id"], "SUSHI": sushi, "CASH": till.cash,
                "SUSHI_SESSION": till.other_session_id,
                "u": f"invalid-{case}"}.get(value, value) if isinstance(value, str) else value

    response = await client.post(ORDERS, headers=await token(client), json=fill(body))
    result = await response.json()
    assert response.status == 422, result
    error = assert_error(result, "VALIDATION_ERROR")
    assert set(error["field_errors"]) == fields, error
    count = await orm.run(lambda env: env["pos.order"].search_count(
        [("uuid", "=", f"invalid-{case}")]), login="waiter")
    assert count == 0


async def test_no_open_session_is_a_field_error(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await orm.run(lambda env: env.sudo()["pos.session"].write(
        [till.session_id], {"state": "closed"}))
    response = await client.post(ORDERS, headers=await token(client), json={
        "uuid": new_uuid(), "lines": [{"product_id": till.product(0)["id"]}]})
    result = await response.json()
    assert response.status == 422, result
    assert set(assert_error(result, "VALIDATION_ERROR")["field_errors"]) == {"session_id"}


# -- authentication and scoping -----------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", ORDERS), ("POST", ORDERS), ("GET", f"{ORDERS}/1"), ("POST", f"{ORDERS}/1/pay"),
    ("POST", f"{ORDERS}/1/status"), ("POST", f"{ORDERS}/1/lines"),
    ("DELETE", f"{ORDERS}/1/lines/1"),
])
async def test_token_required(client: Any, method: str, path: str) -> None:
    response = await client.request(method, path, json={})
    assert response.status == 401
    assert_error(await response.json(), "AUTHENTICATION_FAILED")


async def test_another_restaurants_order_is_404(client: Any, orm: Any) -> None:
    sushi_till = await demo_till(orm, "sushi.waiter")
    sushi = await create(client, await token(client, "sushi.waiter"), sushi_till)
    line_id = sushi["lines"][0]["id"]
    headers = await token(client)
    for method, path, body in [
            ("GET", f"{ORDERS}/{sushi['id']}", None),
            ("POST", f"{ORDERS}/{sushi['id']}/pay",
             {"payments": [{"payment_method_id": sushi_till.cash, "amount": 100}]}),
            ("POST", f"{ORDERS}/{sushi['id']}/status", {"status": "cancel"}),
            ("POST", f"{ORDERS}/{sushi['id']}/lines", {"product_id": sushi_till.product(0)["id"]}),
            ("DELETE", f"{ORDERS}/{sushi['id']}/lines/{line_id}", None)]:
        response = await client.request(method, path, headers=headers, json=body)
        text = await response.text()
        assert response.status == 404, (path, text)
        assert sushi["name"] not in text and sushi["uuid"] not in text
    listing = await client.get(ORDERS, headers=headers, params={"per_page": 100})
    assert sushi["uuid"] not in await listing.text()
    state = await orm.run(lambda env: env["pos.order"].read([sushi["id"]], ["state", "lines"]),
                          login="sushi.waiter")
    assert state[0]["state"] == "draft" and len(state[0]["lines"]) == 2


@pytest.mark.parametrize("path", [f"{ORDERS}/999999", f"{ORDERS}/abc", f"{ORDERS}/0"])
async def test_unknown_order_is_404(client: Any, path: str) -> None:
    response = await client.get(path, headers=await token(client))
    assert response.status == 404
    assert_error(await response.json(), "NOT_FOUND")


# -- paying and states --------------------------------------------------------------------------

async def test_pay_split_with_change_then_twice_is_409(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    order = await create(client, headers, till)
    total = Decimal(str(order["amount_total"]))
    card = (total / 2).quantize(Decimal("0.01"))
    cash = total - card + Decimal("10")
    paid = (await post(client, f"{ORDERS}/{order['id']}/pay", headers, {"payments": [
        {"payment_method_id": till.card, "amount": float(card)},
        {"payment_method_id": till.cash, "amount": float(cash)}]}, 200))["data"]
    assert paid["status"] == "paid"
    assert cents(paid["amount_return"]) == Decimal("10.00")
    assert [(p["method"]["id"], p["is_change"]) for p in paid["payments"]] == [
        (till.card, False), (till.cash, False), (till.cash, True)]
    model = await model_order(orm, order["id"])
    assert model["state"] == "paid" and paid["amount_paid"] == model["amount_paid"]

    again = await post(client, f"{ORDERS}/{order['id']}/pay", headers, {"payments": [
        {"payment_method_id": till.cash, "amount": 1}]}, 409)
    assert_error(again, "INVALID_STATE_TRANSITION")
    cancel = await post(client, f"{ORDERS}/{order['id']}/status", headers,
                        {"status": "cancel"}, 409)
    assert_error(cancel, "INVALID_STATE_TRANSITION")
    assert (await model_order(orm, order["id"]))["state"] == "paid"


async def test_pay_short_is_422_and_changes_nothing(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    order = await create(client, headers, till)
    result = await post(client, f"{ORDERS}/{order['id']}/pay", headers, {"payments": [
        {"payment_method_id": till.card, "amount": 1}]}, 422)
    assert "payments" in assert_error(result, "VALIDATION_ERROR")["field_errors"]
    model = await model_order(orm, order["id"])
    assert model["state"] == "draft" and model["amount_paid"] == 0


@pytest.mark.parametrize("body, fields", [
    ({}, {"payments"}), ({"payments": []}, {"payments"}),
    ({"payments": [{"amount": 3}]}, {"payments[0].payment_method_id"}),
    ({"payments": [{"payment_method_id": 1}], "tip": 2}, {"payments[0].amount", "tip"}),
])
async def test_pay_body_errors(client: Any, orm: Any, body: dict[str, Any],
                               fields: set[str]) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    order = await create(client, headers, till)
    result = await post(client, f"{ORDERS}/{order['id']}/pay", headers, body, 422)
    assert set(assert_error(result, "VALIDATION_ERROR")["field_errors"]) == fields


async def test_status_changes(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    order = await create(client, headers, till)
    path = f"{ORDERS}/{order['id']}/status"
    kitchen = (await post(client, path, headers, {"kitchen_status": "preparing"}, 200))["data"]
    assert kitchen["kitchen_status"] == "preparing"
    assert {line["kitchen_status"] for line in kitchen["lines"]} == {"preparing"}
    done = await post(client, path, headers, {"status": "done"}, 409)
    assert_error(done, "INVALID_STATE_TRANSITION")
    for body, field in (({"status": "eaten"}, "status"), ({}, "status"),
                        ({"status": "cancel", "kitchen_status": "ready"}, "status"),
                        ({"kitchen_status": "burnt"}, "kitchen_status")):
        result = await post(client, path, headers, body, 422)
        assert field in assert_error(result, "VALIDATION_ERROR")["field_errors"]
    cancelled = (await post(client, path, headers, {"status": "cancel"}, 200))["data"]
    assert cancelled["status"] == "cancel"
    assert (await model_order(orm, order["id"]))["state"] == "cancel"

    other = await create(client, headers, till, payments=[
        {"payment_method_id": till.card, "amount": 1000}])
    result = await post(client, f"{ORDERS}/{other['id']}/status", headers, {"status": "paid"},
                        422)
    assert "payments" in assert_error(result, "VALIDATION_ERROR")["field_errors"]
    exact = await create(client, headers, till)
    await post(client, f"{ORDERS}/{exact['id']}/pay", headers, {"payments": [
        {"payment_method_id": till.card, "amount": exact["amount_total"]}]}, 200)


# -- lines of a draft ---------------------------------------------------------------------------

async def test_add_and_remove_lines_on_a_draft(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    order = await create(client, headers, till)
    added = (await post(client, f"{ORDERS}/{order['id']}/lines", headers,
                        {"product_id": till.product(2)["id"], "qty": 3, "note": "hot"},
                        201))["data"]
    assert len(added["lines"]) == 3 and added["lines"][-1]["note"] == "hot"
    model = await model_order(orm, order["id"])
    assert added["amount_total"] == model["amount_total"] and len(model["lines"]) == 3
    assert cents(added["amount_total"]) == cents(
        Decimal(str(order["amount_total"])) + 3 * Decimal(str(till.product(2)["list_price"])))

    line_id = added["lines"][0]["id"]
    response = await client.delete(f"{ORDERS}/{order['id']}/lines/{line_id}", headers=headers)
    removed = (await response.json())["data"]
    assert response.status == 200
    assert line_id not in [line["id"] for line in removed["lines"]]
    assert removed["amount_total"] == (await model_order(orm, order["id"]))["amount_total"]

    response = await client.delete(f"{ORDERS}/{order['id']}/lines/{line_id}", headers=headers)
    assert response.status == 404
    result = await post(client, f"{ORDERS}/{order['id']}/lines", headers,
                        {"product_id": till.product(0)["id"], "qty": 0}, 422)
    assert set(assert_error(result, "VALIDATION_ERROR")["field_errors"]) == {"qty"}
    result = await post(client, f"{ORDERS}/{order['id']}/lines", headers, {"qty": "x"}, 422)
    assert set(assert_error(result, "VALIDATION_ERROR")["field_errors"]) == {"product_id", "qty"}


async def test_lines_of_a_paid_order_are_409(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    draft = await create(client, headers, till)
    order = await create(client, headers, till, pay=True, payments=[
        {"payment_method_id": till.card, "amount": draft["amount_total"]}])
    result = await post(client, f"{ORDERS}/{order['id']}/lines", headers,
                        {"product_id": till.product(0)["id"]}, 409)
    assert_error(result, "INVALID_STATE_TRANSITION")
    response = await client.delete(f"{ORDERS}/{order['id']}/lines/{order['lines'][0]['id']}",
                                   headers=headers)
    assert response.status == 409
    assert_error(await response.json(), "INVALID_STATE_TRANSITION")
    assert len((await model_order(orm, order["id"]))["lines"]) == 2


# -- listing ------------------------------------------------------------------------------------

async def test_list_filters_and_pagination(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    draft = await create(client, headers, till, table_id=till.tables[1])
    await create(client, headers, till, pay=True, payments=[
        {"payment_method_id": till.card, "amount": draft["amount_total"]}])

    async def count(domain: list[Any]) -> int:
        return int(await orm.run(lambda env: env["pos.order"].search_count(domain),
                                 login="waiter"))

    body = await get(client, ORDERS, headers, per_page=2)
    total = await count([])
    assert body["meta"]["pagination"]["total"] == total and len(body["data"]) == min(2, total)
    assert set(body["data"][0]) == SUMMARY_KEYS
    seen: set[int] = set()
    for page in range(1, body["meta"]["pagination"]["pages"] + 1):
        seen |= {o["id"] for o in (await get(client, ORDERS, headers, per_page=2,
                                             page=page))["data"]}
    assert len(seen) == total

    today = draft["date_order"][:10]
    async def own_uid(env: Any) -> int:
        return int(env.uid)
    uid = await orm.run(own_uid, login="waiter")
    for params, domain, check in [
        ({"status": "paid"}, [("state", "=", "paid")], lambda o: o["status"] == "paid"),
        ({"status": "draft"}, [("state", "=", "draft")], lambda o: o["status"] == "draft"),
        ({"table_id": till.tables[1]}, [("table_id", "=", till.tables[1])],
         lambda o: o["table"]["id"] == till.tables[1]),
        ({"session_id": till.session_id}, [("session_id", "=", till.session_id)],
         lambda o: True),
        ({"employee": uid}, [("user_id", "=", uid)], lambda o: o["employee"]["id"] == uid),
        ({"date_from": today, "date_to": today},
         [("date_order", ">=", f"{today} 00:00:00"), ("date_order", "<=", f"{today} 23:59:59")],
         lambda o: o["date_order"][:10] == today),
        ({"date_to": "2000-01-01"}, [("date_order", "<", "2000-01-02 00:00:00")],
         lambda o: False),
    ]:
        body = await listing(client, headers, {"per_page": 100, **params})
        expected = await count(domain)
        assert body["meta"]["pagination"]["total"] == expected, params
        assert len(body["data"]) == min(expected, 100) and all(map(check, body["data"])), params
    assert (await listing(client, headers, {"status": "draft"}))["meta"][
        "pagination"]["total"] >= 1

    body = await get(client, ORDERS, headers, sort="-amount_total", per_page=100)
    amounts = [o["amount_total"] for o in body["data"]]
    assert amounts == sorted(amounts, reverse=True)
    body = await listing(client, headers, {"sort": "name", "status": "paid", "per_page": 100})
    assert [o["name"] for o in body["data"]] == sorted(o["name"] for o in body["data"])


@pytest.mark.parametrize("params, field", [
    ({"status": "eaten"}, "status"), ({"date_from": "yesterday"}, "date_from"),
    ({"table_id": "x"}, "table_id"), ({"sort": "amount_tax"}, "sort"), ({"colour": "1"}, "colour"),
])
async def test_list_bad_parameters(client: Any, params: dict[str, str], field: str) -> None:
    body = await listing(client, await token(client), params, 422)
    assert set(assert_error(body, "VALIDATION_ERROR")["field_errors"]) == {field}


@pytest.mark.parametrize("field, value", [("partner_id", 2_147_483_647), ("table_id", 2_147_483_647),
                                          ("partner_id", 999_999)])
async def test_links_to_records_that_do_not_exist_are_field_errors(
        client: Any, orm: Any, field: str, value: int) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    body = {"uuid": new_uuid(), "lines": [{"product_id": till.product(0)["id"], "qty": 1}],
            field: value}
    result = await post(client, ORDERS, headers, body, 422)
    assert field in assert_error(result, "VALIDATION_ERROR")["field_errors"]


# -- refunds ------------------------------------------------------------------------------------

async def paid_order(client: Any, headers: dict[str, str], till: Till) -> dict[str, Any]:
    order = await create(client, headers, till)
    return (await post(client, f"{ORDERS}/{order['id']}/pay", headers, {"payments": [
        {"payment_method_id": till.cash, "amount": order["amount_total"]}]}, 200))["data"]


async def test_refund_part_then_the_rest(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    sold = await paid_order(client, headers, till)
    first_line = sold["lines"][0]
    path = f"{ORDERS}/{sold['id']}/refund"
    # one of the two units of the first line, paid back in cash at once
    unit = Decimal(str(first_line["subtotal_incl"])) / 2
    part = (await post(client, path, headers, {
        "uuid": "refund-part", "lines": [{"line_id": first_line["id"], "qty": 1}],
        "payments": [{"payment_method_id": till.cash, "amount": float(-unit)}]}, 201))["data"]
    assert part["status"] == "paid" and Decimal(str(part["amount_total"])) == -unit
    assert [(line["product"]["id"], line["qty"]) for line in part["lines"]] == [
        (first_line["product"]["id"], -1)]
    # sent again: the same refund
    again = await post(client, path, headers, {"uuid": "refund-part"}, 200)
    assert again["data"]["id"] == part["id"]
    # the rest, left a draft to pay
    rest = (await post(client, path, headers, {"uuid": "refund-rest"}, 201))["data"]
    assert rest["status"] == "draft"
    assert Decimal(str(rest["amount_total"])) == -(Decimal(str(sold["amount_total"])) - unit)
    # nothing is left
    nothing = await post(client, path, headers, {"uuid": "refund-more"}, 409)
    assert "Nothing is left to refund" in nothing["error"]["message"]
    too_much = await post(client, path, headers, {
        "uuid": "refund-more", "lines": [{"line_id": first_line["id"], "qty": 1}]}, 422)
    assert_error(too_much, "VALIDATION_ERROR")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("body, field", [
    ({}, "uuid"), ({"uuid": 5}, "uuid"), ({"uuid": "r", "lines": []}, "lines"),
    ({"uuid": "r", "lines": [{"line_id": "x", "qty": 1}]}, "lines[0].line_id"),
    ({"uuid": "r", "lines": [{"line_id": 1, "qty": -1}]}, "lines[0].qty"),
    ({"uuid": "r", "lines": [{"line_id": 1, "qty": 1}]}, "lines[0].line_id"),   # not its line
    ({"uuid": "r", "payments": [{"amount": -1}]}, "payments[0].payment_method_id"),
    ({"uuid": "r", "why": "x"}, "why"),
])
async def test_refund_body_errors(client: Any, orm: Any, body: dict[str, Any],
                                  field: str) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    sold = await paid_order(client, headers, till)
    result = await post(client, f"{ORDERS}/{sold['id']}/refund", headers, body, 422)
    assert field in assert_error(result, "VALIDATION_ERROR")["field_errors"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_refunds_of_drafts_and_of_other_restaurants(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    headers = await token(client)
    draft = await create(client, headers, till)
    result = await post(client, f"{ORDERS}/{draft['id']}/refund", headers, {"uuid": "r1"}, 422)
    assert "refunded_orderline_id" in assert_error(result, "VALIDATION_ERROR")["field_errors"]
    sold = await paid_order(client, headers, till)
    sushi = await token(client, "sushi.waiter")
    result = await post(client, f"{ORDERS}/{sold['id']}/refund", sushi, {"uuid": "r2"}, 404)
    assert_error(result, "NOT_FOUND")
    response = await client.post(f"{ORDERS}/{sold['id']}/refund", json={"uuid": "r3"})
    assert response.status == 401
