"""Order intake from a point of sale: create_from_ui (Odoo 16/17), sync_from_ui (18).

The contract under test (docs: odoo-protocol §9.3, ecosystem-security §1.4
and §4.3 test 1): the client's order uid is the idempotency key, held by a
unique index per restaurant; a resent order is answered with the same id
and, once paid, never changes; concurrent resends through several clients
and several server processes leave exactly one order each, with zero
errors to the clients.
"""
from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from tests.pos_support import (bus_events, cents, create_from_ui, demo_till, line, new_uid,
                               order_payload, order_state, payment, sync_payload)
from tests.support import assert_odoo_error, call_kw, envelope, login, result

pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")


async def _orders_with(orm: Any, uids: list[str]) -> list[dict[str, Any]]:
    async def read(env: Any) -> list[dict[str, Any]]:
        return await env.sudo()["pos.order"].search_read(
            [("uuid", "in", uids)], ["uuid", "state", "amount_total", "lines", "payment_ids"])
    return await orm.run(read)


# ---------------------------------------------------------------------------
# Concurrency: 10 orders, each sent 5 times at once, through several clients
# and one or two server processes on the same database
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("apps", [1, 2], ids=["one-worker", "two-workers"])
async def test_concurrent_resends_record_each_order_once(db: Any, orm: Any, aiohttp_server: Any,
                                                          apps: int) -> None:
    till = await demo_till(orm)
    servers = [await aiohttp_server(create_app(db.config)) for _ in range(apps)]
    sessions = []
    for index in range(5):
        session = aiohttp.ClientSession(base_url=str(servers[index % apps].make_url("/")),
                                        cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(session)
        response = await session.post("/web/session/authenticate", json=envelope(
            {"db": "gateway", "login": "waiter", "password": "waiter"}))
        assert "result" in await response.json()
    try:
        rng = random.Random(7)
        orders = {}
        for number in range(10):
            food, drink = till.products[number % 4], till.products[-1 - number % 3]
            qty = 1 + number % 3
            total = cents(food["list_price"]) * qty + cents(drink["list_price"])
            uid = new_uid()
            orders[uid] = (total, order_payload(
                uid, till.session_id, [line(food, qty), line(drink, 1)],
                [payment(till.card, float(total - 5)), payment(till.cash, 20)]))
        sends = [uid for uid in orders for _ in range(5)]
        rng.shuffle(sends)

        async def send(index: int, uid: str) -> Any:
            session = sessions[index % len(sessions)]
            response = await session.post("/web/dataset/call_kw/pos.order/create_from_ui",
                                          json=envelope({"model": "pos.order",
                                                         "method": "create_from_ui",
                                                         "args": [[orders[uid][1]]],
                                                         "kwargs": {}}))
            assert response.status == 200
            return uid, await response.json()

        answers = await asyncio.gather(*(send(i, uid) for i, uid in enumerate(sends)))
    finally:
        for session in sessions:
            await session.close()

    ids: dict[str, set[int]] = {}
    for uid, body in answers:
        assert "error" not in body, body["error"]
        (answer,) = body["result"]
        assert answer["pos_reference"] == f"Order {uid}" and answer["account_move"] is False
        ids.setdefault(uid, set()).add(answer["id"])
    assert all(len(found) == 1 for found in ids.values()), ids
    recorded = await _orders_with(orm, list(orders))
    assert sorted(r["uuid"] for r in recorded) == sorted(orders)
    for record in recorded:
        assert {record["id"]} == ids[record["uuid"]]
        total = orders[record["uuid"]][0]
        state = await order_state(orm, record["id"])
        assert state["state"] == "paid"
        assert cents(state["amount_total"]) == total
        assert len(state["lines"]) == 2
        given = sorted(cents(p["amount"]) for p in state["payment_ids"] if not p["is_change"])
        assert given == sorted([total - 5, Decimal(20)])
        (change,) = [p for p in state["payment_ids"] if p["is_change"]]
        assert cents(change["amount"]) == -15 and cents(state["amount_return"]) == 15
        assert cents(state["amount_paid"]) == total
    created = [e for e in await bus_events(orm, "order_created")
               if e["payload"]["order_id"] in {r["id"] for r in recorded}
               and e["channel"].endswith(":pos")]
    assert len(created) == 10          # one creation each: the resends notified nobody


# ---------------------------------------------------------------------------
# A recorded order
# ---------------------------------------------------------------------------

async def _backdate(orm: Any, order_id: int) -> None:
    """Make any later write visible in write_date, without waiting for the clock."""
    async def run(env: Any) -> None:
        Order, Line, Payment = (env.registry[m] for m in ("pos.order", "pos.order.line",
                                                            "pos.payment"))
        old = "2020-01-01 00:00:00"
        await env.cr.run(Order.update({Order.write_date: old}).where(Order.id == order_id))
        await env.cr.run(Line.update({Line.write_date: old}).where(Line.order_id == order_id))
        await env.cr.run(Payment.update({Payment.write_date: old})
                         .where(Payment.pos_order_id == order_id))
    await orm.run(run)


@pytest.mark.parametrize("resend", ["same", "other lines", "other payments", "as draft"])
async def test_resending_a_paid_order_changes_nothing(client: Any, orm: Any, resend: str) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup, other = till.product(0), till.product(1)
    uid = new_uid()
    first = order_payload(uid, till.session_id, [line(soup, 2)],
                          [payment(till.cash, soup["list_price"] * 2)])
    (answer,) = result(await create_from_ui(client, [first]))
    await _backdate(orm, answer["id"])
    before = await order_state(orm, answer["id"])

    lines, payments, draft = [line(soup, 2)], [payment(till.cash, soup["list_price"] * 2)], False
    if resend == "other lines":
        lines = [line(other, 5)]
        payments = [payment(till.cash, other["list_price"] * 5)]
    elif resend == "other payments":
        payments = [payment(till.card, soup["list_price"] * 2)]
    elif resend == "as draft":
        draft = True
    again = order_payload(uid, till.session_id, lines, payments)
    assert result(await create_from_ui(client, [again], draft=draft)) == [answer]
    assert await order_state(orm, answer["id"]) == before


async def test_a_draft_is_updated_and_keeps_its_dishes_in_the_kitchen(client: Any,
                                                                      orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup, steak, wine = till.product(0), till.product(1), till.products[-1]
    uid = new_uid()
    soup_line = line(soup, 2, uuid="line-soup")
    first = order_payload(uid, till.session_id, [soup_line, line(steak, 1, uuid="line-steak")],
                          [], version=17, table_id=till.tables[0], customer_count=3)
    (answer,) = result(await create_from_ui(client, [first], draft=True))
    order_id = answer["id"]
    state = await order_state(orm, order_id)
    assert state["state"] == "draft" and state["name"] == "/"
    soup_id = next(l["id"] for l in state["lines"] if l["uuid"] == "line-soup")
    await login(client, "kitchen")
    result(await call_kw(client, "pos.order.line", "set_kitchen_status", [[soup_id], "ready"]))

    # the waiter adds wine, drops the steak and sends the table's order again
    await login(client, "waiter")
    second = order_payload(uid, till.session_id, [soup_line, line(wine, 2, uuid="line-wine")],
                           [], version=17, table_id=till.tables[0], customer_count=4)
    assert result(await create_from_ui(client, [second], draft=True)) == [answer]
    state = await order_state(orm, order_id)
    by_uuid = {l["uuid"]: l for l in state["lines"]}
    assert set(by_uuid) == {"line-soup", "line-wine"}
    assert by_uuid["line-soup"]["id"] == soup_id and by_uuid["line-soup"]["kitchen_status"] == "ready"
    assert by_uuid["line-wine"]["kitchen_status"] == "new"
    assert state["customer_count"] == 4 and state["kitchen_status"] == "new"
    total = cents(soup["list_price"]) * 2 + cents(wine["list_price"]) * 2
    assert cents(state["amount_total"]) == total

    # then pays it: the same order becomes paid, with the payment sent last
    third = order_payload(uid, till.session_id, [soup_line, line(wine, 2, uuid="line-wine")],
                          [payment(till.card, float(total))], version=17,
                          table_id=till.tables[0])
    assert result(await create_from_ui(client, [third])) == [answer]
    state = await order_state(orm, order_id)
    assert state["state"] == "paid" and state["name"] == f"Main Till/{order_id:04d}"
    assert [cents(p["amount"]) for p in state["payment_ids"]] == [total]


async def test_a_discarded_draft_sent_again_stays_discarded(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [line(soup, 1)], [])
    (answer,) = result(await create_from_ui(client, [payload], draft=True))
    assert result(await call_kw(client, "pos.order", "remove_from_ui",
                                [[answer["id"]]])) == [answer["id"]]
    assert result(await create_from_ui(client, [payload], draft=True)) == [answer]
    (kept,) = await _orders_with(orm, [payload["id"]])
    assert kept["id"] == answer["id"] and kept["state"] == "cancel"


async def test_client_amounts_are_ignored(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup = till.product(0)          # 6.50, VAT 12% included
    uid = new_uid()
    payload = order_payload(uid, till.session_id, [line(soup, 3)], [payment(till.card, 19.5)],
                            amount_total=0.01, amount_tax=1000, amount_paid=1e9,
                            amount_return=77)
    (answer,) = result(await create_from_ui(client, [payload]))
    state = await order_state(orm, answer["id"])
    assert (cents(state["amount_total"]), cents(state["amount_tax"]),
            cents(state["amount_paid"]), cents(state["amount_return"])) == (
        Decimal("19.5"), Decimal("2.09"), Decimal("19.5"), Decimal(0))   # 19.50 - 19.50/1.12
    (only,) = state["lines"]
    assert (cents(only["price_subtotal"]), cents(only["price_subtotal_incl"])) == (
        Decimal("17.41"), Decimal("19.5"))
    assert not any(p["is_change"] for p in state["payment_ids"])


PAYLOAD_VERSIONS = [
    # version, date key, the date sent, the date stored
    (16, "creation_date", "2026-10-17T09:05:11", "2026-10-17 09:05:11"),
    (16, "creation_date", "2026-10-17T09:05:11.123Z", "2026-10-17 09:05:11"),
    (17, "date_order", "2026-09-12 20:15:00", "2026-09-12 20:15:00"),
]


@pytest.mark.parametrize("version,key,sent,stored", PAYLOAD_VERSIONS)
async def test_odoo_16_and_17_payloads(client: Any, orm: Any, version: int, key: str, sent: str,
                                       stored: str) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [line(soup, 1)],
                            [payment(till.cash, soup["list_price"])], version=version)
    payload["data"].pop("creation_date", None)
    payload["data"].pop("date_order", None)
    payload["data"][key] = sent
    (answer,) = result(await create_from_ui(client, [payload]))
    state = await order_state(orm, answer["id"])
    assert state["date_order"] == stored and state["state"] == "paid"
    assert state["pos_reference"] == payload["data"]["name"]


async def test_a_batch_is_one_transaction(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup = till.product(0)
    good = [order_payload(new_uid(), till.session_id, [line(soup, 1)],
                          [payment(till.cash, soup["list_price"])]) for _ in range(2)]
    bad = order_payload(new_uid(), till.session_id, [line(soup, 1)],
                        [payment(till.cash, 1.0)])               # not fully paid
    body = await create_from_ui(client, [*good, bad])
    assert_odoo_error(body, "odoo.exceptions.ValidationError", message="is not fully paid")
    assert await _orders_with(orm, [o["id"] for o in [*good, bad]]) == []
    # the POS keeps its queue and sends it again once fixed: all three are recorded
    bad["data"]["statement_ids"] = [payment(till.cash, soup["list_price"])]
    answers = result(await create_from_ui(client, [*good, bad]))
    assert len({a["id"] for a in answers}) == 3


BAD_PAYLOADS = [
    ("no uid", lambda p, t: p["data"].update(uid=None) or p.update(id=None),
     "odoo.exceptions.ValidationError", "uuid"),
    ("no session", lambda p, t: p["data"].update(pos_session_id=False),
     "odoo.exceptions.ValidationError", "session_id"),
    ("unknown session", lambda p, t: p["data"].update(pos_session_id=99999),
     "odoo.exceptions.ValidationError", "session_id"),
    ("another restaurant's session", lambda p, t: p["data"].update(
        pos_session_id=t.other_session_id), "odoo.exceptions.AccessError", None),
    ("another restaurant's table", lambda p, t: p["data"].update(table_id=99999),
     "odoo.exceptions.ValidationError", "table_id"),
    ("bad date", lambda p, t: p["data"].update(creation_date="yesterday"),
     "odoo.exceptions.ValidationError", "date_order"),
    ("lines not commands", lambda p, t: p["data"].update(lines={"a": 1}),
     "builtins.ValueError", None),
]


@pytest.mark.parametrize("case,change,error,field",
                         BAD_PAYLOADS, ids=[case[0] for case in BAD_PAYLOADS])
async def test_bad_payloads(client: Any, orm: Any, case: str, change: Any, error: str,
                            field: str | None) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [line(soup, 1)],
                            [payment(till.cash, soup["list_price"])])
    change(payload, till)
    data = assert_odoo_error(await create_from_ui(client, [payload]), error)
    if field:
        assert data["message"]
    assert await _orders_with(orm, [payload["data"]["uid"] or "none"]) == []


async def test_only_point_of_sale_users_send_orders(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "kitchen")
    soup = till.product(0)
    payload = order_payload(new_uid(), till.session_id, [line(soup, 1)],
                            [payment(till.cash, soup["list_price"])])
    assert_odoo_error(await create_from_ui(client, [payload]), "odoo.exceptions.AccessError",
                      message="You are not allowed to create")


async def test_the_same_uid_in_two_restaurants_is_two_orders(client: Any, orm: Any) -> None:
    bistro = await demo_till(orm, "waiter")
    sushi = await demo_till(orm, "sushi.waiter")
    uid = new_uid()
    ids = []
    for who, till in (("waiter", bistro), ("sushi.waiter", sushi)):
        await login(client, who)
        product = till.product(0)
        payload = order_payload(uid, till.session_id, [line(product, 1)],
                                [payment(till.cash, product["list_price"])])
        (answer,) = result(await create_from_ui(client, [payload]))
        ids.append(answer["id"])
    assert ids[0] != ids[1]


# ---------------------------------------------------------------------------
# Odoo 18: sync_from_ui
# ---------------------------------------------------------------------------

async def test_sync_from_ui_answers_records_in_the_18_data_format(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup = till.product(0)
    uid = new_uid()
    record = sync_payload(uid, till.session_id, [line(soup, 2, uuid="l-1")],
                          [payment(till.card, soup["list_price"] * 2, uuid="p-1")],
                          table_id=till.tables[1])
    answer = result(await call_kw(client, "pos.order", "sync_from_ui", [[record]]))
    assert set(answer) == {"pos.order", "pos.session", "pos.payment", "pos.order.line",
                           "pos.pack.operation.lot", "product.attribute.custom.value"}
    (order,) = answer["pos.order"]
    assert order["uuid"] == uid and order["state"] == "paid"
    assert order["session_id"] == till.session_id and order["table_id"] == till.tables[1]
    (order_line,) = answer["pos.order.line"]
    assert order_line["order_id"] == order["id"] and order_line["uuid"] == "l-1"
    assert isinstance(order_line["product_id"], int) and order_line["tax_ids"]
    (paid,) = answer["pos.payment"]
    assert paid["pos_order_id"] == order["id"] and paid["uuid"] == "p-1"
    assert order["lines"] == [order_line["id"]] and order["payment_ids"] == [paid["id"]]
    # sent again (a POS whose first call timed out): the same records, nothing new
    again = result(await call_kw(client, "pos.order", "sync_from_ui", [[record]]))
    assert again == answer


async def test_sync_from_ui_applies_commands_to_a_draft(client: Any, orm: Any) -> None:
    till = await demo_till(orm)
    await login(client, "waiter")
    soup, steak, wine = till.product(0), till.product(1), till.products[-1]
    uid = new_uid()
    draft = sync_payload(uid, till.session_id,
                         [line(soup, 1, uuid="a"), line(steak, 1, uuid="b")], [], state="draft")
    first = result(await call_kw(client, "pos.order", "sync_from_ui", [[draft]]))
    lines = {l["uuid"]: l["id"] for l in first["pos.order.line"]}
    order_id = first["pos.order"][0]["id"]
    # 18 sends only what changed: soup now 3, steak removed, wine added
    update = sync_payload(uid, till.session_id, [
        [1, lines["a"], {"qty": 3, "product_id": soup["id"], "price_unit": soup["list_price"]}],
        [2, lines["b"]], line(wine, 1, uuid="c")], [], state="draft", id=order_id)
    second = result(await call_kw(client, "pos.order", "sync_from_ui", [[update]]))
    assert {(l["uuid"], l["qty"]) for l in second["pos.order.line"]} == {("a", 3.0), ("c", 1.0)}
    total = cents(soup["list_price"]) * 3 + cents(wine["list_price"])
    assert cents(second["pos.order"][0]["amount_total"]) == total
    # a payment saved with the draft, sent again with the payment that completes it
    deposit = sync_payload(uid, till.session_id, [], [payment(till.card, 10, uuid="p-1")],
                           state="draft", id=order_id)
    result(await call_kw(client, "pos.order", "sync_from_ui", [[deposit]]))
    pay = sync_payload(uid, till.session_id, [], [
        payment(till.card, 10, uuid="p-1"), payment(till.cash, float(total - 10), uuid="p-2")],
        state="paid", id=order_id)
    third = result(await call_kw(client, "pos.order", "sync_from_ui", [[pay]]))
    assert third["pos.order"][0]["state"] == "paid" and len(third["pos.order.line"]) == 2
    assert sorted(p["uuid"] for p in third["pos.payment"]) == ["p-1", "p-2"]
    # a line of another order cannot be reached through this one
    other = sync_payload(new_uid(), till.session_id, [line(soup, 1)], [], state="draft")
    other_line = result(await call_kw(client, "pos.order", "sync_from_ui",
                                      [[other]]))["pos.order.line"][0]["id"]
    sneaky = sync_payload(other["uuid"], till.session_id,
                          [[1, lines["a"], {"qty": 1, "product_id": soup["id"]}]], [],
                          state="draft")
    assert_odoo_error(await call_kw(client, "pos.order", "sync_from_ui", [[sneaky]]),
                      "odoo.exceptions.MissingError")
    assert other_line
