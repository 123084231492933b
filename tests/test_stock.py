"""Stock: sales and refunds move it, managers adjust it, alerts fire once per crossing.

Bistro Centrale (A) tracks two drinks (Craft Beer with a low-stock threshold
of 3, Lemonade without) and sells Espresso as a consumable; Sushi Koi (B)
tracks Asahi. Sales go through the real payment path: the waiter rings up an
order in the open session, pays it in cash, and ``action_pos_order_paid``
moves the stock (``pos.order._mark_paid`` calls ``apply_paid_orders``).
"""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
import pytest

from models import bus
from models.bus import BusBus
from models.exceptions import (AccessError, InsufficientStock, MissingError, UserError,
                               ValidationError)
from models.stock import apply_paid_orders, qty_available
from tests.support import assert_odoo_error, call_kw, login, result

_uids = itertools.count(1)


@dataclass
class Shop:
    a: int
    b: int
    beer: int          # A, storable, threshold 3
    lemonade: int      # A, storable, no threshold
    espresso: int      # A, consumable
    asahi: int         # B, storable
    waiter: int
    manager: int
    session: int       # A's open session
    cash: int          # A's cash payment method


@pytest.fixture
async def shop(orm: Any) -> Shop:
    async def setup(env: Any) -> Shop:
        data = env["ir.model.data"]
        a = await data._xmlid_to_res_id("gateway_demo.restaurant_bistro")
        b = await data._xmlid_to_res_id("gateway_demo.restaurant_sushi")
        products = env["product.product"]

        async def product(name: str, company: int) -> int:
            (found,) = await products.search([("name", "=", name), ("company_id", "=", company)])
            return found
        shop = Shop(a, b, await product("Craft Beer", a), await product("Lemonade", a),
                    await product("Espresso", a), await product("Asahi", b),
                    *[(await env["res.users"].search([("login", "=", who)]))[0]
                      for who in ("waiter", "manager")],
                    (await env["pos.session"].search([("company_id", "=", a),
                                                      ("state", "=", "opened")]))[0],
                    (await env["pos.payment.method"].search([("company_id", "=", a),
                                                             ("type", "=", "cash")]))[0])
        # The demo's bottled drinks and their month of moves are not this module's world:
        # every test starts with nothing counted and only the products above tracked.
        await env.cr.run(env.registry["stock.move"].delete())
        await env.cr.run(env.registry["stock.quant"].delete())
        await products.write(await products.search([("type", "=", "product")]),
                             {"type": "consu"})
        await products.write([shop.beer], {"type": "product", "low_stock_threshold": 3})
        await products.write([shop.lemonade, shop.asahi], {"type": "product"})
        return shop
    return await orm.run(setup)


async def stock_up(orm: Any, shop: Shop, **quantities: float) -> None:
    """Count the named products of A (beer=10, ...) as the manager, and forget those moves."""
    async def count(env: Any) -> None:
        for name, quantity in quantities.items():
            await env["stock.quant"].adjust(getattr(shop, name), quantity=quantity, reason="count")
    await orm.run(count, login="manager")

    async def forget(env: Any) -> None:
        await env.cr.run(env.registry["stock.move"].delete())
        await env.cr.run(BusBus.delete())
    await orm.run(forget)


async def forbid(orm: Any, company: int, forbidden: bool = True) -> None:
    await orm.run(lambda env: env["res.company"].write([company], {
        "forbid_negative_stock": forbidden}))


async def new_order(env: Any, shop: Shop, lines: list[tuple]) -> int:
    """A draft order of A's open session, sent as a till sends it: lines are
    (product, qty[, refunded line])."""
    uid = f"stock-{next(_uids)}"
    (sent,) = await env["pos.order"].create_from_ui([{"id": uid, "data": {
        "uid": uid, "pos_session_id": shop.session, "statement_ids": [],
        "lines": [(0, 0, {"product_id": line[0], "qty": line[1],
                          **({"refunded_orderline_id": line[2]} if len(line) > 2 else {})})
                  for line in lines]}}], draft=True)
    return sent["id"]


