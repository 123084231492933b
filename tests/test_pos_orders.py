"""The life of an order: transitions, checks with field errors, kitchen, events, ORM paths."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from models.exceptions import ValidationError
from tests.pos_support import (bus_events, cents, create_from_ui, demo_till, line, new_uid,
                               order_payload, order_state, payment)
from tests.support import assert_odoo_error, call_kw, login, result

pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")


async def _draft(client: Any, till: Any, qty: int = 2, paid: bool = True, **data: Any) -> int:
    """A saved (draft) order, with payments covering it unless ``paid`` is false."""
    soup = till.product(0)
    payments = [payment(till.card, soup["list_price"] * qty)] if paid else []
    payload = order_payload(new_uid(), till.session_id, [line(soup, qty)], payments, **data)
    (answer,) = result(await create_from_ui(client, [payload], draft=True))
    return answer["id"]


async def _in_state(client: Any, orm: Any, till: Any, state: str) -> int:
    partner = (await orm.run(lambda env: env["res.partner"].search([], limit=1),
                             login="waiter"))[0]
    order_id = await _draft(client, till, partner_id=partner)
    if state == "draft":
        return order_id
    if state == "cancel":
        result(await call_kw(client, "pos.order", "action_pos_order_cancel", [[order_id]]))
        return order_id
    result(await call_kw(client, "pos.order", "action_pos_order_paid", [[order_id]]))
    if state in ("done", "invoiced"):
        await orm.run(lambda env: env["pos.order"]._mark_done([order_id]))
    if state == "invoiced":
        result(await call_kw(client, "pos.order", "action_pos_order_invoice", [[order_id]]))
    return order_id


TRANSITIONS = [
    # from, method, the state after, or the error message (with {name})
    ("draft", "action_pos_order_paid", "paid"),
    ("draft", "action_pos_order_cancel", "cancel"),
    ("draft", "action_pos_order_invoice", "Cannot change the order {name} from 'New' to "
                                          "'Invoiced'."),
    ("paid", "action_pos_order_paid", "The order {name} is already Paid."),
    ("paid", "action_pos_order_cancel", "Cannot change the order {name} from 'Paid' to "
                                        "'Cancelled'."),
    ("paid", "action_pos_order_invoice", "invoiced"),
    ("cancel", "action_pos_order_paid", "Cannot change the order {name} from 'Cancelled' to "
                                        "'Paid'."),
    ("cancel", "action_pos_order_cancel", "The order {name} is already Cancelled."),
    ("done", "action_pos_order_cancel", "Cannot change the order {name} from 'Posted' to "
                                        "'Cancelled'."),
    ("done", "action_pos_order_paid", "Cannot change the order {name} from 'Posted' to 'Paid'."),
    ("done", "action_pos_order_invoice", "invoiced"),
    ("invoiced", "action_pos_order_cancel", "Cannot change the order {name} from 'Invoiced' "
                                            "to 'Cancelled'."),
    ("invoiced", "action_pos_order_invoice", "The order {name} is already Invoiced."),
]


@pytest.mark.parametrize("start,method,outcome", TRANSITIONS,
                         ids=[f"{t[0]}-{t[1].split('_')[-1]}" for t in TRANSITIONS])
async def test_transitions(client: Any, orm: Any, start: str, method: str, outcome: str) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    order_id = await _in_state(client, orm, till, start)
    before = await order_state(orm, order_id)
    body = await call_kw(client, "pos.order", method, [[order_id]])
    after = await order_state(orm, order_id)
    if " " not in outcome:
        assert result(body) is True and after["state"] == outcome
    else:
        assert_odoo_error(body, "odoo.exceptions.UserError",
                          message=outcome.format(name=before["name"]))
        assert after == before


async def test_invoicing_needs_a_customer(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    order_id = await _draft(client, till)
    result(await call_kw(client, "pos.order", "action_pos_order_paid", [[order_id]]))
    assert_odoo_error(await call_kw(client, "pos.order", "action_pos_order_invoice", [[order_id]]),
                      "odoo.exceptions.ValidationError", message="Please provide a partner")


async def test_an_order_is_paid_once_even_when_two_calls_race(db: Any, orm: Any,
                                                              aiohttp_client: Any) -> None:
    from gateway.app import create_app
    clients = [await aiohttp_client(create_app(db.config)) for _ in range(2)]
    till = await demo_till(orm)
    for client in clients:
        await login(client, "waiter")
    order_id = await _draft(clients[0], till)
    bodies = await asyncio.gather(*(
        call_kw(client, "pos.order", "action_pos_order_paid", [[order_id]])
        for client in clients))
    assert sorted("error" in body for body in bodies) == [False, True]
    failed = next(body for body in bodies if "error" in body)
    assert_odoo_error(failed, "odoo.exceptions.UserError", message="is already Paid")
    paid = [e for e in await bus_events(orm, "order_paid") if e["payload"]["order_id"] == order_id
            and e["channel"].endswith(":pos")]
    assert len(paid) == 1
    assert (await order_state(orm, order_id))["state"] == "paid"


async def test_paying_a_draft_from_two_tills_at_once(db: Any, orm: Any,
                                                     aiohttp_client: Any) -> None:
    """The same table order paid from two devices at once: one payment set, one order."""
    from gateway.app import create_app
    clients = [await aiohttp_client(create_app(db.config)) for _ in range(2)]
    till = await demo_till(orm)
    for client in clients:
        await login(client, "waiter")
    soup = till.product(0)
    uid = new_uid()
    draft = order_payload(uid, till.session_id, [line(soup, 2, uuid="s")], [])
    (answer,) = result(await create_from_ui(clients[0], [draft], draft=True))
    paid = order_payload(uid, till.session_id, [line(soup, 2, uuid="s")],
                         [payment(till.cash, 20)])
    bodies = await asyncio.gather(*(create_from_ui(c, [paid]) for c in clients))
    assert [result(body) for body in bodies] == [[answer], [answer]]
    state = await order_state(orm, answer["id"])
    assert state["state"] == "paid"
    assert sorted(cents(p["amount"]) for p in state["payment_ids"]) == [Decimal(-7), Decimal(20)]


# ---------------------------------------------------------------------------
# Checks, with the field they are about
# ---------------------------------------------------------------------------

def _with(**changes: Any) -> Any:
    def apply(values: dict[str, Any], till: Any) -> None:
        values.update({k: (v(till) if callable(v) else v) for k, v in changes.items()})
    return apply


LINE_CHECKS = [
    # case, who, change to the line, the field in error (None: accepted)
    ("another restaurant's product", "waiter",
     _with(product_id=lambda t: t.other_products[0]), "product_id"),
    ("unknown product", "waiter", _with(product_id=999999), "product_id"),
    ("no product", "waiter", _with(product_id=False), "product_id"),
    ("zero quantity", "waiter", _with(qty=0), "qty"),
    ("quantity not a number", "waiter", _with(qty="two"), "qty"),
    ("quantity beyond the thousandth", "waiter", _with(qty=1.0001), "qty"),
    ("a waiter's own price", "waiter", _with(price_unit=1.0), "price_unit"),
    ("a waiter's discount", "waiter", _with(discount=10), "discount"),
    ("a waiter's return without its order", "waiter", _with(qty=-1), "qty"),
    ("price with three decimals", "manager", _with(price_unit=1.005), "price_unit"),
    ("discount above 100", "manager", _with(discount=120), "discount"),
    ("negative discount", "manager", _with(discount=-5), "discount"),
    ("a manager's own price", "manager", _with(price_unit=1.0), None),
    ("a manager's discount", "manager", _with(discount=100), None),
    ("a manager's return without its order", "manager", _with(qty=-1), None),
    ("the menu price sent", "waiter", _with(), None),
    ("no price sent: the menu's", "waiter", _with(price_unit=False), None),
]


@pytest.mark.parametrize("case,who,change,field", LINE_CHECKS, ids=[c[0] for c in LINE_CHECKS])
async def test_line_checks(orm: Any, case: str, who: str, change: Any, field: str | None) -> None:
    till = await demo_till(orm, who)
    soup = till.product(0)
    command = line(soup, 1)
    change(command[2], till)
    payload = order_payload(new_uid(), till.session_id, [command], [], version=17)

    async def send(env: Any) -> Any:
        return await env["pos.order"].create_from_ui([payload], draft=True)

    if field is None:
        (answer,) = await orm.run(send, login=who)
        assert answer["id"]
        return
    with pytest.raises(ValidationError) as caught:
        await orm.run(send, login=who)
    assert list(caught.value.field_errors) == [field], caught.value.field_errors
    assert f"Order {payload['data']['name']}, line 1: " in str(caught.value)


async def test_a_product_not_sold_in_the_pos(orm: Any, client: Any) -> None:
    till = await demo_till(orm)
    hidden = await orm.run(lambda env: env["product.product"].create({
        "name": "Staff meal", "list_price": 5, "available_in_pos": False}), login="manager")
    await login(client, "waiter")
    payload = order_payload(new_uid(), till.session_id,
                            [line({"id": hidden, "list_price": 5, "name": "Staff meal"})],
                            [payment(till.cash, 5)])
    assert_odoo_error(await create_from_ui(client, [payload]), "odoo.exceptions.ValidationError",
                      message="Staff meal is not available in the point of sale.")


async def test_prices_are_free_where_the_till_allows_it(orm: Any, client: Any) -> None:
    till = await demo_till(orm)
    await orm.run(lambda env: env["pos.config"].write([till.config_id],
                                                     {"restrict_price_control": False}),
                  login="manager")
    await login(client, "waiter")
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [line(soup, 2, 50, price=5.0)],
                            [payment(till.cash, 5.0)])
    (answer,) = result(await create_from_ui(client, [payload]))
    assert cents((await order_state(orm, answer["id"]))["amount_total"]) == 5


# ---------------------------------------------------------------------------
# The ORM paths follow the same rules
# ---------------------------------------------------------------------------

async def test_orm_orders_follow_the_same_rules(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup, steak = till.product(0), till.product(1)
    order_id = await _draft(client, till, paid=False, qty=1)
    result(await call_kw(client, "pos.order", "write", [[order_id], {"lines": [[5, 0, 0], [0, 0, {
        "product_id": soup["id"], "qty": 2, "price_subtotal_incl": 1}]]}]))
    state = await order_state(orm, order_id)
    assert cents(state["amount_total"]) == cents(soup["list_price"]) * 2
    assert state["company_id"] == till.company_id and state["config_id"] == till.config_id
    result(await call_kw(client, "pos.order", "write", [[order_id], {
        "lines": [[0, 0, {"product_id": steak["id"], "qty": 1}]]}]))
    total = cents(soup["list_price"]) * 2 + cents(steak["list_price"])
    assert cents((await order_state(orm, order_id))["amount_total"]) == total
    line_id = (await order_state(orm, order_id))["lines"][0]["id"]
    result(await call_kw(client, "pos.order.line", "write", [[line_id], {"qty": 3}]))
    total += cents(soup["list_price"])
    assert cents((await order_state(orm, order_id))["amount_total"]) == total

    for values in ({"amount_total": 1}, {"state": "paid"}, {"amount_paid": 1e6}):
        assert_odoo_error(await call_kw(client, "pos.order", "write", [[order_id], values]),
                          "odoo.exceptions.ValidationError", message="read-only")
    payment_id = result(await call_kw(client, "pos.order", "add_payment", [[order_id], {
        "payment_method_id": till.card, "amount": float(total)}]))
    result(await call_kw(client, "pos.order", "action_pos_order_paid", [[order_id]]))
    paid = await order_state(orm, order_id)

    refused = [
        ("pos.order.line", "write", [[line_id], {"qty": 1}]),
        ("pos.order.line", "create", [{"order_id": order_id, "product_id": soup["id"]}]),
        ("pos.order.line", "unlink", [[line_id]]),
        ("pos.order", "write", [[order_id], {"partner_id": False}]),
        ("pos.order", "add_payment", [[order_id], {"payment_method_id": till.cash, "amount": 1}]),
        ("pos.payment", "write", [[payment_id], {"amount": 1}]),
    ]
    for model, method, args in refused:
        assert_odoo_error(await call_kw(client, model, method, args), "odoo.exceptions.UserError")
    await login(client, "manager")      # the one who may delete payments, but not of a paid order
    assert_odoo_error(await call_kw(client, "pos.payment", "unlink", [[payment_id]]),
                      "odoo.exceptions.UserError", message="can no longer be removed")
    await login(client, "waiter")
    result(await call_kw(client, "pos.order", "write", [[order_id], {"note": "table by the door"}]))
    after = await order_state(orm, order_id)
    assert after["note"] == "table by the door"
    assert {k: v for k, v in after.items() if k not in ("note", "write_date")} == \
        {k: v for k, v in paid.items() if k not in ("note", "write_date")}
    await login(client, "manager")
    assert_odoo_error(await call_kw(client, "pos.order", "unlink", [[order_id]]),
                      "odoo.exceptions.UserError", message="it must be new or cancelled")


async def test_orders_come_from_a_point_of_sale(orm: Any) -> None:
    """As in Odoo, the back office does not create orders: a POS sends them in its session."""
    till = await demo_till(orm)
    soup = till.product(0)
    cases = [
        ({"lines": [[0, 0, {"product_id": soup["id"]}]]}, "session_id"),
        ({"note": "x"}, "session_id"),
        ({"session_id": till.session_id}, "session_id"),      # read-only for clients
        ({"partner_id": 999999}, "partner_id"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as caught:
            await orm.run(lambda env: env["pos.order"].create(values), login="waiter")
        assert field in caught.value.field_errors, caught.value.field_errors


# ---------------------------------------------------------------------------
# Kitchen
# ---------------------------------------------------------------------------

async def test_kitchen_moves_dishes_forward(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup, steak = till.product(0), till.product(1)
    payload = order_payload(new_uid(), till.session_id, [line(soup), line(steak)], [])
    (answer,) = result(await create_from_ui(client, [payload], draft=True))
    order_id = answer["id"]
    soup_line, steak_line = [l["id"] for l in (await order_state(orm, order_id))["lines"]]
    await login(client, "kitchen")

    steps = [
        # who, model, ids, status, soup, steak, order (None: refused)
        ("kitchen", "pos.order.line", [soup_line], "preparing", "preparing", "new", "new"),
        ("kitchen", "pos.order.line", [soup_line], "ready", "ready", "new", "new"),
        ("kitchen", "pos.order.line", [steak_line], "ready", "ready", "ready", "ready"),
        ("kitchen", "pos.order.line", [soup_line], "served", "served", "ready", "ready"),
        ("kitchen", "pos.order", [order_id], "preparing", None, None, None),  # back: refused
        ("kitchen", "pos.order.line", [steak_line], "new", None, None, None),
        ("kitchen", "pos.order.line", [steak_line], "burnt", None, None, None),
        ("kitchen", "pos.order", [order_id], "served", "served", "served", "served"),
        ("manager", "pos.order.line", [steak_line], "ready", "served", "ready", "ready"),
    ]
    for who, model, ids, status, soup_after, steak_after, order_after in steps:
        await login(client, who)
        body = await call_kw(client, model, "set_kitchen_status", [ids, status])
        state = await order_state(orm, order_id)
        statuses = [l["kitchen_status"] for l in state["lines"]]
        if soup_after is None:
            assert "error" in body, (model, status)
            continue
        assert result(body) is True
        assert statuses == [soup_after, steak_after] and state["kitchen_status"] == order_after
    updates = await bus_events(orm, "kitchen_update")
    kitchen = [e["payload"] for e in updates if e["channel"].endswith(":kitchen")]
    assert {"order_id": order_id, "line_id": soup_line, "old_status": "new",
            "new_status": "preparing", "company_id": till.company_id} in kitchen
    assert {"order_id": order_id, "line_id": None, "old_status": "new",
            "new_status": "ready", "company_id": till.company_id} in kitchen
    assert {e["channel"] for e in updates} == {f"restaurant:{till.company_id}{role}"
                                               for role in ("", ":kitchen", ":pos", ":management")}


async def test_kitchen_of_another_restaurant_or_a_cancelled_order(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    order_id = await _draft(client, till, paid=False)
    await login(client, "sushi.waiter")
    assert_odoo_error(await call_kw(client, "pos.order", "set_kitchen_status",
                                    [[order_id], "ready"]), "odoo.exceptions.AccessError")
    await login(client, "waiter")
    result(await call_kw(client, "pos.order", "action_pos_order_cancel", [[order_id]]))
    await login(client, "kitchen")
    assert_odoo_error(await call_kw(client, "pos.order", "set_kitchen_status",
                                    [[order_id], "ready"]), "odoo.exceptions.UserError",
                      message="is cancelled")


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------

async def test_events_of_an_order(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    before = len(await bus_events(orm))
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [line(soup, 2)],
                            [payment(till.card, 10), payment(till.cash, 5)])
    (answer,) = result(await create_from_ui(client, [payload]))
    order_id = answer["id"]
    events = (await bus_events(orm))[before:]
    company = f"restaurant:{till.company_id}"
    seen = [(e["type"], e["channel"]) for e in events]
    assert [t for t, c in seen if c == company] == [
        "order_created", "payment_completed", "payment_completed", "payment_completed",
        "order_status_changed", "order_paid"]
    by_type = {e["type"]: e["payload"] for e in events if e["channel"] == company}
    assert by_type["order_created"] == {"order_id": order_id, "name": "/", "table_id": None,
                                        "state": "draft", "company_id": till.company_id}
    assert by_type["order_status_changed"] == {
        "order_id": order_id, "name": f"Main Till/{order_id:04d}", "old_state": "draft",
        "new_state": "paid", "company_id": till.company_id}
    assert by_type["order_paid"] == {
        "order_id": order_id, "name": f"Main Till/{order_id:04d}", "amount_total": 13.0,
        "amount_paid": 13.0, "amount_return": 2.0, "company_id": till.company_id}
    change = [e["payload"] for e in events if e["type"] == "payment_completed"
              and e["channel"] == company][-1]
    assert change["amount"] == -2.0 and change["payment_method_id"] == till.cash
    # who hears what
    assert {c for t, c in seen if t == "order_paid"} == {company, f"{company}:pos",
                                                         f"{company}:management"}
    assert f"{company}:kitchen" in {c for t, c in seen if t == "order_created"}

    # a call that fails notifies nobody
    before = len(await bus_events(orm))
    bad = order_payload(new_uid(), till.session_id, [line(soup, 2)], [payment(till.card, 1)])
    assert "error" in await create_from_ui(client, [bad])
    assert len(await bus_events(orm)) == before
