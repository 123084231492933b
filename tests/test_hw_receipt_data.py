"""An order's receipt read from the demo database (models/receipt_data.py)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hardware_bridge.receipt import Receipt
from hardware_bridge.render import to_escpos, to_text
from models.exceptions import AccessError, MissingError
from models.receipt_data import receipt_data
from tests.pos_support import cents, demo_till, line, new_uid, order_payload, payment


async def _sell(orm: Any) -> tuple[int, Any]:
    """A paid order of two dishes at a table, with a kitchen note, by the waiter."""
    till = await demo_till(orm)
    first, second = till.product(0), till.product(1)
    total = cents(first["list_price"]) * 2 + cents(second["list_price"])
    payload = order_payload(
        new_uid(), till.session_id,
        [line(first, 2, customer_note="no onions\x1bp\x01\x19"), line(second, 1)],
        [payment(till.cash, float(total))], table_id=till.tables[0], customer_count=2)

    async def create(env: Any) -> int:
        (answer,) = await env["pos.order"].create_from_ui([payload])
        return answer["id"]
    return await orm.run(create, login="waiter"), till


async def test_receipt_data_of_an_order(orm: Any) -> None:
    order_id, till = await _sell(orm)
    data = await orm.run(lambda env: receipt_data(env, order_id), login="waiter")

    async def stored(env: Any) -> dict[str, Any]:
        sudo = env.sudo()
        (order,) = await sudo["pos.order"].read([order_id], None)
        order["lines"] = await sudo["pos.order.line"].read(order["lines"], None)
        (company,) = await sudo["res.company"].read([till.company_id], ["name", "tz"])
        order["company"] = company
        return order
    order = await orm.run(stored)

    assert data["company"]["name"] == order["company"]["name"]
    assert data["company"]["logo"] is None
    assert data["reference"] == order["pos_reference"] and data["reference"]
    assert data["waiter"] == "Wendy Waiter"
    assert data["table"] == order["table_id"][1] and data["guests"] == 2
    assert [(item["name"], item["qty"]) for item in data["lines"]] == [
        (till.product(0)["name"], 2.0), (till.product(1)["name"], 1.0)]
    assert data["lines"][0]["note"] == "no onions\x1bp\x01\x19"     # raw here; printing cleans it
    assert [item["uuid"] for item in data["lines"]] == [
        stored_line["uuid"] or f"line-{stored_line['id']}" for stored_line in order["lines"]]
    assert all(item["category_ids"] for item in data["lines"])
    assert cents(data["total"]) == cents(order["amount_total"])
    assert sum(Decimal(t["amount"]) for t in data["taxes"]) == cents(order["amount_tax"])
    assert cents(data["subtotal"]) + cents(order["amount_tax"]) == cents(order["amount_total"])
    assert [p["amount"] for p in data["payments"]] == [order["amount_total"]]
    utc = dt.datetime.fromisoformat(order["date_order"]).replace(tzinfo=dt.UTC)
    assert order["company"]["tz"]                               # the demo restaurants have one
    zone = ZoneInfo(order["company"]["tz"])
    assert data["date"] == utc.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    receipt = Receipt.from_data(data)
    printed = to_escpos(receipt)
    assert printed.startswith(b"\x1b@") and printed.endswith(b"\x1dV\x00")
    for item in data["lines"]:
        assert item["name"].encode("cp437", "replace") in printed
    assert receipt.money(receipt.total).encode("cp437", "replace") in printed
    assert b"\x1bp" not in printed and b"no onions" in printed
    assert order["company"]["name"] in to_text(receipt)


async def test_the_tills_header_and_footer_are_printed(orm: Any) -> None:
    """pos.config's receipt header and footer, as Odoo prints them."""
    order_id, _till = await _sell(orm)

    async def set_texts(env: Any) -> None:
        (order,) = await env["pos.order"].read([order_id], ["config_id"], load=None)
        await env["pos.config"].write([order["config_id"]], {
            "receipt_header": "Open every day 12-23", "receipt_footer": "Grazie e a presto!"})
    await orm.run(set_texts, login="manager")
    data = await orm.run(lambda env: receipt_data(env, order_id), login="waiter")
    assert (data["header"], data["footer"]) == ("Open every day 12-23", "Grazie e a presto!")
    text = to_text(Receipt.from_data(data))
    assert text.index("Open every day 12-23") < text.index(data["lines"][0]["name"])
    assert text.index("Grazie e a presto!") > text.index(data["lines"][-1]["name"])


async def test_other_restaurants_cannot_read_the_receipt(orm: Any) -> None:
    order_id, _ = await _sell(orm)
    with pytest.raises(AccessError):
        await orm.run(lambda env: receipt_data(env, order_id), login="sushi.manager")


async def test_missing_order(orm: Any) -> None:
    with pytest.raises(MissingError):
        await orm.run(lambda env: receipt_data(env, 987654), login="waiter")