async def paid_order(env: Any, shop: Shop, lines: list[tuple]) -> int:
    """Ring up an order and pay it in cash, as a till does."""
    order = await new_order(env, shop, lines)
    ((total,),) = [(r["amount_total"],) for r in await env["pos.order"].read(
        [order], ["amount_total"])]
    if total:
        await env["pos.payment"].create({"pos_order_id": order, "amount": total,
                                         "payment_method_id": shop.cash})
    await env["pos.order"].action_pos_order_paid([order])
    return order


async def sell(orm: Any, shop: Shop, lines: list[tuple], user: str = "waiter") -> int:
    return await orm.run(lambda env: paid_order(env, shop, lines), login=user)


async def on_hand(orm: Any, product: int, company: int) -> float | None:
    async def read(env: Any) -> float | None:
        quant = env.registry["stock.quant"]
        row = await env.cr.first(quant.select(quant.quantity).where(
            (quant.product_id == product) & (quant.company_id == company)))
        return None if row is None else float(row[0])
    return await orm.run(read)


async def moves(orm: Any) -> list[dict[str, Any]]:
    return await orm.run(lambda env: env["stock.move"].search_read(
        [], ["product_id", "company_id", "quantity", "quantity_after", "reason", "pos_order_id",
             "origin", "note", "create_uid"], order="id", load=None))


async def events(orm: Any, company: int) -> list[tuple[str, dict[str, Any]]]:
    """(type, payload) of the restaurant's inventory events, oldest first."""
    async def read(env: Any) -> list[tuple[str, dict[str, Any]]]:
        rows = await env.cr.rows(BusBus.select(BusBus.message).where(
            BusBus.channel == f"restaurant:{company}").order_by(BusBus.id))
        messages = [orjson.loads(row[0]) for row in rows]
        return [(m["type"], m["payload"]) for m in messages if m["type"].startswith("inventory_")]
    return await orm.run(read)


# ---------------------------------------------------------------------------
# Sales and refunds
# ---------------------------------------------------------------------------

#: (order lines by product attribute, beer after, lemonade after, moves as (product, qty, reason))
SALES = [
    ([("beer", 3)], 7, 5, [("beer", -3, "sale")]),
    ([("beer", 1), ("beer", 2), ("lemonade", 5)], 7, 0, [("beer", -3, "sale"),
                                                        ("lemonade", -5, "sale")]),
    ([("beer", 0.5)], 9.5, 5, [("beer", -0.5, "sale")]),
    ([("espresso", 4)], 10, 5, []),                      # consumables are not tracked
    ([("espresso", 4), ("lemonade", 1)], 10, 4, [("lemonade", -1, "sale")]),
]


@pytest.mark.parametrize("lines, beer, lemonade, expected", SALES)
async def test_paid_orders_move_stock(orm: Any, shop: Shop, lines: list, beer: float,
                                      lemonade: float, expected: list) -> None:
    await stock_up(orm, shop, beer=10, lemonade=5)
    order = await sell(orm, shop, [(getattr(shop, name), qty) for name, qty in lines])
    assert await on_hand(orm, shop.beer, shop.a) == beer
    assert await on_hand(orm, shop.lemonade, shop.a) == lemonade
    assert await on_hand(orm, shop.espresso, shop.a) is None
    (name,) = await orm.run(lambda env: env["pos.order"].read([order], ["name"]))
    recorded = await moves(orm)
    assert [(m["product_id"], m["quantity"], m["reason"]) for m in recorded] == [
        (getattr(shop, product), qty, reason) for product, qty, reason in expected]
    for move in recorded:   # the cashier is the author, the order the origin
        assert (move["create_uid"], move["pos_order_id"], move["origin"], move["company_id"]) == (
            shop.waiter, order, name["name"], shop.a)
        assert move["quantity_after"] == {shop.beer: beer, shop.lemonade: lemonade}[
            move["product_id"]]


async def test_a_refund_puts_back_what_it_returns(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, beer=10, lemonade=5)
    sale = await sell(orm, shop, [(shop.beer, 3), (shop.lemonade, 1)])
    (beer_line,) = await orm.run(lambda env: env["pos.order.line"].search(
        [("order_id", "=", sale), ("product_id", "=", shop.beer)]))
    refund = await sell(orm, shop, [(shop.beer, -2, beer_line)])
    assert await on_hand(orm, shop.beer, shop.a) == 9
    assert await on_hand(orm, shop.lemonade, shop.a) == 4
    assert [(m["pos_order_id"], m["product_id"], m["quantity"], m["quantity_after"], m["reason"])
            for m in await moves(orm)] == [
        (sale, shop.beer, -3, 7, "sale"), (sale, shop.lemonade, -1, 4, "sale"),
        (refund, shop.beer, 2, 9, "refund")]


