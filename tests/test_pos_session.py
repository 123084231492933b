"""Sessions: one open session per till (held by the database), opening cash, closing."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from models.exceptions import ValidationError
from tests.pos_support import cents, create_from_ui, demo_till, line, new_uid, order_payload, \
    payment
from tests.support import assert_odoo_error, call_kw, login, result

pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")


async def _session(orm: Any, session_id: int, fields: list[str] | None = None) -> dict[str, Any]:
    (record,) = await orm.run(lambda env: env.sudo()["pos.session"].read(
        [session_id], fields or ["state", "name", "config_id", "cash_register_balance_start",
                                 "cash_register_balance_end_real", "cash_register_difference",
                                 "start_at", "stop_at", "opening_notes", "closing_notes"]))
    return record


async def _config(orm: Any, config_id: int) -> dict[str, Any]:
    (record,) = await orm.run(lambda env: env.sudo()["pos.config"].read(
        [config_id], ["current_session_id", "current_session_state"]))
    return record


async def _open_sessions(orm: Any, config_id: int) -> list[int]:
    return await orm.run(lambda env: env.sudo()["pos.session"].search(
        [("config_id", "=", config_id), ("state", "!=", "closed")]))


async def _clear_drafts(orm: Any, session_id: int) -> None:
    """The demo leaves two unpaid orders in each session: cancel them."""
    async def run(env: Any) -> None:
        drafts = await env["pos.order"].search([("session_id", "=", session_id),
                                                ("state", "=", "draft")])
        await env["pos.order"].action_pos_order_cancel(drafts)
    await orm.run(run, login="waiter")


async def _close(client: Any, session_id: int) -> None:
    assert result(await call_kw(client, "pos.session", "close_session_from_ui",
                                [[session_id]])) == {"successful": True}


async def test_closing_a_session(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    # the demo's unpaid orders keep the session open
    refused = {"successful": False, "message": "You cannot close the POS when orders are still "
                                               "in draft", "redirect": False}
    assert result(await call_kw(client, "pos.session", "post_closing_cash_details",
                                [[till.session_id]], {"counted_cash": 0})) == refused
    assert result(await call_kw(client, "pos.session", "close_session_from_ui",
                                [[till.session_id]])) == refused
    assert_odoo_error(await call_kw(client, "pos.session", "action_pos_session_closing_control",
                                    [[till.session_id]]), "odoo.exceptions.UserError",
                      message="orders are still in draft")
    await _clear_drafts(orm, till.session_id)
    soup = till.product(0)
    result(await create_from_ui(client, [order_payload(
        new_uid(), till.session_id, [line(soup, 2)], [payment(till.cash, 20)])]))

    # what the drawer should hold: the opening float plus every cash payment (change included)
    async def expected(env: Any) -> tuple[Decimal, Decimal, int, dict[int, Decimal]]:
        sudo = env.sudo()
        orders = await sudo["pos.order"].search_read(
            [("session_id", "=", till.session_id), ("state", "in", ["paid", "done"])],
            ["amount_total", "payment_ids"])
        payments = await sudo["pos.payment"].search_read(
            [("pos_order_id", "in", [o["id"] for o in orders])], ["payment_method_id", "amount"])
        by_method: dict[int, Decimal] = {}
        for p in payments:
            by_method[p["payment_method_id"][0]] = by_method.get(
                p["payment_method_id"][0], Decimal(0)) + cents(p["amount"])
        return (sum((cents(o["amount_total"]) for o in orders), Decimal(0)),
                Decimal(150) + by_method.get(till.cash, Decimal(0)), len(orders), by_method)
    sales, drawer, count, by_method = await orm.run(expected)

    data = result(await call_kw(client, "pos.session", "get_closing_control_data",
                                [[till.session_id]]))
    assert data["orders_details"] == {"quantity": count, "amount": float(sales)}
    assert data["default_cash_details"]["opening"] == 150.0
    assert cents(data["default_cash_details"]["amount"]) == drawer
    assert data["default_cash_details"]["id"] == till.cash and data["is_manager"] is False
    assert [(m["id"], cents(m["amount"])) for m in data["other_payment_methods"]] == \
        [(till.card, by_method[till.card])]

    assert result(await call_kw(client, "pos.session", "post_closing_cash_details",
                                [[till.session_id]], {"counted_cash": float(drawer - 3)})) == \
        {"successful": True}
    body = await call_kw(client, "pos.session", "update_closing_control_state_session",
                         [[till.session_id], "three euros short"])
    assert "result" not in body and "error" not in body
    assert (await _session(orm, till.session_id))["state"] == "closing_control"
    await _close(client, till.session_id)

    session = await _session(orm, till.session_id)
    assert session["state"] == "closed" and session["stop_at"]
    assert cents(session["cash_register_balance_end_real"]) == drawer - 3
    assert cents(session["cash_register_difference"]) == -3
    assert session["closing_notes"] == "three euros short"
    assert await _config(orm, till.config_id) == {"id": till.config_id,
                                                  "current_session_id": False,
                                                  "current_session_state": False}
    states = await orm.run(lambda env: env.sudo()["pos.order"].search_read(
        [("session_id", "=", till.session_id)], ["state"]))
    assert {s["state"] for s in states} == {"done", "cancel"}
    # closed is closed
    again = result(await call_kw(client, "pos.session", "close_session_from_ui",
                                 [[till.session_id]]))
    assert again["successful"] is False and again["redirect"] is True
    assert_odoo_error(await call_kw(client, "pos.session", "set_cashbox_pos",
                                    [[till.session_id], 100, ""]), "odoo.exceptions.UserError",
                      message="from 'Closed & Posted' to 'In Progress'")


async def test_orders_only_in_an_open_session(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    await _clear_drafts(orm, till.session_id)
    await _close(client, till.session_id)
    soup = till.product(0)

    def paid_order() -> dict[str, Any]:
        return order_payload(new_uid(), till.session_id, [line(soup)],
                             [payment(till.cash, soup["list_price"])])

    assert_odoo_error(await create_from_ui(client, [paid_order()]), "odoo.exceptions.UserError",
                      message="Please open a new session to capture the order.")
    draft = order_payload(new_uid(), till.session_id, [line(soup)], [])
    assert_odoo_error(await create_from_ui(client, [draft], draft=True),
                      "odoo.exceptions.UserError",
                      message="Please open a new session to capture the order.")
    # a new shift: an order a POS sends late to the closed session lands in the open one
    result(await call_kw(client, "pos.config", "open_ui", [[till.config_id]]))
    (new_session,) = await _open_sessions(orm, till.config_id)
    (answer,) = result(await create_from_ui(client, [paid_order()]))
    (order,) = await orm.run(lambda env: env.sudo()["pos.order"].read([answer["id"]],
                                                                       ["session_id", "state"]))
    assert order["session_id"][0] == new_session and order["state"] == "paid"


async def test_opening_with_a_cash_count(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "manager")
    result(await call_kw(client, "pos.config", "write", [[till.config_id],
                                                          {"cash_control": True}]))
    await _clear_drafts(orm, till.session_id)
    result(await call_kw(client, "pos.session", "post_closing_cash_details", [[till.session_id]],
                         {"counted_cash": 180.0}))
    await _close(client, till.session_id)
    action = result(await call_kw(client, "pos.config", "open_ui", [[till.config_id]]))
    assert action == {"type": "ir.actions.act_url", "url": f"/pos/ui?config_id={till.config_id}",
                      "target": "self"}
    (session_id,) = await _open_sessions(orm, till.config_id)
    session = await _session(orm, session_id)
    # cash control: the float the last session counted is waiting to be confirmed
    assert session["state"] == "opening_control" and session["cash_register_balance_start"] == 180
    assert session["name"] == f"POS/{session_id:05d}"
    assert await _config(orm, till.config_id) == {
        "id": till.config_id, "current_session_id": [session_id, session["name"]],
        "current_session_state": "opening_control"}
    soup = till.product(0)
    await login(client, "waiter")
    assert_odoo_error(await create_from_ui(client, [order_payload(
        new_uid(), session_id, [line(soup)], [payment(till.cash, soup["list_price"])])]),
        "odoo.exceptions.ValidationError", message="is not open (Opening Control)")
    body = await call_kw(client, "pos.session", "set_cashbox_pos", [[session_id], 175.5, "ok"])
    assert "result" not in body and "error" not in body          # Odoo answers nothing
    session = await _session(orm, session_id)
    assert session["state"] == "opened" and session["cash_register_balance_start"] == 175.5
    assert session["opening_notes"] == "ok" and session["start_at"]
    assert (await _config(orm, till.config_id))["current_session_state"] == "opened"
    assert result(await call_kw(client, "pos.session", "login", [[session_id]])) == 1
    assert result(await call_kw(client, "pos.session", "login", [[session_id]])) == 2


async def test_one_open_session_per_till(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    assert_odoo_error(await call_kw(client, "pos.session", "create", [{
        "config_id": till.config_id}]), "odoo.exceptions.ValidationError",
        message="Another session is already opened for this point of sale")
    # open_ui with a session open opens nothing more
    result(await call_kw(client, "pos.config", "open_ui", [[till.config_id]]))
    assert await _open_sessions(orm, till.config_id) == [till.session_id]

    # the database refuses a second open session whatever the code did before
    async def sneak(env: Any) -> None:
        Session = env.registry["pos.session"]
        await env.cr.insert(Session.insert({
            Session.name: "sneaky", Session.config_id: till.config_id,
            Session.company_id: till.company_id, Session.user_id: env.uid,
            Session.state: "opened", Session.open_config_id: till.config_id,
        }).returning(Session.id))
    with pytest.raises(ValidationError, match="duplicate value"):
        await orm.run(sneak)
    # closed sessions do not count: many of them live side by side
    closed_before = await orm.run(lambda env: env.sudo()["pos.session"].search_count(
        [("config_id", "=", till.config_id), ("state", "=", "closed")]))
    for _ in range(2):
        await _clear_drafts(orm, (await _open_sessions(orm, till.config_id))[0])
        await _close(client, (await _open_sessions(orm, till.config_id))[0])
        result(await call_kw(client, "pos.config", "open_ui", [[till.config_id]]))
    closed = await orm.run(lambda env: env.sudo()["pos.session"].search_count(
        [("config_id", "=", till.config_id), ("state", "=", "closed")]))
    assert closed == closed_before + 2 and len(await _open_sessions(orm, till.config_id)) == 1


async def test_two_cashiers_open_the_same_till_at_once(db: Any, orm: Any,
                                                       aiohttp_client: Any) -> None:
    from gateway.app import create_app
    clients = [await aiohttp_client(create_app(db.config)) for _ in range(3)]
    till = await demo_till(orm)
    for client in clients:
        await login(client, "waiter")
    await _clear_drafts(orm, till.session_id)
    await _close(clients[0], till.session_id)
    bodies = await asyncio.gather(*(call_kw(client, "pos.config", "open_ui",
                                            [[till.config_id]]) for client in clients))
    assert all("error" not in body for body in bodies), bodies
    assert len(await _open_sessions(orm, till.config_id)) == 1


async def test_session_totals(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    before = result(await call_kw(client, "pos.session", "get_session_totals",
                                  [[till.session_id]]))[0]
    soup = till.product(0)
    result(await create_from_ui(client, [
        order_payload(new_uid(), till.session_id, [line(soup, 2)],
                      [payment(till.card, 3), payment(till.cash, 20)]),
        order_payload(new_uid(), till.session_id, [line(soup, 1)],
                      [payment(till.card, 6.5)])]))
    after = result(await call_kw(client, "pos.session", "get_session_totals",
                                 [[till.session_id]]))[0]
    assert after["orders_count"] == before["orders_count"] + 2
    assert cents(after["amount_total"]) - cents(before["amount_total"]) == Decimal("19.5")
    assert cents(after["amount_tax"]) - cents(before["amount_tax"]) == Decimal("2.09")
    pay = {p["payment_method_id"]: p for p in after["payments"]}
    pay_before = {p["payment_method_id"]: p for p in before["payments"]}
    assert cents(pay[till.card]["amount"]) - cents(pay_before[till.card]["amount"]) == \
        Decimal("9.5")
    assert pay[till.card]["count"] - pay_before[till.card]["count"] == 2
    # cash: 20 handed over, 10 given back
    assert cents(pay[till.cash]["amount"]) - cents(pay_before[till.cash]["amount"]) == 10
    assert pay[till.cash]["count"] - pay_before[till.cash]["count"] == 2
    assert after["cash"]["opening"] == 150.0
    assert cents(after["cash"]["expected"]) == 150 + cents(pay[till.cash]["amount"])


SESSION_ACCESS = [
    # who, method, args, kwargs, error
    ("kitchen", "close_session_from_ui", [], {}, "odoo.exceptions.AccessError"),
    ("kitchen", "get_closing_control_data", [], {}, "odoo.exceptions.AccessError"),
    ("sushi.waiter", "post_closing_cash_details", [], {"counted_cash": 1},
     "odoo.exceptions.AccessError"),
    ("sushi.manager", "set_cashbox_pos", [10, ""], {}, "odoo.exceptions.AccessError"),
    ("waiter", "post_closing_cash_details", [], {"counted_cash": "a lot"},
     "odoo.exceptions.ValidationError"),
]


@pytest.mark.parametrize("who,method,args,kwargs,error", SESSION_ACCESS,
                         ids=[f"{c[0]}-{c[1]}" for c in SESSION_ACCESS])
async def test_session_access(client: Any, orm: Any, who: str, method: str, args: list[Any],
                              kwargs: dict[str, Any], error: str) -> None:
    till = await demo_till(orm)
    await _clear_drafts(orm, till.session_id)
    await login(client, who)
    assert_odoo_error(await call_kw(client, "pos.session", method, [[till.session_id], *args],
                                    kwargs), error)
    assert (await _session(orm, till.session_id))["state"] == "opened"
