"""Payments: split, change, what a till accepts; refunds and what they may give back."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from models.exceptions import ValidationError
from tests.pos_support import (cents, create_from_ui, demo_till, line, new_uid, order_payload,
                               order_state, payment)
from tests.support import assert_odoo_error, call_kw, login, result

pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")

# The soup of the demo menu costs 6.50: two of them are 13.00.
PAYMENTS = [
    # case, payments as (method, amount), paid, change (None: refused, with the field)
    ("exact, by card", [("card", 13)], 13, 0),
    ("exact, in cash", [("cash", 13)], 13, 0),
    ("split card and cash", [("card", 8), ("cash", 5)], 13, 0),
    ("split in three", [("card", 5), ("card", 5), ("cash", 3)], 13, 0),
    ("cash with change", [("cash", 50)], 13, 37),
    ("card then cash with change", [("card", 10), ("cash", 20)], 13, 17),
    ("a zero payment line is dropped", [("card", 13), ("cash", 0)], 13, 0),
    ("not enough", [("card", 12.99)], None, "payment_ids"),
    ("card above the total", [("card", 20)], None, "payment_ids"),
    ("change beyond the cash given", [("card", 12), ("cash", 0.5), ("card", 5)], None,
     "payment_ids"),
    ("amount below the cent", [("card", 12.995), ("cash", 0.005)], None, "amount"),
    ("another restaurant's method", [("other", 13)], None, "payment_method_id"),
    ("no method", [(False, 13)], None, "payment_method_id"),
]


@pytest.mark.parametrize("case,given,paid,change", PAYMENTS, ids=[p[0] for p in PAYMENTS])
async def test_payments(orm: Any, case: str, given: list[tuple], paid: Any, change: Any) -> None:
    till = await demo_till(orm)
    other = await demo_till(orm, "sushi.waiter")
    methods = {"card": till.card, "cash": till.cash, "other": other.cash, False: False}
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [line(soup, 2)],
                            [payment(methods[method], amount) for method, amount in given])

    async def send(env: Any) -> Any:
        return await env["pos.order"].create_from_ui([payload])

    if paid is None:
        with pytest.raises(ValidationError) as caught:
            await orm.run(send, login="waiter")
        assert list(caught.value.field_errors) == [change]
        return
    (answer,) = await orm.run(send, login="waiter")
    state = await order_state(orm, answer["id"])
    assert state["state"] == "paid"
    assert cents(state["amount_paid"]) == paid == cents(state["amount_total"])
    assert cents(state["amount_return"]) == change
    changes = [p for p in state["payment_ids"] if p["is_change"]]
    if change:
        (given_back,) = changes
        assert cents(given_back["amount"]) == -change
        assert given_back["payment_method_id"] == till.cash and given_back["name"] == "return"
    else:
        assert changes == []
    assert sorted(cents(p["amount"]) for p in state["payment_ids"] if not p["is_change"]) == \
        sorted(Decimal(str(amount)) for _m, amount in given if amount)


async def test_payments_added_one_by_one(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [line(soup, 2)], [])
    (answer,) = result(await create_from_ui(client, [payload], draft=True))
    order_id = answer["id"]
    result(await call_kw(client, "pos.order", "add_payment", [[order_id], {
        "payment_method_id": till.card, "amount": 10, "card_type": "visa",
        "transaction_id": "T-1"}]))
    assert_odoo_error(await call_kw(client, "pos.order", "action_pos_order_paid", [[order_id]]),
                      "odoo.exceptions.ValidationError", message="is not fully paid")
    result(await call_kw(client, "pos.order", "add_payment", [[order_id], {
        "payment_method_id": till.cash, "amount": 5}]))
    assert result(await call_kw(client, "pos.order", "action_pos_order_paid", [[order_id]]))
    state = await order_state(orm, order_id)
    assert cents(state["amount_return"]) == 2 and cents(state["amount_paid"]) == 13
    card = next(p for p in state["payment_ids"] if p["payment_method_id"] == till.card)
    assert (card["card_type"], card["transaction_id"]) == ("visa", "T-1")
    for bad, field in (({"payment_method_id": till.card, "amount": 0}, "amount"),
                       ({"payment_method_id": 99999, "amount": 1}, "payment_method_id"),
                       ({"payment_method_id": till.card, "amount": 1, "is_change": True},
                        "is_change")):
        draft_id = (result(await create_from_ui(client, [order_payload(
            new_uid(), till.session_id, [line(soup)], [])], draft=True)))[0]["id"]
        with pytest.raises(ValidationError) as caught:
            await orm.run(lambda env: env["pos.order"].add_payment([draft_id], bad),
                          login="waiter")
        assert field in caught.value.field_errors


# ---------------------------------------------------------------------------
# Refunds
# ---------------------------------------------------------------------------

async def _sale(client: Any, till: Any, qty: int = 2, discount: int = 0) -> dict[str, Any]:
    soup = till.product(0)
    total = cents(soup["list_price"]) * qty
    payload = order_payload(new_uid(), till.session_id, [line(soup, qty)],
                            [payment(till.card, float(total))])
    (answer,) = result(await create_from_ui(client, [payload]))
    (order,) = result(await call_kw(client, "pos.order", "read", [[answer["id"]],
                                                                  ["lines", "name"]]))
    return {"id": answer["id"], "line": order["lines"][0], "name": order["name"]}


def _refund(till: Any, sale: dict[str, Any], qty: int, method: int | None = None,
            **line_values: Any) -> dict[str, Any]:
    soup = till.product(0)
    amount = cents(soup["list_price"]) * qty
    payments = [payment(method or till.cash, float(amount))] if method is not False else []
    return order_payload(new_uid(), till.session_id,
                         [line(soup, qty, refunded_orderline_id=sale["line"], **line_values)],
                         payments)


async def _refunded_qty(orm: Any, line_id: int) -> float:
    return (await orm.run(lambda env: env.sudo()["pos.order.line"].read(
        [line_id], ["refunded_qty"])))[0]["refunded_qty"]


async def test_a_refund_gives_back_what_was_sold(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    sale = await _sale(client, till, qty=3)
    (first,) = result(await create_from_ui(client, [_refund(till, sale, -1)]))
    refund = await order_state(orm, first["id"])
    assert refund["state"] == "paid" and refund["refunded_order_id"] == sale["id"]
    assert cents(refund["amount_total"]) == Decimal("-6.5")
    assert cents(refund["amount_tax"]) == Decimal("-0.70")       # 6.50 - 6.50/1.12 = 0.6964
    (back,) = refund["payment_ids"]
    assert cents(back["amount"]) == Decimal("-6.5") and back["payment_method_id"] == till.cash
    assert refund["lines"][0]["refunded_orderline_id"] == sale["line"]
    assert await _refunded_qty(orm, sale["line"]) == 1.0
    # two more, paid back on the card: everything is back
    result(await create_from_ui(client, [_refund(till, sale, -2, till.card)]))
    assert await _refunded_qty(orm, sale["line"]) == 3.0
    body = await create_from_ui(client, [_refund(till, sale, -1)])
    assert_odoo_error(body, "odoo.exceptions.ValidationError",
                      message=f"Only 0 of Soup of the Day from {sale['name']} can still be "
                              "refunded.")


REFUND_CHECKS = [
    # case, refund line changes, the field in error
    ("more than sold", {"qty": -3}, "qty"),
    ("a positive quantity", {"qty": 1}, "qty"),
    ("another price", {"price_unit": 1.0}, "price_unit"),
    ("another discount", {"discount": 50}, "price_unit"),
    ("another product", {"product_id": "steak"}, "product_id"),
    ("an unknown line", {"refunded_orderline_id": 999999}, "refunded_orderline_id"),
    ("a line of an unpaid order", {"refunded_orderline_id": "draft"}, "refunded_orderline_id"),
    ("a line of another restaurant", {"refunded_orderline_id": "sushi"},
     "refunded_orderline_id"),
]


@pytest.mark.parametrize("case,changes,field", REFUND_CHECKS, ids=[c[0] for c in REFUND_CHECKS])
async def test_refund_checks(client: Any, orm: Any, case: str, changes: dict[str, Any],
                             field: str) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    sale = await _sale(client, till, qty=2)
    draft = (result(await create_from_ui(client, [order_payload(
        new_uid(), till.session_id, [line(till.product(0))], [])], draft=True)))[0]["id"]
    draft_line = (await order_state(orm, draft))["lines"][0]["id"]
    sushi = await demo_till(orm, "sushi.waiter")
    await login(client, "sushi.waiter")
    sushi_sale = await _sale(client, sushi)
    refund = _refund(till, sale, -1)
    values = refund["data"]["lines"][0][2]
    for key, value in changes.items():
        value = {"steak": till.product(1)["id"], "draft": draft_line,
                 "sushi": sushi_sale["line"]}.get(value, value)
        values[key] = value

    async def send(env: Any) -> Any:
        return await env["pos.order"].create_from_ui([refund])

    with pytest.raises(ValidationError) as caught:
        await orm.run(send, login="manager")       # even a manager
    assert list(caught.value.field_errors) == [field]


async def test_a_refund_returns_items_of_one_order(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    first, second = await _sale(client, till), await _sale(client, till)
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [
        line(soup, -1, refunded_orderline_id=first["line"]),
        line(soup, -1, refunded_orderline_id=second["line"])], [payment(till.cash, -13)])
    assert_odoo_error(await create_from_ui(client, [payload]), "odoo.exceptions.ValidationError",
                      message="You can only refund products from the same order")


async def test_a_cancelled_refund_frees_the_quantity(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    sale = await _sale(client, till, qty=2)
    (draft,) = result(await create_from_ui(client, [_refund(till, sale, -2, False)], draft=True))
    assert await _refunded_qty(orm, sale["line"]) == 2.0
    assert "error" in await create_from_ui(client, [_refund(till, sale, -1)])
    result(await call_kw(client, "pos.order", "action_pos_order_cancel", [[draft["id"]]]))
    assert await _refunded_qty(orm, sale["line"]) == 0.0
    result(await create_from_ui(client, [_refund(till, sale, -2)]))
    assert await _refunded_qty(orm, sale["line"]) == 2.0


async def test_two_refunds_racing_for_the_same_items(db: Any, orm: Any,
                                                     aiohttp_client: Any) -> None:
    from gateway.app import create_app
    clients = [await aiohttp_client(create_app(db.config)) for _ in range(2)]
    till = await demo_till(orm)
    for client in clients:
        await login(client, "waiter")
    sale = await _sale(clients[0], till, qty=2)
    bodies = await asyncio.gather(*(create_from_ui(client, [_refund(till, sale, -2)])
                                    for client in clients))
    assert sorted("error" in body for body in bodies) == [False, True]
    assert_odoo_error(next(b for b in bodies if "error" in b), "odoo.exceptions.ValidationError",
                      message="can still be refunded")
    assert await _refunded_qty(orm, sale["line"]) == 2.0


async def test_a_refund_is_paid_back(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    sale = await _sale(client, till)
    for payments in ([], [payment(till.cash, 6.5)], [payment(till.cash, -5)]):
        refund = _refund(till, sale, -1, False)
        refund["data"]["statement_ids"] = payments
        assert_odoo_error(await create_from_ui(client, [refund]),
                          "odoo.exceptions.ValidationError", message="is not fully paid")