async def test_applying_an_order_twice_changes_nothing(orm: Any, shop: Shop) -> None:
    """A repeated call (a retried payment) finds the order's moves and does nothing."""
    await stock_up(orm, shop, beer=10)
    order = await sell(orm, shop, [(shop.beer, 2)])
    await orm.run(lambda env: apply_paid_orders(env, [order]), login="waiter")
    assert await on_hand(orm, shop.beer, shop.a) == 8
    assert len(await moves(orm)) == 1


async def test_sales_of_several_orders_at_once(orm: Any, shop: Shop) -> None:
    """One call for several orders: one move per order, the running quantity on each."""
    await stock_up(orm, shop, beer=10)

    async def unit(env: Any) -> list[int]:
        orders = [await new_order(env, shop, [(shop.beer, 2)]),
                  await new_order(env, shop, [(shop.beer, 3)])]
        await apply_paid_orders(env, orders)
        return orders
    first, second = await orm.run(unit, login="waiter")
    assert [(m["pos_order_id"], m["quantity"], m["quantity_after"]) for m in await moves(orm)] == [
        (first, -2, 8), (second, -3, 5)]


# ---------------------------------------------------------------------------
# Not enough stock
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("forbidden", [True, False])
async def test_selling_more_than_on_hand(orm: Any, shop: Shop, forbidden: bool) -> None:
    """Refused with the quantities when the restaurant forbids it (nothing recorded),
    otherwise the stock goes negative (Odoo's default)."""
    await stock_up(orm, shop, beer=2)
    await forbid(orm, shop.a, forbidden)
    orders = await orm.run(lambda env: env["pos.order"].search_count([]))
    if forbidden:
        with pytest.raises(InsufficientStock) as caught:
            await sell(orm, shop, [(shop.beer, 5)])
        assert str(caught.value) == "Not enough Craft Beer: 2 on hand, 5 ordered"
        assert await on_hand(orm, shop.beer, shop.a) == 2
        assert await moves(orm) == []
        assert await events(orm, shop.a) == []
        assert await orm.run(lambda env: env["pos.order"].search_count([])) == orders
    else:
        await sell(orm, shop, [(shop.beer, 5)])
        assert await on_hand(orm, shop.beer, shop.a) == -3
        assert [m["quantity"] for m in await moves(orm)] == [-5]


async def test_every_short_product_is_named(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, beer=1, lemonade=0.5)
    await forbid(orm, shop.a)
    with pytest.raises(InsufficientStock) as caught:
        await sell(orm, shop, [(shop.beer, 2), (shop.lemonade, 1), (shop.espresso, 9)])
    assert str(caught.value).splitlines() == ["Not enough Craft Beer: 1 on hand, 2 ordered",
                                              "Not enough Lemonade: 0.5 on hand, 1 ordered"]
    assert await on_hand(orm, shop.beer, shop.a) == 1


async def test_refunds_are_never_refused(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, beer=1)
    sale = await sell(orm, shop, [(shop.beer, 1)])
    await orm.run(lambda env: env["stock.quant"].adjust(shop.beer, delta=-5), login="manager")
    await forbid(orm, shop.a)
    (line,) = await orm.run(lambda env: env["pos.order.line"].search([("order_id", "=", sale)]))
    await sell(orm, shop, [(shop.beer, -1, line)])
    assert await on_hand(orm, shop.beer, shop.a) == -4


#: (payments of one beer at once, beers counted (None: never), below zero forbidden,
#:  wait until every payment has read the stock, beers on hand after, alerts)
RACES = [
    (2, 1, True, True, 0, ["inventory_out"]),
    (4, 2, True, False, 0, ["inventory_out"]),
    (2, None, False, True, -2, []),       # the first sales ever: one quant, created once
]


@pytest.mark.parametrize("contenders, beers, forbidden, barrier, after, alerts", RACES)
async def test_concurrent_sales(orm: Any, shop: Shop, contenders: int, beers: int | None,
                                forbidden: bool, barrier: bool, after: int,
                                alerts: list[str]) -> None:
    """Payments at the same moment: when below zero is forbidden, as many
    succeed as there are beers and the others are refused; when allowed, all
    succeed and none is lost. With the barrier, on PostgreSQL, every payment
    has taken its snapshot before any of them writes, so the race is real
    (the test pool has two connections: two contenders at most); SQLite runs
    units one at a time, which is its answer to the same race."""
    if beers is not None:
        await stock_up(orm, shop, beer=beers)
    await forbid(orm, shop.a, forbidden)
    arrived = attempts = 0
    everyone_in = asyncio.Event()

    async def pay(env: Any) -> int:
        nonlocal arrived, attempts
        attempts += 1
        order = await new_order(env, shop, [(shop.beer, 1)])
        (total,) = [r["amount_total"] for r in await env["pos.order"].read([order])]
        await env["pos.payment"].create({"pos_order_id": order, "amount": total,
                                         "payment_method_id": shop.cash})
        await qty_available(env, [shop.beer])   # this transaction's snapshot of the stock
        if barrier and orm.backend.kind == "postgresql":
            arrived += 1
            if arrived >= contenders:
                everyone_in.set()
            await everyone_in.wait()
        await env["pos.order"].action_pos_order_paid([order])
        return order

    outcomes = await asyncio.gather(*[orm.run(pay, login="waiter") for _ in range(contenders)],
                                    return_exceptions=True)
    sold = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if not isinstance(o, int)]
    assert len(sold) == (beers if forbidden else contenders), outcomes
    if barrier and orm.backend.kind == "postgresql":   # a payment lost a real race, and retried
        assert attempts > contenders
    assert all(isinstance(o, InsufficientStock) and "Not enough Craft Beer: 0 on hand, 1 ordered"
               == str(o) for o in refused), refused
    assert await on_hand(orm, shop.beer, shop.a) == after
    recorded = await moves(orm)
    assert sorted(m["pos_order_id"] for m in recorded) == sorted(sold)
    assert sorted(m["quantity_after"] for m in recorded) == list(range(after, after + len(sold)))
    assert [kind for kind, _payload in await events(orm, shop.a)] == alerts


# ---------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------

#: Craft Beer (threshold 3) from 6 on hand: (what happens, on hand after, events it raises)
ALERT_STEPS = [
    ("sell", 2, 4, []),
    ("sell", 1, 3, [("inventory_low", {"quantity": 3.0, "threshold": 3.0})]),
    ("sell", 1, 2, []),                                  # still low: no second alert
    ("sell", 2, 0, [("inventory_out", {"quantity": 0.0})]),
    ("sell", 1, -1, []),                                 # still out
    ("restock", 11, 10, []),
    ("sell", 8, 2, [("inventory_low", {"quantity": 2.0, "threshold": 3.0})]),
    ("count", 5, 5, []),
    ("waste", 5, 0, [("inventory_out", {"quantity": 0.0})]),
    ("restock", 12, 12, []),
    ("sell", 12, 0, [("inventory_out", {"quantity": 0.0})]),  # straight out: the stronger news
]


async def test_alerts_once_per_crossing(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, beer=6)
    seen = 0
    for step, (action, amount, after, expected) in enumerate(ALERT_STEPS):
        if action == "sell":
            await sell(orm, shop, [(shop.beer, amount)])
        else:
            kwargs = ({"quantity": amount} if action == "count"
                      else {"delta": amount if action == "restock" else -amount})
            await orm.run(lambda env: env["stock.quant"].adjust(
                shop.beer, reason=action, **kwargs), login="manager")
        assert await on_hand(orm, shop.beer, shop.a) == after, step
        raised = (await events(orm, shop.a))[seen:]
        seen += len(raised)
        assert raised == [(kind, dict(payload, product_id=shop.beer, name="Craft Beer",
                                      company_id=shop.a)) for kind, payload in expected], step


async def test_alerts_reach_their_audiences(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, lemonade=1)
    await sell(orm, shop, [(shop.lemonade, 1)])

    async def channels(env: Any) -> list[str]:
        rows = await env.cr.rows(BusBus.select(BusBus.channel, BusBus.message)
                                 .order_by(BusBus.channel))
        return [channel for channel, message in rows
                if orjson.loads(message)["type"] == "inventory_out"]
    # out of stock reaches the kitchen too (the dish cannot be cooked); low stock does not
    assert await orm.run(channels) == [f"restaurant:{shop.a}", f"restaurant:{shop.a}:kitchen",
                                       f"restaurant:{shop.a}:management",
                                       f"restaurant:{shop.a}:pos"]


async def test_a_rolled_back_sale_changes_and_announces_nothing(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, beer=1)

    async def unit(env: Any) -> None:
        await paid_order(env, shop, [(shop.beer, 1)])
        assert "inventory_out" in [message["type"] for _channel, message in bus.pending(env.cr)]
        raise RuntimeError("the payment failed after the stock moved")
    with pytest.raises(RuntimeError):
        await orm.run(unit, login="waiter")
    assert await on_hand(orm, shop.beer, shop.a) == 1
    assert await moves(orm) == []
    assert await events(orm, shop.a) == []


# ---------------------------------------------------------------------------
# Adjustments
# ---------------------------------------------------------------------------

#: (adjust arguments, beer after (from 10), the move's quantity)
ADJUSTMENTS = [
    ({"quantity": 4, "reason": "count", "note": "Friday count"}, 4, -6),
    ({"quantity": 10, "reason": "count"}, 10, 0),           # a count that confirms is history too
    ({"delta": 24, "reason": "restock", "note": "Delivery #118"}, 34, 24),
    ({"delta": -2, "reason": "waste", "note": "Broken bottles"}, 8, -2),
    ({"delta": "1.5"}, 11.5, 1.5),                          # reason: 'adjustment'
    ({"quantity": 0, "delta": False, "reason": "count"}, 0, -10),   # XML-RPC's "not given"
]


@pytest.mark.parametrize("kwargs, after, change", ADJUSTMENTS)
async def test_managers_adjust_with_a_reason(orm: Any, shop: Shop, kwargs: dict, after: float,
                                             change: float) -> None:
    await stock_up(orm, shop, beer=10)
    answer = await orm.run(lambda env: env["stock.quant"].adjust(shop.beer, **kwargs),
                           login="manager")
    assert answer["quantity"] == after and answer["product_id"] == shop.beer
    assert await on_hand(orm, shop.beer, shop.a) == after
    (move,) = await moves(orm)
    assert move == {"id": answer["move_id"], "product_id": shop.beer, "company_id": shop.a,
                    "quantity": change, "quantity_after": after,
                    "reason": kwargs.get("reason", "adjustment"), "pos_order_id": False,
                    "origin": False, "note": kwargs.get("note", False), "create_uid": shop.manager}


#: (login, product attribute, adjust arguments, error class, message fragment)
REFUSED = [
    ("waiter", "beer", {"delta": 1}, AccessError, "not allowed to modify 'Quants'"),
    ("kitchen", "beer", {"delta": 1}, AccessError, "not allowed to modify 'Quants'"),
    ("manager", "asahi", {"delta": 1}, AccessError, "record rules"),
    ("sushi.manager", "beer", {"quantity": 0, "reason": "count"}, AccessError, "record rules"),
    ("manager", "espresso", {"delta": 1}, UserError, "not a storable product"),
    ("manager", "beer", {"delta": 1, "quantity": 3}, ValidationError, "not both"),
    ("manager", "beer", {}, ValidationError, "either the counted quantity"),
    ("manager", "beer", {"quantity": -1, "reason": "count"}, ValidationError, "negative"),
    ("manager", "beer", {"delta": 1, "reason": "sale"}, ValidationError, "Invalid reason"),
    ("manager", "beer", {"delta": "lots"}, ValidationError, "expected a number"),
    ("manager", "beer", {"delta": 0.0001}, ValidationError, "at most 3 decimals"),
    ("manager", "beer", {"delta": True}, ValidationError, "expected a number"),
    ("manager", "nowhere", {"delta": 1}, MissingError, "does not exist"),
]


@pytest.mark.parametrize("user, product, kwargs, error, message", REFUSED)
async def test_adjustments_refused(orm: Any, shop: Shop, user: str, product: str, kwargs: dict,
                                   error: type, message: str) -> None:
    await stock_up(orm, shop, beer=10)
    target = getattr(shop, product, 999_999)
    with pytest.raises(error) as caught:
        await orm.run(lambda env: env["stock.quant"].adjust(target, **kwargs), login=user)
    assert type(caught.value) is error and message in str(caught.value), caught.value
    assert await on_hand(orm, shop.beer, shop.a) == 10
    assert await on_hand(orm, shop.asahi, shop.b) is None
    assert await moves(orm) == []


async def test_adjusting_below_zero_follows_the_restaurant_rule(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, beer=2)
    await forbid(orm, shop.a)
    with pytest.raises(InsufficientStock, match="Not enough Craft Beer: 2 on hand, 3 to remove"):
        await orm.run(lambda env: env["stock.quant"].adjust(shop.beer, delta=-3, reason="waste"),
                      login="manager")
    await forbid(orm, shop.a, False)
    await orm.run(lambda env: env["stock.quant"].adjust(shop.beer, delta=-3, reason="waste"),
                  login="manager")
    assert await on_hand(orm, shop.beer, shop.a) == -1


#: Quantities change only through sales and adjust: the generic ORM is closed to them.
GENERIC_WRITES = [
    ("manager", "write", lambda s, quant: ([quant], {"quantity": 99}), ValidationError),
    ("manager", "create", lambda s, quant: ({"product_id": s.lemonade, "quantity": 9},),
     AccessError),
    ("manager", "unlink", lambda s, quant: ([quant],), AccessError),
    ("waiter", "write", lambda s, quant: ([quant], {"quantity": 99}), AccessError),
]


@pytest.mark.parametrize("user, method, args, error", GENERIC_WRITES)
async def test_quants_are_not_written_directly(orm: Any, shop: Shop, user: str, method: str,
                                               args: Any, error: type) -> None:
    await stock_up(orm, shop, beer=10)
    (quant,) = await orm.run(lambda env: env["stock.quant"].search(
        [("product_id", "=", shop.beer)]))
    with pytest.raises(error):
        await orm.run(lambda env: getattr(env["stock.quant"], method)(*args(shop, quant)),
                      login=user)
    assert await on_hand(orm, shop.beer, shop.a) == 10


# ---------------------------------------------------------------------------
# Reading quantities, and restaurant isolation
# ---------------------------------------------------------------------------

async def test_quantities_of_the_current_restaurant(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, beer=2, lemonade=7)
    answer = await orm.run(lambda env: env["stock.quant"].get_quantities(), login="waiter")
    assert {r["product_id"]: (r["quantity"], r["status"]) for r in answer} == {
        shop.beer: (2.0, "low"), shop.lemonade: (7.0, "available")}
    picked = await orm.run(lambda env: env["stock.quant"].get_quantities(
        [shop.espresso, shop.beer]), login="kitchen")
    assert [(r["product_id"], r["tracked"], r["quantity"], r["status"]) for r in picked] == [
        (shop.espresso, False, False, "untracked"), (shop.beer, True, 2.0, "low")]
    await sell(orm, shop, [(shop.lemonade, 7)])
    on_hand_now = await orm.run(lambda env: qty_available(
        env, [shop.beer, shop.lemonade, shop.espresso]), login="waiter")
    assert on_hand_now == {shop.beer: Decimal("2.000"), shop.lemonade: Decimal("0.000")}


async def test_restaurants_do_not_see_each_others_stock(orm: Any, shop: Shop) -> None:
    await stock_up(orm, shop, beer=10)
    mine = await orm.run(lambda env: env["stock.quant"].get_quantities(), login="sushi.manager")
    assert [r["product_id"] for r in mine] == [shop.asahi]
    assert await orm.run(lambda env: env["stock.quant"].search_count([]),
                         login="sushi.manager") == 0
    (quant,) = await orm.run(lambda env: env["stock.quant"].search([]))
    for call in (lambda env: env["stock.quant"].read([quant], ["quantity"]),
                 lambda env: env["stock.quant"].get_quantities([shop.beer])):
        with pytest.raises(AccessError):
            await orm.run(call, login="sushi.manager")
    assert await orm.run(lambda env: qty_available(env, [shop.beer]), login="sushi.manager") == {
        shop.beer: Decimal("0.000")}   # Sushi Koi has never counted Bistro's beer
    assert await orm.run(lambda env: env["stock.move"].search_count([]),
                         login="sushi.manager") == 0


async def test_over_json_rpc(client: Any, orm: Any, shop: Shop) -> None:
    """The public methods through the Odoo front, errors in Odoo's shape."""
    await login(client, "manager")
    answer = result(await call_kw(client, "stock.quant", "adjust", [shop.beer],
                                  {"delta": 6, "reason": "restock", "note": "Delivery"}))
    assert answer["quantity"] == 6.0
    body = await call_kw(client, "stock.quant", "adjust", [shop.asahi], {"delta": 1})
    assert_odoo_error(body, "odoo.exceptions.AccessError")
    body = await call_kw(client, "stock.quant", "adjust", [shop.beer], {"delta": 1,
                                                                         "reason": "sale"})
    assert_odoo_error(body, "odoo.exceptions.ValidationError", message="Invalid reason")
    rows = result(await call_kw(client, "stock.quant", "get_quantities", [[shop.beer]]))
    assert rows[0]["quantity"] == 6.0
    history = result(await call_kw(client, "stock.move", "search_read", [[]],
                                   {"fields": ["reason", "quantity", "create_uid"]}))
    assert [(m["reason"], m["quantity"], m["create_uid"][0]) for m in history][:1] == [
        ("restock", 6.0, shop.manager)]
    await login(client, "waiter")
    body = await call_kw(client, "stock.quant", "adjust", [shop.beer], {"delta": 1})
    assert_odoo_error(body, "odoo.exceptions.AccessError")
    body = await call_kw(client, "stock.move", "search_read", [[]], {"fields": ["reason"]})
    assert_odoo_error(body, "odoo.exceptions.AccessError")


def ui_order(shop: Shop, uid: str, beers: int) -> dict[str, Any]:
    """An Odoo 16/17 point of sale's order: ``beers`` Craft Beers (5.50) paid in cash."""
    return {"id": uid, "to_invoice": False, "data": {
        "uid": uid, "name": f"Order {uid}", "pos_session_id": shop.session, "partner_id": False,
        "user_id": shop.waiter, "amount_paid": 5.5 * beers, "amount_total": 5.5 * beers,
        "amount_tax": 0, "amount_return": 0, "server_id": False,
        "lines": [[0, 0, {"product_id": shop.beer, "qty": beers, "price_unit": 5.5,
                          "discount": 0, "tax_ids": [[6, False, []]], "id": 1}]],
        "statement_ids": [[0, 0, {"payment_method_id": shop.cash, "amount": 5.5 * beers,
                                  "name": "2024-05-01 10:22:09"}]]}}


async def test_orders_from_the_point_of_sale(client: Any, orm: Any, shop: Shop) -> None:
    """create_from_ui moves the stock once, however often the till resends the order, and
    a refusal reaches the till as Odoo's UserError with the quantities."""
    await stock_up(orm, shop, beer=3)
    await forbid(orm, shop.a)
    await login(client, "waiter")
    for _attempt in range(2):
        (answer,) = result(await call_kw(client, "pos.order", "create_from_ui",
                                         [[ui_order(shop, "00001-001-0001", 2)], False]))
    assert await on_hand(orm, shop.beer, shop.a) == 1
    ((move,),) = [await moves(orm)]
    assert (move["pos_order_id"], move["quantity"], move["create_uid"]) == (
        answer["id"], -2, shop.waiter)
    body = await call_kw(client, "pos.order", "create_from_ui",
                         [[ui_order(shop, "00001-001-0002", 2)], False])
    assert_odoo_error(body, "odoo.exceptions.UserError",
                      message="Not enough Craft Beer: 1 on hand, 2 ordered")
    assert await on_hand(orm, shop.beer, shop.a) == 1
    assert await orm.run(lambda env: env["pos.order"].search_count(
        [("uuid", "=", "00001-001-0002")])) == 0
